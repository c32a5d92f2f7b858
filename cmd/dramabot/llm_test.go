package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"dramabot/knowledge/llm/llmtest"
)

const (
	jobsQuestion = "How many jobs has the mini series boom created?"
	llmKey       = "sk-cmd-test-key-0123456789"
)

var promptPassageRE = regexp.MustCompile(`(?m)^\[(\d+)\] (.*)$`)

// citingModel answers like a model that read the passages: it cites the
// passage holding the figure, wherever retrieval ranked it.
func citingModel(figure, sentence string) func(llmtest.Request) llmtest.Reply {
	return func(r llmtest.Request) llmtest.Reply {
		for _, m := range promptPassageRE.FindAllStringSubmatch(r.Messages[1].Content, -1) {
			if strings.Contains(m[2], figure) {
				return llmtest.Reply{Text: sentence + " [" + m[1] + "]."}
			}
		}
		return llmtest.Reply{Text: "The passages do not say."}
	}
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func runCmd(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, envOf(env), &out, &errOut)
	if strings.Contains(out.String()+errOut.String(), llmKey) {
		t.Errorf("the LLM API key was printed:\n%s\n%s", out.String(), errOut.String())
	}
	return out.String(), errOut.String(), err
}

func llmEnv(srv *llmtest.Server) map[string]string {
	return map[string]string{
		"DRAMABOT_LLM": "openai", "DRAMABOT_LLM_URL": srv.URL, "DRAMABOT_LLM_MODEL": "fake-model",
		"DRAMABOT_LLM_API_KEY": llmKey, "DRAMABOT_DATA": "-",
	}
}

func TestAskWithLLM(t *testing.T) {
	srv := llmtest.New(t)
	srv.Respond(citingModel("647,000", "The boom created 647,000 jobs in four years"))
	env := llmEnv(srv)

	out, _, err := runCmd(t, env, "ask", jobsQuestion)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "The boom created 647,000 jobs in four years [1].\nFigures: 647,000 jobs [1]") ||
		!strings.Contains(out, "(Written by fake-model from the cited passages; every figure checked against them.)") {
		t.Errorf("ask printed:\n%s", out)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Authorization != "Bearer "+llmKey || reqs[0].Model != "fake-model" {
		t.Fatalf("requests %+v", reqs)
	}

	out, _, err = runCmd(t, env, "ask", "--json", jobsQuestion)
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Generated string `json:"generated_by"`
		Figures   []struct {
			Text     string `json:"text"`
			Citation int    `json:"citation"`
		} `json:"figures"`
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil || a.Generated != "fake-model" || len(a.Figures) != 1 || a.Figures[0].Text != "647,000" {
		t.Errorf("ask --json: %s (%v)", out, err)
	}

	// Flags win over the environment: --llm "" turns generation off.
	srv.Respond(func(llmtest.Request) llmtest.Reply {
		t.Error("model called with --llm off")
		return llmtest.Reply{Status: 500}
	})
	out, _, err = runCmd(t, env, "ask", "--llm", "", jobsQuestion)
	if err != nil || strings.Contains(out, "Written by") {
		t.Errorf("ask --llm '': %v\n%s", err, out)
	}
}

func TestAskFallsBackWhenTheModelInventsFigures(t *testing.T) {
	srv := llmtest.New(t)
	srv.Respond(citingModel("647,000", "The boom created 700,000 jobs"))
	env := llmEnv(srv)
	extractive, _, err := runCmd(t, map[string]string{"DRAMABOT_DATA": "-"}, "ask", jobsQuestion)
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runCmd(t, env, "ask", jobsQuestion)
	if err != nil {
		t.Fatal(err)
	}
	if out != extractive || strings.Contains(out, "700,000") {
		t.Errorf("ask printed\n%s\nwant the extractive answer\n%s", out, extractive)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d model calls, want 2 (a retry naming the failure)", n)
	}
	if !strings.Contains(stderr, "failed verification twice") || !strings.Contains(stderr, `700,000`) {
		t.Errorf("the fallback is not logged:\n%s", stderr)
	}
}

