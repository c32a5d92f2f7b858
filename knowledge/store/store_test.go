package store_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"dramabot/knowledge"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/store"
	"dramabot/knowledge/store/internal/synth"
)

func TestOpenRefusesNoEmbedder(t *testing.T) {
	for _, emb := range []store.Embedder{
		{},
		{Name: "x"},
		{Embed: embed.NewLocal(8).Embed},
	} {
		if _, err := store.Open(store.Options{Embedder: emb}); err == nil {
			t.Errorf("Open with embedder %+v: no error (chromem-go would fall back to OpenAI)", emb.Name)
		}
	}
}

// TestSyncManifest walks one store through a series of corpora and checks
// what each Sync reports, how many passages it actually embedded (by
// counting embedder calls) and what the index then holds.
func TestSyncManifest(t *testing.T) {
	base := seedDocs()
	changed := seedDocs()
	changed[0].Passages[1].Text = "The market reached 50.44 billion yuan in 2024, a figure revised by statisticians."
	added := seedDocs()
	added[0].Passages[1] = changed[0].Passages[1]
	added[0].Passages = append(added[0].Passages, knowledge.Passage{ID: "cri#4", SourceID: "cri", Ordinal: 4, Text: "Overseas apps such as ReelShort export the format."})
	retitled := seedDocs()
	retitled[0] = added[0]
	retitled[0].Source.Title = "A new title for the same article"
	for i := range retitled[0].Passages {
		retitled[0].Passages[i].SourceID = "cri"
	}
	headed := seedDocs()
	headed[0] = retitled[0]
	headed[1].Passages[0].Heading = "市场规模"
	dropped := headed[:1]
	dup := []knowledge.Document{headed[0], doc("other", "A passage with its own id.")}
	dup[1].Passages = append(dup[1].Passages, knowledge.Passage{ID: "cri#1", SourceID: "other", Ordinal: 2, Text: "A passage that reuses the id cri#1 and must be skipped."})

	steps := []struct {
		name      string
		docs      []knowledge.Document
		want      store.Changes // Duration and Sources are not compared
		wantCalls int
		wantIDs   []string                            // nil: allIDs(docs)
		check     func(t *testing.T, st *store.Store) // optional
	}{
		{name: "first sync embeds everything", docs: base,
			want: store.Changes{Added: 5, Embedded: 5}, wantCalls: 5},
		{name: "same corpus embeds nothing", docs: base,
			want: store.Changes{Unchanged: 5}},
		{name: "changed passage is re-embedded alone", docs: changed,
			want: store.Changes{Changed: 1, Unchanged: 4, Embedded: 1}, wantCalls: 1,
			check: func(t *testing.T, st *store.Store) {
				if top := hitIDs(search(t, st, "revised by statisticians", 1)); !slices.Equal(top, []string{"cri#2"}) {
					t.Errorf("new text: top hit %v, want cri#2", top)
				}
				for _, h := range search(t, st, "overtaking box office cinema", 5).Hits {
					if h.Lexical > 0 && h.Passage.ID == "cri#2" {
						t.Errorf("old text of cri#2 still indexed: %q", h.Passage.Text)
					}
				}
			}},
		{name: "new passage", docs: added,
			want: store.Changes{Added: 1, Unchanged: 5, Embedded: 1}, wantCalls: 1},
		{name: "source metadata change re-embeds nothing", docs: retitled,
			want: store.Changes{Unchanged: 6},
			check: func(t *testing.T, st *store.Store) {
				if got := st.Sources()[0].Title; got != "A new title for the same article" {
					t.Errorf("source title %q: metadata not updated", got)
				}
				if got := search(t, st, "ReelShort", 1).Hits[0].Source.Title; got != "A new title for the same article" {
					t.Errorf("hit source title %q: metadata not updated", got)
				}
			}},
		{name: "heading change is a content change", docs: headed,
			want: store.Changes{Changed: 1, Unchanged: 5, Embedded: 1}, wantCalls: 1},
		{name: "disappeared source is removed", docs: dropped,
			want: store.Changes{Removed: 2, Unchanged: 4},
			check: func(t *testing.T, st *store.Store) {
				for _, h := range search(t, st, "红果短剧 市场规模 504.4亿元", 10).Hits {
					if h.Passage.SourceID == "zh" {
						t.Errorf("passage %s of the removed source still served", h.Passage.ID)
					}
				}
				if n := len(st.Sources()); n != 1 {
					t.Errorf("%d sources listed, want 1", n)
				}
			}},
		{name: "duplicate id is skipped", docs: dup,
			want:      store.Changes{Added: 1, Unchanged: 4, Embedded: 1, Duplicates: 1},
			wantCalls: 1,
			wantIDs:   []string{"cri#1", "cri#2", "cri#3", "cri#4", "other#1"},
			check: func(t *testing.T, st *store.Store) {
				for _, h := range search(t, st, "reuses the id", 10).Hits {
					if strings.Contains(h.Passage.Text, "reuses") {
						t.Errorf("duplicate passage served as %s", h.Passage.ID)
					}
				}
			}},
		{name: "empty corpus removes everything", docs: nil,
			want: store.Changes{Removed: 5}, wantIDs: []string{},
			check: func(t *testing.T, st *store.Store) {
				if ret := search(t, st, "jobs", 5); len(ret.Hits) != 0 {
					t.Errorf("empty index returned %v", hitIDs(ret))
				}
			}},
		{name: "back from empty embeds everything", docs: base,
			want: store.Changes{Added: 5, Embedded: 5}, wantCalls: 5},
	}

	emb := newCounting()
	st := openStore(t, t.TempDir(), emb.embedder())
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			emb.takeCalls() // the previous check's queries
			got := mustSync(t, st, step.docs)
			calls := emb.takeCalls()
			got.Duration, got.Sources = 0, 0
			if got != step.want {
				t.Errorf("changes %+v, want %+v", got, step.want)
			}
			if calls != step.wantCalls {
				t.Errorf("%d embedder calls, want %d", calls, step.wantCalls)
			}
			wantIDs := step.wantIDs
			if wantIDs == nil {
				wantIDs = allIDs(step.docs)
			}
			if got := indexedIDs(st); !slices.Equal(got, wantIDs) && (len(got) != 0 || len(wantIDs) != 0) {
				t.Errorf("index holds %v, want %v", got, wantIDs)
			}
			if step.check != nil {
				step.check(t, st)
			}
		})
	}
}

