package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dramabot/knowledge/pgstore/pgtest"
)

// pgEnv is a test environment whose index is in an empty PostgreSQL
// database (PGlite on loopback, or DRAMABOT_TEST_POSTGRES); the test is
// skipped when there is none, unless DRAMABOT_REQUIRE_POSTGRES=1.
func pgEnv(t *testing.T) map[string]string {
	t.Helper()
	dsn := pgtest.DSN(t)
	pgtest.Reset(t, dsn)
	env := testEnv(t)
	env["DRAMABOT_STORE"] = dsn
	env["DRAMABOT_RATE_LIMIT"] = "-1"
	return env
}

// with is env with some values changed.
func with(env map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(env)+len(kv)/2)
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// writeZorblax writes the test's own document, whose figure changes between
// two index runs.
func writeZorblax(t *testing.T, dir string, n int) {
	t.Helper()
	doc := fmt.Sprintf("---\ntitle: Studio report\npublisher: Test Wire\ndate: 2025-06-01\n---\nZorblax Studios produced %d mini series in 2025.\n", n)
	if err := os.WriteFile(filepath.Join(dir, "zorblax.md"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}

// zorblaxQuestion asks about the test's document (jobsQuestion, in
// llm_test.go, about the default corpus).
const zorblaxQuestion = "How many mini series did Zorblax Studios produce?"

// indexerEnv is the environment of the indexer: the writer, with the
// documents and a data dir of its own.
func indexerEnv(t *testing.T, env map[string]string, docs string) map[string]string {
	return with(env, "DRAMABOT_DOCS", docs, "DRAMABOT_DATA", t.TempDir())
}

// index runs `dramabot index` and fails the test if it fails.
func index(t *testing.T, env map[string]string) string {
	t.Helper()
	out, errOut, code := runProg(t, env, "index")
	if code != 0 {
		t.Fatalf("index: exit %d: %s", code, errOut)
	}
	return out
}

// load asks questions at a given concurrency until stop is closed, and
// counts the requests and the failures: any error, any status but 200, an
// answer without its figure.
type load struct {
	requests, failures atomic.Int64
	mu                 sync.Mutex
	firstFailure       string
	latencies          []time.Duration
	wg                 sync.WaitGroup
	cancel             context.CancelFunc
}

func startLoad(bases []string, clients int) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{cancel: cancel}
	for i := range clients {
		base := bases[i%len(bases)]
		l.wg.Go(func() {
			for j := 0; ctx.Err() == nil; j++ {
				q, want := jobsQuestion, []string{"647,000"}
				if (i+j)%2 == 1 {
					q, want = zorblaxQuestion, []string{"37", "41", "53"}
				}
				t0 := time.Now()
				a, code, err := askHTTP(base, q)
				took := time.Since(t0)
				l.requests.Add(1)
				l.mu.Lock()
				l.latencies = append(l.latencies, took)
				l.mu.Unlock()
				if err != nil || code != http.StatusOK || !slices.ContainsFunc(want, func(w string) bool { return strings.Contains(a.Text, w) }) {
					l.failures.Add(1)
					l.mu.Lock()
					if l.firstFailure == "" {
						l.firstFailure = fmt.Sprintf("%s %q: %d %v %q", base, q, code, err, a.Text)
					}
					l.mu.Unlock()
				}
			}
		})
	}
	return l
}

func (l *load) stop() { l.cancel(); l.wg.Wait() }

// percentile is the p-th percentile of the requests' latencies.
func (l *load) percentile(p float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.latencies) == 0 {
		return 0
	}
	d := slices.Clone(l.latencies)
	slices.Sort(d)
	return d[min(len(d)-1, int(p/100*float64(len(d))))]
}

// waitAnswer waits until base answers question with want in the text, and
// returns how long it took.
func waitAnswer(t *testing.T, base, question, want string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		a, _, err := askHTTP(base, question)
		if err == nil && strings.Contains(a.Text, want) {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s does not answer %q with %q after %s: %v %q", base, question, want, limit, err, a.Text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		return 0
	}
	r.Body.Close()
	return r.StatusCode
}

