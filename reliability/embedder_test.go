//go:build reliability

package reliability

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"dramabot/knowledge/embed"
)

// fakeEmbedder is an Ollama or OpenAI-compatible embedding server on
// 127.0.0.1, embedding with dramabot's local embedder. It can go down
// (connection refused) or start answering 500.
type fakeEmbedder struct {
	srv      *httptest.Server
	base     string // the --embed-url for the mode
	failing  atomic.Bool
	requests atomic.Int64
}

func newFakeEmbedder(t *testing.T, mode string) *fakeEmbedder {
	f := &fakeEmbedder{}
	local := embed.NewLocal(64)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/embeddings") {
			http.NotFound(w, r)
			return
		}
		if f.failing.Load() {
			http.Error(w, `{"error": "model crashed"}`, http.StatusInternalServerError)
			return
		}
		var req struct{ Prompt, Input, Model string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		v, err := local.Embed(r.Context(), req.Prompt+req.Input)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if mode == "ollama" {
			_ = json.NewEncoder(w).Encode(map[string]any{"embedding": v})
		} else {
			_ = json.NewEncoder(w).Encode(map[string]any{"data": []any{map[string]any{"embedding": v, "index": 0}}})
		}
	}))
	t.Cleanup(f.srv.Close)
	f.base = f.srv.URL + "/api"
	if mode == "openai" {
		f.base = f.srv.URL + "/v1"
	}
	return f
}

// TestFaultEmbedderDown builds an index with a remote embedder (faked), then
// takes the embedding server down (connection refused, or 500 answers):
// indexing must fail with a clear error, and questions must still be
// answered from the existing index, by a running server (also after a
// failed SIGHUP reindex), a restarted one and the command line.
func TestFaultEmbedderDown(t *testing.T) {
	var tried []string
	r := record(t, "fault", "embedding server down (ollama and openai modes)")
	for _, c := range []struct{ mode, failure string }{
		{"ollama", "refused"}, {"openai", "refused"}, {"ollama", "500"}, {"openai", "500"},
	} {
		name := c.mode + ", " + map[string]string{"refused": "connection refused", "500": "answering 500"}[c.failure]
		t.Run(c.mode+"-"+c.failure, func(t *testing.T) {
			fake := newFakeEmbedder(t, c.mode)
			root := t.TempDir()
			docs, data := filepath.Join(root, "docs"), filepath.Join(root, "data")
			writeCorpus(t, docs, 0, 3, 10, 1)
			envv := map[string]string{
				"DRAMABOT_DATA": data, "DRAMABOT_DOCS": docs, "DRAMABOT_EMBEDDER": c.mode,
				"DRAMABOT_EMBED_MODEL": "fake-embed", "DRAMABOT_EMBED_URL": fake.base,
				"DRAMABOT_EMBED_API_KEY": "sk-fake-embed-key", "DRAMABOT_RATE_LIMIT": "-1",
				"DRAMABOT_LOG_LEVEL": "info",
			}
			if res := runCLI(t, envv, time.Minute, "index"); res.code != 0 {
				t.Fatalf("index with the embedder up: %s", res.stderr)
			}
			srv := startServe(t, serveOptions{env: envv})
			askSynthetic(t, name+", embedder up", srv, 1)

			if c.failure == "refused" {
				fake.srv.Close()
			} else {
				fake.failing.Store(true)
			}
			askSynthetic(t, name+", embedder down", srv, 1)
			if !srv.waitLog("query embedding failed; ranking lexically", 5*time.Second) {
				t.Errorf("serve did not log why it ranks lexically:\n%s", tail(srv.logs.String()))
			}
			// A new document cannot be embedded: the reload fails, clearly,
			// and the previous index keeps answering.
			writeCorpus(t, docs, 3, 1, 10, 1)
			srv.signal(syscall.SIGHUP)
			if !srv.waitLog("reindex on SIGHUP failed; still serving the previous index", 30*time.Second) {
				t.Errorf("no reindex failure in the log:\n%s", tail(srv.logs.String()))
			}
			askSynthetic(t, name+", after the failed reload", srv, 2)
			srv.stop()

			res := runCLI(t, envv, 2*time.Minute, "index")
			last := lastLine(res.stderr)
			want := "connection refused"
			if c.failure == "500" {
				want = "500"
			}
			if res.code == 0 || !strings.HasPrefix(last, "dramabot: embed passage") || !strings.Contains(last, c.mode) || !strings.Contains(last, want) {
				t.Errorf("index with the embedder down: exit %d, last stderr line %q; want a clear error naming the %s embedder and %q", res.code, last, c.mode, want)
			}
			t.Logf("index with the embedder down: %s", last)
			if strings.Contains(res.stderr, "sk-fake-embed-key") || strings.Contains(srv.logs.String(), "sk-fake-embed-key") {
				t.Error("the embedding API key appears in the output")
			}

			// Without the new document, the existing index answers: from
			// the command line and from a restarted server.
			if err := os.Remove(filepath.Join(docs, "report-00003.md")); err != nil {
				t.Fatal(err)
			}
			res = runCLI(t, envv, time.Minute, "ask", "--json", "What was reported in report d0p4?")
			if res.code != 0 || !strings.Contains(res.stdout, `"passage_id":"report-00000#`) {
				t.Errorf("ask with the embedder down: exit %d\n%s\n%s", res.code, res.stdout, tail(res.stderr))
			}
			srv = startServe(t, serveOptions{env: envv})
			askSynthetic(t, name+", restarted with the embedder down", srv, 1)
			srv.stop()
			tried = append(tried, name)
		})
	}
	r.set(len(tried), 0, "%s: index fails with \"dramabot: embed passage …: <mode>:fake-embed: … connection refused / 500\"; a running server keeps answering (ranking lexically, logged), also after a failed SIGHUP reload; ask and a restarted serve answer from the existing index",
		strings.Join(tried, "; "))
}