// TestRestartReembedsNothing reopens a data dir: the snapshot is served
// before any Sync, gives the same results, and a Sync with the same corpus
// embeds nothing; a changed corpus embeds only what changed.
func TestRestartReembedsNothing(t *testing.T) {
	dir := t.TempDir()
	emb := newCounting()
	queries := []string{"How many jobs has the mini series boom created?", "红果短剧的用户有多少？", "50.44 billion yuan"}

	first := openStore(t, dir, emb.embedder())
	mustSync(t, first, seedDocs())
	var before []knowledge.Retrieval
	for _, q := range queries {
		before = append(before, search(t, first, q, 5))
	}
	if !fileExists(store.SnapshotPath(dir)) {
		t.Fatal("no snapshot written")
	}
	noTempFiles(t, dir)
	emb.takeCalls()

	second := openStore(t, dir, emb.embedder())
	if r := second.Recovered(); r != "" {
		t.Fatalf("Recovered() = %q for a good snapshot", r)
	}
	if n := second.Stats().Passages; n != 5 {
		t.Fatalf("restarted store serves %d passages before Sync, want 5", n)
	}
	if calls := emb.takeCalls(); calls != 0 {
		t.Errorf("Open embedded %d texts", calls)
	}
	for i, q := range queries {
		got := search(t, second, q, 5)
		if !slices.Equal(hitIDs(got), hitIDs(before[i])) {
			t.Errorf("%q after restart: %v, before %v", q, hitIDs(got), hitIDs(before[i]))
		}
		for j := range got.Hits {
			if j < len(before[i].Hits) && got.Hits[j].Score != before[i].Hits[j].Score {
				t.Errorf("%q hit %d: score %v after restart, %v before", q, j, got.Hits[j].Score, before[i].Hits[j].Score)
			}
		}
	}
	emb.takeCalls() // the queries' own embeddings
	ch := mustSync(t, second, seedDocs())
	if ch.Embedded != 0 || ch.Unchanged != 5 || emb.takeCalls() != 0 {
		t.Errorf("restart with an unchanged corpus: %+v", ch)
	}

	// A changed corpus on the next restart: only the change is embedded.
	docs := seedDocs()[:1]
	docs[0].Passages[0].Text += " Most of them are short-term."
	third := openStore(t, dir, emb.embedder())
	ch = mustSync(t, third, docs)
	if ch.Embedded != 1 || ch.Changed != 1 || ch.Removed != 2 || ch.Unchanged != 2 || emb.takeCalls() != 1 {
		t.Errorf("restart with one change and one source gone: %+v", ch)
	}
	fourth := openStore(t, dir, emb.embedder())
	if got, want := indexedIDs(fourth), allIDs(docs); !slices.Equal(got, want) {
		t.Errorf("after the next restart the snapshot holds %v, want %v", got, want)
	}
}

