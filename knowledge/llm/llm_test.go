package llm_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"dramabot/knowledge/llm"
	"dramabot/knowledge/llm/llmtest"
)

const key = "sk-test-secret-key-123"

func TestCompleteSendsAChatCompletion(t *testing.T) {
	srv := llmtest.New(t, llmtest.Reply{Text: "  Mini series created 647,000 jobs [1].\n"})
	c, err := llm.New(llm.Config{BaseURL: srv.URL + "/", Model: "qwen2.5:7b", APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Complete(t.Context(), "rules", []string{"question", "first answer", "try again"})
	if err != nil {
		t.Fatal(err)
	}
	if got != "Mini series created 647,000 jobs [1]." {
		t.Errorf("reply %q", got)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Path != "/v1/chat/completions" || r.Model != "qwen2.5:7b" || r.Authorization != "Bearer "+key {
		t.Errorf("path %q model %q auth %q", r.Path, r.Model, r.Authorization)
	}
	if r.Temperature == nil || *r.Temperature != 0 {
		t.Errorf("temperature %v, want 0", r.Temperature)
	}
	var roles []string
	for _, m := range r.Messages {
		roles = append(roles, m.Role+":"+m.Content)
	}
	want := []string{"system:rules", "user:question", "assistant:first answer", "user:try again"}
	if !slices.Equal(roles, want) {
		t.Errorf("messages %q, want %q", roles, want)
	}
}

func TestBaseURLForms(t *testing.T) {
	srv := llmtest.New(t)
	srv.Respond(func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Text: "ok"} })
	for _, base := range []string{srv.URL, srv.URL + "/", srv.URL + "/chat/completions"} {
		c, err := llm.New(llm.Config{BaseURL: base, Model: "m"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Complete(t.Context(), "", []string{"hi"}); err != nil {
			t.Errorf("%s: %v", base, err)
		}
	}
	for _, r := range srv.Requests() {
		if r.Path != "/v1/chat/completions" {
			t.Errorf("path %q", r.Path)
		}
		if r.Authorization != "" {
			t.Errorf("no key configured, but Authorization %q sent", r.Authorization)
		}
		if len(r.Messages) != 1 || r.Messages[0].Role != "user" {
			t.Errorf("without a system prompt, messages %+v", r.Messages)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []llm.Config{
		{BaseURL: "http://localhost:11434/v1"},                       // no model
		{BaseURL: "localhost:11434", Model: "m"},                     // no scheme
		{BaseURL: "ftp://example.org/v1", Model: "m"},                // not http
		{BaseURL: "http://user:" + key + "@example.org", Model: "m"}, // key in the URL
	} {
		_, err := llm.New(cfg)
		if err == nil {
			t.Errorf("New(%+v) accepted", cfg)
			continue
		}
		if strings.Contains(err.Error(), key) {
			t.Errorf("error holds the key: %v", err)
		}
	}
	c, err := llm.New(llm.Config{Model: "gpt-4o-mini"})
	if err != nil || c.Timeout() != llm.DefaultTimeout || c.Model() != "gpt-4o-mini" {
		t.Errorf("defaults: %v %v", c, err)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		reply  llmtest.Reply
		status int // want a *StatusError with this status; 0: want ErrBadReply
		text   string
	}{
		{"500", llmtest.Reply{Status: 500}, 500, "Internal Server Error"},
		{"503 with message", llmtest.Reply{Status: 503, Text: "model is loading"}, 503, "model is loading"},
		{"401 quoting the key", llmtest.Reply{Status: 401, Text: "Incorrect API key provided: " + key}, 401, "Incorrect API key provided: ***"},
		{"ollama error body", llmtest.Reply{Status: 404, Raw: `{"error":"model \"llama9\" not found, try pulling it first"}`}, 404, `model "llama9" not found`},
		{"html body", llmtest.Reply{Status: 502, Raw: "<html><body>Bad Gateway</body></html>"}, 502, "Bad Gateway"},
		{"empty content", llmtest.Reply{Text: ""}, 0, "empty message"},
		{"only thinking", llmtest.Reply{Text: "<think>hmm</think>"}, 0, "empty message"},
		{"no choices", llmtest.Reply{Raw: `{"choices":[]}`}, 0, "no message"},
		{"not JSON", llmtest.Reply{Raw: `not json`}, 0, "bad reply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.New(t, tt.reply)
			c, _ := llm.New(llm.Config{BaseURL: srv.URL, Model: "m", APIKey: key})
			_, err := c.Complete(t.Context(), "s", []string{"q"})
			if err == nil {
				t.Fatal("no error")
			}
			if tt.status != 0 {
				se, ok := errors.AsType[*llm.StatusError](err)
				if !ok || se.StatusCode != tt.status {
					t.Fatalf("error %v, want status %d", err, tt.status)
				}
			} else if !errors.Is(err, llm.ErrBadReply) {
				t.Errorf("error %v, want ErrBadReply", err)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q lacks %q", err, tt.text)
			}
			if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "://") {
				t.Errorf("error holds the key or a URL: %v", err)
			}
		})
	}
}

func TestThinkingIsStripped(t *testing.T) {
	srv := llmtest.New(t, llmtest.Reply{Text: "<think>\nThe passage says 650,000?\n</think>\n\n647,000 jobs [1]."})
	c, _ := llm.New(llm.Config{BaseURL: srv.URL, Model: "qwen3"})
	got, err := c.Complete(t.Context(), "", []string{"q"})
	if err != nil || got != "647,000 jobs [1]." {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestConnectionErrorHasNoURL(t *testing.T) {
	srv := llmtest.New(t)
	srv.Close()
	c, _ := llm.New(llm.Config{BaseURL: srv.URL, Model: "m", APIKey: key})
	_, err := c.Complete(t.Context(), "", []string{"q"})
	if err == nil {
		t.Fatal("no error from a closed server")
	}
	if strings.Contains(err.Error(), "://") || strings.Contains(err.Error(), key) {
		t.Errorf("error holds the URL or key: %v", err)
	}
}

func TestTimeout(t *testing.T) {
	t.Run("loopback", func(t *testing.T) {
		srv := llmtest.New(t, llmtest.Reply{Text: "late", Delay: time.Minute})
		c, _ := llm.New(llm.Config{BaseURL: srv.URL, Model: "m", Timeout: 50 * time.Millisecond})
		start := time.Now()
		_, err := c.Complete(t.Context(), "", []string{"q"})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v, want a deadline", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s", d)
		}
	})
	t.Run("default is 20s", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := llmtest.NewInMemory(t, llmtest.Reply{Text: "late", Delay: time.Hour})
			c, _ := llm.New(llm.Config{BaseURL: srv.URL, Model: "m", HTTPClient: srv.Client()})
			start := time.Now()
			_, err := c.Complete(t.Context(), "", []string{"q"})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v, want a deadline", err)
			}
			if d := time.Since(start); d != llm.DefaultTimeout {
				t.Errorf("gave up after %s, want %s", d, llm.DefaultTimeout)
			}
		})
	})
}

func TestConcurrencyLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := llmtest.NewInMemory(t)
		srv.Respond(func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Text: "ok", Delay: time.Second} })
		c, _ := llm.New(llm.Config{BaseURL: srv.URL, Model: "m", MaxConcurrent: 2, HTTPClient: srv.Client()})
		start := time.Now()
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				if _, err := c.Complete(t.Context(), "", []string{"q"}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		var at []time.Duration
		for _, r := range srv.Requests() {
			at = append(at, r.At.Sub(start))
		}
		want := []time.Duration{0, 0, time.Second, time.Second, 2 * time.Second}
		if !slices.Equal(at, want) {
			t.Errorf("requests at %v, want %v (two at a time)", at, want)
		}
	})
	t.Run("waiting counts toward the timeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := llmtest.NewInMemory(t)
			srv.Respond(func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Text: "ok", Delay: 19 * time.Second} })
			c, _ := llm.New(llm.Config{BaseURL: srv.URL, Model: "m", MaxConcurrent: 1, HTTPClient: srv.Client()})
			start := time.Now()
			var wg sync.WaitGroup
			wg.Go(func() {
				if _, err := c.Complete(t.Context(), "", []string{"q"}); err != nil {
					t.Errorf("first call: %v", err)
				}
			})
			time.Sleep(10 * time.Second)
			// The second call waits 9 s for the slot, then has 11 s left.
			_, err := c.Complete(t.Context(), "", []string{"q"})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("second call: %v, want a timeout", err)
			}
			if d := time.Since(start); d != 30*time.Second {
				t.Errorf("second call gave up at %s, want 30s (10s + the 20s timeout)", d)
			}
			wg.Wait()
			reqs := srv.Requests()
			if len(reqs) != 2 || reqs[1].At.Sub(start) != 19*time.Second {
				t.Errorf("requests %+v, want the second sent at 19s", reqs)
			}
		})
	})
}

func TestStatusErrorClassifies(t *testing.T) {
	var err error = &llm.StatusError{StatusCode: http.StatusBadGateway}
	var hs interface{ HTTPStatus() int }
	if !errors.As(err, &hs) || hs.HTTPStatus() != 502 {
		t.Error("StatusError does not expose HTTPStatus")
	}
}
