// Package bottest holds what the tests of the chat surfaces share: the real
// engine over the default corpus, and the questions of the market dev sets,
// so that a surface can be measured on real answers rather than samples.
package bottest

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"

	"dramabot/knowledge"
	"dramabot/knowledge/dict"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/figures"
	"dramabot/knowledge/ingest"
	"dramabot/knowledge/store"
)

var (
	engineOnce sync.Once
	engine     *knowledge.Engine
	engineErr  error
)

// Engine returns the extractive engine over the embedded corpus, in an
// in-memory store with the local embedder, as `dramabot ask` builds it. It
// is built once per test binary.
func Engine(t testing.TB) *knowledge.Engine {
	t.Helper()
	engineOnce.Do(func() {
		loc := embed.NewLocal(embed.DefaultDim)
		st, err := store.Open(store.Options{Embedder: store.Embedder{Name: loc.Name(), Embed: loc.Embed}})
		if err != nil {
			engineErr = err
			return
		}
		docs, _ := ingest.Default()
		if _, err := st.Sync(t.Context(), docs); err != nil {
			engineErr = err
			return
		}
		engine = knowledge.NewEngine(st, knowledge.EngineOptions{Embedder: loc.Name(), Translator: dict.Default(), Figures: figures.New(st)})
	})
	if engineErr != nil {
		t.Fatalf("default engine: %v", engineErr)
	}
	return engine
}

// DevQuestion is one question of a market dev set.
type DevQuestion struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Answers  []string `json:"answers"`
	Lang     string   `json:"lang"`
}

// DevQuestions reads every market dev set (corpus/testdata/market-dev-*.jsonl).
func DevQuestions(t testing.TB) []DevQuestion {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	paths, _ := filepath.Glob(filepath.Join(root, "corpus", "testdata", "market-dev-*.jsonl"))
	sort.Strings(paths)
	var out []DevQuestion
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var q DevQuestion
			if json.Unmarshal(sc.Bytes(), &q) == nil && q.Question != "" {
				out = append(out, q)
			}
		}
		f.Close()
	}
	if len(out) == 0 {
		t.Fatal("no market dev questions in corpus/testdata")
	}
	return out
}
