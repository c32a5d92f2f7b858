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
	"strings"
	"sync"
	"testing"

	"dramabot/bot"
	"dramabot/bot/httpapi"
	"dramabot/knowledge/knowledgetest"
)

// fakeAdder adds what it is told and records the calls.
type fakeAdder struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeAdder) AddURL(_ context.Context, url string) (bot.Added, error) {
	f.mu.Lock()
	f.calls = append(f.calls, "url "+url)
	f.mu.Unlock()
	if strings.Contains(url, "missing") {
		return bot.Added{Source: url}, errors.New("HTTP 404")
	}
	return bot.Added{Source: url, Documents: []bot.AddedDocument{{Title: "Zorblax report", Publisher: "Test Wire", Date: "2026-11-02", URL: url, Passages: 3}}}, nil
}

func (f *fakeAdder) AddFile(_ context.Context, name string, data []byte) (bot.Added, error) {
	f.mu.Lock()
	f.calls = append(f.calls, "file "+name+" "+string(data))
	f.mu.Unlock()
	return bot.Added{Source: name, Documents: []bot.AddedDocument{{Title: name, Passages: 1}}}, nil
}

func TestAddSource(t *testing.T) {
	adder := &fakeAdder{}
	core := bot.New(bot.Config{Knowledge: &knowledgetest.Fake{}, Sources: adder, Logger: slog.New(slog.DiscardHandler)})
	with := httptest.NewServer(httpapi.New(httpapi.Config{Core: core, APIKey: "api-key", AdminKey: "admin-key"}))
	defer with.Close()
	without := httptest.NewServer(httpapi.New(httpapi.Config{Core: core, APIKey: "api-key"}))
	defer without.Close()

	tests := []struct {
		name   string
		srv    *httptest.Server
		key    string
		ctype  string
		query  string
		body   string
		status int
		want   string // in the body
		call   string // what the adder was asked, if anything
	}{
		{name: "a web page", srv: with, key: "admin-key", ctype: "application/json", body: `{"url": "https://example.com/a.html"}`,
			status: 201, want: `"documents":[{"title":"Zorblax report","publisher":"Test Wire","date":"2026-11-02","url":"https://example.com/a.html","passages":3}]`, call: "url https://example.com/a.html"},
		{name: "no content type is JSON", srv: with, key: "admin-key", body: `{"url": "https://example.com/b.html"}`, status: 201, call: "url https://example.com/b.html"},
		{name: "cannot be added", srv: with, key: "admin-key", ctype: "application/json", body: `{"url": "https://example.com/missing"}`,
			status: 422, want: `"error":"Could not add https://example.com/missing: HTTP 404"`, call: "url https://example.com/missing"},
		{name: "a document", srv: with, key: "admin-key", ctype: "application/pdf", query: "?name=r.pdf", body: "%PDF-1.7", status: 201, want: `"title":"r.pdf"`, call: "file r.pdf %PDF-1.7"},
		{name: "a document without a name", srv: with, key: "admin-key", ctype: "application/pdf", body: "%PDF-1.7", status: 400, want: "?name="},
		{name: "no url", srv: with, key: "admin-key", ctype: "application/json", body: `{"url": " "}`, status: 400, want: `{\"url\"`},
		{name: "bad JSON", srv: with, key: "admin-key", ctype: "application/json", body: `{"url": `, status: 400, want: "invalid JSON"},
		{name: "other media", srv: with, key: "admin-key", ctype: "image/png", body: "x", status: 415},
		{name: "the API key is not the admin key", srv: with, key: "api-key", ctype: "application/json", body: `{"url": "https://example.com/c.html"}`, status: 401, want: "admin key"},
		{name: "no key", srv: with, ctype: "application/json", body: `{"url": "https://example.com/c.html"}`, status: 401, want: "admin key"},
		{name: "no admin key configured", srv: without, key: "api-key", ctype: "application/json", body: `{"url": "https://example.com/c.html"}`, status: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			adder.mu.Lock()
			adder.calls = nil
			adder.mu.Unlock()
			req, _ := http.NewRequest("POST", tt.srv.URL+"/v1/sources"+tt.query, bytes.NewBufferString(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			if tt.key != "" {
				req.Header.Set("Authorization", "Bearer "+tt.key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
				t.Errorf("%d %s, want %d with %s", resp.StatusCode, b, tt.status, tt.want)
			}
			if !json.Valid(b) {
				t.Errorf("not JSON: %s", b)
			}
			adder.mu.Lock()
			defer adder.mu.Unlock()
			if got := strings.Join(adder.calls, "; "); got != tt.call {
				t.Errorf("adder asked %q, want %q", got, tt.call)
			}
		})
	}
}
