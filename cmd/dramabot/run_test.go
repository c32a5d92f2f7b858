package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"dramabot/knowledge"
	"dramabot/knowledge/store"
)

// runCmd runs the program in-process with an environment of its own.
func runProg(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return out.String(), errb.String(), exitCode(err)
}

func testEnv(t *testing.T) map[string]string {
	return map[string]string{"DRAMABOT_DATA": t.TempDir(), "DRAMABOT_LOG_LEVEL": "warn"}
}

func TestAsk(t *testing.T) {
	env := testEnv(t)
	out, errOut, code := runProg(t, env, "ask", "How many jobs has the mini series boom created?")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"647,000 jobs", "[1]", "Figures:", "CRI Online"} {
		if !strings.Contains(out, want) {
			t.Errorf("ask output lacks %q:\n%s", want, out)
		}
	}
	out, _, code = runProg(t, env, "ask", "--json", "What is the population of Tokyo?")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var a knowledge.Answer
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("ask --json: %v\n%s", err, out)
	}
	if !a.Abstained || len(a.Related) == 0 || a.Citations == nil || a.Figures == nil {
		t.Errorf("abstention JSON = %+v", a)
	}
	// The JSON carries the documented keys, even when empty.
	for _, key := range []string{`"answer"`, `"abstained"`, `"citations"`, `"figures"`, `"related"`} {
		if !strings.Contains(out, key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestAskErrors(t *testing.T) {
	env := testEnv(t)
	tests := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"ask"}, 2, "Usage"},
		{[]string{"ask", "  \x00 "}, 2, "Usage"},
		{[]string{"ask", strings.Repeat("long ", 300)}, 1, "too long"},
		{[]string{"ask", "--embedder", "nope", "q"}, 1, "--embedder"},
		{[]string{"ask", "--docs", "/does/not/exist", "q"}, 1, "docs path"},
		{[]string{"ask", "--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{nil, 2, "Usage"},
	}
	for _, tt := range tests {
		_, errOut, code := runProg(t, env, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.inStderr) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d with %q", tt.args, code, errOut, tt.code, tt.inStderr)
		}
		if code == 1 && strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%q: error is not one line: %q", tt.args, errOut)
		}
	}
	if _, _, code := runProg(t, env, "ask", "--help"); code != 0 {
		t.Errorf("--help exits %d", code)
	}
}

