package chart

import (
	"bytes"
	"errors"
	"flag"
	"image/png"
	"sort"
	"testing"

	"dramabot/knowledge/ingest"
	"dramabot/knowledge/records"
)

var update = flag.Bool("update", false, "rewrite testdata/glyphs.txt")

func rec(metric, unit string, v float64, period, producer, publisher string, forecast bool) records.Record {
	p, ok := records.ParsePeriod(period)
	if !ok {
		panic("bad period " + period)
	}
	return records.Record{Metric: metric, Unit: unit, Value: v, Period: p, Forecast: forecast,
		Source: records.Source{Producer: producer, Publisher: publisher, Date: "2025-01-17"}}
}

func marketSizes() []records.Record {
	return []records.Record{
		rec(records.MarketSize, "CNY", 373.9e8, "2023", "iiMedia Research (艾媒咨询)", "National Business Daily", false),
		rec(records.MarketSize, "CNY", 504.4e8, "2024", "iiMedia Research (艾媒咨询)", "iiMedia", false),
		rec(records.MarketSize, "CNY", 677.9e8, "2025", "iiMedia Research (艾媒咨询)", "iiMedia", true),
		rec(records.MarketSize, "CNY", 1000e8, "2027", "iiMedia Research (艾媒咨询)", "China Daily", true),
		rec(records.MarketSize, "CNY", 505e8, "2024", "China Television Drama Production Industry Association", "AzerNews", false),
		rec(records.MarketSize, "CNY", 856e8, "2027", "China Television Drama Production Industry Association", "AzerNews", true),
		rec(records.MarketSize, "CNY", 485e8, "2024", "iResearch Consulting Group", "eMarketer", false),
		rec(records.MarketSize, "CNY", 1014e8, "2028", "iResearch Consulting Group", "eMarketer", true),
		rec(records.MarketSize, "USD", 7e9, "2024", "Media Partners Asia", "Campaign Asia", false),
		rec(records.MarketSize, "USD", 5e9, "2024", "Reuters (interviews)", "Taipei Times", false),
		rec(records.Users, records.UnitUsers, 576e6, "as of 2024-06", "CNSA", "People's Daily", false),
	}
}

// decode checks that a result is a PNG of its stated size, at least
// 800×450.
func decode(t *testing.T, res Result) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(res.PNG))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != res.Width || b.Dy() != res.Height || b.Dx() < MinWidth || b.Dy() < MinHeight {
		t.Errorf("image %dx%d, result says %dx%d, want at least %dx%d", b.Dx(), b.Dy(), res.Width, res.Height, MinWidth, MinHeight)
	}
}

func entity(rs []records.Record, e string) []records.Record {
	for i := range rs {
		rs[i].Entity = e
	}
	return rs
}

func TestRender(t *testing.T) {
	tests := []struct {
		name    string
		rs      []records.Record
		metric  string
		opt     Options
		series  int
		points  int
		omitted int
		unit    string
	}{
		{"market size, English", marketSizes(), records.MarketSize, Options{}, 3, 8, 2, "CNY"},
		{"market size, Chinese", marketSizes(), records.MarketSize, Options{Chinese: true}, 3, 8, 2, "CNY"},
		{"two points", marketSizes()[:2], records.MarketSize, Options{}, 1, 2, 0, "CNY"},
		{"forecasts only", []records.Record{marketSizes()[2], marketSizes()[3]}, records.MarketSize, Options{Chinese: true}, 1, 2, 0, "CNY"},
		{"a platform", entity([]records.Record{
			rec(records.MAU, records.UnitUsers, 54e6, "2024-03", "QuestMobile", "Longbridge", false),
			rec(records.MAU, records.UnitUsers, 120e6, "2024-09", "QuestMobile", "36Kr", false),
			rec(records.MAU, records.UnitUsers, 212e6, "2025-06", "QuestMobile", "Dao Insights", false),
		}, "hongguo"), records.MAU, Options{Entity: "hongguo"}, 1, 3, 0, records.UnitUsers},
		{"percent", []records.Record{
			rec(records.Penetration, "percent", 31.4, "2024-01", "Miaozhen Systems (秒针系统)", "eMarketer", false),
			rec(records.Penetration, "percent", 49.8, "2025-02", "Miaozhen Systems (秒针系统)", "eMarketer", false),
			rec(records.Penetration, "percent", 52.4, "as of 2024-06", "CNNIC", "Workers' Daily", false),
		}, records.Penetration, Options{Chinese: true}, 2, 3, 0, "percent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Render(tt.rs, tt.metric, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			decode(t, res)
			if res.Series != tt.series || res.Points != tt.points || res.Omitted != tt.omitted || res.Unit != tt.unit {
				t.Errorf("series %d points %d omitted %d unit %q; want %d %d %d %q",
					res.Series, res.Points, res.Omitted, res.Unit, tt.series, tt.points, tt.omitted, tt.unit)
			}
		})
	}
}

