package figures_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"dramabot/knowledge"
	"dramabot/knowledge/dict"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/figures"
	"dramabot/knowledge/glossary"
	"dramabot/knowledge/ingest"
	"dramabot/knowledge/store"
	"dramabot/knowledge/wordnet"
)

var (
	once   sync.Once
	engine *knowledge.Engine
	index  *figures.Index
)

// defaultEngine is the engine of `dramabot ask` over the default corpus,
// with the figure records the store reads.
func defaultEngine(t *testing.T) (*knowledge.Engine, *figures.Index) {
	t.Helper()
	once.Do(func() {
		loc := embed.NewLocal(embed.DefaultDim)
		st, err := store.Open(store.Options{Embedder: store.Embedder{Name: loc.Name(), Embed: loc.Embed}})
		if err != nil {
			t.Fatal(err)
		}
		docs, _ := ingest.Default()
		if _, err := st.Sync(context.Background(), docs); err != nil {
			t.Fatal(err)
		}
		index = figures.New(st)
		engine = knowledge.NewEngine(st, knowledge.EngineOptions{Translator: dict.Default(), Expander: glossary.Default(), Thesaurus: wordnet.Default(), Figures: index})
	})
	if engine == nil {
		t.Fatal("no engine")
	}
	return engine, index
}

// TestDisagreementsAreShown asks, as a journalist would, about each
// disagreement between sources that the market notes hold (the research
// notes' list of disagreements and revisions): the answer's figure table
// must hold the differing figures, and sources_differ must be set when
// they differ by more than 5%. The list follows the research notes' one,
// so that it stays complete: a case with absent set is one whose other
// side the market notes do not hold (nothing to show), one with gap set a
// disagreement the records do not read yet; both are skipped with the
// reason, so that each stays visible.
func TestDisagreementsAreShown(t *testing.T) {
	e, _ := defaultEngine(t)
	for _, tc := range []struct {
		name     string
		question string
		want     []string // figures as written, each in the table
		differ   bool
		gap      string
		absent   string
	}{
		{name: "2024 market size", question: "How big was China's micro-drama market in 2024?",
			want: []string{"504.4亿元", "50.5 billion yuan", "RMB 48.5 billion", "$7 billion", "US$5 billion"}, differ: true},
		{name: "2024 market size in Chinese", question: "2024年微短剧市场规模是多少？",
			want: []string{"504.4亿元", "50.5 billion yuan", "RMB 48.5 billion", "$7 billion"}, differ: true},
		{name: "what the 2024 market beat", question: "How big was China's box office in 2024?",
			absent: "the actual 2024 box office (425.02亿) is in no note; only the expected 47 billion RMB is"},
		{name: "2025 market size", question: "How big was China's micro-drama market in 2025?",
			want: []string{"677.9亿元", "67.79 billion yuan", "63.4 billion yuan", "100 billion yuan", "90 billion yuan", "$9.4 billion"}, differ: true},
		{name: "2023 market size (agree within rounding)", question: "How big was the micro-drama market in 2023?",
			want: []string{"373.9亿元", "37.39 billion yuan"}, differ: false},
		{name: "2021 baseline", question: "How big was the micro-drama market in 2021?",
			absent: "iiMedia's 3.68亿 yuan for 2021 is in no note; only Media Partners Asia's $500 million is"},
		{name: "users", question: "How many people watch micro-dramas?",
			want: []string{"6.96亿", "830 million", "700 million"}, differ: true},
		{name: "share of viewers who pay (one report, two roundings)", question: "What share of micro-drama viewers pay?",
			want: []string{"60 per cent", "60%"}, differ: false},
		{name: "employment", question: "How many jobs has the industry created?",
			want: []string{"690,000", "219,000", "2.03 million"}, differ: true},
		{name: "episode length", question: "How long is an episode of a micro-drama?",
			want: []string{"15", "30", "5"}, differ: true},
		{name: "Hengdian crews", question: "How many crews filmed in Hengdian in 2024?",
			gap: "one 2024 crew count for Hengdian; the others are other periods (January to April 2025) or count titles, not crews"},
		{name: "Hongguo MAU in September 2024", question: "What was Hongguo's monthly user count in September 2024?",
			absent: "Kazinform's 超1.58亿 for September 2024 is in no note; 1.58亿 is there as QuestMobile's December 2024 figure"},
		{name: "overseas revenue 2024", question: "How much did Chinese micro-drama apps earn overseas in 2024?",
			want: []string{"$1.4 billion", "40亿美元"}, differ: true},
		{name: "Chinese apps overseas", question: "How many Chinese micro-drama apps are there overseas?",
			gap: "records.Topic reads the question as overseas revenue, not apps"},
		{name: "overseas downloads", question: "How many times were micro-drama apps downloaded overseas in 2025?",
			want: []string{"2.7亿", "950 million", "18.55亿", "2.3 billion"}, differ: true},
		{name: "titles in 2025", question: "How many micro-dramas were released in 2025?",
			gap: "the 2025 counts are read as different metrics: CNSA's 4万 (a forecast) and 3,000 a month as titles produced, NRTA's 33,000 as titles released"},
		{name: "free share of the market", question: "What share of the micro-drama market is free?",
			gap: "records.Topic reads the question as market size, not the free (IAA) share"},
		{name: "US share of overseas revenue", question: "What share of overseas micro-drama revenue comes from the US?",
			gap: "records.Topic reads the question as overseas revenue; the US shares are read with the US as entity in some notes and none in others"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.absent != "" {
				t.Skip("not in the market notes: " + tc.absent)
			}
			if tc.gap != "" {
				t.Skip("known gap: " + tc.gap)
			}
			a, err := e.Answer(context.Background(), tc.question)
			if err != nil {
				t.Fatal(err)
			}
			if a.Abstained {
				t.Fatalf("abstained: %s", a.Reason)
			}
			var got []string
			for _, r := range a.FigureTable {
				got = append(got, r.Text)
			}
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("figure table %q lacks %q", got, w)
				}
			}
			if a.SourcesDiffer != tc.differ {
				t.Errorf("sources_differ = %v, want %v (table %q)", a.SourcesDiffer, tc.differ, got)
			}
			// Reported figures come before forecasts, and within each
			// the newest source first.
			for i := 1; i < len(a.FigureTable); i++ {
				p, r := a.FigureTable[i-1], a.FigureTable[i]
				if p.Forecast && !r.Forecast {
					t.Errorf("reported %q after forecast %q", r.Text, p.Text)
				}
				if p.Forecast == r.Forecast && p.Source.Date != "" && r.Source.Date > p.Source.Date {
					t.Errorf("%q (%s) after older %q (%s)", r.Text, r.Source.Date, p.Text, p.Source.Date)
				}
			}
		})
	}
}

