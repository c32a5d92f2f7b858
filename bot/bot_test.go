package bot

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in     string
		want   Command
		ok     bool
		forBot bool
	}{
		{"/ask how many jobs?", Command{Name: "ask", Arg: "how many jobs?"}, true, true},
		{"/ask@DramaBot how many jobs?", Command{Name: "ask", Arg: "how many jobs?", Target: "DramaBot"}, true, true},
		{"/ASK@dramabot q", Command{Name: "ask", Arg: "q", Target: "dramabot"}, true, true},
		{"/ask@OtherBot q", Command{Name: "ask", Arg: "q", Target: "OtherBot"}, true, false},
		{"/sources", Command{Name: "sources"}, true, true},
		{"/figures\nrevenue", Command{Name: "figures", Arg: "revenue"}, true, true},
		{"  /help", Command{Name: "help"}, true, true},
		{"ask how", Command{}, false, false},
		{"/", Command{}, false, false},
		{"/短剧", Command{}, false, false},
		{"/a-b", Command{}, false, false},
	}
	for _, tt := range tests {
		got, ok := ParseCommand(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseCommand(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && got.For("@DramaBot") != tt.forBot {
			t.Errorf("ParseCommand(%q).For(DramaBot) = %v", tt.in, !tt.forBot)
		}
	}
}

func TestSplitBlocks(t *testing.T) {
	blocks := []string{strings.Repeat("a", 30), strings.Repeat("b", 30), strings.Repeat("word ", 40), "", "end"}
	msgs := SplitBlocks(blocks, 64, nil)
	var all []string
	for _, m := range msgs {
		size := 0
		for i, b := range m {
			if i > 0 {
				size += 2
			}
			size += utf8.RuneCountInString(b)
		}
		if size > 64 {
			t.Errorf("message of %d runes: %q", size, m)
		}
		all = append(all, m...)
	}
	joined := strings.Join(all, "")
	if strings.Count(joined, "word") != 40 || !strings.Contains(joined, "end") {
		t.Errorf("text lost in splitting: %q", joined)
	}
	// A block with no break at all is cut on rune boundaries.
	for _, m := range SplitBlocks([]string{strings.Repeat("短", 100)}, 30, nil) {
		if !utf8.ValidString(m[0]) || utf8.RuneCountInString(m[0]) > 30 {
			t.Errorf("bad piece %q", m[0])
		}
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(3, time.Minute)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if w := l.take("u", now); w != 0 {
			t.Fatalf("question %d limited", i+1)
		}
	}
	w := l.take("u", now)
	if w <= 0 || w > 20*time.Second {
		t.Fatalf("4th question wait = %v, want (0, 20s]", w)
	}
	if l.take("other", now) != 0 {
		t.Error("another user is limited")
	}
	if l.take("u", now.Add(w)) != 0 {
		t.Error("still limited after the wait it announced")
	}
	if newLimiter(-1, time.Minute).take("u", now) != 0 {
		t.Error("a negative rate should turn the limit off")
	}
}

func TestAsk(t *testing.T) {
	boom := errors.New("index exploded")
	fake := &knowledgetest.Fake{AnswerFunc: func(_ context.Context, q string) (knowledge.Answer, error) {
		switch q {
		case "fail":
			return knowledge.Answer{}, boom
		case "unknown":
			return knowledgetest.Abstain(q), nil
		}
		return knowledgetest.Sample(q), nil
	}}
	c := New(Config{Knowledge: fake, RateLimit: 2, MaxQuestionRunes: 50})
	ctx := context.Background()
	req := func(user, text string) Request { return Request{Platform: PlatformHTTP, UserID: user, Text: text} }

	if r := c.Ask(ctx, req("a", "  how\tmany\x00 jobs\u202e? ")); r.Kind != KindAnswer || r.Answer.Question != "how many jobs?" {
		t.Errorf("cleaned question = %q (kind %v)", r.Answer.Question, r.Kind)
	}
	if r := c.Ask(ctx, req("b", " \x01 ")); r.Kind != KindInvalid || r.Message != MsgEmpty {
		t.Errorf("empty question: %+v", r)
	}
	if r := c.Ask(ctx, req("b", strings.Repeat("x", 51))); r.Kind != KindInvalid || !strings.Contains(r.Message, "50") {
		t.Errorf("long question: %+v", r)
	}
	if r := c.Ask(ctx, req("c", "fail")); r.Kind != KindError || r.Message != MsgApology || strings.Contains(r.Message, "exploded") {
		t.Errorf("engine error: %+v", r)
	}
	if r := c.Ask(ctx, req("d", "unknown")); r.Kind != KindAnswer || !r.Answer.Abstained {
		t.Errorf("abstention: %+v", r)
	}
	c.Ask(ctx, req("a", "two"))
	r := c.Ask(ctx, req("a", "three"))
	if r.Kind != KindRateLimited || r.RetryAfter <= 0 || !strings.Contains(r.Message, "seconds") {
		t.Errorf("rate limit: %+v", r)
	}
	if r.RequestID == "" {
		t.Error("no request id")
	}
}

func TestCommands(t *testing.T) {
	reindexed := false
	c := New(Config{
		Knowledge: &knowledgetest.Fake{}, Admins: []string{"telegram:42"}, Version: "v1.2.3",
		Reindex: func(context.Context) (string, error) { reindexed = true; return "1 added", nil },
	})
	ctx := context.Background()
	tests := []struct {
		name, arg, user string
		want            Kind
	}{
		{"start", "", "1", KindInfo}, {"help", "", "1", KindInfo}, {"unknown", "", "1", KindInfo},
		{"sources", "", "1", KindSources}, {"figures", "", "1", KindFigures}, {"about", "", "1", KindAbout},
		{"ask", "how many jobs?", "1", KindAnswer}, {"ask", "", "1", KindInvalid},
		{"reindex", "", "1", KindRefused},
	}
	for _, tt := range tests {
		r := c.Command(ctx, Request{Platform: PlatformTelegram, UserID: tt.user}, tt.name, tt.arg)
		if r.Kind != tt.want {
			t.Errorf("/%s %q: kind %v, want %v", tt.name, tt.arg, r.Kind, tt.want)
		}
	}
	if reindexed {
		t.Fatal("a non-admin reindexed")
	}
	r := c.Command(ctx, Request{Platform: PlatformTelegram, UserID: "42"}, "reindex", "")
	if !reindexed || r.Kind != KindInfo || !strings.Contains(r.Message, "1 added") {
		t.Errorf("admin reindex: %+v", r)
	}
	if r := c.Command(ctx, Request{Platform: PlatformDiscord, UserID: "42"}, "reindex", ""); r.Kind != KindRefused {
		t.Error("an admin on Telegram is an admin on Discord")
	}
	if ab := c.About(); ab.Version != "v1.2.3" {
		t.Errorf("About().Version = %q", ab.Version)
	}
	c.Feedback(PlatformDiscord, "1", "req", "up")
	c.Feedback(PlatformDiscord, "1", "req", "sideways")
	if up, down := c.FeedbackCounts(); up != 1 || down != 0 {
		t.Errorf("feedback = %d up, %d down", up, down)
	}
}

func TestPlainTextGolden(t *testing.T) {
	for name, a := range map[string]knowledge.Answer{
		"answer":  knowledgetest.Sample("How many jobs?"),
		"abstain": knowledgetest.Abstain("What is the population of Tokyo?"),
	} {
		t.Run(name, func(t *testing.T) {
			got := PlainText(a)
			path := filepath.Join("testdata", name+".txt")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("PlainText:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
