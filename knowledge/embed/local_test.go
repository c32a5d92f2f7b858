package embed

import (
	"math"
	"strings"
	"testing"

	"dramabot/knowledge/text"
)

// referenceVector is the embedder as first written (a map of feature
// counts, padded trigram strings): Vector must give the same vectors.
func referenceVector(dim int, s string) []float64 {
	acc := make([]float64, dim)
	counts := map[uint64]float64{}
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
		counts[hash(uint64(t.Kind), t.Text)] += w
		if t.Kind == text.TermWord && len(t.Text) > 3 {
			padded := "^" + t.Text + "$"
			for i := 0; i+3 <= len(padded); i++ {
				counts[hash(9, padded[i:i+3])] += weightTrigram
			}
		}
	}
	for h, c := range counts {
		v := 1 + math.Log(c)
		if c < 1 {
			v = c
		}
		i := int(h % uint64(dim))
		if h>>63 == 1 {
			v = -v
		}
		acc[i] += v
	}
	var norm float64
	for _, v := range acc {
		norm += v * v
	}
	if norm == 0 {
		acc[0] = 1
		return acc
	}
	for i := range acc {
		acc[i] /= math.Sqrt(norm)
	}
	return acc
}

var sampleTexts = []string{
	"",
	"?!",
	"Mini series generated 647,000 jobs in just four years, a nearly 185-fold growth.",
	"The market reached 50.44 billion yuan in 2024; growth, growing, grows, grower.",
	"微短剧市场规模达到504.4亿元，同比增长34.9%。红果短剧的月活跃用户超过1.4亿。",
	"Ｆｕｌｌ-width ６４．７万 and mixed 短剧 text with ReelShort and Douyin.",
	strings.Repeat("Production companies invested heavily in vertical screen dramas. ", 40),
}

func TestVectorMatchesReference(t *testing.T) {
	for _, dim := range []int{8, 64, DefaultDim} {
		l := NewLocal(dim)
		for _, text := range sampleTexts {
			got, want := l.Vector(text), referenceVector(dim, text)
			var norm float64
			for i := range got {
				if math.Abs(float64(got[i])-want[i]) > 1e-6 {
					t.Fatalf("dim %d, %q: component %d is %v, reference %v", dim, text, i, got[i], want[i])
				}
				norm += float64(got[i]) * float64(got[i])
			}
			if math.Abs(norm-1) > 1e-5 {
				t.Errorf("dim %d, %q: |v|² = %v, want 1", dim, text, norm)
			}
		}
	}
}

func TestVectorIsDeterministic(t *testing.T) {
	l := NewLocal(DefaultDim)
	for _, text := range sampleTexts {
		first := l.Vector(text)
		for range 20 {
			again := l.Vector(text)
			for i := range first {
				if math.Float32bits(first[i]) != math.Float32bits(again[i]) {
					t.Fatalf("%q: component %d differs between calls: %v, %v", text, i, first[i], again[i])
				}
			}
		}
	}
}

func TestHashPadded(t *testing.T) {
	for _, w := range []string{"grow", "market", "abcdefgh"} {
		padded := "^" + w + "$"
		for i := 0; i+3 <= len(padded); i++ {
			if got, want := hashPadded(w, i), hash(trigramKind, padded[i:i+3]); got != want {
				t.Errorf("hashPadded(%q, %d) = %x, want %x", w, i, got, want)
			}
		}
	}
}

func BenchmarkVector(b *testing.B) {
	l := NewLocal(DefaultDim)
	for b.Loop() {
		for _, text := range sampleTexts {
			l.Vector(text)
		}
	}
}