// damage describes one way a snapshot file can go bad.
type damage struct {
	name   string
	apply  func(data []byte) []byte
	reason string // in Recovered()
}

func snapshotDamages() []damage {
	const trailer = 24
	flip := func(at func(n int) int, mask byte) func([]byte) []byte {
		return func(b []byte) []byte {
			b = slices.Clone(b)
			b[at(len(b))] ^= mask
			return b
		}
	}
	return []damage{
		{"empty file", func([]byte) []byte { return nil }, "not a dramabot snapshot"},
		{"truncated to half", func(b []byte) []byte { return b[:len(b)/2] }, "truncated"},
		{"truncated by one byte", func(b []byte) []byte { return b[:len(b)-1] }, "truncated"},
		{"trailer cut off", func(b []byte) []byte { return b[:len(b)-trailer] }, "truncated"},
		{"bytes appended", func(b []byte) []byte { return append(slices.Clone(b), '\n') }, "truncated"},
		{"wrong magic", func(b []byte) []byte { return append([]byte("CHROMEM-EXPORT-GOB\n"), b[19:]...) }, "not a dramabot snapshot"},
		{"unknown format version", flip(func(int) int { return 18 }, '3'^'9'), "not a dramabot snapshot"},
		{"flipped byte in the manifest", flip(func(int) int { return 40 }, 0x01), "checksum mismatch"},
		{"flipped byte in the vectors", flip(func(n int) int { return n - trailer - 200 }, 0x80), "checksum mismatch"},
		{"flipped byte in the checksum", flip(func(n int) int { return n - 8 }, 0x10), "checksum mismatch"},
		{"flipped byte in a section length", flip(func(n int) int { return n - trailer }, 0x01), "section lengths"},
		{"valid trailer over garbage", func(b []byte) []byte {
			body := []byte(strings.Repeat("not gob at all ", 50))
			return withTrailer(b[:20], body, len(body), 0)
		}, "manifest"},
		{"valid checksum, forged sizes", func(b []byte) []byte {
			// A header announcing 2^40 passages must be refused before
			// anything that large is allocated.
			var hb bytes.Buffer
			gob.NewEncoder(&hb).Encode(struct {
				Embedder                 string
				Dim, Passages, Terms     int
				EntriesBytes, TermsBytes int64
				Postings                 int
			}{newCounting().local.Name(), testDim, 1 << 40, 10, 100, 100, 10})
			body := binary.AppendUvarint(nil, uint64(hb.Len()))
			body = append(body, hb.Bytes()...)
			body = append(body, make([]byte, 4096)...)
			return withTrailer(b[:20], body, len(body), 0)
		}, "sizes do not match"},
	}
}

