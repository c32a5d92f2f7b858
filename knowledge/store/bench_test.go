package store_test

// Benchmarks of indexing, retrieval and answering on synthetic corpora of
// 1k, 10k and 100k passages (internal/synth: English and Chinese-like
// passages of 400-700 characters with figures), with the real local
// embedder and chromem-go. Targets (on a 2-core machine): local
// embedding >= 5,000 passages/s; answer p50 <= 2 ms at 10k and <= 80 ms at
// 100k; a restart with an unchanged 100k corpus ready in <= 5 s embedding
// nothing; peak RSS indexing 100k <= 1 GiB.
//
// Benchmarks never run in `go test ./...`. The 100k cases build a 100k
// corpus, index and snapshot once per process (a few minutes) and are
// skipped with -short. Everything, six times (about 30 minutes), then the
// medians:
//
//	go test ./knowledge/store -run '^$' -bench . -count 6 -timeout 150m | tee /tmp/store.bench
//	go run golang.org/x/perf/cmd/benchstat@latest /tmp/store.bench
//
// Only the small sizes: add -short. One benchmark: -bench 'Answer/passages=10k'.
// Peak RSS with a soft memory limit: GOMEMLIMIT=800MiB in the environment
// (the child process inherits it).
//
// Metrics: passages/s (build); p50-ms and p95-ms per question (Answer and
// Search, whose ns/op is for 64 questions); hit@10 (share of questions
// whose source passage was retrieved: a check that the synthetic questions
// are answerable); embedded (must be 0 on an unchanged restart); peak-MiB
// (VmHWM of a child process that does nothing but build the index) and
// corpus-MiB (its RSS before indexing); file-MiB (snapshot size).

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dramabot/knowledge"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/ingest"
	"dramabot/knowledge/store"
	"dramabot/knowledge/store/internal/synth"
)

var benchSizes = []struct {
	name string
	n    int
}{{"1k", 1_000}, {"10k", 10_000}, {"100k", 100_000}}

// fixtures are built once per process and shared by the benchmarks (and
// their -count repetitions).
var fixtures = struct {
	sync.Mutex
	docs      map[int][]knowledge.Document
	stores    map[int]*store.Store
	snapshots map[int]string // data dir holding the snapshot of docs[n]
	tmp       string
}{docs: map[int][]knowledge.Document{}, stores: map[int]*store.Store{}, snapshots: map[int]string{}}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtures.tmp != "" {
		os.RemoveAll(fixtures.tmp)
	}
	os.Exit(code)
}

func localEmbedder() store.Embedder {
	l := embed.NewLocal(embed.DefaultDim)
	return store.Embedder{Name: l.Name(), Embed: l.Embed}
}

func skipLarge(b *testing.B, n int) {
	if n >= 100_000 && testing.Short() {
		b.Skip("100k passages: skipped with -short")
	}
}

func corpusOf(n int) []knowledge.Document {
	fixtures.Lock()
	defer fixtures.Unlock()
	if d, ok := fixtures.docs[n]; ok {
		return d
	}
	d := synth.Docs(n)
	fixtures.docs[n] = d
	return d
}

// storeOf returns an in-memory store of the n-passage corpus.
func storeOf(b *testing.B, n int) *store.Store {
	docs := corpusOf(n)
	fixtures.Lock()
	defer fixtures.Unlock()
	if st, ok := fixtures.stores[n]; ok {
		return st
	}
	st, err := store.Open(store.Options{Embedder: localEmbedder()})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.Sync(context.Background(), docs); err != nil {
		b.Fatal(err)
	}
	fixtures.stores[n] = st
	return st
}

func tempRoot(b *testing.B) string {
	if fixtures.tmp == "" {
		dir, err := os.MkdirTemp("", "dramabot-store-bench-")
		if err != nil {
			b.Fatal(err)
		}
		fixtures.tmp = dir
	}
	return fixtures.tmp
}

