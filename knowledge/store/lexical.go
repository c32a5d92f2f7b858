package store

import (
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"

	"dramabot/knowledge/text"
)

// BM25 parameters (Robertson & Zaragoza, "The Probabilistic Relevance
// Framework: BM25 and Beyond"): the usual k1 and b.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// lexicon is an in-memory inverted index ranked with BM25. Terms come from
// text.Tokenize, so figures stay whole ("647000") and CJK text is
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

// termCount is a distinct term of one passage and how often it occurs.
type termCount struct {
	term string
	tf   uint16
}

// analyze lists the distinct terms of s in order of first occurrence
// (so that term ids, and everything built from them, are the same on
// every run). seen is scratch space, cleared on return.
func analyze(s string, seen map[string]int32) []termCount {
	terms := text.Tokenize(s, false)
	out := make([]termCount, 0, len(terms)/2)
	for _, t := range terms {
		if i, ok := seen[t.Text]; ok {
			if out[i].tf < math.MaxUint16 {
				out[i].tf++
			}
			continue
		}
		seen[t.Text] = int32(len(out))
		out = append(out, termCount{t.Text, 1})
	}
	clear(seen)
	return out
}

// lexBatch is how many passages are tokenized (on every core) before their
// terms get ids. It bounds the memory held by per-passage term lists, which
// are several times the size of the postings they become, to one batch.
const lexBatch = 1024

// buildLexicon indexes texts (one per passage, in passage order).
//
// Pass one, a batch at a time: tokenize, give each new term an id, count
// document frequencies and keep each passage's (term id, tf) pairs in
// flat arrays. Pass two: lay the pairs out by term (a counting sort),
// freeing each batch as it is consumed.
func buildLexicon(texts []string) *lexicon {
	n := len(texts)
	lx := &lexicon{Terms: map[string]int32{}, DocLen: make([]float32, n)}
	type batch struct {
		ids  []int32  // term ids of the batch's passages, passage after passage
		tfs  []uint16 // their frequencies
		ends []int32  // where each passage's pairs end in ids
	}
	var batches []batch
	var df []int32
	var total float64
	perDoc := make([][]termCount, min(n, lexBatch))
	workers := runtime.GOMAXPROCS(0)
	scratch := make([]map[string]int32, workers)
	for w := range scratch {
		scratch[w] = map[string]int32{}
	}
	for lo := 0; lo < n; lo += lexBatch {
		hi := min(lo+lexBatch, n)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := lo + w; i < hi; i += workers {
					perDoc[i-lo] = analyze(texts[i], scratch[w])
				}
			}(w)
		}
		wg.Wait()
		pairs := 0
		for _, tc := range perDoc[:hi-lo] {
			pairs += len(tc)
		}
		b := batch{ids: make([]int32, 0, pairs), tfs: make([]uint16, 0, pairs), ends: make([]int32, hi-lo)}
		for i := lo; i < hi; i++ {
			var l float32
			for _, tc := range perDoc[i-lo] {
				id, ok := lx.Terms[tc.term]
				if !ok {
					id = int32(len(df))
					lx.Terms[tc.term] = id
					df = append(df, 0)
				}
				df[id]++
				l += float32(tc.tf)
				b.ids = append(b.ids, id)
				b.tfs = append(b.tfs, tc.tf)
			}
			b.ends[i-lo] = int32(len(b.ids))
			lx.DocLen[i] = l
			total += float64(l)
			perDoc[i-lo] = nil
		}
		batches = append(batches, b)
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
	fill := df // df is no longer needed: reuse it for the next free slot of each term
	copy(fill, lx.Offsets[:len(df)])
	doc := int32(0)
	for bi := range batches {
		b := batches[bi]
		start := int32(0)
		for _, end := range b.ends {
			for k := start; k < end; k++ {
				id := b.ids[k]
				lx.Docs[fill[id]] = doc
				lx.TFs[fill[id]] = b.tfs[k]
				fill[id]++
			}
			start = end
			doc++
		}
		batches[bi] = batch{} // let the collector have it
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
	// Distinct terms in query order: float32 sums depend on the order of
	// their terms, and a map's order would make scores vary from run to run.
	type queryTerm struct {
		text string
		n    float64
	}
	var qtf []queryTerm
	for _, t := range terms {
		if i := slices.IndexFunc(qtf, func(q queryTerm) bool { return q.text == t }); i >= 0 {
			qtf[i].n++
			continue
		}
		qtf = append(qtf, queryTerm{t, 1})
	}
	for _, qt := range qtf {
		t, q := qt.text, qt.n
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
