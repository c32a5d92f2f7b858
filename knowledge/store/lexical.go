package store

import (
	"math"
	"runtime"
	"sort"
	"sync"

	"dramabot/knowledge"
)

// BM25 parameters (Robertson & Zaragoza, "The Probabilistic Relevance
// Framework: BM25 and Beyond"): the usual k1 and b.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// lexicon is an in-memory inverted index ranked with BM25. Terms come from
// knowledge.Tokenize, so figures stay whole ("647000") and CJK text is
// matched by characters and bigrams.
//
// Postings are stored flat (one array for all terms) to keep the index
// compact and quick to save and load.
type lexicon struct {
	Terms   map[string]int32 // term -> id
	Offsets []int32          // postings of term t: Docs[Offsets[t]:Offsets[t+1]]
	Docs    []int32
	TFs     []uint16
	DocLen  []float32
	AvgLen  float64
}

// docTerms counts the terms of one passage.
type docTerms map[string]uint16

func analyze(text string) docTerms {
	m := docTerms{}
	for _, t := range knowledge.Tokenize(text, false) {
		if m[t.Text] < math.MaxUint16 {
			m[t.Text]++
		}
	}
	return m
}

// buildLexicon indexes texts (one per passage, in passage order), using
// every core for tokenizing.
func buildLexicon(texts []string) *lexicon {
	n := len(texts)
	perDoc := make([]docTerms, n)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				perDoc[i] = analyze(texts[i])
			}
		}(w)
	}
	wg.Wait()

	lx := &lexicon{Terms: map[string]int32{}, DocLen: make([]float32, n)}
	var df []int32
	var total float64
	for i, dt := range perDoc {
		var l float32
		for term, tf := range dt {
			id, ok := lx.Terms[term]
			if !ok {
				id = int32(len(df))
				lx.Terms[term] = id
				df = append(df, 0)
			}
			df[id]++
			l += float32(tf)
		}
		lx.DocLen[i] = l
		total += float64(l)
	}
	if n > 0 {
		lx.AvgLen = total / float64(n)
	}
	lx.Offsets = make([]int32, len(df)+1)
	for t, c := range df {
		lx.Offsets[t+1] = lx.Offsets[t] + c
	}
	lx.Docs = make([]int32, lx.Offsets[len(df)])
	lx.TFs = make([]uint16, len(lx.Docs))
	fill := make([]int32, len(df))
	copy(fill, lx.Offsets[:len(df)])
	for i, dt := range perDoc {
		for term, tf := range dt {
			id := lx.Terms[term]
			lx.Docs[fill[id]] = int32(i)
			lx.TFs[fill[id]] = tf
			fill[id]++
		}
	}
	return lx
}

func (lx *lexicon) size() int { return len(lx.DocLen) }

// idf is BM25's inverse document frequency (the "+1" form, never negative).
func (lx *lexicon) idf(df int) float64 {
	n := float64(lx.size())
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

// termIDF returns the IDF of each distinct query term the index holds.
func (lx *lexicon) termIDF(terms []string) map[string]float64 {
	out := make(map[string]float64, len(terms))
	for _, t := range terms {
		if id, ok := lx.Terms[t]; ok {
			out[t] = lx.idf(int(lx.Offsets[id+1] - lx.Offsets[id]))
		}
	}
	return out
}

type scored struct {
	doc   int32
	score float64
}

var accPool = sync.Pool{New: func() any { return new([]float32) }}

// search returns the top k passages by BM25 for the query terms (repeated
// terms count once per occurrence, as in the query likelihood).
func (lx *lexicon) search(terms []string, k int) []scored {
	n := lx.size()
	if n == 0 || k <= 0 {
		return nil
	}
	accp := accPool.Get().(*[]float32)
	if cap(*accp) < n {
		*accp = make([]float32, n)
	}
	acc := (*accp)[:n]
	var touched []int32
	qtf := map[string]float64{}
	for _, t := range terms {
		qtf[t]++
	}
	for t, q := range qtf {
		id, ok := lx.Terms[t]
		if !ok {
			continue
		}
		lo, hi := lx.Offsets[id], lx.Offsets[id+1]
		w := float32(lx.idf(int(hi-lo)) * q)
		norm := float32(bm25K1 * (1 - bm25B))
		per := float32(bm25K1 * bm25B / lx.AvgLen)
		for p := lo; p < hi; p++ {
			d := lx.Docs[p]
			tf := float32(lx.TFs[p])
			if acc[d] == 0 {
				touched = append(touched, d)
			}
			// Never leave a touched doc at exactly 0, or it would be
			// appended to touched twice.
			acc[d] = max(acc[d]+w*tf*(bm25K1+1)/(tf+norm+per*lx.DocLen[d]), math.SmallestNonzeroFloat32)
		}
	}
	out := topK(touched, acc, k)
	for _, d := range touched {
		acc[d] = 0
	}
	accPool.Put(accp)
	return out
}

// topK selects the k best touched docs, best first (ties by doc order, so
// results are deterministic).
func topK(touched []int32, acc []float32, k int) []scored {
	better := func(a, b scored) bool {
		if a.score != b.score {
			return a.score > b.score
		}
		return a.doc < b.doc
	}
	// A small sorted buffer beats a heap for the k we use (≤ 100).
	best := make([]scored, 0, k+1)
	for _, d := range touched {
		s := scored{d, float64(acc[d])}
		if len(best) == k && !better(s, best[k-1]) {
			continue
		}
		i := sort.Search(len(best), func(i int) bool { return better(s, best[i]) })
		best = append(best, scored{})
		copy(best[i+1:], best[i:])
		best[i] = s
		if len(best) > k {
			best = best[:k]
		}
	}
	return best
}
