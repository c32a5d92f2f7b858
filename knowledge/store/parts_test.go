package store

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"dramabot/knowledge/embed"
	"dramabot/knowledge/store/internal/synth"
	"dramabot/knowledge/text"
)

// BenchmarkSearchParts splits one hybrid search at 10k passages into its
// parts: the query embedding, BM25, and the vector ranking, by chromem-go
// (QueryEmbedding: a goroutine per CPU, a channel and a mutex-guarded heap
// per query) and, for comparison only, by a plain two-goroutine scan of
// the same vectors with the same dot product.
func BenchmarkSearchParts(b *testing.B) {
	l := embed.NewLocal(embed.DefaultDim)
	st, err := Open(Options{Embedder: Embedder{Name: l.Name(), Embed: l.Embed}})
	if err != nil {
		b.Fatal(err)
	}
	docs := synth.Docs(10_000)
	if _, err := st.Sync(context.Background(), docs); err != nil {
		b.Fatal(err)
	}
	idx := st.cur.Load()
	var qs []string
	for _, q := range synth.Questions(docs, 256) {
		qs = append(qs, q.Text)
	}
	ctx := context.Background()
	b.Run("embed-query", func(b *testing.B) {
		i := 0
		for b.Loop() {
			l.Vector(qs[i%len(qs)])
			i++
		}
	})
	b.Run("bm25", func(b *testing.B) {
		i := 0
		for b.Loop() {
			idx.lex.search(text.QueryTermTexts(qs[i%len(qs)]), candidates)
			i++
		}
	})
	vecs := make([][]float32, len(qs))
	for i, q := range qs {
		vecs[i] = l.Vector(q)
	}
	b.Run("vectors-chromem", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := idx.col.QueryEmbedding(ctx, vecs[i%len(vecs)], candidates, nil, nil); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("vectors-scan", func(b *testing.B) {
		i := 0
		sims := make([]float32, len(idx.vectors))
		for b.Loop() {
			q := vecs[i%len(vecs)]
			var wg sync.WaitGroup
			workers := runtime.GOMAXPROCS(0)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(lo, hi int) {
					defer wg.Done()
					for d := lo; d < hi; d++ {
						var dot float32
						for k, x := range idx.vectors[d] {
							dot += x * q[k]
						}
						sims[d] = dot
					}
				}(w*len(sims)/workers, (w+1)*len(sims)/workers)
			}
			wg.Wait()
			touched := make([]int32, len(sims))
			for d := range touched {
				touched[d] = int32(d)
			}
			topK(touched, sims, candidates)
			i++
		}
	})
}