// snapshotOf returns a data dir with the snapshot of the n-passage corpus.
func snapshotOf(b *testing.B, n int) string {
	docs := corpusOf(n)
	fixtures.Lock()
	defer fixtures.Unlock()
	if dir, ok := fixtures.snapshots[n]; ok {
		return dir
	}
	dir := filepath.Join(tempRoot(b), "snapshot-"+strconv.Itoa(n))
	st, err := store.Open(store.Options{Dir: dir, Embedder: localEmbedder()})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.Sync(context.Background(), docs); err != nil {
		b.Fatal(err)
	}
	fixtures.snapshots[n] = dir
	return dir
}

func passageCount(docs []knowledge.Document) int {
	n := 0
	for _, d := range docs {
		n += len(d.Passages)
	}
	return n
}

// BenchmarkEmbedLocal is the local embedder alone, on one core.
func BenchmarkEmbedLocal(b *testing.B) {
	var texts []string
	for _, d := range corpusOf(10_000) {
		for _, p := range d.Passages {
			texts = append(texts, p.Text)
		}
	}
	l := embed.NewLocal(embed.DefaultDim)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		l.Vector(texts[i%len(texts)])
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "passages/s")
}

// BenchmarkIndexBuild is a Sync of the whole corpus into an empty
// in-memory store: embedding (all cores), chromem-go, the lexicon and the
// figure records; records=off leaves the records out, to measure what
// reading them costs (target: at most 20% more time with them).
func BenchmarkIndexBuild(b *testing.B) {
	for _, size := range benchSizes {
		for _, rec := range []string{"on", "off"} {
			b.Run("passages="+size.name+"/records="+rec, func(b *testing.B) {
				benchIndexBuild(b, size.n, rec == "off")
			})
		}
	}
}