func TestRenderTooFew(t *testing.T) {
	tests := []struct {
		name   string
		rs     []records.Record
		metric string
	}{
		{"none", nil, records.MarketSize},
		{"one figure", marketSizes()[:1], records.MarketSize},
		{"another metric", marketSizes(), records.Jobs},
		{"another entity", entity(marketSizes(), "hongguo"), records.MarketSize},
		{"one in each unit", []records.Record{marketSizes()[0], marketSizes()[8]}, records.MarketSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Render(tt.rs, tt.metric, Options{}); !errors.Is(err, ErrTooFew) {
				t.Errorf("err = %v, want ErrTooFew", err)
			}
		})
	}
}

// TestRenderCorpus draws the eight metrics of the embedded corpus with the
// most figures, in English and Chinese by turns: each series is a
// producer, and every figure is drawn or counted as left out. (Eight, not
// all: a chart is slow under the race detector.)
func TestRenderCorpus(t *testing.T) {
	docs, _ := ingest.Default()
	all := records.ExtractAll(docs)
	metrics := records.Metrics()
	count := func(m string) int { return records.Match(all, records.Query{Metric: m}).Total }
	sort.SliceStable(metrics, func(i, j int) bool { return count(metrics[i]) > count(metrics[j]) })
	drawn := 0
	for _, m := range metrics[:8] {
		tl := records.Timeline(records.Match(all, records.Query{Metric: m}).Records, m)
		if len(tl) == 0 || len(tl[0].Records) < 2 {
			continue
		}
		total := 0
		for _, s := range tl {
			total += len(s.Records)
		}
		producers := map[string]bool{}
		for _, r := range tl[0].Records {
			producers[producerKey(r.Source.Name())] = true
		}
		{
			zh := drawn%2 == 1
			res, err := Render(all, m, Options{Chinese: zh})
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			decode(t, res)
			// Every dated figure is drawn or counted as left out.
			if res.Points+res.Omitted != total || res.Series > len(producers) || res.Series < 1 {
				t.Errorf("%s: %d points and %d left out in %d series; %d records of %d producers",
					m, res.Points, res.Omitted, res.Series, total, len(producers))
			}
		}
		drawn++
	}
	if drawn < 5 {
		t.Errorf("only %d metrics drawn", drawn)
	}
}

func TestFit(t *testing.T) {
	f, err := loadFonts()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		face *face
		in   string
		want string
	}{
		{f.latin, "iiMedia Research (艾媒咨询)", "iiMedia Research"},
		{f.cjk, "iiMedia Research (艾媒咨询)", "iiMedia Research (艾媒咨询)"},
		{f.cjk, "市场规模：各来源数据", "市场规模：各来源数据"},
		{f.cjk, "龘 Reuters", "Reuters"},
		{f.latin, "  two\tspaces ", "two spaces"},
	}
	for _, tt := range tests {
		if got := tt.face.fit(tt.in); got != tt.want {
			t.Errorf("fit(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPeriodX(t *testing.T) {
	tests := []struct {
		period string
		want   float64
	}{
		{"2024", 2024.5}, {"2024-Q1", 2024.125}, {"as of 2024-06", 2024.5}, {"2025-01 to 2025-08", 2025 + 4.0/12},
	}
	for _, tt := range tests {
		p, _ := records.ParsePeriod(tt.period)
		if p.Label != tt.period && p.Kind != records.KindRange {
			t.Fatalf("period %q parsed as %q", tt.period, p.Label)
		}
		if got, ok := periodX(p); !ok || abs(got-tt.want) > 1e-9 {
			t.Errorf("periodX(%s) = %v, want %v", tt.period, got, tt.want)
		}
	}
	if _, ok := periodX(records.Period{}); ok {
		t.Error("no period placed")
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// BenchmarkRender draws the 2024-2028 market sizes of four producers.
func BenchmarkRender(b *testing.B) {
	rs := marketSizes()
	if _, err := Render(rs, records.MarketSize, Options{}); err != nil {
		b.Fatal(err)
	}
	for _, zh := range []bool{false, true} {
		name := "en"
		if zh {
			name = "zh"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Render(rs, records.MarketSize, Options{Chinese: zh}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
