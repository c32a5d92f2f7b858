package bot_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"dramabot/bot"
	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

type shownAt struct {
	at     time.Duration
	status string
}

func TestPacer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var mu sync.Mutex
		var shown []shownAt
		p := bot.NewPacer(500*time.Millisecond, time.Second, func(s string) {
			mu.Lock()
			shown = append(shown, shownAt{time.Since(start), s})
			mu.Unlock()
		})
		at := func(d time.Duration, s string) {
			time.Sleep(d - time.Since(start))
			p.Update(s)
		}
		at(0, "a")
		at(100*time.Millisecond, "b")
		at(200*time.Millisecond, "c") // shown at 0.5s, the latest of three
		at(time.Second, "d")          // held until 1.5s
		at(1200*time.Millisecond, "d")
		at(3*time.Second, "e") // shown at once: a second has passed
		at(3100*time.Millisecond, "f")
		time.Sleep(3500*time.Millisecond - time.Since(start))
		p.Stop() // "f" was due at 4s: never shown
		time.Sleep(5 * time.Second)
		want := []shownAt{{500 * time.Millisecond, "c"}, {1500 * time.Millisecond, "d"}, {3 * time.Second, "e"}}
		if !slices.Equal(shown, want) {
			t.Errorf("shown %v, want %v", shown, want)
		}
	})
}

func TestPacerStop(t *testing.T) {
	t.Run("before the first status is due", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := 0
			p := bot.NewPacer(500*time.Millisecond, time.Second, func(string) { n++ })
			p.Update("Reading 5 passages…")
			time.Sleep(400 * time.Millisecond)
			p.Stop()
			p.Stop() // twice is fine
			time.Sleep(time.Second)
			if n != 0 {
				t.Errorf("%d statuses shown after a quick answer", n)
			}
		})
	})
	t.Run("waits for a status being shown", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			done := false
			p := bot.NewPacer(0, time.Second, func(string) {
				time.Sleep(2 * time.Second) // a slow edit
				done = true
			})
			p.Update("x")
			time.Sleep(time.Millisecond)
			p.Stop()
			if !done {
				t.Error("Stop returned while a status was being shown")
			}
		})
	})
}

func TestProgressText(t *testing.T) {
	en, zh := "How many jobs?", "短剧创造了多少岗位？"
	for _, tt := range []struct {
		p    knowledge.Progress
		q    string
		want string
	}{
		{knowledge.Progress{Stage: knowledge.StageReading, Passages: 5}, en, "Reading 5 passages…"},
		{knowledge.Progress{Stage: knowledge.StageReading, Passages: 1}, en, "Reading 1 passage…"},
		{knowledge.Progress{Stage: knowledge.StageChecking}, en, "Checking the figures…"},
		{knowledge.Progress{Stage: knowledge.StageRewriting}, en, "A check failed: rewriting the answer…"},
		{knowledge.Progress{Stage: knowledge.StageReading, Passages: 5}, zh, "正在阅读 5 个段落…"},
		{knowledge.Progress{Stage: knowledge.StageChecking}, zh, "正在核对数字和出处…"},
		{knowledge.Progress{}, en, "Working on it…"},
	} {
		if got := bot.ProgressText(tt.p, tt.q); got != tt.want {
			t.Errorf("ProgressText(%+v, %q) = %q, want %q", tt.p, tt.q, got, tt.want)
		}
	}
}

// progressEngine reports two stages, then answers.
type progressEngine struct {
	knowledgetest.Fake
	calls []string
}

func (e *progressEngine) AnswerProgress(ctx context.Context, q string, progress func(knowledge.Progress)) (knowledge.Answer, error) {
	e.calls = append(e.calls, "AnswerProgress")
	progress(knowledge.Progress{Stage: knowledge.StageReading, Passages: 3})
	progress(knowledge.Progress{Stage: knowledge.StageChecking})
	a := knowledgetest.Sample(q)
	a.Generated = "fake-model"
	return a, nil
}

func (e *progressEngine) Answer(ctx context.Context, q string) (knowledge.Answer, error) {
	e.calls = append(e.calls, "Answer")
	return e.Fake.Answer(ctx, q)
}

func TestAskReportsProgress(t *testing.T) {
	eng := &progressEngine{}
	core := bot.New(bot.Config{Knowledge: eng, RateLimit: -1})
	var statuses []string
	r := core.Ask(t.Context(), bot.Request{Platform: bot.PlatformTelegram, UserID: "1", Text: "How many jobs?", Progress: func(s string) { statuses = append(statuses, s) }})
	if r.Kind != bot.KindAnswer || r.Answer.Generated != "fake-model" {
		t.Fatalf("reply %+v", r)
	}
	if want := []string{"Reading 3 passages…", "Checking the figures…"}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %q, want %q", statuses, want)
	}
	// /ask passes the request on, progress included.
	statuses = nil
	core.Command(t.Context(), bot.Request{Platform: bot.PlatformTelegram, UserID: "1", Progress: func(s string) { statuses = append(statuses, s) }}, "ask", "How many jobs?")
	if len(statuses) != 2 {
		t.Errorf("/ask: statuses %q", statuses)
	}
	// Without a progress func the engine is asked as before.
	core.Ask(t.Context(), bot.Request{Platform: bot.PlatformHTTP, UserID: "1", Text: "How many jobs?"})
	if want := []string{"AnswerProgress", "AnswerProgress", "Answer"}; !slices.Equal(eng.calls, want) {
		t.Errorf("engine calls %q, want %q", eng.calls, want)
	}
	// An invalid question reports nothing.
	statuses = nil
	core.Ask(t.Context(), bot.Request{Platform: bot.PlatformTelegram, UserID: "1", Text: " ", Progress: func(s string) { statuses = append(statuses, s) }})
	if len(statuses) != 0 {
		t.Errorf("invalid question: statuses %q", statuses)
	}
}

func TestAskWithoutProgressEngine(t *testing.T) {
	core := bot.New(bot.Config{Knowledge: &knowledgetest.Fake{}, RateLimit: -1})
	called := false
	r := core.Ask(t.Context(), bot.Request{Platform: bot.PlatformDiscord, UserID: "1", Text: "How many jobs?", Progress: func(string) { called = true }})
	if r.Kind != bot.KindAnswer || called {
		t.Errorf("reply %v, progress called %v", r.Kind, called)
	}
}
