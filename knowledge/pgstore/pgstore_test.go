package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dramabot/knowledge"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/pgstore/pgtest"
	"dramabot/knowledge/store"
)

const testDim = 64

// counting is the local embedder, counting its calls and failing on texts
// that contain failOn when it is set.
type counting struct {
	local  *embed.Local
	calls  atomic.Int64
	mu     sync.Mutex
	failOn string
}

func newCounting() *counting { return &counting{local: embed.NewLocal(testDim)} }

func (c *counting) embedder() store.Embedder {
	return store.Embedder{Name: c.local.Name(), Embed: c.embed, Parallel: 2}
}

func (c *counting) embed(ctx context.Context, text string) ([]float32, error) {
	c.calls.Add(1)
	c.mu.Lock()
	fail := c.failOn != "" && strings.Contains(text, c.failOn)
	c.mu.Unlock()
	if fail {
		return nil, errors.New("embedder down")
	}
	return c.local.Embed(ctx, text)
}

func (c *counting) take() int { return int(c.calls.Swap(0)) }

// testLogger writes to the test log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// openTest opens a store on dsn with a clean schema when the database is
// not the test's own (DRAMABOT_TEST_POSTGRES).
func openTest(t testing.TB, dsn string, emb store.Embedder) *Store {
	t.Helper()
	st, err := Open(context.Background(), Options{DSN: dsn, Embedder: emb, Logger: testLogger(t), PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(st.Close)
	return st
}

// freshDSN is the DSN of an empty database for this test.
func freshDSN(t testing.TB) string {
	t.Helper()
	dsn := pgtest.DSN(t)
	if dsn == pgtestEnvDSN() {
		st := openTest(t, dsn, newCounting().embedder())
		if _, err := st.pool.Exec(context.Background(), `DROP TABLE IF EXISTS postings, passages, sources, index_meta, schema_migrations CASCADE`); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	return dsn
}

func pgtestEnvDSN() string { return os.Getenv(pgtest.EnvDSN) }

func doc(id string, texts ...string) knowledge.Document {
	d := knowledge.Document{Source: knowledge.Source{ID: id, Title: "Title of " + id, Publisher: "Pub", Date: "2025-08-05", Lang: "en"}}
	for i, tx := range texts {
		d.Passages = append(d.Passages, knowledge.Passage{ID: fmt.Sprintf("%s#%d", id, i+1), SourceID: id, Ordinal: i + 1, Text: tx})
	}
	return d
}

func ids(ret knowledge.Retrieval) []string {
	var out []string
	for _, h := range ret.Hits {
		out = append(out, h.Passage.ID)
	}
	return out
}

func search(t testing.TB, r knowledge.Retriever, q string, k int) knowledge.Retrieval {
	t.Helper()
	ret, err := r.Search(context.Background(), q, k)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return ret
}

// TestContract runs a store through the life of an index: a first build,
// an unchanged resync, a change, an addition and a removal, checking the
// report, the search, the sources and the passages after each step.
func TestContract(t *testing.T) {
	emb := newCounting()
	st := openTest(t, freshDSN(t), emb.embedder())
	ctx := context.Background()
	if got := st.Stats().Passages; got != 0 {
		t.Fatalf("new store has %d passages", got)
	}
	if ret := search(t, st, "jobs", 5); len(ret.Hits) != 0 || ret.Passages != 0 {
		t.Fatalf("empty store found %v", ids(ret))
	}
	seed := doc("seed", "The mini series boom created 647,000 jobs in four years.", "Revenue grew 185-fold to 50.44 billion yuan.", "微短剧市场规模达到504.4亿元。")
	other := doc("other", "Hongguo is a free short drama app owned by ByteDance.")
	steps := []struct {
		name     string
		docs     []knowledge.Document
		want     store.Changes
		embedded int
		query    string
		top      string
		sources  []string
		counts   []int
	}{
		{"first build", []knowledge.Document{seed, other}, store.Changes{Added: 4, Sources: 2}, 4, "How many jobs were created?", "seed#1", []string{"seed", "other"}, []int{3, 1}},
		{"unchanged resync", []knowledge.Document{seed, other}, store.Changes{Unchanged: 4, Sources: 2}, 0, "市场规模", "seed#3", []string{"seed", "other"}, []int{3, 1}},
		{"a passage changes", []knowledge.Document{doc("seed", "The mini series boom created 647,000 jobs in four years.", "Revenue grew 185-fold to 50.44 billion yuan.", "红果短剧的月活跃用户超过两亿。"), other},
			store.Changes{Changed: 1, Unchanged: 3, Sources: 2}, 1, "红果 月活", "seed#3", []string{"seed", "other"}, []int{3, 1}},
		{"a source is added first, one removed", []knowledge.Document{doc("new", "ReelShort leads overseas short drama apps."), other},
			store.Changes{Added: 1, Removed: 3, Unchanged: 1, Sources: 2}, 1, "overseas apps", "new#1", []string{"new", "other"}, []int{1, 1}},
	}
	var lastVersion int64
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			emb.take()
			ch, err := st.Sync(ctx, s.docs)
			if err != nil {
				t.Fatalf("Sync: %v", err)
			}
			ch.Duration = 0
			s.want.Embedded = s.embedded
			if ch != s.want {
				t.Errorf("changes = %+v, want %+v", ch, s.want)
			}
			if got := emb.take(); got != s.embedded {
				t.Errorf("embedded %d passages, want %d", got, s.embedded)
			}
			v := st.Version()
			switch {
			case s.embedded == 0 && ch.Removed == 0 && v != lastVersion:
				t.Errorf("an unchanged resync moved the version from %d to %d", lastVersion, v)
			case s.embedded > 0 && v <= lastVersion:
				t.Errorf("version %d after a change, was %d", v, lastVersion)
			}
			lastVersion = v
			if ret := search(t, st, s.query, 3); len(ret.Hits) == 0 || ret.Hits[0].Passage.ID != s.top {
				t.Errorf("Search(%q) = %v, want %s first", s.query, ids(ret), s.top)
			} else if h := ret.Hits[0]; h.Source.Title != "Title of "+h.Passage.SourceID || h.Lexical <= 0 || h.Vector <= 0 {
				t.Errorf("top hit %+v: want its source and both scores", h)
			}
			var gotSrc []string
			var gotCounts []int
			total := 0
			for _, src := range st.Sources() {
				gotSrc, gotCounts = append(gotSrc, src.ID), append(gotCounts, src.Passages)
				total += src.Passages
			}
			if !slices.Equal(gotSrc, s.sources) || !slices.Equal(gotCounts, s.counts) {
				t.Errorf("Sources = %v %v, want %v %v", gotSrc, gotCounts, s.sources, s.counts)
			}
			// After each incremental change, the index ranks as one
			// built from scratch by the embedded store.
			mem, err := store.Open(store.Options{Embedder: newCounting().embedder()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := mem.Sync(ctx, s.docs); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{s.query, "jobs revenue", "短剧 红果", "Hongguo ReelShort"} {
				got, want := search(t, st, q, 5), search(t, mem, q, 5)
				if !slices.Equal(ids(got), ids(want)) || len(got.IDF) != len(want.IDF) || got.Passages != want.Passages {
					t.Errorf("Search(%q) = %v %v, embedded store %v %v", q, ids(got), got.IDF, ids(want), want.IDF)
					for i := range got.Hits {
						t.Logf("pg %+v", got.Hits[i])
					}
					for i := range want.Hits {
						t.Logf("mem %+v", want.Hits[i])
					}
				}
				for term, idf := range want.IDF {
					if got.IDF[term] != idf {
						t.Errorf("Search(%q): IDF[%s] = %v, embedded store %v", q, term, got.IDF[term], idf)
					}
				}
			}
			ps := st.Passages(100)
			if len(ps) != total || st.Stats().Passages != total {
				t.Fatalf("Passages = %d, Stats = %d, want %d", len(ps), st.Stats().Passages, total)
			}
			if ps[0].Passage.SourceID != s.sources[0] || ps[0].Source.ID != s.sources[0] {
				t.Errorf("first passage %+v, want one of %s (corpus order)", ps[0], s.sources[0])
			}
		})
	}
}

// TestSyncFailureKeepsIndex: an embedding error leaves the index as it was.
func TestSyncFailureKeepsIndex(t *testing.T) {
	emb := newCounting()
	st := openTest(t, freshDSN(t), emb.embedder())
	ctx := context.Background()
	if _, err := st.Sync(ctx, []knowledge.Document{doc("a", "Short dramas run one to two minutes an episode.")}); err != nil {
		t.Fatal(err)
	}
	v := st.Version()
	emb.failOn = "poison"
	_, err := st.Sync(ctx, []knowledge.Document{doc("b", "A poison passage.")})
	if err == nil || !strings.Contains(err.Error(), "embedder down") || !strings.Contains(err.Error(), "b#1") {
		t.Fatalf("Sync error = %v, want the embedder's, naming the passage", err)
	}
	if st.Version() != v || st.Stats().Passages != 1 || st.Sources()[0].ID != "a" {
		t.Errorf("after a failed sync: version %d (was %d), %+v", st.Version(), v, st.Sources())
	}
}

// TestOpenErrors: each way Open can fail says what is wrong.
func TestOpenErrors(t *testing.T) {
	emb := newCounting().embedder()
	tests := []struct {
		name string
		dsn  func(t *testing.T) string
		want []string
		is   error
	}{
		{"unparsable DSN", func(*testing.T) string { return "postgres://u:secret@host:notaport/db" }, []string{"does not parse"}, nil},
		{"nothing listening", func(*testing.T) string { return "postgres://u:secret@127.0.0.1:1/db?connect_timeout=5" }, []string{"connect to 127.0.0.1:1/db"}, nil},
		{"no pgvector", func(t *testing.T) string { return pgtest.DSNWithoutVector(t) }, []string{"pgvector"}, ErrNoVector},
		{"schema newer than the code", func(t *testing.T) string {
			dsn := freshDSN(t)
			st := openTest(t, dsn, emb)
			if _, err := st.pool.Exec(context.Background(), `INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future.sql')`); err != nil {
				t.Fatal(err)
			}
			st.Close()
			return dsn
		}, []string{"schema version 999", "upgrade dramabot"}, ErrSchemaTooNew},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			st, err := Open(ctx, Options{DSN: tc.dsn(t), Embedder: emb, Logger: testLogger(t)})
			if err == nil {
				st.Close()
				t.Fatal("Open succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows the password", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

// TestWatch: a replica learns of the indexer's Sync and serves the new
// index: sources, passages and search.
func TestWatch(t *testing.T) {
	dsn := freshDSN(t)
	indexer := openTest(t, dsn, newCounting().embedder())
	replica := openTest(t, dsn, newCounting().embedder())
	ctx, cancel := context.WithCancel(context.Background())
	versions := make(chan int64, 10)
	done := make(chan error, 1)
	go func() { done <- replica.Watch(ctx, func(v int64) { versions <- v }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	}()
	for i, docs := range [][]knowledge.Document{
		{doc("a", "Douyin hosts many micro-dramas.")},
		{doc("a", "Douyin hosts many micro-dramas."), doc("b", "Kuaishou pays creators per view.")},
	} {
		if _, err := indexer.Sync(context.Background(), docs); err != nil {
			t.Fatal(err)
		}
		select {
		case v := <-versions:
			if v != indexer.Version() {
				t.Errorf("step %d: replica saw version %d, indexer wrote %d", i, v, indexer.Version())
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("step %d: the replica saw no new version", i)
		}
		if got, want := len(replica.Sources()), len(docs); got != want {
			t.Errorf("step %d: replica lists %d sources, want %d", i, got, want)
		}
	}
	if ret := search(t, replica, "Kuaishou creators", 1); len(ret.Hits) != 1 || ret.Hits[0].Source.Title != "Title of b" {
		t.Errorf("replica search: %+v", ret.Hits)
	}
	if err := replica.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestVectorText(t *testing.T) {
	tests := []struct {
		in   []float32
		text string
	}{
		{[]float32{1, -0.5, 0.1}, "[1,-0.5,0.1]"},
		{[]float32{1e-30, 3.4028235e38}, "[1e-30,3.4028235e+38]"},
		{nil, "[]"},
	}
	for _, tc := range tests {
		if got := formatVector(tc.in); got != tc.text {
			t.Errorf("formatVector(%v) = %s, want %s", tc.in, got, tc.text)
		}
		back, err := parseVector(tc.text)
		if err != nil || !slices.Equal(back, tc.in) {
			t.Errorf("parseVector(%s) = %v, %v", tc.text, back, err)
		}
	}
	for _, bad := range []string{"", "1,2", "[1,x]", "[1,,2]"} {
		if _, err := parseVector(bad); err == nil {
			t.Errorf("parseVector(%q) succeeded", bad)
		}
	}
}

// TestMigrations: the embedded files are numbered from 1 without gaps, and
// each creates what the code uses.
func TestMigrations(t *testing.T) {
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range all {
		if m.version != i+1 || !strings.HasSuffix(m.name, ".sql") || strings.TrimSpace(m.sql) == "" {
			t.Errorf("migration %d: %+v", i, m)
		}
	}
	var sql strings.Builder
	for _, m := range all {
		sql.WriteString(m.sql)
	}
	for _, table := range []string{"index_meta", "sources", "passages", "terms"} {
		if !strings.Contains(sql.String(), "CREATE TABLE "+table+" (") {
			t.Errorf("no migration creates %s", table)
		}
	}
}