func TestLLMConfigErrors(t *testing.T) {
	srv := llmtest.New(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no model", map[string]string{"DRAMABOT_LLM": "openai", "DRAMABOT_LLM_URL": srv.URL}, nil, "needs --llm-model"},
		{"unknown provider", nil, []string{"--llm", "anthropic"}, `--llm "anthropic": use openai`},
		{"bad timeout", map[string]string{"DRAMABOT_LLM": "openai", "DRAMABOT_LLM_MODEL": "m", "DRAMABOT_LLM_URL": srv.URL, "DRAMABOT_LLM_TIMEOUT": "soon"}, nil, `DRAMABOT_LLM_TIMEOUT="soon"`},
		{"zero concurrency", map[string]string{"DRAMABOT_LLM": "openai", "DRAMABOT_LLM_MODEL": "m", "DRAMABOT_LLM_URL": srv.URL}, []string{"--llm-concurrency", "0"}, "--llm-concurrency 0"},
		{"OpenAI without a key", map[string]string{"DRAMABOT_LLM": "openai", "DRAMABOT_LLM_MODEL": "gpt-4o-mini"}, nil, "set DRAMABOT_LLM_API_KEY"},
		{"bad URL", map[string]string{"DRAMABOT_LLM": "openai", "DRAMABOT_LLM_MODEL": "m", "DRAMABOT_LLM_URL": "localhost:11434"}, nil, "absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"DRAMABOT_DATA": "-"}
			for k, v := range tt.env {
				env[k] = v
			}
			for _, cmd := range []string{"ask", "eval", "serve"} {
				args := append([]string{cmd}, tt.args...)
				switch cmd {
				case "ask":
					args = append(args, jobsQuestion)
				case "eval":
					args = append(args, "--questions", writeQuestions(t))
				case "serve":
					args = append(args, "--addr", "127.0.0.1:0")
				}
				_, stderr, err := runCmd(t, env, args...)
				if err == nil || !strings.Contains(stderr, tt.want) {
					t.Errorf("%s: err %v, stderr %q; want %q", cmd, err, stderr, tt.want)
				}
			}
			if len(srv.Requests()) != 0 {
				t.Error("the model was called")
			}
		})
	}
}

