package store

import (
	"math"
	"slices"
	"testing"

	"dramabot/knowledge/store/internal/synth"
	"dramabot/knowledge/text"
)

// TestBuildLexiconMatchesReference compares the batched, flat lexicon with
// a plain map-of-postings index built from the same tokens, over more
// passages than one batch holds, English and Chinese.
func TestBuildLexiconMatchesReference(t *testing.T) {
	var texts []string
	for _, d := range synth.Docs(lexBatch + 77) {
		for _, p := range d.Passages {
			texts = append(texts, p.Text)
		}
	}
	texts = append(texts, "", "647,000 jobs, 647,000 jobs", "微短剧市场规模达到504.4亿元")

	type posting struct {
		doc int32
		tf  uint16
	}
	ref := map[string][]posting{}
	refLen := make([]float32, len(texts))
	for i, txt := range texts {
		tf := map[string]uint16{}
		var order []string
		for _, term := range text.Tokenize(txt, false) {
			if tf[term.Text] == 0 {
				order = append(order, term.Text)
			}
			tf[term.Text]++
		}
		for _, term := range order {
			ref[term] = append(ref[term], posting{int32(i), tf[term]})
			refLen[i] += float32(tf[term])
		}
	}

	lx := buildLexicon(texts)
	if len(lx.Terms) != len(ref) {
		t.Fatalf("%d terms, reference %d", len(lx.Terms), len(ref))
	}
	for term, want := range ref {
		id, ok := lx.Terms[term]
		if !ok {
			t.Fatalf("term %q missing", term)
		}
		var got []posting
		for p := lx.Offsets[id]; p < lx.Offsets[id+1]; p++ {
			got = append(got, posting{lx.Docs[p], lx.TFs[p]})
		}
		if !slices.Equal(got, want) {
			t.Fatalf("term %q: postings %v, want %v", term, got, want)
		}
	}
	if !slices.Equal(lx.DocLen, refLen) {
		t.Errorf("document lengths differ")
	}
	var sum float64
	for _, l := range refLen {
		sum += float64(l)
	}
	if math.Abs(lx.AvgLen-sum/float64(len(texts))) > 1e-9 {
		t.Errorf("AvgLen %v, want %v", lx.AvgLen, sum/float64(len(texts)))
	}
	// Term ids follow first occurrence, so two builds are identical.
	again := buildLexicon(texts)
	for term, id := range lx.Terms {
		if again.Terms[term] != id {
			t.Fatalf("term %q has id %d, then %d: builds differ", term, id, again.Terms[term])
		}
	}
}
