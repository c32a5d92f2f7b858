package records

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"dramabot/knowledge"
	"dramabot/knowledge/ingest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// want is what a test expects of one record; empty strings are not
// checked.
type want struct {
	text, unit, metric, period, entity string
	value, high                        float64
	forecast, estimate                 bool
	bound                              string
}

func TestExtractSentence(t *testing.T) {
	tests := []struct {
		name     string
		sentence string
		want     []want
	}{
		{"times of a count are not a multiple", "Short drama apps were downloaded 370 million times in Q1 2025.",
			[]want{{text: "370 million", value: 370e6, unit: UnitDownloads, metric: Downloads, period: "2025-Q1"}}},
		{"times of views", "Night Shift Diary was played 1 billion times in 2023.",
			[]want{{value: 1e9, unit: UnitViews, metric: Views, period: "2023"}}},
		{"small times are a multiple", "Spending grew 3 times in 2024.",
			[]want{{value: 3, unit: "fold", metric: Growth, period: "2024"}}},
		{"36氪 is a name", "据36氪报道，2024年微短剧市场规模为504.4亿元。",
			[]want{{text: "504.4亿元", value: 504.4e8, unit: "CNY", metric: MarketSize, period: "2024"}}},
		{"growth is not size", "2024年微短剧市场规模达504.4亿元，同比增长34.90%。",
			[]want{{value: 504.4e8, unit: "CNY", metric: MarketSize, period: "2024"}, {value: 34.9, unit: "percent", metric: Growth, period: "2024"}}},
		{"by 2027 is a forecast period", "iiMedia projected the market would grow beyond 100 billion yuan by 2027.",
			[]want{{value: 1e11, unit: "CNY", metric: MarketSize, period: "2027", forecast: true, bound: "over"}}},
		{"a theatre's number is a name", "Take Me Home went up on Douyin's 9527 Theatre on 2 June 2024 and drew 1 million views within an hour.",
			[]want{{value: 1e6, unit: UnitViews, metric: Views, entity: "douyin"}}},
		{"ISO months are periods, not figures", "Hongguo had 212 million monthly active users in 2025-06, up 179% year on year.",
			[]want{{value: 212e6, unit: UnitUsers, metric: MAU, entity: "hongguo", period: "2025-06"}, {value: 179, metric: Growth, period: "2025-06"}}},
		{"expected after the figure is not its forecast", "The market reached 50 billion yuan in 2024 and was expected to go further in 2025.",
			[]want{{value: 5e10, metric: MarketSize, period: "2024", forecast: false}}},
		{"each figure its own year", "Revenue in China climbed from $500 million in 2021 to $7 billion in 2024.",
			[]want{{value: 5e8, unit: "USD", metric: MarketSize, period: "2021"}, {value: 7e9, unit: "USD", metric: MarketSize, period: "2024"}}},
		{"a range", "Crews now have 60 to 90 people.",
			[]want{{text: "60 to 90", value: 60, high: 90, unit: UnitPeople, metric: CrewSize}}},
		{"a Chinese range", "普通微短剧的成本大多已升至40万至70万元。",
			[]want{{value: 4e5, high: 7e5, unit: "CNY", metric: Cost}}},
		{"as of", "Micro-drama viewers in China numbered 576 million as of June 2024, 52.4% of internet users.",
			[]want{{value: 576e6, unit: UnitUsers, metric: Users, period: "as of 2024-06"}, {value: 52.4, metric: Penetration, period: "as of 2024-06"}}},
		{"截至", "截至2025年7月，我国微短剧用户规模达到6.96亿。",
			[]want{{text: "6.96亿", value: 6.96e8, unit: UnitUsers, metric: Users, period: "as of 2025-07"}}},
		{"a Chinese month range fronted", "2025年1月至8月，微短剧应用人均单日使用时长达120.5分钟。",
			[]want{{value: 120.5, unit: UnitMinutes, metric: ViewingTime, period: "2025-01/2025-08"}}},
		{"ages are not figures", "In 2024 people aged 40 to 59 made up 37.3% of micro-drama users.",
			[]want{{value: 37.3, metric: Share, period: "2024"}}},
		{"first three quarters", "In the first three quarters of 2024 distribution licences went to 470 micro-dramas, 35.4% more than a year earlier.",
			[]want{{value: 470, unit: UnitTitles, metric: TitlesLicensed, period: "2024-01/2024-09"}, {value: 35.4, metric: Growth}}},
		{"an estimate", "Reuters put the industry at about US$5 billion a year.",
			[]want{{value: 5e9, unit: "USD", metric: MarketSize, estimate: true}}},
		{"a bound", "2024年中国微短剧市场规模超过505亿元，超过全国电影票房。",
			[]want{{value: 505e8, metric: MarketSize, bound: "over", period: "2024"}}},
		{"box office beside the market", "a 2024 market size of 50.44 billion RMB, above the 47 billion RMB mainland film box office.",
			[]want{{value: 50.44e9, metric: MarketSize, period: "2024"}, {value: 47e9, metric: BoxOffice, period: "2024"}}},
		{"dates of reports are not periods", "People's Daily Online (17 Jan 2025) reported that the white paper expected the market to exceed 50 billion yuan in 2024.",
			[]want{{value: 5e10, metric: MarketSize, period: "2024", forecast: true}}},
		{"overseas money", "Overseas revenue of Chinese micro-dramas was US$1.5 billion from January to August 2025.",
			[]want{{value: 1.5e9, metric: OverseasRevenue, period: "2025-01/2025-08"}}},
		{"an app's money", "ReelShort earned $49.2 million in June 2025.",
			[]want{{value: 49.2e6, metric: Revenue, entity: "reelshort", period: "2025-06"}}},
		{"jobs", "Micro-dramas directly employed about 690,000 people in 2025.",
			[]want{{value: 690000, unit: UnitJobs, metric: Jobs, period: "2025", estimate: true}}},
		{"the two ends of a change take the ends of its period", "Average daily time on micro-drama apps rose from 95.7 minutes to 120.5 minutes between January and August 2025.",
			[]want{{value: 95.7, unit: UnitMinutes, metric: ViewingTime, period: "2025-01"}, {value: 120.5, unit: UnitMinutes, metric: ViewingTime, period: "2025-08"}}},
		{"从X升至Y", "2020年至2025年，行业规模从不足10亿元增至近1000亿元。",
			[]want{{value: 1e9, unit: "CNY", metric: MarketSize, period: "2020", bound: "under"}, {value: 1e11, unit: "CNY", metric: MarketSize, period: "2025", estimate: true}}},
		{"no figures", "The NRTA defines a micro-drama by the length of its episodes.", nil},
		{"clock times and dates are not figures", "18:15:58 05-08-2025 From: CRI Online", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sentenceRecords(tt.sentence)
			if len(got) != len(tt.want) {
				t.Fatalf("%d records, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				checkRecord(t, got[i], w)
			}
		})
	}
}

