package knowledge_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"dramabot/knowledge"
	"dramabot/knowledge/dict"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/glossary"
	"dramabot/knowledge/ingest"
	"dramabot/knowledge/store"
	"dramabot/knowledge/text"
	"dramabot/knowledge/wordnet"
)

// newEngine indexes documents (the default corpus when nil) in memory with
// the real store and the local embedder.
func newEngine(t *testing.T, docs []knowledge.Document) *knowledge.Engine {
	t.Helper()
	if docs == nil {
		var problems []ingest.Problem
		docs, problems = ingest.Default()
		if len(problems) > 0 {
			t.Fatalf("default corpus: %v", problems)
		}
	}
	l := embed.NewLocal(0)
	st, err := store.Open(store.Options{Embedder: store.Embedder{Name: l.Name(), Embed: l.Embed}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Sync(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	return knowledge.NewEngine(st, knowledge.EngineOptions{Translator: dict.Default(), Expander: glossary.Default(), Thesaurus: wordnet.Default()})
}

// checkGrounded asserts the answer's promises: each quoted sentence and each
// figure is verbatim in the passage its citation quotes, markers point at
// citations, and the answer fits its limits.
func checkGrounded(t *testing.T, a knowledge.Answer) {
	t.Helper()
	if n := len([]rune(a.Text)); n > knowledge.MaxAnswerRunes {
		t.Errorf("answer is %d runes", n)
	}
	if len(a.Sentences) > knowledge.MaxAnswerSentences {
		t.Errorf("answer has %d sentences", len(a.Sentences))
	}
	quote := func(n int) string {
		if n < 1 || n > len(a.Citations) {
			t.Fatalf("citation %d of %d", n, len(a.Citations))
		}
		return knowledge.StripRefMarks(a.Citations[n-1].Quote)
	}
	for _, s := range a.Sentences {
		for _, part := range strings.Split(s.Text, "…") {
			if !strings.Contains(quote(s.Citation), strings.TrimSpace(part)) {
				t.Errorf("sentence %q is not in its cited passage", s.Text)
			}
		}
		if !strings.Contains(a.Text, knowledge.Marker(s.Citation)) {
			t.Errorf("answer text lacks marker %s", knowledge.Marker(s.Citation))
		}
	}
	for _, f := range a.Figures {
		q := quote(f.Citation)
		if !strings.Contains(q, f.Text) || !strings.Contains(q, f.Label) {
			t.Errorf("figure %q (label %q) is not verbatim in citation %d", f.Text, f.Label, f.Citation)
		}
	}
}

func TestAnswerFromDefaultCorpus(t *testing.T) {
	e := newEngine(t, nil)
	// Where the market notes give another true figure for the same thing,
	// either answer is right: the seed article's 647,000 jobs or Peking
	// University's 690,000.
	tests := []struct {
		q          string
		wantText   []string  // the answer must quote one of these
		wantFigure []float64 // and list a figure of one of these values
	}{
		{"How many jobs has the mini series boom created?", []string{"647,000 jobs", "690,000", "69万"}, []float64{647000, 690000}},
		{"How many times larger did the mini series industry become?", []string{"185-fold"}, []float64{185}},
		{"How many followers do mini series actors have on Douyin?", []string{"100 million followers"}, []float64{1e8}},
		{"Who operates the innovation park in Longgang?", []string{"Shenzhen Media Group"}, nil},
		{"迷你剧创造了多少就业岗位？", []string{"647,000", "690,000", "69万"}, []float64{647000, 690000}},
		{"I'm a reporter at Caixin. How many jobs has the mini series boom created?", []string{"647,000 jobs", "690,000", "69万"}, []float64{647000, 690000}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			a, err := e.Answer(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if a.Abstained {
				t.Fatalf("abstained: %s", a.Reason)
			}
			checkGrounded(t, a)
			if !slices.ContainsFunc(tt.wantText, func(w string) bool { return strings.Contains(strings.ToLower(a.Text), strings.ToLower(w)) }) {
				t.Errorf("answer %q lacks any of %q", a.Text, tt.wantText)
			}
			if tt.wantFigure != nil && !slices.ContainsFunc(a.Figures, func(f knowledge.Figure) bool { return slices.Contains(tt.wantFigure, f.Value) }) {
				t.Errorf("figures %+v lack any of %v", a.Figures, tt.wantFigure)
			}
			if c := a.Citations[0]; c.Publisher == "" || c.Title == "" || c.Date == "" || c.PassageID == "" || c.URL == "" {
				t.Errorf("citation lacks source metadata: %+v", c)
			}
		})
	}
}

func TestAbstains(t *testing.T) {
	e := newEngine(t, nil)
	for _, q := range []string{
		"What is the population of Tokyo?",                            // nothing about it
		"How much did iQiyi spend on mini series in 2023?",            // a year the sources lack
		"What is the average salary of a mini series screenwriter?",   // a figure they lack
		"Quelle est la capitale de la France ?",                       // another language, another topic
		"zxqv wplk mmrt",                                              // no known word
		"What is the capital of France?",                              // a known word ("capital inflows"), an unknown name
		"How much did iQiyi spend on micro-dramas in 2023?",           // a glossary name no passage mentions
		"What was the box office of Avatar in 2009 in North America?", // unrelated
	} {
		t.Run(q, func(t *testing.T) {
			a, err := e.Answer(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if !a.Abstained {
				t.Fatalf("answered %q", a.Text)
			}
			if len(a.Related) == 0 {
				t.Error("an abstention lists no nearest passages")
			}
			if len(a.Figures) != 0 || len(a.Citations) != 0 {
				t.Errorf("an abstention cites or lists figures: %+v", a)
			}
			wantZH := strings.ContainsFunc(q, text.IsCJK)
			if gotZH := strings.ContainsFunc(a.Text, text.IsCJK); gotZH != wantZH {
				t.Errorf("abstention %q not in the question's language", a.Text)
			}
		})
	}
}

func TestAnswerErrors(t *testing.T) {
	e := newEngine(t, nil)
	for _, q := range []string{"", "   ", "??? !!!", "\x00\x01"} {
		if _, err := e.Answer(context.Background(), q); !errors.Is(err, knowledge.ErrEmptyQuestion) {
			t.Errorf("Answer(%q) error = %v, want ErrEmptyQuestion", q, err)
		}
	}
	if _, err := e.Answer(context.Background(), strings.Repeat("market ", knowledge.MaxQuestionRunes)); !errors.Is(err, knowledge.ErrQuestionTooLong) {
		t.Errorf("long question error = %v", err)
	}
}

func TestChineseSourcesAndFigures(t *testing.T) {
	docs := []knowledge.Document{{
		Source: knowledge.Source{ID: "zh", Title: "短剧市场报告", Publisher: "示例日报", Date: "2025-01-01"},
		Passages: ingest.ChunkDocument(knowledge.Source{ID: "zh", Title: "短剧市场报告"},
			"2024年，中国微短剧市场规模达到504.4亿元，同比增长34.9%。\n\n微短剧带动就业岗位64.7万个。\n\n用户规模超过5亿人。", false),
	}}
	e := newEngine(t, docs)
	a, err := e.Answer(context.Background(), "微短剧带动了多少就业岗位？")
	if err != nil {
		t.Fatal(err)
	}
	checkGrounded(t, a)
	var got *knowledge.Figure
	for i := range a.Figures {
		if a.Figures[i].Text == "64.7万" {
			got = &a.Figures[i]
		}
	}
	if got == nil || got.Value != 647000 {
		t.Fatalf("figures %+v lack 64.7万 = 647000 (answer %q)", a.Figures, a.Text)
	}
	a, err = e.Answer(context.Background(), "2024年微短剧市场规模是多少？")
	if err != nil {
		t.Fatal(err)
	}
	checkGrounded(t, a)
	if !strings.Contains(a.Text, "504.4亿元") {
		t.Errorf("answer %q lacks 504.4亿元", a.Text)
	}
}

func TestReferenceMarksAreNotQuoted(t *testing.T) {
	src := knowledge.Source{ID: "wiki", Title: "Hongguo"}
	e := newEngine(t, []knowledge.Document{{Source: src, Passages: ingest.ChunkDocument(src,
		"Hongguo is a free short drama app.[1][2] It had 158 million monthly users in 2024.[99][citation needed] Its owner is ByteDance.[note 3]", false)}})
	a, err := e.Answer(context.Background(), "How many monthly users did Hongguo have in 2024?")
	if err != nil {
		t.Fatal(err)
	}
	checkGrounded(t, a)
	if strings.Contains(a.Text, "[99]") || strings.Contains(a.Text, "[2]") || strings.Contains(a.Text, "needed]") {
		t.Errorf("answer quotes reference marks: %q", a.Text)
	}
	for _, f := range a.Figures {
		if f.Value == 99 || f.Value == 1 || f.Value == 2 {
			t.Errorf("a reference mark is listed as a figure: %+v", f)
		}
	}
	if !strings.Contains(a.Text, "158 million") {
		t.Errorf("answer = %q", a.Text)
	}
}

func TestKeyFigures(t *testing.T) {
	e := newEngine(t, nil)
	a, err := e.Figures(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Figures) == 0 {
		t.Fatal("no key figures in the default corpus")
	}
	for _, f := range a.Figures {
		if f.Unit == text.UnitYear || f.Unit == text.UnitDate {
			t.Errorf("key figures list a %s: %q", f.Unit, f.Text)
		}
		if !strings.Contains(a.Citations[f.Citation-1].Quote, f.Text) {
			t.Errorf("figure %q not in its passage", f.Text)
		}
	}
	a, err = e.Figures(context.Background(), "followers")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Figures) == 0 || !strings.Contains(a.Figures[0].Label, "followers") {
		t.Errorf("figures about followers = %+v", a.Figures)
	}
}