func TestIndexAndSources(t *testing.T) {
	env := testEnv(t)
	docs := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(docs, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("report.md", "---\ntitle: Platform report\npublisher: Example Daily\ndate: 2025-03-01\n---\nHongguo had 100 million users.\n\nSecond paragraph.")
	write("broken.md", "---\ntitle: [oops\n---\ntext")
	env["DRAMABOT_DOCS"] = docs

	out, errOut, code := runProg(t, env, "index")
	if code != 0 {
		t.Fatalf("index: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "added") || !strings.Contains(out, "skipped") || !strings.Contains(out, "broken.md") {
		t.Errorf("first index:\n%s", out)
	}
	out, _, _ = runProg(t, env, "index")
	if !strings.Contains(out, "0 added, 0 changed, 0 removed") {
		t.Errorf("second index should change nothing:\n%s", out)
	}
	write("report.md", "---\ntitle: Platform report\npublisher: Example Daily\ndate: 2025-03-01\n---\nHongguo had 120 million users.\n\nSecond paragraph.")
	out, _, _ = runProg(t, env, "index")
	if !strings.Contains(out, "1 changed") {
		t.Errorf("after an edit:\n%s", out)
	}
	if err := os.Remove(filepath.Join(docs, "report.md")); err != nil {
		t.Fatal(err)
	}
	out, _, _ = runProg(t, env, "index")
	if !strings.Contains(out, "3 removed") {
		t.Errorf("after removing a document:\n%s", out)
	}

	out, _, code = runProg(t, env, "sources")
	if code != 0 || !strings.Contains(out, "CRI Online") || !strings.Contains(out, "passages") {
		t.Errorf("sources: exit %d\n%s", code, out)
	}
	out, _, _ = runProg(t, env, "sources", "--json")
	var srcs []knowledge.SourceStat
	if err := json.Unmarshal([]byte(out), &srcs); err != nil || len(srcs) == 0 || srcs[0].Passages == 0 {
		t.Errorf("sources --json = %v, %+v", err, srcs)
	}
}

func TestCorruptSnapshotIsRebuilt(t *testing.T) {
	env := testEnv(t)
	if _, errOut, code := runProg(t, env, "index"); code != 0 {
		t.Fatal(errOut)
	}
	path := store.SnapshotPath(env["DRAMABOT_DATA"])
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runProg(t, env, "index")
	if code != 0 || !strings.Contains(out, "rebuilt") || !strings.Contains(errOut, "snapshot") {
		t.Errorf("index after truncation: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	out, _, _ = runProg(t, env, "ask", "How many jobs has the mini series boom created?")
	if !strings.Contains(out, "647,000") {
		t.Errorf("answer after rebuild:\n%s", out)
	}
}

func TestEval(t *testing.T) {
	env := testEnv(t)
	q := filepath.Join(t.TempDir(), "q.jsonl")
	lines := `{"id":"1","question":"How many jobs did mini series create?","answers":["647,000"]}
{"id":"2","question":"What is the population of Tokyo?","answers":[]}
{"id":"3","question":"","answers":["x"]}
`
	if err := os.WriteFile(q, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	per := filepath.Join(t.TempDir(), "per.jsonl")
	out, errOut, code := runProg(t, env, "eval", "--questions", q, "--json", "--per-question", per)
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, errOut)
	}
	last := out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]
	var res map[string]float64
	if err := json.Unmarshal([]byte(last), &res); err != nil {
		t.Fatalf("last line is not JSON: %q", last)
	}
	for _, k := range []string{"questions", "answerable", "unanswerable", "passages", "hit_at_1", "hit_at_5", "mrr_at_10",
		"answer_accuracy", "abstain_rate_unanswerable", "false_abstain_rate", "answer_chars_mean", "latency_ms_p50",
		"latency_ms_p95", "index_seconds"} {
		if _, ok := res[k]; !ok {
			t.Errorf("eval JSON lacks %q", k)
		}
	}
	if res["questions"] != 3 || res["unanswerable"] != 1 || res["abstain_rate_unanswerable"] != 1 || res["answer_accuracy"] != 0.5 {
		t.Errorf("eval = %v", res)
	}
	f, err := os.Open(per)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); n++ {
		var pq perQuestion
		if err := json.Unmarshal(sc.Bytes(), &pq); err != nil || pq.ID == "" {
			t.Errorf("per-question line %q: %v", sc.Text(), err)
		}
	}
	if n != 3 {
		t.Errorf("%d per-question lines, want 3", n)
	}
	if _, errOut, code := runProg(t, env, "eval"); code != 2 || !strings.Contains(errOut, "--questions") {
		t.Errorf("eval without --questions: exit %d, %q", code, errOut)
	}
}

func TestConfig(t *testing.T) {
	env := testEnv(t)
	env["TELEGRAM_TOKEN"] = "123456:SECRET-TOKEN"
	env["DRAMABOT_API_KEY"] = "hunter2"
	out, _, code := runProg(t, env, "config")
	if code != 0 || strings.Contains(out, "SECRET-TOKEN") || strings.Contains(out, "hunter2") {
		t.Fatalf("config leaks a secret or fails (exit %d):\n%s", code, out)
	}
	if !strings.Contains(out, "TELEGRAM_TOKEN") || !strings.Contains(out, "(set, redacted)") {
		t.Errorf("config output:\n%s", out)
	}
	secret := filepath.Join(t.TempDir(), "discord")
	if err := os.WriteFile(secret, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env["DISCORD_TOKEN_FILE"] = secret
	out, _, _ = runProg(t, env, "config")
	if strings.Contains(out, "from-a-file") || !strings.Contains(out, "DISCORD_TOKEN            (set, redacted)") {
		t.Errorf("DISCORD_TOKEN_FILE not read or leaked:\n%s", out)
	}
}

// TestServe runs the HTTP-only server in-process: ask over HTTP, probes,
// then a clean shutdown when the context ends.
func TestServe(t *testing.T) {
	base, stop := startServe(t, testEnv(t))
	defer stop()
	a, code, err := askHTTP(base, "How many jobs has the mini series boom created?")
	if err != nil || code != 200 || !strings.Contains(a.Text, "647,000") {
		t.Fatalf("POST /v1/ask: %d %v %q", code, err, a.Text)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		r, err := http.Get(base + p)
		if err != nil || r.StatusCode != 200 {
			t.Errorf("GET %s: %v %v", p, err, r.StatusCode)
		}
		if r != nil {
			r.Body.Close()
		}
	}
}

// TestRemoteEmbedderDown: with an index on disk, a question is still
// answered when the embedding server is down and the sources changed;
// `dramabot index` reports the failure.
func TestRemoteEmbedderDown(t *testing.T) {
	up := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var req struct{ Input string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		// A small deterministic unit vector from the text's length.
		v := make([]float32, 8)
		v[len(req.Input)%8] = 1
		_ = json.NewEncoder(w).Encode(map[string]any{"data": []map[string]any{{"embedding": v}}})
	}))
	defer srv.Close()
	env := testEnv(t)
	env["DRAMABOT_EMBEDDER"], env["DRAMABOT_EMBED_MODEL"], env["DRAMABOT_EMBED_URL"] = "openai", "fake", srv.URL
	env["DRAMABOT_EMBED_API_KEY"] = "k"
	if _, errOut, code := runProg(t, env, "index"); code != 0 {
		t.Fatalf("index: %s", errOut)
	}
	up = false
	docs := t.TempDir()
	if err := os.WriteFile(filepath.Join(docs, "new.md"), []byte("Hongguo had 100 million users."), 0o644); err != nil {
		t.Fatal(err)
	}
	env["DRAMABOT_DOCS"] = docs
	out, errOut, code := runProg(t, env, "ask", "How many jobs has the mini series boom created?")
	if code != 0 || !strings.Contains(out, "647,000") || !strings.Contains(errOut, "previous index") {
		t.Errorf("ask with the embedder down: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, errOut, code := runProg(t, env, "index"); code != 1 || !strings.Contains(errOut, "embed") {
		t.Errorf("index with the embedder down: exit %d, %q", code, errOut)
	}
}

// startServe runs serve in-process and returns its base URL and a stop
// function that waits for a clean exit.
func startServe(t *testing.T, env map[string]string) (string, func()) {
	t.Helper()
	env["DRAMABOT_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("serve printed no address: %v", err)
	}
	go io.Copy(io.Discard, pr)
	return strings.TrimSpace(line[strings.Index(line, "http://"):]), func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	}
}