// TestNoTableForOtherQuestions: a question that asks no metric gets no
// figure table.
func TestNoTableForOtherQuestions(t *testing.T) {
	e, _ := defaultEngine(t)
	for _, q := range []string{"Who regulates micro-dramas in China?", "What is Hongguo?"} {
		a, err := e.Answer(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.FigureTable) > 0 {
			t.Errorf("%q: figure table of %d rows (%s)", q, len(a.FigureTable), a.FigureMetric)
		}
	}
}

// TestTimelineAndChartInput: the bad inputs of a timeline or a chart are
// errors a surface can tell apart, never a panic.
func TestTimelineAndChartInput(t *testing.T) {
	_, ix := defaultEngine(t)
	for _, tc := range []struct {
		topic       string
		timeline    error
		chart       error
		minSeries   int
		wantUndated bool
	}{
		{topic: "market size", minSeries: 2},
		{topic: "市场规模", minSeries: 2},
		{topic: "jobs", minSeries: 1},
		{topic: "the weather in Paris", timeline: knowledge.ErrNotAMetric, chart: knowledge.ErrNotAMetric},
		{topic: "", timeline: knowledge.ErrNotAMetric, chart: knowledge.ErrNotAMetric},
		{topic: "box office", minSeries: 1},
	} {
		t.Run(tc.topic, func(t *testing.T) {
			tl, err := ix.Timeline(tc.topic)
			if !errors.Is(err, tc.timeline) || tc.timeline == nil && err != nil {
				t.Fatalf("Timeline(%q) error %v, want %v", tc.topic, err, tc.timeline)
			}
			if err == nil {
				if len(tl.Series) < tc.minSeries {
					t.Errorf("%d series (units), want at least %d", len(tl.Series), tc.minSeries)
				}
				n := 0
				for _, s := range tl.Series {
					n += len(s.Records)
					for _, r := range s.Records {
						if r.Unit != s.Unit || r.Period.Label == "" {
							t.Errorf("series %s holds %q in %s, period %q", s.Unit, r.Text, r.Unit, r.Period.Label)
						}
					}
				}
				if n != tl.Shown || tl.Shown > tl.Total || tl.Capped != (tl.Shown < tl.Total) {
					t.Errorf("shown %d, listed %d, total %d, capped %v", tl.Shown, n, tl.Total, tl.Capped)
				}
			}
			if tc.chart == nil && tc.timeline != nil {
				return
			}
			_, err = ix.Chart(tc.topic)
			if tc.chart != nil && !errors.Is(err, tc.chart) {
				t.Errorf("Chart(%q) error %v, want %v", tc.topic, err, tc.chart)
			}
		})
	}
}