// TestCorruptSnapshotIsRebuilt damages a good snapshot in each way and
// checks that Open detects it, says why, moves the file aside, serves no
// stale data, and that Sync rebuilds a complete index and a good snapshot.
func TestCorruptSnapshotIsRebuilt(t *testing.T) {
	good := goodSnapshot(t)
	for _, d := range snapshotDamages() {
		t.Run(d.name, func(t *testing.T) {
			dir := t.TempDir()
			path := store.SnapshotPath(dir)
			bad := d.apply(good)
			if err := os.WriteFile(path, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			var logs logBuffer
			emb := newCounting()
			st, err := store.Open(store.Options{Dir: dir, Embedder: emb.embedder(), Logger: logs.logger()})
			if err != nil {
				t.Fatalf("Open: %v (a corrupt snapshot must not stop the store)", err)
			}
			rec := st.Recovered()
			if !strings.Contains(rec, "corrupt") || !strings.Contains(rec, d.reason) {
				t.Errorf("Recovered() = %q, want it to say corrupt and %q", rec, d.reason)
			}
			if !strings.Contains(logs.String(), "snapshot not usable") {
				t.Errorf("nothing logged about the bad snapshot; log: %s", logs.String())
			}
			if n := st.Stats().Passages; n != 0 {
				t.Errorf("a corrupt snapshot was loaded: %d passages", n)
			}
			if fileExists(path) {
				t.Errorf("corrupt snapshot left in place")
			}
			aside, err := os.ReadFile(path + ".corrupt")
			if err != nil {
				t.Fatalf("corrupt snapshot not kept aside: %v", err)
			}
			if !slices.Equal(aside, bad) {
				t.Errorf("the file kept aside differs from the corrupt snapshot")
			}

			ch := mustSync(t, st, seedDocs())
			if ch.Embedded != 5 || ch.Added != 5 || emb.takeCalls() != 5 {
				t.Errorf("rebuild: %+v", ch)
			}
			if got, want := indexedIDs(st), allIDs(seedDocs()); !slices.Equal(got, want) {
				t.Errorf("rebuilt index holds %v, want %v", got, want)
			}
			if top := hitIDs(search(t, st, "647,000 jobs", 1)); !slices.Equal(top, []string{"cri#1"}) {
				t.Errorf("rebuilt index: top hit %v, want cri#1", top)
			}
			if r := st.Recovered(); r != "" {
				t.Errorf("Recovered() = %q after the rebuild", r)
			}
			again := openStore(t, dir, emb.embedder())
			if again.Recovered() != "" || again.Stats().Passages != 5 {
				t.Errorf("rebuilt snapshot does not load: %q, %d passages", again.Recovered(), again.Stats().Passages)
			}
		})
	}
}

// TestEveryFlippedByteIsDetected flips one bit at positions spread over the
// whole snapshot, the magic and the trailer included: none may load.
func TestEveryFlippedByteIsDetected(t *testing.T) {
	good := goodSnapshot(t)
	var positions []int
	for i := 0; i < 24; i++ {
		positions = append(positions, i, len(good)-1-i)
	}
	for i := 24; i < len(good)-24; i += max(1, len(good)/150) {
		positions = append(positions, i)
	}
	dir := t.TempDir()
	path := store.SnapshotPath(dir)
	emb := newCounting()
	for _, pos := range positions {
		for _, mask := range []byte{0x01, 0x80} {
			bad := slices.Clone(good)
			bad[pos] ^= mask
			if err := os.WriteFile(path, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			st := openStore(t, dir, emb.embedder())
			if st.Recovered() == "" || st.Stats().Passages != 0 {
				t.Errorf("bit %#x of byte %d/%d flipped: snapshot loaded (%d passages)", mask, pos, len(good), st.Stats().Passages)
			}
			os.Remove(path + ".corrupt")
		}
	}
}

// TestOlderFormatIsRebuilt: a snapshot of an older format (1: gob;
// 2: without pages and figure records) is recognised, not called
// corrupt, and replaced by the next Sync.
func TestOlderFormatIsRebuilt(t *testing.T) {
	for _, magic := range []string{"DRAMABOT-SNAPSHOT-1\n", "DRAMABOT-SNAPSHOT-2\n"} {
		t.Run(strings.TrimSpace(magic), func(t *testing.T) {
			dir := t.TempDir()
			old := append([]byte(magic), make([]byte, 100)...)
			if err := os.WriteFile(store.SnapshotPath(dir), old, 0o644); err != nil {
				t.Fatal(err)
			}
			emb := newCounting()
			st := openStore(t, dir, emb.embedder())
			if rec := st.Recovered(); !strings.Contains(rec, "older format") || strings.Contains(rec, "corrupt") {
				t.Errorf("Recovered() = %q, want it to say the format is older, not corrupt", rec)
			}
			if fileExists(store.SnapshotPath(dir) + ".corrupt") {
				t.Errorf("an older snapshot was moved aside as corrupt")
			}
			if ch := mustSync(t, st, seedDocs()); ch.Embedded != 5 {
				t.Errorf("rebuild: %+v", ch)
			}
			again := openStore(t, dir, emb.embedder())
			if again.Recovered() != "" || again.Stats().Passages != 5 {
				t.Errorf("rebuilt snapshot does not load: %q", again.Recovered())
			}
		})
	}
}

// goodSnapshot returns the bytes of the snapshot of seedDocs.
func goodSnapshot(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	st := openStore(t, dir, newCounting().embedder())
	mustSync(t, st, seedDocs())
	b, err := os.ReadFile(store.SnapshotPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOtherEmbedderRebuilds opens a snapshot built with one embedder with
// another: it is not used (vectors of different models do not compare), is
// not mistaken for corruption, and Sync re-embeds everything.
func TestOtherEmbedderRebuilds(t *testing.T) {
	for _, other := range []store.Embedder{
		{Name: embed.NewLocal(32).Name(), Embed: embed.NewLocal(32).Embed},      // another size
		{Name: "ollama:nomic-embed-text", Embed: embed.NewLocal(testDim).Embed}, // same size, another model
	} {
		t.Run(other.Name, func(t *testing.T) {
			dir := t.TempDir()
			mustSync(t, openStore(t, dir, newCounting().embedder()), seedDocs())

			var calls atomic.Int64 // Sync embeds on several goroutines
			counted := other
			counted.Embed = func(ctx context.Context, text string) ([]float32, error) {
				calls.Add(1)
				return other.Embed(ctx, text)
			}
			st := openStore(t, dir, counted)
			if rec := st.Recovered(); !strings.Contains(rec, "embedder") {
				t.Errorf("Recovered() = %q, want it to name the embedder change", rec)
			}
			if n := st.Stats().Passages; n != 0 {
				t.Errorf("vectors of another embedder served: %d passages", n)
			}
			if fileExists(store.SnapshotPath(dir) + ".corrupt") {
				t.Errorf("a good snapshot of another embedder was treated as corrupt")
			}
			ch := mustSync(t, st, seedDocs())
			if ch.Embedded != 5 || calls.Load() != 5 {
				t.Errorf("rebuild with %s: %+v, %d calls", other.Name, ch, calls.Load())
			}
			if got := st.Stats(); got.Embedder != other.Name {
				t.Errorf("index embedder %q, want %q", got.Embedder, other.Name)
			}
			again := openStore(t, dir, other)
			if again.Recovered() != "" || again.Stats().Passages != 5 {
				t.Errorf("snapshot not rewritten for %s: %q", other.Name, again.Recovered())
			}
		})
	}
}

// TestUnwritableDataDir: when the snapshot cannot be saved, Sync says so
// with an error wrapping ErrSnapshot, and the new index is served from
// memory anyway.
func TestUnwritableDataDir(t *testing.T) {
	cases := []struct {
		name string
		// setup returns the data dir, after a first good Sync where the
		// case allows one, and a function that checks what is left on disk.
		setup func(t *testing.T) (dir string, after func(t *testing.T))
	}{
		{"read-only dir (chmod 0555)", func(t *testing.T) (string, func(*testing.T)) {
			dir := t.TempDir()
			mustSync(t, openStore(t, dir, newCounting().embedder()), seedDocs())
			if err := os.Chmod(dir, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o755) })
			if f, err := os.CreateTemp(dir, "probe-*"); err == nil {
				f.Close()
				os.Remove(f.Name())
				t.Skip("chmod 0555 does not stop writes for this user (root?); the regular-file cases cover the failure")
			}
			return dir, func(t *testing.T) { oldSnapshotIntact(t, dir) }
		}},
		{"data dir path is a regular file", func(t *testing.T) (string, func(*testing.T)) {
			path := filepath.Join(t.TempDir(), "data")
			if err := os.WriteFile(path, []byte("not a directory"), 0o644); err != nil {
				t.Fatal(err)
			}
			return path, func(t *testing.T) {
				if b, _ := os.ReadFile(path); string(b) != "not a directory" {
					t.Errorf("the file in the way was changed: %q", b)
				}
			}
		}},
		{"data dir replaced by a file after the first sync", func(t *testing.T) (string, func(*testing.T)) {
			dir := filepath.Join(t.TempDir(), "data")
			mustSync(t, openStore(t, dir, newCounting().embedder()), seedDocs())
			moved := dir + ".moved"
			if err := os.Rename(dir, moved); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dir, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return dir, func(t *testing.T) { oldSnapshotIntact(t, moved) }
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, after := c.setup(t)
			st := openStore(t, dir, newCounting().embedder())
			docs := seedDocs()
			docs[1].Passages[1].Text = "红果短剧的月活跃用户超过2.1亿，继续领先。"
			ch, err := st.Sync(context.Background(), docs)
			if !errors.Is(err, store.ErrSnapshot) {
				t.Fatalf("Sync into an unwritable data dir: err = %v, want one wrapping ErrSnapshot", err)
			}
			if ch.Embedded == 0 {
				t.Errorf("changes not reported with the error: %+v", ch)
			}
			if n := st.Stats().Passages; n != 5 {
				t.Errorf("%d passages served from memory, want 5", n)
			}
			ret := search(t, st, "红果短剧 2.1亿 用户", 3)
			if len(ret.Hits) == 0 || ret.Hits[0].Passage.ID != "zh#2" || !strings.Contains(ret.Hits[0].Passage.Text, "2.1亿") {
				t.Errorf("the new index is not served from memory: %v", hitIDs(ret))
			}
			after(t)
		})
	}
}

// oldSnapshotIntact checks that dir still holds the snapshot of seedDocs,
// whole, and nothing half-written.
func oldSnapshotIntact(t *testing.T, dir string) {
	t.Helper()
	noTempFiles(t, dir)
	st := openStore(t, dir, newCounting().embedder())
	if st.Recovered() != "" || st.Stats().Passages != 5 {
		t.Fatalf("old snapshot damaged: %q, %d passages", st.Recovered(), st.Stats().Passages)
	}
	ret := search(t, st, "红果短剧 用户", 1)
	if !strings.Contains(ret.Hits[0].Passage.Text, "1.4亿") {
		t.Errorf("old snapshot serves %q", ret.Hits[0].Passage.Text)
	}
}

// TestSearchClampsK asks for more results than the index holds: chromem-go
// would return an error; the store returns what it has.
func TestSearchClampsK(t *testing.T) {
	sizes := []struct {
		name string
		docs []knowledge.Document
	}{
		{"empty", nil},
		{"one passage", []knowledge.Document{doc("one", "Mini series generated 647,000 jobs.")}},
		{"five passages", seedDocs()},
	}
	for _, size := range sizes {
		st := openStore(t, "", newCounting().embedder())
		if size.docs != nil {
			mustSync(t, st, size.docs)
		}
		n := len(allIDs(size.docs))
		ks := []int{-1, 0, 1, n, n + 1, 50, 1000}
		slices.Sort(ks)
		for _, k := range slices.Compact(ks) {
			t.Run(size.name+"/k="+strconv.Itoa(k), func(t *testing.T) {
				ret, err := st.Search(context.Background(), "mini series jobs market 短剧", k)
				if err != nil {
					t.Fatalf("Search: %v", err)
				}
				if want := max(0, min(k, n)); len(ret.Hits) != want {
					t.Errorf("%d hits, want %d", len(ret.Hits), want)
				}
				if ret.Passages != n {
					t.Errorf("Retrieval.Passages = %d, want %d", ret.Passages, n)
				}
			})
		}
	}
}

// TestQueryEmbeddingFailureFallsBackToLexical: when the query cannot be
// embedded, or comes back the wrong size, Search still answers from BM25,
// and logs why.
func TestQueryEmbeddingFailureFallsBackToLexical(t *testing.T) {
	cases := []struct {
		name string
		hook embedHook
		log  string
	}{
		{"embedder down", func(string) ([]float32, bool, error) { return nil, true, errEmbedDown }, "query embedding failed"},
		{"wrong size", func(string) ([]float32, bool, error) { return []float32{1, 0, 0}, true, nil }, "wrong size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			emb := newCounting()
			var logs logBuffer
			st, err := store.Open(store.Options{Embedder: emb.embedder(), Logger: logs.logger()})
			if err != nil {
				t.Fatal(err)
			}
			mustSync(t, st, seedDocs())
			emb.setHook(c.hook)
			ret, err := st.Search(context.Background(), "How many jobs did mini series create? 647,000", 3)
			if err != nil {
				t.Fatalf("Search with a failing query embedder: %v", err)
			}
			if len(ret.Hits) == 0 || ret.Hits[0].Passage.ID != "cri#1" {
				t.Fatalf("lexical fallback: hits %v, want cri#1 first", hitIDs(ret))
			}
			for _, h := range ret.Hits {
				if h.Vector != 0 || h.Lexical <= 0 {
					t.Errorf("hit %s: vector %v, lexical %v; want lexical only", h.Passage.ID, h.Vector, h.Lexical)
				}
			}
			if !strings.Contains(logs.String(), c.log) {
				t.Errorf("log does not say %q: %s", c.log, logs.String())
			}
		})
	}
}

// TestEmbeddingFailureKeepsOldIndex: a Sync whose embedder fails or
// returns unusable vectors changes nothing, on disk or in memory.
func TestEmbeddingFailureKeepsOldIndex(t *testing.T) {
	cases := []struct {
		name    string
		hook    embedHook
		wantErr string
	}{
		{"embedder error", func(string) ([]float32, bool, error) { return nil, true, errEmbedDown }, "embedding server down"},
		{"empty vector", func(string) ([]float32, bool, error) { return []float32{}, true, nil }, "empty vector"},
		{"NaN", func(string) ([]float32, bool, error) { return []float32{float32(math.NaN()), 1}, true, nil }, "NaN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			emb := newCounting()
			st := openStore(t, dir, emb.embedder())
			mustSync(t, st, seedDocs())
			before, _ := os.ReadFile(store.SnapshotPath(dir))

			docs := append(seedDocs(), doc("new", "A new passage about vertical screen drama exports."))
			emb.setHook(func(text string) ([]float32, bool, error) {
				if strings.Contains(text, "vertical screen") {
					return c.hook(text)
				}
				return nil, false, nil
			})
			_, err := st.Sync(context.Background(), docs)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "new#1") {
				t.Fatalf("Sync: err = %v, want one naming new#1 and %q", err, c.wantErr)
			}
			if errors.Is(err, store.ErrSnapshot) {
				t.Errorf("an embedding failure reported as a snapshot failure: %v", err)
			}
			if got, want := indexedIDs(st), allIDs(seedDocs()); !slices.Equal(got, want) {
				t.Errorf("after a failed Sync the index holds %v, want the old %v", got, want)
			}
			after, _ := os.ReadFile(store.SnapshotPath(dir))
			if !slices.Equal(before, after) {
				t.Errorf("a failed Sync changed the snapshot")
			}
			emb.setHook(nil)
			emb.takeCalls()
			ch := mustSync(t, st, docs)
			if ch.Embedded != 1 || emb.takeCalls() != 1 {
				t.Errorf("Sync after recovery: %+v; want only the new passage embedded", ch)
			}
		})
	}
}