// sentenceRecords reads a sentence as a document that is not a note
// would: its clause's period, else its sentence's.
func sentenceRecords(s string) []Record {
	rs := extractSentence(s)
	for i := range rs {
		fillPeriod(&rs[i], periodFallbacks{})
	}
	return rs
}

func checkRecord(t *testing.T, r Record, w want) {
	t.Helper()
	str := func(field, got, want string) {
		if want != "" && got != want {
			t.Errorf("%q: %s %q, want %q", r.Text, field, got, want)
		}
	}
	str("text", r.Text, w.text)
	str("unit", r.Unit, w.unit)
	str("metric", r.Metric, w.metric)
	str("period", r.Period.Label, w.period)
	str("entity", r.Entity, w.entity)
	str("bound", r.Bound, w.bound)
	if r.Value != w.value || r.High != w.high {
		t.Errorf("%q: value %g-%g, want %g-%g", r.Text, r.Value, r.High, w.value, w.high)
	}
	if r.Forecast != w.forecast {
		t.Errorf("%q: forecast %v, want %v", r.Text, r.Forecast, w.forecast)
	}
	if w.estimate && !r.Estimate {
		t.Errorf("%q: not an estimate", r.Text)
	}
}

func TestEquivalent(t *testing.T) {
	rs := extractSentence("Revenue in China was projected to nearly double in 2025 to 90 billion yuan ($12.7 billion).")
	if len(rs) != 2 {
		t.Fatalf("%d records, want 2", len(rs))
	}
	if e := rs[0].Equivalent; e == nil || e.Unit != "USD" || e.Value != 12.7e9 {
		t.Errorf("equivalent of %q: %+v", rs[0].Text, e)
	}
	if e := rs[1].Equivalent; e == nil || e.Unit != "CNY" || e.Value != 9e10 {
		t.Errorf("equivalent of %q: %+v", rs[1].Text, e)
	}
	if rs[1].Metric != MarketSize || !rs[1].Forecast {
		t.Errorf("%q: metric %q forecast %v", rs[1].Text, rs[1].Metric, rs[1].Forecast)
	}
}