// TestReplicaReload: `dramabot index` writes the index into
// PostgreSQL, a replica (`serve --role replica`) answers from it, and a
// second index run with a changed document is answered by the running
// replica within 5 s, while questions keep coming and none fails.
func TestReplicaReload(t *testing.T) {
	env := pgEnv(t)
	docs := t.TempDir()
	writeZorblax(t, docs, 37)
	idx := indexerEnv(t, env, docs)
	if out := index(t, idx); !strings.Contains(out, "added") {
		t.Errorf("index:\n%s", out)
	}
	// A command that only reads answers from the database, without the
	// documents.
	out, errOut, code := runProg(t, env, "ask", zorblaxQuestion)
	if code != 0 || !strings.Contains(out, "37") || !strings.Contains(out, "Test Wire") {
		t.Fatalf("ask from PostgreSQL: exit %d\n%s\n%s", code, out, errOut)
	}
	out, _, code = runProg(t, env, "sources")
	if code != 0 || !strings.Contains(out, "Studio report") || !strings.Contains(out, "CRI Online") {
		t.Errorf("sources from PostgreSQL: exit %d\n%s", code, out)
	}
	out, _, code = runProg(t, env, "figures", "jobs")
	if code != 0 || !strings.Contains(out, "647,000") {
		t.Errorf("figures from PostgreSQL (records read from the passages): exit %d\n%s", code, out)
	}

	base, stop := startServe(t, with(env, "DRAMABOT_ROLE", "replica"))
	defer stop()
	if a, code, err := askHTTP(base, zorblaxQuestion); err != nil || code != 200 || !strings.Contains(a.Text, "37") {
		t.Fatalf("replica: %d %v %q", code, err, a.Text)
	}
	if c := getStatus(t, base+"/readyz"); c != 200 {
		t.Errorf("replica /readyz = %d", c)
	}

	l := startLoad([]string{base}, 4)
	time.Sleep(300 * time.Millisecond)
	writeZorblax(t, docs, 41)
	if out := index(t, idx); !strings.Contains(out, "1 changed") {
		t.Errorf("second index:\n%s", out)
	}
	took := waitAnswer(t, base, zorblaxQuestion, "41", 5*time.Second)
	time.Sleep(300 * time.Millisecond)
	l.stop()
	t.Logf("the replica answered from the new version %s after the index run; %d requests during it", took.Round(time.Millisecond), l.requests.Load())
	if n := l.failures.Load(); n > 0 {
		t.Errorf("%d of %d requests failed; the first: %s", n, l.requests.Load(), l.firstFailure)
	}

	// A new source is cited with its title and publisher from its first
	// answer: the replica does not wait for its next look at the version.
	if err := os.WriteFile(filepath.Join(docs, "quexal.md"), []byte("---\ntitle: Quexal survey\npublisher: Quexal Research\ndate: 2025-07-01\n---\nQuexal Pictures filmed 19 vertical dramas in Hengdian in 2025.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	index(t, idx)
	a, code, err := askHTTP(base, "How many vertical dramas did Quexal Pictures film?")
	if err != nil || code != 200 || !strings.Contains(a.Text, "19") || len(a.Citations) == 0 || a.Citations[0].Title != "Quexal survey" || a.Citations[0].Publisher != "Quexal Research" {
		t.Errorf("a new source right after the index run: %d %v %q %+v", code, err, a.Text, a.Citations)
	}
}

// TestServeIndexer: `serve --role indexer` writes the index into
// PostgreSQL at start and answers from it; a replica started next to it
// answers the same.
func TestServeIndexer(t *testing.T) {
	env := pgEnv(t)
	docs := t.TempDir()
	writeZorblax(t, docs, 37)
	indexer, stop := startServe(t, with(indexerEnv(t, env, docs), "DRAMABOT_ROLE", "indexer"))
	defer stop()
	replica, stopReplica := startServe(t, with(env, "DRAMABOT_ROLE", "replica"))
	defer stopReplica()
	for _, base := range []string{indexer, replica} {
		if a, code, err := askHTTP(base, zorblaxQuestion); err != nil || code != 200 || !strings.Contains(a.Text, "37") {
			t.Errorf("%s: %d %v %q", base, code, err, a.Text)
		}
		if c := getStatus(t, base+"/readyz"); c != 200 {
			t.Errorf("%s/readyz = %d", base, c)
		}
	}
}

// TestReplicaBeforeIndexer: a replica started on an empty database (as
// compose starts it, next to the indexer) is not ready, then ready and
// answering once the first index run is written.
func TestReplicaBeforeIndexer(t *testing.T) {
	env := pgEnv(t)
	base, stop := startServe(t, with(env, "DRAMABOT_ROLE", "replica"))
	defer stop()
	if c := getStatus(t, base+"/readyz"); c != http.StatusServiceUnavailable {
		t.Errorf("/readyz on an empty index = %d", c)
	}
	index(t, indexerEnv(t, env, ""))
	waitAnswer(t, base, jobsQuestion, "647,000", 5*time.Second)
	if c := getStatus(t, base+"/readyz"); c != 200 {
		t.Errorf("/readyz after the index run = %d", c)
	}
}

// TestStoreParity: eval gives the same answers on the seed dev questions
// from the embedded store and from PostgreSQL, filled by dramabot index.
func TestStoreParity(t *testing.T) {
	questions := filepath.Join(evalDataDir(), "seed-dev.jsonl")
	if _, err := os.Stat(questions); err != nil {
		t.Skipf("no seed dev questions: %v", err)
	}
	env := pgEnv(t)
	index(t, indexerEnv(t, env, ""))
	per := map[string]string{}
	results := map[string]string{}
	for name, e := range map[string]map[string]string{"embedded": with(env, "DRAMABOT_STORE", ""), "postgres": env} {
		per[name] = filepath.Join(t.TempDir(), name+".jsonl")
		out, errOut, code := runProg(t, e, "eval", "--questions", questions, "--json", "--per-question", per[name])
		if code != 0 {
			t.Fatalf("eval %s: exit %d: %s", name, code, errOut)
		}
		var res map[string]any
		last := out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]
		if err := json.Unmarshal([]byte(last), &res); err != nil {
			t.Fatalf("eval %s: %v\n%s", name, err, out)
		}
		for _, k := range []string{"latency_ms_p50", "latency_ms_p95", "index_seconds"} {
			delete(res, k)
		}
		b, _ := json.Marshal(res)
		results[name] = string(b)
	}
	if results["embedded"] != results["postgres"] {
		t.Errorf("eval differs:\nembedded %s\npostgres %s", results["embedded"], results["postgres"])
	}
	answers := func(path string) []perQuestion {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var out []perQuestion
		for sc := bufio.NewScanner(f); sc.Scan(); {
			var pq perQuestion
			if err := json.Unmarshal(sc.Bytes(), &pq); err != nil {
				t.Fatal(err)
			}
			out = append(out, pq)
		}
		return out
	}
	mem, pg := answers(per["embedded"]), answers(per["postgres"])
	if len(mem) != len(pg) || len(mem) == 0 {
		t.Fatalf("%d and %d answers", len(mem), len(pg))
	}
	for i := range mem {
		if mem[i].Answer != pg[i].Answer || !slices.Equal(mem[i].Retrieved, pg[i].Retrieved) {
			t.Errorf("%s %q:\nembedded %v %q\npostgres %v %q", mem[i].ID, mem[i].Question, mem[i].Retrieved, mem[i].Answer, pg[i].Retrieved, pg[i].Answer)
		}
	}
	t.Logf("%d questions, the same answers and passages from both stores: %s", len(mem), results["postgres"])
}

// evalDataDir is where the shared evaluation sets are.
func evalDataDir() string {
	if d := os.Getenv("DRAMABOT_EVAL_DIR"); d != "" {
		return d
	}
	return "/work/shared/eval"
}

// TestStoreFaults: a store that cannot be used stops every command at
// start with one line on stderr and exit status 1 (2 for a setting that
// makes no sense), and no password is shown.
func TestStoreFaults(t *testing.T) {
	tests := []struct {
		name string
		dsn  func(t *testing.T) string
		args []string
		code int
		want []string
	}{
		{"unparsable DSN", func(*testing.T) string { return "postgres://bot:s3cr3t-pw@db:notaport/dramabot" }, []string{"ask", "q"}, 1, []string{"--store", "does not parse"}},
		{"nothing listening", func(*testing.T) string { return "postgres://bot:s3cr3t-pw@127.0.0.1:1/dramabot?connect_timeout=5" }, []string{"serve"}, 1, []string{"--store", "connect to 127.0.0.1:1/dramabot"}},
		{"no pgvector", func(t *testing.T) string { return pgtest.DSNWithoutVector(t) }, []string{"index"}, 1, []string{"--store", "pgvector"}},
		{"schema from a newer dramabot", func(t *testing.T) string {
			env := pgEnv(t)
			// Open migrates; then a migration this dramabot lacks.
			if _, errOut, code := runProg(t, env, "sources"); code != 1 || !strings.Contains(errOut, "empty") {
				t.Fatalf("sources on an empty database: exit %d %q", code, errOut)
			}
			pgtest.Exec(t, env["DRAMABOT_STORE"], `INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future.sql')`)
			return env["DRAMABOT_STORE"]
		}, []string{"serve", "--role", "replica"}, 1, []string{"schema version 999", "upgrade dramabot"}},
		{"role with the embedded store", func(*testing.T) string { return "" }, []string{"serve", "--role", "indexer"}, 2, []string{"--role", "PostgreSQL"}},
		{"unknown role", func(*testing.T) string { return "postgres://bot:s3cr3t-pw@127.0.0.1:1/dramabot" }, []string{"serve", "--role", "leader"}, 2, []string{"indexer or replica"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv(t)
			env["DRAMABOT_STORE"] = tc.dsn(t)
			env["DRAMABOT_ADDR"] = "127.0.0.1:0"
			start := time.Now()
			_, errOut, code := runProg(t, env, tc.args...)
			if code != tc.code {
				t.Fatalf("%v: exit %d, want %d: %s", tc.args, code, tc.code, errOut)
			}
			line := strings.TrimSpace(errOut)
			if i := strings.LastIndex(line, "\ndramabot: "); i >= 0 {
				line = line[i+1:] // after the log lines
			}
			if !strings.HasPrefix(line, "dramabot: ") || strings.Contains(line, "\n") {
				t.Errorf("not one error line: %q", errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("error %q does not say %q", line, w)
				}
			}
			if strings.Contains(errOut, "s3cr3t-pw") {
				t.Errorf("the password is shown: %q", errOut)
			}
			t.Logf("%s: %s (%s)", tc.name, line, time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestStoreRedacted: `dramabot config` shows where the index is without
// the password, whichever way the connection string is written.
func TestStoreRedacted(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://bot:s3cr3t-pw@db:5432/dramabot?sslmode=require", "postgres://bot:xxxxx@db:5432/dramabot?sslmode=require"},
		{"postgres://bot@db/dramabot?password=s3cr3t-pw", "postgres://bot@db/dramabot?password=xxxxx"},
		{"host=db user=bot password=s3cr3t-pw dbname=dramabot", "host=db user=bot password=xxxxx dbname=dramabot"},
		{"host=db password='s3cr3t-pw with spaces' dbname=dramabot", "host=db password=xxxxx dbname=dramabot"},
		{"", "(embedded: the index snapshot in the data dir)"},
	}
	for _, tc := range tests {
		for _, fromFile := range []bool{false, true} {
			env := testEnv(t)
			env["DRAMABOT_STORE"] = tc.dsn
			if fromFile && tc.dsn != "" {
				f := filepath.Join(t.TempDir(), "dsn")
				if err := os.WriteFile(f, []byte(tc.dsn+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				env["DRAMABOT_STORE"], env["DRAMABOT_STORE_FILE"] = "", f
			}
			out, _, code := runProg(t, env, "config")
			if code != 0 || strings.Contains(out, "s3cr3t-pw") || !strings.Contains(out, "store                    "+tc.want+"\n") {
				t.Errorf("config with %q (from a file: %v; exit %d):\n%s", tc.dsn, fromFile, code, out)
			}
		}
	}
	env := testEnv(t)
	env["DRAMABOT_STORE_FILE"] = filepath.Join(t.TempDir(), "missing")
	if _, errOut, code := runProg(t, env, "config"); code != 1 || !strings.Contains(errOut, "DRAMABOT_STORE_FILE") {
		t.Errorf("a missing DRAMABOT_STORE_FILE: exit %d, %q", code, errOut)
	}
}

// TestServeReadinessFollowsDatabase: a replica is not ready while PostgreSQL is
// unreachable, and ready and answering again once it is back.
func TestServeReadinessFollowsDatabase(t *testing.T) {
	env := pgEnv(t)
	index(t, indexerEnv(t, env, ""))
	px := newCutProxy(t, env["DRAMABOT_STORE"])
	base, stop := startServe(t, with(env, "DRAMABOT_STORE", px.dsn))
	defer stop()
	if c := getStatus(t, base+"/readyz"); c != 200 {
		t.Fatalf("/readyz = %d before the cut", c)
	}
	px.cut(true)
	waitStatus(t, base+"/readyz", http.StatusServiceUnavailable)
	px.cut(false)
	waitStatus(t, base+"/readyz", http.StatusOK)
	waitAnswer(t, base, jobsQuestion, "647,000", 10*time.Second)
}

func waitStatus(t *testing.T, url string, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c := getStatus(t, url)
		if c == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s = %d, want %d", url, c, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// cutProxy stands between a replica and PostgreSQL on loopback: cut(true)
// drops every connection and refuses new ones, as a database that went
// away; cut(false) lets them through again.
type cutProxy struct {
	dsn    string
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newCutProxy(t *testing.T, dsn string) *cutProxy {
	t.Helper()
	at := strings.Index(dsn, "@127.0.0.1:")
	if at < 0 {
		t.Skip("the proxy needs a database on 127.0.0.1")
	}
	hostPort := dsn[at+1:]
	hostPort = hostPort[:strings.IndexAny(hostPort, "/?")]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &cutProxy{target: hostPort, conns: map[net.Conn]bool{}}
	p.dsn = strings.Replace(dsn, hostPort, ln.Addr().String(), 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *cutProxy) serve(c net.Conn) {
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	c.Close()
	up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

func (p *cutProxy) cut(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
	}
}

// TestReplicasUnderLoad is the deployment's scenario, on loopback: one
// indexer (dramabot index) and two replicas on one PostgreSQL; questions
// at concurrency 32 for 60 s over both replicas while the indexer
// reindexes twice with a changed document. Each reindex must be answered
// by both replicas within 5 s, and no request may fail. It takes a
// minute: -short skips it.
func TestReplicasUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("60 s of load: run without -short")
	}
	const (
		clients  = 32
		duration = 60 * time.Second
		within   = 5 * time.Second
	)
	env := pgEnv(t)
	docs := t.TempDir()
	writeZorblax(t, docs, 37)
	idx := indexerEnv(t, env, docs)
	index(t, idx)
	var bases []string
	for range 2 {
		base, stop := startServe(t, with(env, "DRAMABOT_ROLE", "replica"))
		defer stop()
		bases = append(bases, base)
	}
	start := time.Now()
	l := startLoad(bases, clients)
	for i, n := range []int{41, 53} {
		time.Sleep(time.Until(start.Add(time.Duration(i+1) * duration / 3)))
		writeZorblax(t, docs, n)
		t0 := time.Now()
		index(t, idx)
		indexed := time.Since(t0)
		for _, base := range bases {
			took := waitAnswer(t, base, zorblaxQuestion, fmt.Sprint(n), 30*time.Second)
			t.Logf("reindex %d: index run %s; %s answered from it %s after", i+1, indexed.Round(time.Millisecond), base, took.Round(time.Millisecond))
			if took > within {
				t.Errorf("reindex %d: %s took %s to answer from the new version (want %s)", i+1, base, took, within)
			}
		}
	}
	time.Sleep(time.Until(start.Add(duration)))
	l.stop()
	elapsed := time.Since(start)
	n := l.requests.Load()
	t.Logf("%d requests in %s at concurrency %d over 2 replicas: %.0f/s, p50 %s, p95 %s, p99 %s, %d failed",
		n, elapsed.Round(time.Millisecond), clients, float64(n)/elapsed.Seconds(),
		l.percentile(50).Round(time.Millisecond), l.percentile(95).Round(time.Millisecond), l.percentile(99).Round(time.Millisecond), l.failures.Load())
	if f := l.failures.Load(); f > 0 {
		t.Errorf("%d of %d requests failed; the first: %s", f, n, l.firstFailure)
	}
}
