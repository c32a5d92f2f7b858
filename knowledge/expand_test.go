package knowledge

import (
	"testing"
)

func TestCleanQuestion(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"I'm a reporter at Caixin. How many jobs has the boom created?", "How many jobs has the boom created?"},
		{"Hi! How big is the market?", "How big is the market?"},
		{"我是财新记者。短剧市场规模有多大？", "短剧市场规模有多大？"},
		{"How big is the market?", "How big is the market?"},
		{"I'm a reporter.", "I'm a reporter."}, // nothing else: kept whole
		{"The market grew. How fast?", "The market grew. How fast?"},
	} {
		if got := cleanQuestion(tt.in); got != tt.want {
			t.Errorf("cleanQuestion(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMarkNames(t *testing.T) {
	known := func(s string) bool { return s == "capit" || s == "nrta" || s == "capital" }
	for _, tt := range []struct {
		q    string
		want []string // the salient terms
	}{
		{"What is the capital of France?", []string{"franc"}},
		{"What is the NRTA's budget?", nil}, // a name the index knows
		{"How big is the market?", nil},
		{"Is the USA a market? Where is Tokyo?", []string{"usa", "tokyo"}},
	} {
		qt := newQuestionTerms(tt.q, Retrieval{IDF: map[string]float64{}}, nil)
		markNames(qt, tt.q, known)
		var got []string
		for _, term := range qt {
			if term.salient {
				got = append(got, term.alts[0])
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%q: salient %v, want %v", tt.q, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%q: salient %v, want %v", tt.q, got, tt.want)
			}
		}
	}
}

func TestExpansionTermFound(t *testing.T) {
	ret := Retrieval{IDF: map[string]float64{"micro": 1, "drama": 1, "mini": 3, "seri": 3}}
	x := Expansion{Text: "mini series", Alts: []string{"micro-drama", "短剧"}, Credit: 1}
	term, ok := expansionTerm(x, ret)
	if !ok {
		t.Fatal("no term")
	}
	set := func(ws ...string) map[string]bool {
		m := map[string]bool{}
		for _, w := range ws {
			m[w] = true
		}
		return m
	}
	for _, tt := range []struct {
		terms map[string]bool
		want  float64
	}{
		{set("mini", "seri"), 1},
		{set("micro", "drama"), 1},
		{set("短剧", "短", "剧"), 1},
		{set("micro"), 0},      // half a synonym is not the synonym
		{set("mini"), 0.5},     // half the question's own words
		{set("drama", "x"), 0}, // a word of a synonym alone
	} {
		if got := term.found(tt.terms); got != tt.want {
			t.Errorf("found(%v) = %v, want %v", tt.terms, got, tt.want)
		}
	}
}