func note(id, en, zh, period, lang string, forecast bool) knowledge.Document {
	return knowledge.Document{
		Source: knowledge.Source{ID: id, Publisher: "P", Date: "2025-01-17", Note: &knowledge.NoteInfo{
			Producer: "Producer " + id, Period: period, Forecast: forecast, PageLang: lang}},
		Passages: []knowledge.Passage{{ID: id, SourceID: id, Ordinal: 1, Text: en + "\n" + zh}},
	}
}

func TestExtractNote(t *testing.T) {
	t.Run("one record a figure, in the source's language", func(t *testing.T) {
		d := note("n1", "iResearch data: China's micro-drama revenue was RMB 48.5 billion in 2024.",
			"艾瑞咨询数据：2024年中国微短剧收入为485亿元人民币。", "2024", "zh-Hans", false)
		rs := Extract(d)
		if len(rs) != 1 {
			t.Fatalf("%d records, want 1: %+v", len(rs), rs)
		}
		r := rs[0]
		if r.Text != "485亿元" || r.Unit != "CNY" || r.Period.Basis != BasisText || r.Source.Producer != "Producer n1" || r.Source.PassageID != "n1" {
			t.Errorf("got %+v", r)
		}
	})
	t.Run("the note's period when the sentence names none", func(t *testing.T) {
		d := note("n2", "Reuters put China's micro-drama industry at about US$5 billion a year.",
			"路透社称中国微短剧产业规模约为每年50亿美元。", "2024 (annual size at the time)", "en", false)
		rs := Extract(d)
		if len(rs) != 1 || rs[0].Period.Label != "2024" || rs[0].Period.Basis != BasisNote || rs[0].Text != "US$5 billion" {
			t.Fatalf("got %+v", rs)
		}
	})
	t.Run("the publication date last", func(t *testing.T) {
		d := note("n3", "More than 50% of viewers pay to unlock episodes.", "超过50%的观众会付费解锁剧集。", "not stated on the page", "en", false)
		rs := Extract(d)
		if len(rs) != 1 || rs[0].Period.Label != "as of 2025-01-17" || rs[0].Period.Basis != BasisPublished || rs[0].Metric != SharePaying {
			t.Fatalf("got %+v", rs)
		}
	})
	t.Run("the note's forecast flag, unless the figure is reported", func(t *testing.T) {
		d := note("n4", "The market outside China made $1.4 billion in 2024 and is forecast to reach $9.5 billion by 2030.",
			"中国以外的微短剧市场2024年收入14亿美元，预计到2030年增至95亿美元。", "2024 (actual) to 2030 (forecast)", "en", true)
		rs := Extract(d)
		if len(rs) != 2 || rs[0].Forecast || !rs[1].Forecast || rs[1].Period.Label != "2030" {
			t.Fatalf("got %+v", rs)
		}
	})
}

func rec(metric, unit string, v float64, period string, forecast bool, src string) Record {
	p, _ := ParsePeriod(period)
	return Record{Metric: metric, Unit: unit, Value: v, Period: p, Forecast: forecast, Source: Source{SourceID: src, PassageID: src, Publisher: src}}
}

