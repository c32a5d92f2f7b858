// Package embed holds dramabot's default embedder: local, deterministic and
// offline. It needs no model download and no network, runs in the static
// binary, and reads English and Chinese alike.
//
// It is feature hashing ("the hashing trick", Weinberger et al. 2009) over
// the same terms lexical ranking uses (stemmed words, whole numbers, CJK
// characters and bigrams) plus character trigrams of words, so that
// inflections and near-spellings land close together. Each feature adds
// ±weight to one of Dim buckets chosen by a 64-bit FNV-1a hash; the vector is
// L2-normalized, so chromem-go's dot product is the cosine.
package embed

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"dramabot/knowledge/text"
)

// DefaultDim is the default vector size. Measured on the dev sets, 64
// buckets rank and answer as well as 256 (the vectors only re-weigh what
// BM25 matched), and they take a quarter of the memory: 25 MB at 100k
// passages.
const DefaultDim = 64

// Feature weights, by kind of term.
const (
	weightWord    = 1.0
	weightNumber  = 1.0
	weightBigram  = 1.0
	weightCJK     = 0.4
	weightTrigram = 0.25
)

// Local is the hashing embedder. It is safe for concurrent use.
type Local struct{ dim int }

// NewLocal returns a hashing embedder with dim buckets (DefaultDim if dim <= 0).
func NewLocal(dim int) *Local {
	if dim <= 0 {
		dim = DefaultDim
	}
	return &Local{dim: dim}
}

// Name identifies the embedder and its settings; a store built with one
// name is never queried with another.
func (l *Local) Name() string { return fmt.Sprintf("local-hash-v1/%d", l.dim) }

// Dim is the vector size.
func (l *Local) Dim() int { return l.dim }

// Embed returns the unit vector of text.
func (l *Local) Embed(_ context.Context, text string) ([]float32, error) {
	return l.Vector(text), nil
}

// feature is one hashed term of a text with its weight.
type feature struct {
	h uint64
	w float64
}

// scratch holds Vector's working space between calls.
type scratch struct {
	feats []feature
	acc   []float64
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Vector is Embed without a context or error.
func (l *Local) Vector(s string) []float32 {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	feats := sc.feats[:0]
	for _, t := range text.Tokenize(s, false) {
		w := weightWord
		switch t.Kind {
		case text.TermNumber:
			w = weightNumber
		case text.TermBigram:
			w = weightBigram
		case text.TermCJK:
			w = weightCJK
		}
		feats = append(feats, feature{hash(uint64(t.Kind), t.Text), w})
		if t.Kind == text.TermWord && len(t.Text) > 3 {
			// Trigrams of "^word$".
			for i := 0; i+3 <= len(t.Text)+2; i++ {
				feats = append(feats, feature{hashPadded(t.Text, i), weightTrigram})
			}
		}
	}
	// Sorting by hash groups each feature's occurrences (to sum them) and
	// fixes the order in which features add up in a bucket, so the same
	// text always gives the same bits.
	slices.SortFunc(feats, func(a, b feature) int { return cmp.Compare(a.h, b.h) })
	if cap(sc.acc) < l.dim {
		sc.acc = make([]float64, l.dim)
	}
	acc := sc.acc[:l.dim]
	clear(acc)
	for i := 0; i < len(feats); {
		h, c := feats[i].h, 0.0
		for ; i < len(feats) && feats[i].h == h; i++ {
			c += feats[i].w
		}
		// Sublinear term frequency: a word said ten times is not ten times
		// as important.
		v := 1 + math.Log(c)
		if c < 1 {
			v = c
		}
		b := int(h % uint64(l.dim))
		if h>>63 == 1 {
			v = -v
		}
		acc[b] += v
	}
	sc.feats = feats
	var norm float64
	for _, v := range acc {
		norm += v * v
	}
	out := make([]float32, l.dim)
	if norm == 0 {
		// A fixed unit vector rather than zeros: a store normalizes what it
		// is given, and zeros would turn into NaN.
		out[0] = 1
		return out
	}
	inv := 1 / math.Sqrt(norm)
	for i, v := range acc {
		out[i] = float32(v * inv)
	}
	return out
}

// trigramKind is the kind byte of trigram features (after the TermKinds).
const trigramKind = 9

// hash is FNV-1a over a kind byte and the term, so "12" the number and
// "12" the trigram land in different buckets.
func hash(kind uint64, s string) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	h ^= kind
	h *= prime
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h
}

// hashPadded is hash(trigramKind, p[i:i+3]) for p = "^" + s + "$", without
// building p.
func hashPadded(s string, i int) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	h ^= trigramKind
	h *= prime
	for j := i; j < i+3; j++ {
		c := byte('^')
		switch {
		case j == len(s)+1:
			c = '$'
		case j > 0:
			c = s[j-1]
		}
		h ^= uint64(c)
		h *= prime
	}
	return h
}