func askHTTP(base, q string) (knowledge.Answer, int, error) {
	body, _ := json.Marshal(map[string]string{"question": q})
	resp, err := http.Post(base+"/v1/ask", "application/json", bytes.NewReader(body))
	if err != nil {
		return knowledge.Answer{}, 0, err
	}
	defer resp.Body.Close()
	var a knowledge.Answer
	err = json.NewDecoder(resp.Body).Decode(&a)
	return a, resp.StatusCode, err
}

// TestReloadUnderLoad: a SIGHUP reindex while 50 clients keep asking loses
// no request, and the new document is answerable afterwards. Under the
// race detector every request costs several times more, and 50 clients
// on 2 cores would starve the reindex itself: 8 keep the same overlap.
func TestReloadUnderLoad(t *testing.T) {
	clients := 50
	if raceEnabled {
		clients = 8
	}
	env := testEnv(t)
	docs := t.TempDir()
	env["DRAMABOT_DOCS"] = docs
	env["DRAMABOT_RATE_LIMIT"] = "-1"
	base, stop := startServe(t, env)
	defer stop()

	const question = "How many mini series did Zorblax Studios produce?"
	if a, _, err := askHTTP(base, question); err != nil || !a.Abstained {
		t.Fatalf("before the reload: %v %+v", err, a)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var failures, done atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				a, code, err := askHTTP(base, "How many jobs has the mini series boom created?")
				if err != nil || code != http.StatusOK || !strings.Contains(a.Text, "647,000") {
					failures.Add(1)
				}
				done.Add(1)
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	if err := os.WriteFile(filepath.Join(docs, "zorblax.md"), []byte("---\ntitle: Studio report\npublisher: Test Wire\ndate: 2025-06-01\n---\nZorblax Studios produced 37 mini series in 2025.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		a, _, err := askHTTP(base, question)
		if err == nil && strings.Contains(a.Text, "37") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new document is not answerable after the reload: %+v", a)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	cancel()
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d requests failed during the reload", n, done.Load())
	}
	if done.Load() < int64(clients) {
		t.Errorf("only %d requests ran", done.Load())
	}
}