func TestConfigRedactsTheLLMKey(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(llmKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, env := range map[string]map[string]string{
		"env":  {"DRAMABOT_LLM_API_KEY": llmKey},
		"file": {"DRAMABOT_LLM_API_KEY_FILE": keyFile},
	} {
		t.Run(name, func(t *testing.T) {
			env["DRAMABOT_LLM"], env["DRAMABOT_LLM_MODEL"], env["DRAMABOT_LLM_URL"] = "openai", "qwen2.5:7b", "http://127.0.0.1:11434/v1"
			out, _, err := runCmd(t, env, "config", "--llm-timeout", "45s")
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"llm                      openai", "llm-model                qwen2.5:7b", "llm-url                  http://127.0.0.1:11434/v1",
				"llm-timeout              45s", "llm-concurrency          4", "DRAMABOT_LLM_API_KEY     (set, redacted)"} {
				if !strings.Contains(out, want+"\n") {
					t.Errorf("config lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "# warning") {
				t.Errorf("warning for a valid setup:\n%s", out)
			}
		})
	}
}

func writeQuestions(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "questions.jsonl")
	lines := []string{
		`{"id":"jobs","question":"` + jobsQuestion + `","answers":["647,000"]}`,
		`{"id":"growth","question":"How much did the mini series market grow in four years?","answers":["185"]}`,
		`{"id":"mars","question":"What is the weather on Mars today?","answers":[]}`,
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lastJSON decodes the last line of eval --json.
func lastJSON(t *testing.T, out string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("last line of eval --json: %v\n%s", err, out)
	}
	return m
}

func TestEvalWithLLM(t *testing.T) {
	questions := writeQuestions(t)
	out, _, err := runCmd(t, map[string]string{}, "eval", "--questions", questions, "--json")
	if err != nil {
		t.Fatal(err)
	}
	extractive := lastJSON(t, out)
	for _, k := range []string{"figures_checked", "figures_rejected", "fallbacks", "generated", "llm_model"} {
		if _, ok := extractive[k]; ok {
			t.Errorf("extractive eval reports %s", k)
		}
	}

	// The model invents a figure for every question it is asked twice: the
	// metrics count the rejections and fallbacks, and the answers are the
	// extractive ones, so accuracy is unchanged.
	srv := llmtest.New(t)
	srv.Respond(func(r llmtest.Request) llmtest.Reply { return llmtest.Reply{Text: "It was 999,999 [1]."} })
	env := llmEnv(srv)
	per := filepath.Join(t.TempDir(), "per.jsonl")
	out, _, err = runCmd(t, env, "eval", "--questions", questions, "--json", "--per-question", per)
	if err != nil {
		t.Fatal(err)
	}
	gen := lastJSON(t, out)
	asked := len(srv.Requests()) / 2
	if asked == 0 {
		t.Fatal("the model was never asked")
	}
	want := map[string]any{
		"llm_model": "fake-model", "generated": 0.0, "fallbacks": float64(asked),
		"figures_checked": float64(2 * asked), "figures_rejected": float64(2 * asked),
		"answer_accuracy": extractive["answer_accuracy"], "hit_at_1": extractive["hit_at_1"],
	}
	for k, v := range want {
		if gen[k] != v {
			t.Errorf("%s = %v, want %v\n%s", k, gen[k], v, out)
		}
	}
	if !strings.Contains(out, "generated  0 by fake-model") {
		t.Errorf("summary lacks the generated line:\n%s", out)
	}
	f, _ := os.Open(per)
	defer f.Close()
	sc := bufio.NewScanner(f)
	fallbacks := 0
	for sc.Scan() {
		var pq perQuestion
		if err := json.Unmarshal(sc.Bytes(), &pq); err != nil {
			t.Fatal(err)
		}
		if pq.Fallback == "rejected" && len(pq.Failures) > 0 && strings.Contains(pq.Failures[0], "999,999") {
			fallbacks++
		}
	}
	if fallbacks != asked {
		t.Errorf("%d per-question lines name the failure, want %d", fallbacks, asked)
	}

	// A model that answers right.
	srv2 := llmtest.New(t)
	srv2.Respond(citingModel("647,000", "The boom created 647,000 jobs"))
	out, _, err = runCmd(t, llmEnv(srv2), "eval", "--questions", questions, "--json")
	if err != nil {
		t.Fatal(err)
	}
	if g := lastJSON(t, out); g["generated"].(float64) < 1 || g["answer_accuracy"].(float64) == 0 {
		t.Errorf("eval with a correct model: %v", g)
	}
}

// TestServeWithLLM checks the wiring of serve: generated answers over HTTP
// and their metrics.
func TestServeWithLLM(t *testing.T) {
	srv := llmtest.New(t)
	srv.Respond(citingModel("647,000", "The boom created 647,000 jobs"))
	env := llmEnv(srv)
	ctx, cancel := context.WithCancel(t.Context())
	stdout := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, envOf(env), stdout, io.Discard) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`serving on (http://\S+)`).FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not start")
		}
	}
	resp, err := http.Post(base+"/v1/ask", "application/json", strings.NewReader(`{"question": "`+jobsQuestion+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"generated_by":"fake-model"`) {
		t.Errorf("POST /v1/ask: %s", body)
	}
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"dramabot_generated_answers_total 1", "dramabot_generated_figures_checked_total 1", `dramabot_generated_fallbacks_total{reason="timeout"} 0`} {
		if !strings.Contains(string(metrics), want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
