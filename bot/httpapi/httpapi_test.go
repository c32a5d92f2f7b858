package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"dramabot/bot"
	"dramabot/bot/httpapi"
	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

// The fake engine answers by keyword, so that one server can serve every
// kind of answer without changing the fake while requests run.
const (
	qJobs    = "How many jobs has the mini series boom created?"
	qUnknown = "What is the weather on Mars?"
	qPanic   = "please panic now"
	qFail    = "please fail now"
)

func scriptedAnswer(_ context.Context, q string) (knowledge.Answer, error) {
	switch {
	case strings.Contains(q, "Mars"):
		return knowledgetest.Abstain(q), nil
	case strings.Contains(q, "panic"):
		panic("engine exploded")
	case strings.Contains(q, "fail"):
		return knowledge.Answer{}, errors.New("engine failed")
	case strings.ContainsAny(q, "<>@"):
		return knowledgetest.Echo(q), nil
	}
	return knowledgetest.Sample(q), nil
}

type testEnv struct {
	t       *testing.T
	url     string
	core    *bot.Core
	fake    *knowledgetest.Fake
	metrics *httpapi.Metrics
	logs    *knowledgetest.SyncBuffer
}

type envOptions struct {
	rateLimit  int // 0: off
	apiKey     string
	ready      func() error
	mount      map[string]http.Handler
	proxies    []netip.Prefix
	sourceList []knowledge.SourceStat
	figures    func(ctx context.Context, topic string) (knowledge.Answer, error)
}

