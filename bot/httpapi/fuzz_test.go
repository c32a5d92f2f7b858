package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"dramabot/bot"
	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

// fuzzEngine answers every question with the sample answer and keeps
// nothing, so that millions of fuzzed requests use no memory.
type fuzzEngine struct{}

func (fuzzEngine) Answer(_ context.Context, q string) (knowledge.Answer, error) {
	return knowledgetest.Sample(q), nil
}
func (fuzzEngine) Figures(_ context.Context, topic string) (knowledge.Answer, error) {
	return knowledgetest.Sample(topic), nil
}
func (fuzzEngine) Sources() []knowledge.SourceStat { return knowledgetest.SampleSources() }
func (fuzzEngine) About() knowledge.About          { return knowledge.About{Sources: 1, Passages: 9} }

// FuzzAskRequest: whatever the body of POST /v1/ask, the answer is JSON
// with the right status: 200 and an answer for a usable question, 400, 413
// or (for a type other than JSON) 415 with an error message and a request
// id otherwise; never a 5xx.
func FuzzAskRequest(f *testing.F) {
	for _, body := range []string{
		`{"question": "How many jobs has the mini series boom created?"}`,
		`{"question": ""}`, `{"question": null}`, `{"question": 42}`, `{"question": ["a"]}`, `{}`, `[]`, `null`, ``, `{`,
		`{"question": "a"} {"question": "b"}`, `{"question": "a"}garbage`, `{"Question": "case"}`, `{"question": "\u0000\ud800"}`,
		`{"question": "` + strings.Repeat("x", 1001) + `"}`, `{"question": "` + strings.Repeat("y", 17<<10) + `"}`,
		"{\"question\": \"\xff\xfe invalid UTF-8\"}", `{"question": "<script>@everyone</script>", "extra": {"deep": [[[[]]]]}}`,
		`{"question": "x", "question": "duplicate key"}`, "\ufeff{\"question\": \"BOM\"}",
	} {
		f.Add([]byte(body), "application/json")
	}
	f.Add([]byte(`question=form`), "application/x-www-form-urlencoded")
	core := bot.New(bot.Config{Knowledge: fuzzEngine{}, RateLimit: -1})
	srv := New(Config{Core: core})
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/ask", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		res := rec.Result()
		out := rec.Body.Bytes()
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || !utf8.Valid(out) {
			t.Fatalf("body %q: response %d is not UTF-8 JSON: %q", body, res.StatusCode, out)
		}
		switch res.StatusCode {
		case http.StatusOK:
			var a knowledge.Answer
			if err := json.Unmarshal(out, &a); err != nil || a.Text == "" {
				t.Fatalf("body %q: 200 without an answer: %q", body, out)
			}
		case http.StatusUnsupportedMediaType:
			if isJSON(contentType) {
				t.Fatalf("Content-Type %q: 415 for JSON", contentType)
			}
			fallthrough
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			var e struct {
				Error     string `json:"error"`
				RequestID string `json:"request_id"`
			}
			if err := json.Unmarshal(out, &e); err != nil || len(e.Error) < 10 || e.RequestID == "" || e.RequestID != res.Header.Get("X-Request-Id") {
				t.Fatalf("body %q: %d without a clear error: %q", body, res.StatusCode, out)
			}
		default:
			t.Fatalf("body %q: status %d: %q", body, res.StatusCode, out)
		}
	})
}