// TestMixedVectorSizes: vectors of different sizes in one index would make
// every chromem-go query fail; Sync refuses them with a clear error and
// keeps the old index.
func TestMixedVectorSizes(t *testing.T) {
	short := func(text string) ([]float32, bool, error) {
		v := make([]float32, testDim/2)
		v[0] = 1
		return v, true, nil
	}
	cases := []struct {
		name string
		docs []knowledge.Document
		// hook is set before the second Sync.
		hook embedHook
	}{
		{"two sizes in one corpus", append(seedDocs(), doc("odd", "A passage the embedder gives a shorter vector.")),
			func(text string) ([]float32, bool, error) {
				if strings.Contains(text, "shorter vector") {
					return short(text)
				}
				return nil, false, nil
			}},
		{"embedder changed its size but not its name", func() []knowledge.Document {
			d := seedDocs()
			d[0].Passages[0].Text += " Updated."
			return d
		}(), short},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			emb := newCounting()
			st := openStore(t, t.TempDir(), emb.embedder())
			mustSync(t, st, seedDocs())
			emb.setHook(c.hook)
			_, err := st.Sync(context.Background(), c.docs)
			if err == nil || !strings.Contains(err.Error(), "dimensional") {
				t.Fatalf("Sync with mixed vector sizes: err = %v, want a clear size error", err)
			}
			for _, want := range []string{"32", "64"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not give the size %s", err, want)
				}
			}
			emb.setHook(nil)
			if got, want := indexedIDs(st), allIDs(seedDocs()); !slices.Equal(got, want) {
				t.Errorf("index after the refused Sync: %v, want %v", got, want)
			}
			if top := hitIDs(search(t, st, "647,000 jobs", 1)); !slices.Equal(top, []string{"cri#1"}) {
				t.Errorf("old index no longer answers: %v", top)
			}
		})
	}
}

