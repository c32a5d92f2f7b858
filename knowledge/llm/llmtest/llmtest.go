// Package llmtest is a fake OpenAI-compatible chat-completions server for
// tests: each call gets the next scripted Reply (a text, an error status, a
// delay), or the answer of a Respond function, and every request is
// recorded.
//
//	srv := llmtest.New(t, llmtest.Reply{Text: "Mini series created 647,000 jobs [1]."})
//	client, _ := llm.New(llm.Config{BaseURL: srv.URL, Model: "fake"})
//
// New listens on 127.0.0.1; NewInMemory listens nowhere and hands requests
// to the handler through Client(), so that inside a testing/synctest bubble
// a Delay takes fake time.
package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Reply is the fake's answer to one call.
type Reply struct {
	// Text is the assistant's message of a 200 answer.
	Text string
	// Status, when not 0 or 200, answers with that status and an OpenAI
	// error body carrying Text (or the status text) as its message.
	Status int
	// Delay holds the answer back; it ends early when the client gives up.
	Delay time.Duration
	// Raw, when set, is sent as the body as is (with Status, default 200).
	Raw string
}

// Message is one message of a recorded request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is one call the fake received.
type Request struct {
	Method        string
	Path          string
	Authorization string
	Model         string
	Messages      []Message
	Temperature   *float64
	At            time.Time
}

// System returns the system message, if any.
func (r Request) System() string {
	for _, m := range r.Messages {
		if m.Role == "system" {
			return m.Content
		}
	}
	return ""
}

// LastUser returns the last user message.
func (r Request) LastUser() string {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role == "user" {
			return r.Messages[i].Content
		}
	}
	return ""
}

// Server is a fake chat-completions API. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the API base to configure clients with; it ends in /v1.
	URL string

	t       testing.TB
	httpSrv *httptest.Server

	mu       sync.Mutex
	script   []Reply
	respond  func(Request) Reply
	requests []Request
}

// New starts a fake on 127.0.0.1 that answers calls with replies, in
// order; it is closed when the test ends.
func New(t testing.TB, replies ...Reply) *Server {
	t.Helper()
	s := &Server{t: t, script: replies}
	s.httpSrv = httptest.NewServer(s)
	s.URL = s.httpSrv.URL + "/v1"
	t.Cleanup(s.httpSrv.Close)
	return s
}

// NewInMemory returns a fake that listens nowhere: give clients Client().
// Its URL is on loopback in case something dials it anyway.
func NewInMemory(t testing.TB, replies ...Reply) *Server {
	return &Server{t: t, script: replies, URL: "http://127.0.0.1:9/v1"}
}

// Close stops the listener, so that later calls fail to connect.
func (s *Server) Close() {
	if s.httpSrv != nil {
		s.httpSrv.Close()
	}
}

// Script appends replies for the next calls.
func (s *Server) Script(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, replies...)
}

// Respond answers the calls the script does not cover.
func (s *Server) Respond(f func(Request) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = f
}

// Requests returns the calls received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Client returns an HTTP client that hands requests straight to the fake.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: inMemory{s}}
}

type inMemory struct{ h http.Handler }

func (m inMemory) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	return rec.Result(), nil
}

// ServeHTTP serves POST .../chat/completions.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		writeError(w, http.StatusNotFound, "not found: "+r.Method+" "+r.URL.Path)
		return
	}
	var body struct {
		Model       string    `json:"model"`
		Messages    []Message `json:"messages"`
		Temperature *float64  `json:"temperature"`
	}
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON: "+err.Error())
		return
	}
	req := Request{
		Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization"),
		Model: body.Model, Messages: body.Messages, Temperature: body.Temperature, At: time.Now(),
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	var reply Reply
	switch {
	case len(s.script) > 0:
		reply, s.script = s.script[0], s.script[1:]
	case s.respond != nil:
		f := s.respond
		s.mu.Unlock()
		reply = f(req)
		s.mu.Lock()
	default:
		s.t.Errorf("llmtest: call %d has no scripted reply", len(s.requests))
		reply = Reply{Status: http.StatusInternalServerError, Text: "llmtest: no reply scripted"}
	}
	s.mu.Unlock()

	if reply.Delay > 0 {
		timer := time.NewTimer(reply.Delay)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			return
		}
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case reply.Raw != "":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, reply.Raw)
	case status != http.StatusOK:
		msg := reply.Text
		if msg == "" {
			msg = http.StatusText(status)
		}
		writeError(w, status, msg)
	default:
		writeJSON(w, status, completion(body.Model, reply.Text))
	}
}

func completion(model, text string) map[string]any {
	return map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": model,
		"choices": []map[string]any{{
			"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": text},
		}},
		"usage": map[string]int{"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
	}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": msg, "type": "fake_error", "code": fmt.Sprint(status),
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
