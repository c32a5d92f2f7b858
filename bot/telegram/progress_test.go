package telegram

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"dramabot/bot"
	"dramabot/bot/telegram/telegramtest"
	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

// progressBubble runs a bot over k against an in-memory fake in a synctest
// bubble, so that progress timing is exact.
func progressBubble(t *testing.T, k bot.Knowledge, test func(tg *telegramtest.Server)) {
	synctest.Test(t, func(t *testing.T) {
		tg := telegramtest.NewInMemory(t, telegramtest.Options{WaitTimeout: time.Hour})
		logs := &knowledgetest.SyncBuffer{}
		log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		b, err := New(t.Context(), Config{
			Token: tg.Token, APIURL: tg.URL, HTTPClient: tg.Client(), Logger: log,
			Core: bot.New(bot.Config{Knowledge: k, Logger: log, RateLimit: -1}),
		})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- b.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			if t.Failed() {
				t.Logf("logs:\n%s", logs.String())
			}
		}()
		test(tg)
	})
}

// statusTexts are every status a surface may show: fixed texts, never the
// model's.
var statusTexts = []string{
	"Reading 3 passages…", "Checking the figures…", "A check failed: rewriting the answer…",
}

func slowEngine(final time.Duration) *knowledgetest.Progressive {
	return &knowledgetest.Progressive{
		Model: "fake-model",
		Steps: []knowledgetest.Step{
			{After: 0, Progress: knowledge.Progress{Stage: knowledge.StageReading, Passages: 3}},
			{After: 1200 * time.Millisecond, Progress: knowledge.Progress{Stage: knowledge.StageChecking}},
			{After: 100 * time.Millisecond, Progress: knowledge.Progress{Stage: knowledge.StageRewriting}},
			{After: 2 * time.Second, Progress: knowledge.Progress{Stage: knowledge.StageChecking}},
		},
		Final: final,
	}
}

type shown struct {
	at   time.Duration
	text string
}

func TestProgressEditsTheReply(t *testing.T) {
	progressBubble(t, slowEngine(300*time.Millisecond), func(tg *telegramtest.Server) {
		start := time.Now()
		asked := tg.Push(telegramtest.InChat(telegramtest.Group, telegramtest.Alice, "/ask "+question))
		time.Sleep(time.Minute)
		synctest.Wait()

		sent := tg.Sent(telegramtest.Group.ID)
		if len(sent) != 1 {
			t.Fatalf("%d messages sent, want the one status message: %+v", len(sent), sent)
		}
		status := sent[0]
		if status.ReplyTo != asked.MessageID {
			t.Errorf("status replies to %d, want the question %d", status.ReplyTo, asked.MessageID)
		}
		var got []shown
		for _, c := range tg.Calls("") {
			if c.Method == "sendMessage" || c.Method == "editMessageText" {
				got = append(got, shown{c.At.Sub(start), c.Params["text"]})
			}
		}
		want := []shown{
			{500 * time.Millisecond, "<i>Reading 3 passages…</i>"},
			{1500 * time.Millisecond, "<i>A check failed: rewriting the answer…</i>"},
			{3300 * time.Millisecond, "<i>Checking the figures…</i>"},
		}
		if len(got) != len(want)+1 || !slices.Equal(got[:len(want)], want) {
			t.Fatalf("sends and edits:\n%v\nwant the statuses\n%v\nthen the answer", got, want)
		}
		for i := 1; i < len(want); i++ {
			if gap := got[i].at - got[i-1].at; gap < bot.ProgressInterval {
				t.Errorf("status %d only %s after the one before", i, gap)
			}
		}
		answer := got[len(got)-1]
		if answer.at != 3600*time.Millisecond || !strings.Contains(answer.text, "647,000 jobs") {
			t.Errorf("answer edit %v, want the answer at 3.6s", answer)
		}
		for _, c := range tg.Calls("editMessageText") {
			if c.Params["message_id"] != strconv.Itoa(status.MessageID) {
				t.Errorf("edit of message %s, want the status message %d", c.Params["message_id"], status.MessageID)
			}
		}
		m, _ := tg.Message(telegramtest.Group.ID, status.MessageID)
		if !strings.Contains(m.Text, "647,000 jobs") || !strings.Contains(m.Text, "[1]") || !strings.Contains(m.Text, "Written by fake-model") {
			t.Errorf("the status message now reads %q, want the cited answer", m.Text)
		}
		for _, s := range got[:len(want)] {
			if !slices.Contains(statusTexts, strings.TrimSuffix(strings.TrimPrefix(s.text, "<i>"), "</i>")) {
				t.Errorf("status %q is not one of the fixed texts", s.text)
			}
		}
	})
}

func TestQuickAnswerShowsNoStatus(t *testing.T) {
	engine := &knowledgetest.Progressive{Model: "fake-model", Final: 300 * time.Millisecond,
		Steps: []knowledgetest.Step{{Progress: knowledge.Progress{Stage: knowledge.StageReading, Passages: 3}}}}
	progressBubble(t, engine, func(tg *telegramtest.Server) {
		tg.Push(telegramtest.Private(telegramtest.Alice, question))
		time.Sleep(time.Minute)
		synctest.Wait()
		sent := tg.Sent(telegramtest.Alice.ID)
		if len(sent) != 1 || !strings.Contains(sent[0].Plain, "647,000 jobs") {
			t.Errorf("sent %+v, want the answer only", sent)
		}
		if n := len(tg.Calls("editMessageText")); n != 0 {
			t.Errorf("%d edits", n)
		}
	})
}

func TestAnswerIsSentWhenTheStatusCannotBeEdited(t *testing.T) {
	engine := &knowledgetest.Progressive{Model: "fake-model", Final: time.Second,
		Steps: []knowledgetest.Step{{Progress: knowledge.Progress{Stage: knowledge.StageReading, Passages: 3}}}}
	progressBubble(t, engine, func(tg *telegramtest.Server) {
		tg.Fail("editMessageText", 1, telegramtest.Fault{Status: 400, Description: "Bad Request: message to edit not found"})
		asked := tg.Push(telegramtest.InChat(telegramtest.Group, telegramtest.Alice, "/ask "+question))
		time.Sleep(time.Minute)
		synctest.Wait()
		sent := tg.Sent(telegramtest.Group.ID)
		if len(sent) != 2 || sent[0].Plain != "Reading 3 passages…" || !strings.Contains(sent[1].Plain, "647,000 jobs") {
			t.Fatalf("sent %+v, want the status, then the answer", sent)
		}
		if sent[1].ReplyTo != asked.MessageID {
			t.Errorf("answer replies to %d, want %d", sent[1].ReplyTo, asked.MessageID)
		}
	})
}

func TestGeneratedNote(t *testing.T) {
	a := knowledgetest.Sample(question)
	a.Generated = "<b>model</b> & co"
	msgs := renderReply(bot.Reply{Kind: bot.KindAnswer, Answer: a})
	plain, err := telegramtest.ParseHTML(strings.Join(msgs, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plain, "Written by <b>model</b> & co from the cited passages; every figure checked against them.") {
		t.Errorf("no note, or not escaped:\n%s", plain)
	}
	a.Generated = ""
	if strings.Contains(strings.Join(renderReply(bot.Reply{Kind: bot.KindAnswer, Answer: a}), ""), "Written by") {
		t.Error("note on an extractive answer")
	}
}