// TestTimelineCap: a topic with more figures than the cap lists the cap
// and says how many there were.
func TestTimelineCap(t *testing.T) {
	var rs fakeRecords
	for i := range 620 {
		rs = append(rs, record("market_size", "CNY", float64(1000+i), 2000+i%40))
	}
	tl, err := figures.New(rs).Timeline("market size")
	if err != nil {
		t.Fatal(err)
	}
	if !tl.Capped || tl.Total != 620 || tl.Shown != 500 {
		t.Errorf("total %d, shown %d, capped %v; want 620, 500, true", tl.Total, tl.Shown, tl.Capped)
	}
}

func TestChineseTopicNamesInChinese(t *testing.T) {
	_, ix := defaultEngine(t)
	tl, err := ix.Timeline("用户规模")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.ContainsFunc(tl.MetricName, func(r rune) bool { return r >= 0x4e00 }) {
		t.Errorf("metric name %q, want it in Chinese", tl.MetricName)
	}
}

// TestOneFigureNoChart: a metric with one figure gets a timeline of one
// row and no chart; figures without a period are counted, not listed.
func TestOneFigureNoChart(t *testing.T) {
	rs := fakeRecords{record("jobs", "jobs", 647000, 2024), {Metric: "jobs", Unit: "jobs", Value: 1, Text: "1"}}
	ix := figures.New(rs)
	tl, err := ix.Timeline("jobs")
	if err != nil {
		t.Fatal(err)
	}
	if tl.Shown != 1 || tl.Undated != 1 {
		t.Errorf("shown %d, undated %d; want 1 and 1", tl.Shown, tl.Undated)
	}
	if _, err := ix.Chart("jobs"); !errors.Is(err, knowledge.ErrTooFewToChart) {
		t.Errorf("Chart of one figure: %v, want ErrTooFewToChart", err)
	}
	if _, err := ix.Chart("users"); !errors.Is(err, knowledge.ErrNoFigures) {
		t.Errorf("Chart of a metric without figures: %v, want ErrNoFigures", err)
	}
}

// BenchmarkChart draws the default corpus's most charted metric, the
// market size (a dozen producers, reported and forecast), in both
// languages: the target is at most 100 ms a chart.
func BenchmarkChart(b *testing.B) {
	loc := embed.NewLocal(embed.DefaultDim)
	st, err := store.Open(store.Options{Embedder: store.Embedder{Name: loc.Name(), Embed: loc.Embed}})
	if err != nil {
		b.Fatal(err)
	}
	docs, _ := ingest.Default()
	if _, err := st.Sync(context.Background(), docs); err != nil {
		b.Fatal(err)
	}
	ix := figures.New(st)
	for _, topic := range []string{"market size", "市场规模"} {
		b.Run(topic, func(b *testing.B) {
			for b.Loop() {
				if _, err := ix.Chart(topic); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
