//go:build reliability

package reliability

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"dramabot/bot/telegram/telegramtest"
)

// tgHarness serves telegramtest's fake Bot API on 127.0.0.1 and watches
// its answers, so that a test can wait for the reply to one chat without
// scanning everything the bot sent.
type tgHarness struct {
	fake *telegramtest.Server
	URL  string

	mu      sync.Mutex
	changed chan struct{}
	replies map[int64][]time.Time // chat -> when each message to it was accepted
	texts   map[int64][]string
}

func newTelegram(t *testing.T) *tgHarness {
	h := &tgHarness{
		fake:    telegramtest.NewInMemory(t, telegramtest.Options{WaitTimeout: time.Minute}),
		changed: make(chan struct{}),
		replies: map[int64][]time.Time{},
		texts:   map[int64][]string{},
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	h.URL = srv.URL
	return h
}

// captureWriter keeps a copy of the response.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *captureWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (h *tgHarness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cw := &captureWriter{ResponseWriter: w}
	h.fake.ServeHTTP(cw, r)
	if !strings.HasSuffix(r.URL.Path, "/sendMessage") || cw.status != http.StatusOK {
		return
	}
	var resp struct {
		Result struct {
			Chat struct {
				ID int64 `json:"id"`
			} `json:"chat"`
			Text string `json:"text"`
		} `json:"result"`
	}
	if json.Unmarshal(cw.body.Bytes(), &resp) != nil {
		return
	}
	h.mu.Lock()
	id := resp.Result.Chat.ID
	h.replies[id] = append(h.replies[id], time.Now())
	h.texts[id] = append(h.texts[id], resp.Result.Text)
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

// waitReply waits until chat got at least n messages and returns when each
// arrived.
func (h *tgHarness) waitReply(chat int64, n int, timeout time.Duration) ([]time.Time, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		got := append([]time.Time(nil), h.replies[chat]...)
		ch := h.changed
		h.mu.Unlock()
		if len(got) >= n {
			return got, true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return got, false
		}
	}
}

// rejectedSends counts sendMessage calls the fake refused other than with
// an injected fault: HTML Telegram would not parse, a text too long...
func (h *tgHarness) rejectedSends() int {
	n := 0
	for _, c := range h.fake.Calls("sendMessage") {
		if c.Status == http.StatusBadRequest {
			n++
		}
	}
	return n
}

// badRequests describes the refused calls, for failure messages.
func (h *tgHarness) badRequests() []string {
	var out []string
	for _, c := range h.fake.Calls("") {
		if c.Status == http.StatusBadRequest {
			out = append(out, c.Method+": "+c.Error)
		}
	}
	return out
}

// duplicates counts chats that received the same text twice.
func (h *tgHarness) duplicates() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, texts := range h.texts {
		seen := map[string]bool{}
		for _, s := range texts {
			if seen[s] {
				n++
				break
			}
			seen[s] = true
		}
	}
	return n
}