// TestHybridRetrieval checks what the lexical side exists for: exact
// figures and names, in English and Chinese, rank first.
func TestHybridRetrieval(t *testing.T) {
	st := openStore(t, "", newCounting().embedder())
	mustSync(t, st, seedDocs())
	for _, c := range []struct{ q, want string }{
		{"How many jobs has the mini series boom created?", "cri#1"},
		{"647,000", "cri#1"},
		{"50.44 billion", "cri#2"},
		{"504.4亿元", "zh#1"},
		{"红果短剧有多少用户？", "zh#2"},
		{"Hongguo creators advertising", "cri#3"},
	} {
		ret := search(t, st, c.q, 3)
		if len(ret.Hits) == 0 || ret.Hits[0].Passage.ID != c.want {
			t.Errorf("%q: hits %v, want %s first", c.q, hitIDs(ret), c.want)
		}
		for i := 1; i < len(ret.Hits); i++ {
			if ret.Hits[i].Score > ret.Hits[i-1].Score {
				t.Errorf("%q: hits not in score order: %v", c.q, ret.Hits)
			}
		}
	}
}

// withTrailer frames body as a snapshot with a valid trailer (section
// lengths n1 and n2, CRC-32C of body), to reach the checks past the CRC.
func withTrailer(magic, body []byte, n1, n2 int) []byte {
	out := append(slices.Clone(magic), body...)
	out = binary.LittleEndian.AppendUint64(out, uint64(n1))
	out = binary.LittleEndian.AppendUint64(out, uint64(n2))
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
	return append(out, "END."...)
}

// TestSearchIsDeterministic: the same query on the same index gives the
// same hits with bit-identical scores, every time (no map-order sums).
func TestSearchIsDeterministic(t *testing.T) {
	docs := append(seedDocs(), synth.Docs(300)...)
	st := openStore(t, "", newCounting().embedder())
	mustSync(t, st, docs)
	var queries []string
	for _, q := range synth.Questions(docs[2:], 20) {
		queries = append(queries, q.Text)
	}
	queries = append(queries, "How many jobs has the mini series boom created? market growth yuan 2024 creators platforms",
		"红果短剧的月活跃用户有多少？市场规模 微短剧 同比增长 行业第一")
	for _, q := range queries {
		first := search(t, st, q, 10)
		for range 30 {
			again := search(t, st, q, 10)
			for i := range first.Hits {
				a, b := first.Hits[i], again.Hits[i]
				if a.Passage.ID != b.Passage.ID || math.Float64bits(a.Score) != math.Float64bits(b.Score) || math.Float64bits(a.Lexical) != math.Float64bits(b.Lexical) {
					t.Fatalf("%q hit %d: %s %v, then %s %v", q, i, a.Passage.ID, a.Score, b.Passage.ID, b.Score)
				}
			}
		}
	}
}
