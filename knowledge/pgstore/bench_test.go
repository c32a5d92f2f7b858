package pgstore

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"dramabot/knowledge"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/pgstore/pgtest"
	"dramabot/knowledge/store"
)

// The benchmarks put the PostgreSQL store next to the embedded one in the
// same run, on the same synthetic corpus: 10k passages by default, or
// DRAMABOT_BENCH_PASSAGES. On PGlite (PostgreSQL compiled to WASM, one
// session) the PostgreSQL figures are far below what a native server does.
//
//	go test ./knowledge/pgstore -run '^$' -bench . -benchtime 1x

func benchPassages(b *testing.B) int {
	if s := os.Getenv("DRAMABOT_BENCH_PASSAGES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("DRAMABOT_BENCH_PASSAGES=%q: want a number of passages", s)
		}
		return n
	}
	return 10_000
}

var benchCorpus struct {
	sync.Mutex
	n    int
	docs []knowledge.Document
}

func synthDocs(n int) []knowledge.Document {
	benchCorpus.Lock()
	defer benchCorpus.Unlock()
	if benchCorpus.n != n {
		benchCorpus.n, benchCorpus.docs = n, pgtest.SynthDocs(n)
	}
	return benchCorpus.docs
}

func localEmbedder() store.Embedder {
	l := embed.NewLocal(testDim)
	return store.Embedder{Name: l.Name(), Embed: l.Embed}
}

// syncer is what both stores do for the benchmarks.
type syncer interface {
	knowledge.Retriever
	Sync(ctx context.Context, docs []knowledge.Document) (store.Changes, error)
}

// openBoth opens an empty store of each kind.
func openBoth(b *testing.B) map[string]syncer {
	mem, err := store.Open(store.Options{Embedder: localEmbedder()})
	if err != nil {
		b.Fatal(err)
	}
	return map[string]syncer{"embedded": mem, "postgres": openTest(b, freshDSN(b), localEmbedder())}
}

// BenchmarkIndex is a Sync of the whole corpus into an empty index:
// embedding, the lexicon and the vectors (for PostgreSQL: tokenizing,
// writing passages and postings, building the HNSW index, in one
// transaction).
func BenchmarkIndex(b *testing.B) {
	n := benchPassages(b)
	docs := synthDocs(n)
	stores := openBoth(b)
	for _, name := range []string{"embedded", "postgres"} {
		st := stores[name]
		b.Run(fmt.Sprintf("store=%s/passages=%d", name, n), func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				if _, err := st.Sync(ctx, nil); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				ch, err := st.Sync(ctx, docs)
				if err != nil {
					b.Fatal(err)
				}
				if ch.Embedded != n {
					b.Fatalf("embedded %d of %d", ch.Embedded, n)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "passages/s")
		})
	}
}

// BenchmarkAnswer is Engine.AnswerWithHits over each store, one question
// at a time, 64 questions per iteration from 512; p50-ms and p95-ms are
// per question, and hit@10 checks that both answer alike.
func BenchmarkAnswer(b *testing.B) {
	n := benchPassages(b)
	docs := synthDocs(n)
	qs := pgtest.SynthQuestions(docs, 512)
	stores := openBoth(b)
	for _, name := range []string{"embedded", "postgres"} {
		st := stores[name]
		if _, err := st.Sync(context.Background(), docs); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("store=%s/passages=%d", name, n), func(b *testing.B) {
			eng := knowledge.NewEngine(st, knowledge.EngineOptions{})
			ctx := context.Background()
			var lat []time.Duration
			hits := 0
			for b.Loop() {
				for range 64 {
					q := qs[len(lat)%len(qs)]
					start := time.Now()
					_, found, err := eng.AnswerWithHits(ctx, q.Text)
					lat = append(lat, time.Since(start))
					if err != nil {
						b.Fatal(err)
					}
					if slices.ContainsFunc(found, func(h knowledge.Hit) bool { return h.Passage.ID == q.PassageID }) {
						hits++
					}
				}
			}
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / 1e6 }
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
			b.ReportMetric(float64(hits)/float64(len(lat)), "hit@10")
		})
	}
}
