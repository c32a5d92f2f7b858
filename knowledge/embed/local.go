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
	"context"
	"fmt"
	"math"

	"dramabot/knowledge"
)

// DefaultDim is the default vector size: large enough that hash collisions
// rarely merge the terms of one passage, small enough that a brute-force
// search over 10k passages stays well under a millisecond per core.
const DefaultDim = 256

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

// Vector is Embed without a context or error.
func (l *Local) Vector(text string) []float32 {
	acc := make([]float64, l.dim)
	counts := map[uint64]float64{}
	for _, t := range knowledge.Tokenize(text, false) {
		w := weightWord
		switch t.Kind {
		case knowledge.TermNumber:
			w = weightNumber
		case knowledge.TermBigram:
			w = weightBigram
		case knowledge.TermCJK:
			w = weightCJK
		}
		counts[hash(uint64(t.Kind), t.Text)] += w
		if t.Kind == knowledge.TermWord && len(t.Text) > 3 {
			padded := "^" + t.Text + "$"
			for i := 0; i+3 <= len(padded); i++ {
				counts[hash(9, padded[i:i+3])] += weightTrigram
			}
		}
	}
	for h, c := range counts {
		// Sublinear term frequency: a word said ten times is not ten times
		// as important.
		v := 1 + math.Log(c)
		if c < 1 {
			v = c
		}
		i := int(h % uint64(l.dim))
		if h>>63 == 1 {
			v = -v
		}
		acc[i] += v
	}
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