func TestDiffer(t *testing.T) {
	cny := func(v float64, f bool) Record { return rec(MarketSize, "CNY", v, "2024", f, "a") }
	usd := func(v float64, f bool) Record { return rec(MarketSize, "USD", v, "2024", f, "b") }
	withEq := cny(90e9, false)
	withEq.Equivalent = &Amount{Value: 12.7e9, Unit: "USD"}
	tests := []struct {
		name string
		rows []Record
		want bool
	}{
		{"within 5%", []Record{cny(504.4e8, false), cny(505e8, false), cny(485e8, false)}, false},
		{"more than 5%", []Record{cny(504.4e8, false), cny(373.9e8, false)}, true},
		{"dollars", []Record{usd(7e9, false), usd(5e9, false)}, true},
		{"currencies never converted", []Record{cny(504.4e8, false), usd(7e9, false)}, false},
		{"forecasts only with forecasts", []Record{cny(500e8, true), cny(373.9e8, false)}, false},
		{"forecasts that differ", []Record{cny(500e8, true), cny(1000e8, true)}, true},
		{"through the source's own equivalent", []Record{withEq, usd(9.4e9, false)}, true},
		{"equivalent that agrees", []Record{withEq, usd(12.5e9, false)}, false},
		{"one row", []Record{cny(1, false)}, false},
		{"different years are a series", []Record{cny(504.4e8, false), rec(MarketSize, "CNY", 373.9e8, "2023", false, "c")}, false},
		{"an as-of date inside the year", []Record{cny(504.4e8, false), rec(MarketSize, "CNY", 300e8, "as of 2024-12", false, "c")}, true},
		{"none", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Differ(tt.rows); got != tt.want {
				t.Errorf("Differ = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMatchAndTimeline(t *testing.T) {
	rs := []Record{
		rec(MarketSize, "CNY", 504.4e8, "2024", false, "cnsa"),
		rec(MarketSize, "USD", 7e9, "2024", false, "mpa"),
		rec(MarketSize, "CNY", 373.9e8, "2023", false, "iimedia"),
		rec(MarketSize, "CNY", 1000e8, "2027", true, "iimedia2"),
		rec(Users, UnitUsers, 576e6, "as of 2024-06", false, "cnsa"),
		rec(MAU, UnitUsers, 120e6, "2024-09", false, "qm"),
	}
	rs[5].Entity = "hongguo"
	got := Match(rs, Query{Metric: MarketSize, Period: mustPeriod(t, "2024")})
	if got.Total != 2 || got.Capped || got.Records[0].Source.SourceID != "cnsa" {
		t.Errorf("market size 2024: %+v", got)
	}
	if !Differ(got.Records[:1]) == false {
		t.Error("one row differs")
	}
	if got := Match(rs, Query{Metric: Users, Period: mustPeriod(t, "2024")}); got.Total != 1 {
		t.Errorf("users in 2024 (as of June): %+v", got)
	}
	if got := Match(rs, Query{Metric: MAU}); got.Total != 0 {
		t.Errorf("the market's MAU matched Hongguo's: %+v", got)
	}
	if got := Match(rs, Query{Metric: MAU, Entity: "hongguo"}); got.Total != 1 {
		t.Errorf("Hongguo's MAU: %+v", got)
	}
	tl := Timeline(rs, MarketSize)
	if len(tl) != 2 || tl[0].Unit != "CNY" || len(tl[0].Records) != 3 {
		t.Fatalf("timeline: %+v", tl)
	}
	var periods []string
	for _, r := range tl[0].Records {
		periods = append(periods, r.Period.Label)
	}
	if strings.Join(periods, ",") != "2023,2024,2027" {
		t.Errorf("timeline order %v", periods)
	}
}

func TestCap(t *testing.T) {
	rs := make([]Record, MaxRecords+7)
	for i := range rs {
		rs[i] = rec(Jobs, UnitJobs, float64(i), "2025", false, "s")
	}
	got := Match(rs, Query{Metric: Jobs})
	if len(got.Records) != MaxRecords || !got.Capped || got.Total != MaxRecords+7 {
		t.Errorf("cap: %d records, capped %v, total %d", len(got.Records), got.Capped, got.Total)
	}
	if tl := Timeline(rs, Jobs); len(tl) != 1 || !tl[0].Capped {
		t.Errorf("timeline not capped")
	}
}

func mustPeriod(t *testing.T, s string) Period {
	t.Helper()
	p, ok := ParsePeriod(s)
	if !ok {
		t.Fatalf("no period in %q", s)
	}
	return p
}

func TestParsePeriod(t *testing.T) {
	tests := []struct{ in, label string }{
		{"2024", "2024"}, {"as of 2024-06", "as of 2024-06"}, {"2025-01 to 2025-08", "2025-01/2025-08"},
		{"2024 Q1-Q3", "2024-01/2024-09"}, {"2023 Q3", "2023-Q3"}, {"2024-H1", "2024-H1"}, {"2021 to 2024", "2021/2024"},
		{"2024 report (data for 2023)", "2023"}, {"2025 (target)", "2025"}, {"as of end-2025", "as of 2025-12"},
		{"2023年第三季度", "2023-Q3"}, {"2024年上半年", "2024-H1"}, {"2025年1-9月", "2025-01/2025-09"},
		{"2025年前8个月", "2025-01/2025-08"}, {"截至2024年6月", "as of 2024-06"}, {"2025年底", "as of 2025-12"},
		{"the first half of 2024", "2024-H1"}, {"Q1 2025", "2025-Q1"}, {"25 Sept 2025", "2025-09-25"},
	}
	for _, tt := range tests {
		p, ok := ParsePeriod(tt.in)
		if !ok || p.Label != tt.label {
			t.Errorf("ParsePeriod(%q) = %q, %v; want %q", tt.in, p.Label, ok, tt.label)
		}
	}
	for _, bad := range []string{"", "not stated on the page", "potential size (no year given)", "12 people"} {
		if p, ok := ParsePeriod(bad); ok {
			t.Errorf("ParsePeriod(%q) = %+v, want none", bad, p)
		}
	}
}

func TestTopic(t *testing.T) {
	tests := []struct {
		in                     string
		metric, entity, period string
		ok                     bool
	}{
		{"market size", MarketSize, "", "", true},
		{"2024年微短剧市场规模是多少", MarketSize, "", "2024", true},
		{"How big was the micro-drama market in 2024?", MarketSize, "", "2024", true},
		{"Hongguo monthly users", MAU, "hongguo", "", true},
		{"红果短剧月活跃用户", MAU, "hongguo", "", true},
		{"How many jobs has the mini series boom created?", Jobs, "", "", true},
		{"微短剧海外收入", OverseasRevenue, "", "", true},
		{"How many people watch micro-dramas?", Users, "", "", true},
		{"How long do people watch micro-dramas a day?", ViewingTime, "", "", true},
		{"daily active users on Kuaishou", DAU, "kuaishou", "", true},
		{"downloads of short drama apps in Q1 2025", Downloads, "", "2025-Q1", true},
		{"what is the weather like", "", "", "", false},
		{"", "", "", "", false},
	}
	for _, tt := range tests {
		q, ok := Topic(tt.in)
		if ok != tt.ok || q.Metric != tt.metric || q.Entity != tt.entity || q.Period.Label != tt.period {
			t.Errorf("Topic(%q) = %+v, %v; want %s %s %s %v", tt.in, q, ok, tt.metric, tt.entity, tt.period, tt.ok)
		}
	}
}

// TestGolden pins the records of the labelled sample (go test -update
// rewrites the file after a deliberate change).
func TestGolden(t *testing.T) {
	type row struct {
		ID, Text, Unit, Metric, Entity, Period, Basis, Bound string
		Value, High                                          float64
		Forecast, Estimate                                   bool
	}
	var rows []row
	for _, r := range sampleRecords(t) {
		rows = append(rows, row{r.Source.PassageID, r.Text, r.Unit, r.Metric, r.Entity, r.Period.Label, r.Period.Basis, r.Bound, r.Value, r.High, r.Forecast, r.Estimate})
	}
	var buf bytes.Buffer
	for _, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	const golden = "testdata/sample.golden.jsonl"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		gl, wl := strings.Split(buf.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("line %d:\n got %s\nwant %s\n(run go test -update after a deliberate change)", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%d lines, want %d (run go test -update after a deliberate change)", len(gl), len(wl))
	}
}

// TestDefaultCorpus runs over the embedded corpus: every document reads
// without a panic, and the 2024 market size shows the disagreement the
// sources are known for.
func TestDefaultCorpus(t *testing.T) {
	docs, _ := ingest.Default()
	all := ExtractAll(docs)
	if len(all) < 200 {
		t.Fatalf("%d records from the default corpus", len(all))
	}
	m := Match(all, Query{Metric: MarketSize, Period: mustPeriod(t, "2024")})
	if m.Total < 5 {
		t.Fatalf("2024 market size: %d records", m.Total)
	}
	var reported []Record
	for _, r := range m.Records {
		if !r.Forecast {
			reported = append(reported, r)
		}
		if r.Metric != MarketSize || !strings.HasPrefix(r.Period.From, "2024") {
			t.Errorf("matched %+v", r)
		}
	}
	if !Differ(reported) {
		t.Errorf("no disagreement among %d reported 2024 market sizes", len(reported))
	}
	q, ok := Topic("Hongguo monthly users")
	if !ok {
		t.Fatal("no topic")
	}
	hongguo := Match(all, q)
	if hongguo.Total < 4 {
		t.Errorf("Hongguo's monthly users: %d records", hongguo.Total)
	}
	for _, r := range Match(all, Query{Metric: MAU}).Records {
		if r.Entity != "" {
			t.Errorf("the market's monthly users hold %s's: %+v", r.Entity, r)
		}
	}
}

// BenchmarkExtractAll reads the figure table of the embedded corpus.
func BenchmarkExtractAll(b *testing.B) {
	docs, _ := ingest.Default()
	for b.Loop() {
		ExtractAll(docs)
	}
}