func newEnv(t *testing.T, o envOptions) *testEnv {
	t.Helper()
	logs := &knowledgetest.SyncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	fake := &knowledgetest.Fake{AnswerFunc: scriptedAnswer, FiguresFunc: o.figures, SourceList: o.sourceList}
	metrics := httpapi.NewMetrics(nil)
	rate := o.rateLimit
	if rate == 0 {
		rate = -1
	}
	core := bot.New(bot.Config{Knowledge: fake, Logger: logger, Metrics: metrics, RateLimit: rate})
	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		Core: core, Logger: logger, Metrics: metrics, APIKey: o.apiKey, Ready: o.ready,
		Mount: o.mount, TrustedProxies: o.proxies,
	}))
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, want loopback", srv.URL)
	}
	return &testEnv{t: t, url: srv.URL, core: core, fake: fake, metrics: metrics, logs: logs}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (e *testEnv) do(method, path string, body io.Reader, header map[string]string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (e *testEnv) ask(question string, header map[string]string) response {
	e.t.Helper()
	b, _ := json.Marshal(map[string]string{"question": question})
	if header == nil {
		header = map[string]string{}
	}
	header["Content-Type"] = "application/json"
	return e.do(http.MethodPost, "/v1/ask", bytes.NewReader(b), header)
}

// wantError checks the JSON error shape and that its request id is the one
// of the X-Request-Id header.
func wantError(t *testing.T, r response, status int, contains string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON", ct)
	}
	var e struct {
		Error     string `json:"error"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, r.body)
	}
	if e.Error == "" || !strings.Contains(e.Error, contains) {
		t.Errorf("error %q, want it to contain %q", e.Error, contains)
	}
	if e.RequestID == "" || e.RequestID != r.header.Get("X-Request-Id") {
		t.Errorf("request_id %q, X-Request-Id %q: want the same non-empty id", e.RequestID, r.header.Get("X-Request-Id"))
	}
}

func decodeAnswer(t *testing.T, r response) knowledge.Answer {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", r.status, r.body)
	}
	var a knowledge.Answer
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return a
}

func TestAsk(t *testing.T) {
	e := newEnv(t, envOptions{})
	r := e.ask("  How many jobs has the\tmini series boom created?\u202e ", nil)
	got := decodeAnswer(t, r)
	// The same JSON as `ask --json`: the engine's Answer, unchanged.
	if want := knowledgetest.Sample(qJobs); !reflect.DeepEqual(got, want) {
		t.Errorf("answer\n got %+v\nwant %+v", got, want)
	}
	if !json.Valid(r.body) || !bytes.Contains(r.body, []byte(`"answer":`)) || !bytes.Contains(r.body, []byte(`"citations":[`)) {
		t.Errorf("body does not use the knowledge.Answer JSON names: %s", r.body)
	}
	if qs := e.fake.Questions(); len(qs) != 1 || qs[0] != qJobs {
		t.Errorf("engine got %q, want the cleaned question %q", qs, qJobs)
	}
	if r.header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id header")
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	// Core's log lines and the access log share the response's request id.
	id := r.header.Get("X-Request-Id")
	logs := e.logs.String()
	for _, msg := range []string{"msg=answered", `msg="http request"`} {
		if !strings.Contains(logs, msg) || !strings.Contains(lineWith(logs, msg), "request_id="+id) {
			t.Errorf("log line %s lacks request_id=%s:\n%s", msg, id, logs)
		}
	}
	if strings.Contains(logs, "mini series boom") {
		t.Errorf("question text logged at info level:\n%s", logs)
	}
}

func lineWith(logs, s string) string {
	for line := range strings.Lines(logs) {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

func TestAskAbstains(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := decodeAnswer(t, e.ask(qUnknown, nil))
	if !a.Abstained || len(a.Related) == 0 || len(a.Citations) != 0 {
		t.Errorf("want an abstention with nearest passages and no citations, got %+v", a)
	}
}

func TestAskErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	big := `{"question": "` + strings.Repeat("a", httpapi.MaxBodyBytes) + `"}`
	tests := []struct {
		name        string
		method      string
		path        string
		body        io.Reader
		status      int
		contains    string
		allowHeader string
	}{
		{"oversized body", "POST", "/v1/ask", strings.NewReader(big), 413, "too large", ""},
		// No Content-Length: the limit must hold while reading, too.
		{"oversized chunked body", "POST", "/v1/ask", io.MultiReader(strings.NewReader(big)), 413, "too large", ""},
		{"bad JSON", "POST", "/v1/ask", strings.NewReader(`{"question": "jobs`), 400, "invalid JSON", ""},
		{"not JSON at all", "POST", "/v1/ask", strings.NewReader(`question=jobs`), 400, "invalid JSON", ""},
		{"empty body", "POST", "/v1/ask", nil, 400, "empty request body", ""},
		{"trailing data", "POST", "/v1/ask", strings.NewReader(`{"question": "jobs"} {"question": "more"}`), 400, "after the JSON object", ""},
		{"question not a string", "POST", "/v1/ask", strings.NewReader(`{"question": 42}`), 400, `"question" must be a string`, ""},
		{"array body", "POST", "/v1/ask", strings.NewReader(`["jobs"]`), 400, "must be an object", ""},
		{"missing question", "POST", "/v1/ask", strings.NewReader(`{"q": "jobs"}`), 400, `missing "question"`, ""},
		{"blank question", "POST", "/v1/ask", strings.NewReader(`{"question": " \u0000\u200b "}`), 400, "Please ask a question", ""},
		{"question too long", "POST", "/v1/ask", strings.NewReader(`{"question": "` + strings.Repeat("jobs ", 300) + `"}`), 400, "too long", ""},
		{"engine error", "POST", "/v1/ask", strings.NewReader(`{"question": "` + qFail + `"}`), 500, "Sorry", ""},
		{"GET on ask", "GET", "/v1/ask", nil, 405, "not allowed", "POST"},
		{"POST on sources", "POST", "/v1/sources", strings.NewReader(`{}`), 405, "not allowed", "GET, HEAD"},
		{"DELETE on healthz", "DELETE", "/healthz", nil, 405, "not allowed", "GET, HEAD"},
		{"unknown API path", "GET", "/v1/nope", nil, 404, "not found", ""},
		{"unknown path", "GET", "/nope", nil, 404, "not found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.body, map[string]string{"Content-Type": "application/json"})
			wantError(t, r, tt.status, tt.contains)
			if got := r.header.Get("Allow"); got != tt.allowHeader {
				t.Errorf("Allow %q, want %q", got, tt.allowHeader)
			}
		})
	}
	if n := len(e.fake.Questions()); n != 1 {
		t.Errorf("engine got %d questions, want 1 (only the failing one is valid)", n)
	}
}

func TestAskPanicIsRecovered(t *testing.T) {
	e := newEnv(t, envOptions{})
	r := e.ask(qPanic, nil)
	wantError(t, r, http.StatusInternalServerError, "Sorry")
	if bytes.Contains(r.body, []byte("exploded")) {
		t.Errorf("panic value leaked to the client: %s", r.body)
	}
	// The server lives on.
	decodeAnswer(t, e.ask(qJobs, nil))
	line := lineWith(e.logs.String(), "stack=")
	if !strings.Contains(line, "request_id="+r.header.Get("X-Request-Id")) || !strings.Contains(line, "status=500") {
		t.Errorf("no error log with the stack and the response's request id:\n%s", e.logs)
	}
	if got := metricValue(t, e.scrape(), "dramabot_questions_total", "platform", "http", "outcome", "error"); got != 1 {
		t.Errorf("error questions = %v, want 1", got)
	}
}

func TestPanicInMountedHandler(t *testing.T) {
	e := newEnv(t, envOptions{mount: map[string]http.Handler{
		"POST /hook/s3cret-path": http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("hook exploded") }),
		"GET /hook/ok":           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hooked") }),
	}})
	wantError(t, e.do("POST", "/hook/s3cret-path", nil, nil), 500, "Sorry")
	if r := e.do("GET", "/hook/ok", nil, nil); r.status != 200 || string(r.body) != "hooked" {
		t.Errorf("mounted handler: %d %q", r.status, r.body)
	}
	if strings.Contains(e.logs.String(), "s3cret") {
		t.Errorf("mounted path logged:\n%s", e.logs)
	}
}

