package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"dramabot/knowledge/knowledgetest"
)

type stubAdder struct {
	added Added
	err   error
	calls int
}

func (s *stubAdder) AddURL(_ context.Context, url string) (Added, error) {
	s.calls++
	a := s.added
	a.Source = url
	return a, s.err
}

func (s *stubAdder) AddFile(_ context.Context, name string, _ []byte) (Added, error) {
	s.calls++
	a := s.added
	a.Source = name
	return a, s.err
}

func TestAddCommand(t *testing.T) {
	one := Added{Documents: []AddedDocument{{Title: "Zorblax report", Publisher: "Test Wire", Date: "2026-11-02", Passages: 3}}}
	tests := []struct {
		name   string
		user   string
		arg    string
		adder  *stubAdder
		kind   Kind
		want   string
		called bool
	}{
		{name: "administrator", user: "1", arg: " https://example.com/a ", adder: &stubAdder{added: one}, kind: KindInfo,
			want: "Added https://example.com/a: 1 document, 3 passages.\n• Zorblax report — Test Wire, 2026-11-02 (3 passages)", called: true},
		{name: "someone else", user: "2", arg: "https://example.com/a", adder: &stubAdder{added: one}, kind: KindRefused,
			want: "Sorry, only the bot's administrators can add sources."},
		{name: "no URL", user: "1", arg: "", adder: &stubAdder{}, kind: KindInvalid, want: "Usage: /add URL"},
		{name: "fails", user: "1", arg: "https://example.com/gone", adder: &stubAdder{err: errors.New("HTTP 404\n(twice)")}, kind: KindError,
			want: "Could not add https://example.com/gone: HTTP 404 (twice)", called: true},
		{name: "no adder", user: "1", arg: "https://example.com/a", kind: KindInfo, want: "not available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Knowledge: &knowledgetest.Fake{}, Admins: []string{"telegram:1"}}
			if tt.adder != nil {
				cfg.Sources = tt.adder
			}
			c := New(cfg)
			r := c.Command(context.Background(), Request{Platform: PlatformTelegram, UserID: tt.user}, "add", tt.arg)
			if r.Kind != tt.kind || !strings.Contains(r.Message, tt.want) {
				t.Errorf("reply %v %q, want %v with %q", r.Kind, r.Message, tt.kind, tt.want)
			}
			if tt.adder != nil && (tt.adder.calls > 0) != tt.called {
				t.Errorf("adder called %d times", tt.adder.calls)
			}
		})
	}
}

func TestAddedText(t *testing.T) {
	var many Added
	many.Source = "https://example.com/feed.xml"
	for i := range 12 {
		many.Documents = append(many.Documents, AddedDocument{Title: fmt.Sprintf("Item %d", i), Passages: 1})
	}
	many.Problems = []string{"https://example.com/x: HTTP 500"}
	got := many.Text()
	for _, want := range []string{"Added https://example.com/feed.xml: 12 documents, 12 passages.", "• Item 9 (1 passage)", "… and 2 more", "Problem: https://example.com/x: HTTP 500"} {
		if !strings.Contains(got, want) {
			t.Errorf("text lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Item 10") {
		t.Errorf("more than %d documents listed:\n%s", MaxAddedListed, got)
	}
}
