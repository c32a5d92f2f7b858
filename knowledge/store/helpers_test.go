package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"dramabot/knowledge"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/store"
)

// testDim keeps the tests' vectors small; the embedder is the real one.
const testDim = 64

// countingEmbedder is the real local embedder that counts its calls, so a
// test can tell what Sync embedded and what it reused. A hook, when set,
// can answer instead of it (to inject failures and odd vectors).
type countingEmbedder struct {
	local *embed.Local
	calls atomic.Int64

	mu   sync.Mutex
	hook embedHook
}

// embedHook answers for the embedder when handled is true.
type embedHook func(text string) (v []float32, handled bool, err error)

func newCounting() *countingEmbedder { return &countingEmbedder{local: embed.NewLocal(testDim)} }

func (c *countingEmbedder) embedder() store.Embedder {
	return store.Embedder{Name: c.local.Name(), Embed: c.embed}
}

func (c *countingEmbedder) embed(ctx context.Context, text string) ([]float32, error) {
	c.calls.Add(1)
	c.mu.Lock()
	hook := c.hook
	c.mu.Unlock()
	if hook != nil {
		if v, handled, err := hook(text); handled {
			return v, err
		}
	}
	return c.local.Embed(ctx, text)
}

func (c *countingEmbedder) setHook(h embedHook) {
	c.mu.Lock()
	c.hook = h
	c.mu.Unlock()
}

// takeCalls returns the calls since the last takeCalls.
func (c *countingEmbedder) takeCalls() int { return int(c.calls.Swap(0)) }

var errEmbedDown = errors.New("embedding server down")

// doc builds a document whose passages have the given texts; passage ids
// are "<id>#1", "<id>#2", ...
func doc(id string, texts ...string) knowledge.Document {
	d := knowledge.Document{Source: knowledge.Source{ID: id, Title: "Title of " + id, Publisher: "Test", Date: "2025-05-08"}}
	for i, t := range texts {
		d.Passages = append(d.Passages, knowledge.Passage{
			ID: fmt.Sprintf("%s#%d", id, i+1), SourceID: id, Ordinal: i + 1, Text: t,
		})
	}
	return d
}

// seedDocs is a small bilingual corpus with figures.
func seedDocs() []knowledge.Document {
	return []knowledge.Document{
		doc("cri",
			"Mini series generated 647,000 jobs in just four years, a nearly 185-fold growth of the market.",
			"The market reached 50.44 billion yuan in 2024, overtaking the box office of Chinese cinema.",
			"Platforms such as Hongguo and Douyin pay creators a share of advertising revenue."),
		doc("zh",
			"微短剧市场规模达到504.4亿元，同比增长34.9%。",
			"红果短剧的月活跃用户超过1.4亿，成为行业第一。"),
	}
}

func openStore(t testing.TB, dir string, emb store.Embedder) *store.Store {
	t.Helper()
	st, err := store.Open(store.Options{Dir: dir, Embedder: emb})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return st
}

func mustSync(t testing.TB, st *store.Store, docs []knowledge.Document) store.Changes {
	t.Helper()
	ch, err := st.Sync(context.Background(), docs)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	return ch
}

func search(t testing.TB, st *store.Store, q string, k int) knowledge.Retrieval {
	t.Helper()
	ret, err := st.Search(context.Background(), q, k)
	if err != nil {
		t.Fatalf("Search(%q, %d): %v", q, k, err)
	}
	return ret
}

func hitIDs(ret knowledge.Retrieval) []string {
	ids := make([]string, len(ret.Hits))
	for i, h := range ret.Hits {
		ids[i] = h.Passage.ID
	}
	return ids
}

// allIDs lists the passage ids of docs, sorted.
func allIDs(docs []knowledge.Document) []string {
	var ids []string
	for _, d := range docs {
		for _, p := range d.Passages {
			ids = append(ids, p.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// indexedIDs lists every passage the store serves, sorted.
func indexedIDs(st *store.Store) []string {
	var ids []string
	for _, h := range st.Passages(1 << 30) {
		ids = append(ids, h.Passage.ID)
	}
	slices.Sort(ids)
	return ids
}

// logBuffer is a slog handler target that tests read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// dirEntries lists the names in dir.
func dirEntries(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// noTempFiles fails if a snapshot temp file was left in dir.
func noTempFiles(t testing.TB, dir string) {
	t.Helper()
	for _, n := range dirEntries(t, dir) {
		if strings.Contains(n, ".tmp-") {
			t.Errorf("temp file %s left in the data dir", filepath.Join(dir, n))
		}
	}
}