func TestRateLimitPerClient(t *testing.T) {
	e := newEnv(t, envOptions{rateLimit: 2})
	for range 2 {
		decodeAnswer(t, e.ask(qJobs, nil))
	}
	r := e.ask(qJobs, nil)
	wantError(t, r, http.StatusTooManyRequests, "too fast")
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 60 {
		t.Errorf("Retry-After %q, want 1..60 seconds", r.header.Get("Retry-After"))
	}
	var body struct {
		RetryAfter int `json:"retry_after"`
	}
	_ = json.Unmarshal(r.body, &body)
	if body.RetryAfter != secs {
		t.Errorf("retry_after %d, want the header's %d", body.RetryAfter, secs)
	}
	// Without a trusted proxy, X-Forwarded-For is the client's own claim
	// and must not buy it a new bucket.
	wantError(t, e.ask(qJobs, map[string]string{"X-Forwarded-For": "203.0.113.9"}), http.StatusTooManyRequests, "too fast")
	if n := len(e.fake.Questions()); n != 2 {
		t.Errorf("engine got %d questions, want 2", n)
	}
}

func TestRateLimitBehindProxy(t *testing.T) {
	e := newEnv(t, envOptions{rateLimit: 1, proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	xff := func(v string) map[string]string { return map[string]string{"X-Forwarded-For": v} }
	decodeAnswer(t, e.ask(qJobs, xff("198.51.100.1, 203.0.113.1")))
	// Same last hop (the address the proxy saw), whatever the client claims before it.
	wantError(t, e.ask(qJobs, xff("192.0.2.77, 203.0.113.1")), http.StatusTooManyRequests, "too fast")
	// Another client.
	decodeAnswer(t, e.ask(qJobs, xff("203.0.113.2")))
	// IPv6 clients are keyed by /64.
	decodeAnswer(t, e.ask(qJobs, xff("2001:db8:1:2::1")))
	wantError(t, e.ask(qJobs, xff("2001:db8:1:2::ffff")), http.StatusTooManyRequests, "too fast")
	decodeAnswer(t, e.ask(qJobs, xff("2001:db8:1:3::1")))
}

// TestAskContentType: a body that says it is not JSON gets 415; no type at
// all is taken as JSON.
func TestAskContentType(t *testing.T) {
	e := newEnv(t, envOptions{})
	body := `{"question": "` + qJobs + `"}`
	tests := []struct {
		contentType string
		status      int
	}{
		{"", http.StatusOK},
		{"application/json", http.StatusOK},
		{"Application/JSON; charset=utf-8", http.StatusOK},
		{"application/vnd.dramabot+json", http.StatusOK},
		{"text/plain", http.StatusUnsupportedMediaType},
		{"text/plain; charset=utf-8", http.StatusUnsupportedMediaType},
		{"application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"multipart/form-data; boundary=x", http.StatusUnsupportedMediaType},
		{"json", http.StatusUnsupportedMediaType},
		{";;", http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			header := map[string]string{}
			if tt.contentType != "" {
				header["Content-Type"] = tt.contentType
			}
			r := e.do("POST", "/v1/ask", strings.NewReader(body), header)
			if tt.status == http.StatusOK {
				decodeAnswer(t, r)
				return
			}
			wantError(t, r, tt.status, "send application/json")
		})
	}
}

// TestClientAddressBehindProxies: the client address, as the access log
// and the rate limit see it, is the right-most address of X-Forwarded-For
// that is not a trusted proxy, and only when the peer (here the loopback
// client of the test server) is trusted itself.
func TestClientAddressBehindProxies(t *testing.T) {
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	inner := netip.MustParsePrefix("10.0.0.0/8")
	tests := []struct {
		name    string
		proxies []netip.Prefix
		xff     []string // one X-Forwarded-For header each
		want    string
	}{
		{"no trusted proxies", nil, []string{"203.0.113.7"}, "127.0.0.1"},
		{"peer not trusted", []netip.Prefix{inner}, []string{"203.0.113.7"}, "127.0.0.1"},
		{"one proxy", []netip.Prefix{loopback}, []string{"203.0.113.7"}, "203.0.113.7"},
		{"client's own claim ignored", []netip.Prefix{loopback}, []string{"192.0.2.1, 203.0.113.7"}, "203.0.113.7"},
		{"two proxies", []netip.Prefix{loopback, inner}, []string{"192.0.2.1, 203.0.113.7, 10.1.2.3"}, "203.0.113.7"},
		{"two headers", []netip.Prefix{loopback, inner}, []string{"192.0.2.1, 203.0.113.7", "10.1.2.3"}, "203.0.113.7"},
		{"untrusted hop in the middle", []netip.Prefix{loopback}, []string{"203.0.113.7, 10.1.2.3"}, "10.1.2.3"},
		{"every hop trusted", []netip.Prefix{loopback, inner}, []string{"10.9.9.9, 10.1.2.3"}, "10.9.9.9"},
		{"garbage before a trusted hop", []netip.Prefix{loopback, inner}, []string{"not-an-ip, 10.1.2.3"}, "10.1.2.3"},
		{"no header", []netip.Prefix{loopback}, nil, "127.0.0.1"},
		{"IPv4-mapped IPv6", []netip.Prefix{loopback}, []string{"::ffff:203.0.113.7"}, "203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{rateLimit: 1, proxies: tt.proxies})
			req, err := http.NewRequest("POST", e.url+"/v1/ask", strings.NewReader(`{"question": "`+qJobs+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			for _, v := range tt.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			line := lineWith(e.logs.String(), "route=ask")
			if !strings.HasSuffix(strings.TrimSpace(line), " client="+tt.want) {
				t.Errorf("access log %q, want client=%s", line, tt.want)
			}
		})
	}
}

func TestAPIKey(t *testing.T) {
	const key = "k3y-Sup3r-s3cret"
	e := newEnv(t, envOptions{apiKey: key})
	tests := []struct {
		name   string
		method string
		path   string
		header map[string]string
		status int
	}{
		{"ask without key", "POST", "/v1/ask", nil, 401},
		{"ask with wrong key", "POST", "/v1/ask", map[string]string{"X-API-Key": "nope"}, 401},
		{"ask with a prefix of the key", "POST", "/v1/ask", map[string]string{"X-API-Key": key[:5]}, 401},
		{"ask with wrong scheme", "POST", "/v1/ask", map[string]string{"Authorization": "Basic " + key}, 401},
		{"ask with bearer key", "POST", "/v1/ask", map[string]string{"Authorization": "Bearer " + key}, 200},
		{"ask with lower-case bearer", "POST", "/v1/ask", map[string]string{"Authorization": "bearer " + key}, 200},
		{"ask with X-API-Key", "POST", "/v1/ask", map[string]string{"X-API-Key": key}, 200},
		{"sources without key", "GET", "/v1/sources", nil, 401},
		{"figures without key", "GET", "/v1/figures?topic=jobs", nil, 401},
		{"wrong method without key", "GET", "/v1/ask", nil, 401},
		{"unknown API path without key", "GET", "/v1/x", nil, 401},
		{"sources with key", "GET", "/v1/sources", map[string]string{"X-API-Key": key}, 200},
		{"healthz stays open", "GET", "/healthz", nil, 200},
		{"readyz stays open", "GET", "/readyz", nil, 200},
		{"metrics stay open", "GET", "/metrics", nil, 200},
		{"page stays open", "GET", "/", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.method == "POST" {
				body = strings.NewReader(`{"question": "` + qJobs + `"}`)
			}
			r := e.do(tt.method, tt.path, body, tt.header)
			if tt.status == 401 {
				wantError(t, r, 401, "API key")
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
				}
			} else if r.status != tt.status {
				t.Errorf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
		})
	}
	if n := len(e.fake.Questions()); n != 3 {
		t.Errorf("engine got %d questions, want the 3 with the right key", n)
	}
	if strings.Contains(e.logs.String(), key[:5]) {
		t.Errorf("API key logged:\n%s", e.logs)
	}
}

func TestSources(t *testing.T) {
	srcs := knowledgetest.SampleSources()
	srcs[0].Origin = "/srv/dramabot/private/cri.html"
	e := newEnv(t, envOptions{sourceList: srcs})
	r := e.do("GET", "/v1/sources", nil, nil)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var got struct {
		About   knowledge.About        `json:"about"`
		Sources []knowledge.SourceStat `json:"sources"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	want := knowledgetest.SampleSources()
	if !reflect.DeepEqual(got.Sources, want) {
		t.Errorf("sources\n got %+v\nwant %+v", got.Sources, want)
	}
	if got.About.Sources != 1 || got.About.Passages != 9 {
		t.Errorf("about %+v, want 1 source with 9 passages", got.About)
	}
	if bytes.Contains(r.body, []byte("/srv/dramabot")) {
		t.Errorf("server path leaked: %s", r.body)
	}
}

func TestFigures(t *testing.T) {
	var (
		mu     sync.Mutex
		topics []string
	)
	e := newEnv(t, envOptions{figures: func(_ context.Context, topic string) (knowledge.Answer, error) {
		mu.Lock()
		topics = append(topics, topic)
		mu.Unlock()
		if topic == "weather" {
			return knowledge.Answer{Question: topic}, nil
		}
		a := knowledgetest.Sample(topic)
		a.Text = ""
		return a, nil
	}})

	a := decodeAnswer(t, e.do("GET", "/v1/figures?topic=jobs%20and%20growth", nil, nil))
	if len(a.Figures) != 2 || a.Figures[1].Text != "647,000" || len(a.Citations) != 1 {
		t.Errorf("figures answer %+v, want the sample's 2 figures with their citation", a)
	}
	none := decodeAnswer(t, e.do("GET", "/v1/figures?topic=weather", nil, nil))
	if none.Text != bot.MsgNoTopic || none.Figures == nil || len(none.Figures) != 0 {
		t.Errorf("no figures: got %+v, want text %q and an empty list", none, bot.MsgNoTopic)
	}
	wantError(t, e.do("GET", "/v1/figures?topic="+strings.Repeat("x", 2000), nil, nil), 400, "too long")
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"jobs and growth", "weather"}; !reflect.DeepEqual(topics, want) {
		t.Errorf("topics %q, want %q", topics, want)
	}
}

func TestProbes(t *testing.T) {
	var (
		mu       sync.Mutex
		notReady = errors.New("telegram not connected")
	)
	readyErr := notReady
	e := newEnv(t, envOptions{ready: func() error {
		mu.Lock()
		defer mu.Unlock()
		return readyErr
	}})
	if r := e.do("GET", "/healthz", nil, nil); r.status != 200 || !bytes.Contains(r.body, []byte(`"ok"`)) {
		t.Errorf("healthz: %d %s", r.status, r.body)
	}
	if r := e.do("HEAD", "/healthz", nil, nil); r.status != 200 {
		t.Errorf("HEAD healthz: %d", r.status)
	}
	wantError(t, e.do("GET", "/readyz", nil, nil), 503, "telegram not connected")
	mu.Lock()
	readyErr = nil
	mu.Unlock()
	if r := e.do("GET", "/readyz", nil, nil); r.status != 200 {
		t.Errorf("readyz when ready: %d %s", r.status, r.body)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, envOptions{rateLimit: 3})
	// Before SetIndex the index metrics are absent, not a misleading zero.
	if _, ok := e.scrape()["dramabot_index_passages"]; ok {
		t.Error("dramabot_index_passages exported before SetIndex")
	}
	before := e.scrape()

	decodeAnswer(t, e.ask(qJobs, nil))
	decodeAnswer(t, e.ask(qUnknown, nil))
	wantError(t, e.ask("   ", nil), 400, "Please ask")
	wantError(t, e.ask(qFail, nil), 500, "Sorry")
	wantError(t, e.ask(qJobs, nil), 429, "too fast")
	e.core.Feedback(bot.PlatformTelegram, "42", "abc", "up")
	e.core.Feedback(bot.PlatformTelegram, "43", "abd", "up")
	e.core.Feedback(bot.PlatformDiscord, "44", "abe", "down")
	builtAt := time.Now().Add(-time.Hour)
	e.metrics.SetIndex(123, builtAt)
	e.metrics.ObserveReindex(nil)
	e.metrics.SetBuildInfo("v1.2.3", "hash-384")

	after := e.scrape()
	// A series born between the scrapes started at zero.
	moved := func(name string, labels ...string) float64 {
		was := 0.0
		if hasMetric(before, name, labels...) {
			was = metricValue(t, before, name, labels...)
		}
		return metricValue(t, after, name, labels...) - was
	}
	for _, c := range []struct {
		outcome string
		want    float64
	}{{"answered", 1}, {"abstained", 1}, {"invalid", 1}, {"error", 1}, {"rate_limited", 1}} {
		if got := moved("dramabot_questions_total", "platform", "http", "outcome", c.outcome); got != c.want {
			t.Errorf("questions{http,%s} moved by %v, want %v", c.outcome, got, c.want)
		}
	}
	if got := moved("dramabot_feedback_total", "platform", "telegram", "vote", "up"); got != 2 {
		t.Errorf("feedback{telegram,up} moved by %v, want 2", got)
	}
	if got := moved("dramabot_feedback_total", "platform", "discord", "vote", "down"); got != 1 {
		t.Errorf("feedback{discord,down} moved by %v, want 1", got)
	}
	h := histogram(t, after, "dramabot_answer_duration_seconds", "platform", "http")
	if h.GetSampleCount() != 2 {
		t.Errorf("latency histogram has %d samples, want 2 (answered and abstained)", h.GetSampleCount())
	}
	if got := metricValue(t, after, "dramabot_index_passages"); got != 123 {
		t.Errorf("index passages %v, want 123", got)
	}
	if got := metricValue(t, after, "dramabot_index_age_seconds"); got < 3600 || got > 3600+60 {
		t.Errorf("index age %v s, want about 3600", got)
	}
	if got := metricValue(t, after, "dramabot_index_built_timestamp_seconds"); int64(got) != builtAt.Unix() {
		t.Errorf("index built at %v, want %d", got, builtAt.Unix())
	}
	if got := metricValue(t, after, "dramabot_reindex_total", "result", "ok"); got != 1 {
		t.Errorf("reindex ok %v, want 1", got)
	}
	if got := metricValue(t, after, "dramabot_build_info", "version", "v1.2.3", "embedder", "hash-384"); got != 1 {
		t.Errorf("build info %v, want 1", got)
	}
	if got := moved("dramabot_http_requests_total", "route", "ask", "code", "200"); got != 2 {
		t.Errorf("http requests{ask,200} moved by %v, want 2", got)
	}
	if got := moved("dramabot_http_requests_total", "route", "ask", "code", "429"); got != 1 {
		t.Errorf("http requests{ask,429} moved by %v, want 1", got)
	}
	if _, ok := after["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}
}

// scrape fetches /metrics as text and parses it with the Prometheus parser.
func (e *testEnv) scrape() map[string]*dto.MetricFamily {
	e.t.Helper()
	r := e.do("GET", "/metrics", nil, map[string]string{"Accept": "text/plain"})
	if r.status != 200 {
		e.t.Fatalf("metrics: %d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		e.t.Fatalf("metrics Content-Type %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.body))
	if err != nil {
		e.t.Fatalf("parse metrics: %v\n%s", err, r.body)
	}
	return fams
}

func findMetric(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	t.Helper()
	m := lookupMetric(fams, name, labels...)
	if m == nil {
		t.Fatalf("metric %s%v missing", name, labels)
	}
	return m
}

func hasMetric(fams map[string]*dto.MetricFamily, name string, labels ...string) bool {
	return lookupMetric(fams, name, labels...) != nil
}

// lookupMetric finds the series of name with the given label pairs.
func lookupMetric(fams map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	fam, ok := fams[name]
	if !ok {
		return nil
	}
	for _, m := range fam.GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			if v, ok := have[labels[i]]; !ok || v != labels[i+1] {
				match = false
			}
		}
		if match {
			return m
		}
	}
	return nil
}

func metricValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	m := findMetric(t, fams, name, labels...)
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	}
	t.Fatalf("metric %s is neither a counter nor a gauge", name)
	return 0
}

func histogram(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) *dto.Histogram {
	t.Helper()
	m := findMetric(t, fams, name, labels...)
	if m.Histogram == nil {
		t.Fatalf("metric %s is not a histogram", name)
	}
	return m.GetHistogram()
}

func TestPageAndAssets(t *testing.T) {
	e := newEnv(t, envOptions{})
	page := e.do("GET", "/", nil, nil)
	if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %q", page.status, page.header.Get("Content-Type"))
	}
	csp := page.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "require-trusted-types-for 'script'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	if got := page.header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", got)
	}
	html := string(page.body)
	for _, bad := range []string{"http://", "https://", "//cdn", " onclick=", " onload=", " onerror=", " onsubmit=", " style="} {
		if strings.Contains(html, bad) {
			t.Errorf("page has %q: assets must be local and code and style in their files", bad)
		}
	}
	for rest := html; ; {
		i := strings.Index(rest, "<script")
		if i < 0 {
			break
		}
		tag, _, _ := strings.Cut(rest[i:], ">")
		if !strings.Contains(tag, "src=") {
			t.Errorf("inline script %q: CSP would block it", tag)
		}
		rest = rest[i+len("<script"):]
	}
	for path, ctype := range map[string]string{"/app.js": "text/javascript", "/style.css": "text/css"} {
		r := e.do("GET", path, nil, nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), ctype) || len(r.body) == 0 {
			t.Errorf("%s: %d %q, %d bytes", path, r.status, r.header.Get("Content-Type"), len(r.body))
		}
		if strings.Contains(string(r.body), ".innerHTML =") || strings.Contains(string(r.body), "insertAdjacentHTML") {
			t.Errorf("%s writes markup", path)
		}
		etag := r.header.Get("ETag")
		if etag == "" {
			t.Errorf("%s has no ETag", path)
			continue
		}
		if again := e.do("GET", path, nil, map[string]string{"If-None-Match": etag}); again.status != http.StatusNotModified {
			t.Errorf("%s with If-None-Match: %d, want 304", path, again.status)
		}
	}
}