func benchIndexBuild(b *testing.B, n int, noRecords bool) {
	skipLarge(b, n)
	docs := corpusOf(n)
	b.ResetTimer()
	for b.Loop() {
		st, err := store.Open(store.Options{Embedder: localEmbedder(), NoRecords: noRecords})
		if err != nil {
			b.Fatal(err)
		}
		ch, err := st.Sync(context.Background(), docs)
		if err != nil {
			b.Fatal(err)
		}
		if ch.Embedded != n {
			b.Fatalf("embedded %d of %d", ch.Embedded, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "passages/s")
}

// latencies records per-operation times for percentiles.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	s := slices.Clone(l)
	slices.Sort(s)
	pct := func(p float64) float64 {
		return float64(s[min(len(s)-1, int(p*float64(len(s))))]) / 1e6
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}

const (
	benchQuestions = 512
	// perOp is how many questions one benchmark iteration asks, so that
	// even the 100k case (one iteration a few seconds) gets a p50 over
	// enough questions; ns/op is the time for perOp questions.
	perOp = 64
)

// BenchmarkAnswer is Engine.Answer, retrieve and compose, over a store of
// the corpus, one question at a time, 64 questions per iteration, cycling
// through 512. p50-ms and p95-ms are per question.
func BenchmarkAnswer(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("passages="+size.name, func(b *testing.B) {
			skipLarge(b, size.n)
			st := storeOf(b, size.n)
			qs := synth.Questions(corpusOf(size.n), benchQuestions)
			eng := knowledge.NewEngine(st, knowledge.EngineOptions{})
			ctx := context.Background()
			var lat latencies
			hits := 0
			b.ResetTimer()
			for b.Loop() {
				for range perOp {
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
			lat.report(b)
			b.ReportMetric(float64(hits)/float64(len(lat)), "hit@10")
		})
	}
}

// BenchmarkSearch is the store's hybrid search alone (the retrieval part
// of BenchmarkAnswer), k = knowledge.SearchDepth, 64 questions per
// iteration.
func BenchmarkSearch(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("passages="+size.name, func(b *testing.B) {
			skipLarge(b, size.n)
			st := storeOf(b, size.n)
			qs := synth.Questions(corpusOf(size.n), benchQuestions)
			ctx := context.Background()
			var lat latencies
			b.ResetTimer()
			for b.Loop() {
				for range perOp {
					start := time.Now()
					if _, err := st.Search(ctx, qs[len(lat)%len(qs)].Text, knowledge.SearchDepth); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
				}
			}
			lat.report(b)
		})
	}
}

// BenchmarkSnapshotLoad is Open of a data dir holding a snapshot (read,
// checksum, decode; the file is in the page cache after the first run).
func BenchmarkSnapshotLoad(b *testing.B) {
	for _, size := range benchSizes[1:] {
		b.Run("passages="+size.name, func(b *testing.B) {
			skipLarge(b, size.n)
			dir := snapshotOf(b, size.n)
			b.ResetTimer()
			for b.Loop() {
				st, err := store.Open(store.Options{Dir: dir, Embedder: localEmbedder()})
				if err != nil {
					b.Fatal(err)
				}
				if st.Recovered() != "" || st.Stats().Passages != size.n {
					b.Fatalf("snapshot not loaded: %q, %d passages", st.Recovered(), st.Stats().Passages)
				}
			}
			if info, err := os.Stat(store.SnapshotPath(dir)); err == nil {
				b.ReportMetric(float64(info.Size())/(1<<20), "file-MiB")
			}
		})
	}
}

// BenchmarkRestartUnchanged is what a restart with an unchanged corpus
// costs before the first answer: Open of the snapshot and Sync of the same
// documents, which must embed nothing. The "ingest" variant also reads the
// corpus from JSONL files, as `dramabot serve --docs DIR` does.
func BenchmarkRestartUnchanged(b *testing.B) {
	for _, size := range benchSizes[1:] {
		b.Run("passages="+size.name, func(b *testing.B) {
			skipLarge(b, size.n)
			docs := corpusOf(size.n)
			dir := snapshotOf(b, size.n)
			restart(b, dir, func() []knowledge.Document { return docs })
		})
		b.Run("passages="+size.name+"/ingest", func(b *testing.B) {
			skipLarge(b, size.n)
			docsDir := jsonlCorpus(b, size.n)
			load := func() []knowledge.Document {
				docs, problems, err := ingest.Load([]string{docsDir})
				if err != nil || len(problems) > 0 {
					b.Fatalf("ingest: %v %v", err, problems)
				}
				return docs
			}
			dir := filepath.Join(tempRoot(b), "snapshot-ingest-"+size.name)
			if !fileExists(store.SnapshotPath(dir)) {
				st, err := store.Open(store.Options{Dir: dir, Embedder: localEmbedder()})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := st.Sync(context.Background(), load()); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			restart(b, dir, load)
		})
	}
}

func restart(b *testing.B, dir string, load func() []knowledge.Document) {
	emb := newCounting()
	emb.local = embed.NewLocal(embed.DefaultDim)
	for b.Loop() {
		st, err := store.Open(store.Options{Dir: dir, Embedder: emb.embedder()})
		if err != nil {
			b.Fatal(err)
		}
		docs := load()
		ch, err := st.Sync(context.Background(), docs)
		if err != nil {
			b.Fatal(err)
		}
		if calls := emb.takeCalls(); ch.Embedded != 0 || calls != 0 || ch.Unchanged != passageCount(docs) {
			b.Fatalf("unchanged restart: %+v, %d embedder calls", ch, calls)
		}
	}
	b.ReportMetric(0, "embedded")
}

// jsonlCorpus writes the n-passage corpus as JSONL files (several, each
// under ingest's per-file limit) and returns their folder.
func jsonlCorpus(b *testing.B, n int) string {
	docs := corpusOf(n)
	dir := filepath.Join(tempRoot(b), "jsonl-"+strconv.Itoa(n))
	if fileExists(dir) {
		return dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	const perFile = 10_000
	var f *os.File
	var enc *json.Encoder
	written := 0
	for _, d := range docs {
		for _, p := range d.Passages {
			if written%perFile == 0 {
				if f != nil {
					f.Close()
				}
				var err error
				f, err = os.Create(filepath.Join(dir, fmt.Sprintf("part-%03d.jsonl", written/perFile)))
				if err != nil {
					b.Fatal(err)
				}
				enc = json.NewEncoder(f)
			}
			line := map[string]string{"id": p.ID, "title": d.Source.Title, "text": p.Text, "publisher": d.Source.Publisher, "date": d.Source.Date}
			if err := enc.Encode(line); err != nil {
				b.Fatal(err)
			}
			written++
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return dir
}

// rssChildEnv makes the test binary, re-executed, build an index and
// report its memory high-water mark instead of running tests. Its value
// is the number of passages; with rssChildEnv+"_SNAPSHOT" set, the index
// is built in a data dir, so the snapshot is written too.
const rssChildEnv = "DRAMABOT_STORE_RSS_CHILD"

// BenchmarkIndexPeakRSS runs, in a child process, a Sync of the corpus into
// an empty store and reports the child's peak RSS (VmHWM) during it:
// "memory" indexes only, "snapshot" also writes the snapshot, as `dramabot
// index` does. The corpus is generated before the high-water mark is
// reset, but stays in memory during indexing, as a loaded corpus does in
// the real program. corpus-MiB is the RSS before indexing.
func BenchmarkIndexPeakRSS(b *testing.B) {
	for _, size := range benchSizes {
		for _, mode := range []string{"memory", "snapshot"} {
			b.Run("passages="+size.name+"/"+mode, func(b *testing.B) {
				skipLarge(b, size.n)
				var peak, base float64
				for b.Loop() {
					cmd := exec.Command(os.Args[0], "-test.run=^TestIndexRSSChild$", "-test.count=1")
					cmd.Env = append(os.Environ(), rssChildEnv+"="+strconv.Itoa(size.n))
					if mode == "snapshot" {
						cmd.Env = append(cmd.Env, rssChildEnv+"_SNAPSHOT=1")
					}
					out, err := cmd.CombinedOutput()
					if err != nil {
						b.Fatalf("child: %v\n%s", err, out)
					}
					var got struct{ Base, Peak float64 }
					for _, line := range strings.Split(string(out), "\n") {
						if rest, ok := strings.CutPrefix(line, "RSS "); ok {
							if err := json.Unmarshal([]byte(rest), &got); err != nil {
								b.Fatal(err)
							}
						}
					}
					if got.Peak == 0 {
						b.Fatalf("child reported nothing:\n%s", out)
					}
					peak, base = max(peak, got.Peak), max(base, got.Base)
				}
				b.ReportMetric(peak, "peak-MiB")
				b.ReportMetric(base, "corpus-MiB")
			})
		}
	}
}

// TestIndexRSSChild is the child of BenchmarkIndexPeakRSS; it does nothing
// in a normal test run. With rssChildEnv+"_HEAPPROFILE" naming a file, it
// also writes a heap profile of what stays live after indexing.
func TestIndexRSSChild(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(rssChildEnv))
	if n == 0 {
		t.Skip("only run as the child of BenchmarkIndexPeakRSS")
	}
	docs := synth.Docs(n)
	runtime.GC()
	debug.FreeOSMemory()
	base := vmKiB(t, "VmRSS")
	// Reset the high-water mark, so it covers indexing alone.
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatalf("reset VmHWM: %v", err)
	}
	dir := ""
	if os.Getenv(rssChildEnv+"_SNAPSHOT") != "" {
		dir = t.TempDir()
	}
	st, err := store.Open(store.Options{Dir: dir, Embedder: localEmbedder()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Sync(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	peak := vmKiB(t, "VmHWM")
	if path := os.Getenv(rssChildEnv + "_HEAPPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		if err := pprof.WriteHeapProfile(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	fmt.Printf("RSS {\"Base\": %.1f, \"Peak\": %.1f}\n", base/1024, peak/1024)
	runtime.KeepAlive(docs)
	runtime.KeepAlive(st)
}

// vmKiB reads a Vm* line of /proc/self/status.
func vmKiB(t *testing.T, key string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("%s not in /proc/self/status", key)
	return 0
}
