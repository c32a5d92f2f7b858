package discord

import (
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bwmarrin/discordgo"

	"dramabot/bot"
	"dramabot/bot/discord/discordtest"
	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

// These run in a testing/synctest bubble: the real discordgo REST client
// talks to the fake Discord in memory (no gateway, no sockets), and the
// interaction is handed to the bot's handler as the gateway would, so the
// engine's stages, the Pacer and the recorded call times all run on fake
// time.

func progressive(final time.Duration) *knowledgetest.Progressive {
	return &knowledgetest.Progressive{
		Model: "fake-model",
		Steps: []knowledgetest.Step{
			{After: 0, Progress: knowledge.Progress{Stage: knowledge.StageReading, Passages: 3}},
			{After: 1200 * time.Millisecond, Progress: knowledge.Progress{Stage: knowledge.StageChecking}},
			{After: 100 * time.Millisecond, Progress: knowledge.Progress{Stage: knowledge.StageRewriting}},
			{After: time.Second, Progress: knowledge.Progress{Stage: knowledge.StageChecking}},
		},
		Final: final,
	}
}

// memBot is a Bot over an in-memory fake Discord, for synctest bubbles.
type memBot struct {
	t    *testing.T
	fake *discordtest.Server
	bot  *Bot
}

func newMemBot(t *testing.T, k bot.Knowledge) *memBot {
	t.Helper()
	fake := discordtest.NewInMemory(t, discordtest.Options{})
	log := slog.New(slog.DiscardHandler)
	core := bot.New(bot.Config{Knowledge: k, Logger: log, RateLimit: -1, Version: "test"})
	b, err := New(Config{Token: discordtest.Token, APIURL: fake.URL, HTTPClient: fake.Client(), Core: core, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	// What READY would have told the session.
	b.session.State.User = &discordgo.User{ID: discordtest.BotUserID, Username: discordtest.BotName, Bot: true}
	b.session.State.Application = &discordgo.Application{ID: discordtest.AppID}
	t.Cleanup(b.stopHandlers)
	return &memBot{t: t, fake: fake, bot: b}
}

// ask hands an /ask interaction to the handler and returns when it is done.
func (m *memBot) ask(from discordtest.From, q string) (discordtest.Interaction, []discordtest.Call) {
	m.t.Helper()
	it, raw := m.fake.Interaction(from, 2, m.fake.CommandData("ask", map[string]string{"question": q}), nil)
	var ev discordgo.InteractionCreate
	if err := json.Unmarshal(raw, &ev); err != nil {
		m.t.Fatal(err)
	}
	m.bot.onInteractionCreate(m.bot.session, &ev)
	var calls []discordtest.Call
	for _, c := range m.fake.Calls() {
		if discordtest.For(it)(c) {
			calls = append(calls, c)
		}
	}
	return it, calls
}

func TestAskShowsProgressInTheDeferredResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMemBot(t, progressive(600*time.Millisecond))
		it, calls := m.ask(guildUser, question)
		if len(calls) != 5 {
			t.Fatalf("%d calls, want the deferral, three statuses and the answer", len(calls))
		}
		if calls[0].Route != discordtest.RouteCallback || calls[0].CallbackType() != 5 {
			t.Fatalf("first call %s type %d, want the deferred response", calls[0].Route, calls[0].CallbackType())
		}
		for _, c := range calls[1:] {
			if c.Route != discordtest.RouteEditOriginal || c.Status != 200 {
				t.Fatalf("call %s %d, want edits of the deferred response only", c.Route, c.Status)
			}
		}
		var statuses []string
		for i, c := range calls[1:4] {
			s := decode(t, c)
			if len(s.Embeds) != 0 || len(s.Components) != 0 {
				t.Errorf("status edit %d carries embeds or buttons: %s", i, c.Body)
			}
			statuses = append(statuses, s.Content)
			if i > 0 {
				if gap := c.At.Sub(calls[i].At); gap < bot.ProgressInterval {
					t.Errorf("status %d only %s after the one before", i, gap)
				}
			}
		}
		want := []string{"*Reading 3 passages…*", "*A check failed: rewriting the answer…*", "*Checking the figures…*"}
		if !slices.Equal(statuses, want) {
			t.Errorf("statuses %q, want %q", statuses, want)
		}

		answer := calls[4]
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(answer.Body, &raw); err != nil {
			t.Fatal(err)
		}
		if string(raw["content"]) != `""` {
			t.Errorf("the answer's edit leaves the status in place: content %s", raw["content"])
		}
		s := decode(t, answer)
		if len(s.Embeds) != 1 || !strings.Contains(s.Embeds[0].Description, "647,000 jobs") || len(s.customIDs()) < 3 {
			t.Fatalf("answer edit %s", answer.Body)
		}
		if f := s.Embeds[0].Footer; f == nil || !strings.HasPrefix(f.Text, "Written by fake-model from the cited passages") {
			t.Errorf("footer %+v, want the note that a model wrote the text", f)
		}
		time.Sleep(time.Second + 100*time.Millisecond) // a status due after the answer would come by now
		synctest.Wait()
		for _, c := range m.fake.Calls() {
			if discordtest.For(it)(c) && c.At.After(answer.At) {
				t.Errorf("a call after the answer: %s %s", c.Route, c.Body)
			}
		}
	})
}

func TestQuickAnswerShowsNoProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng := &knowledgetest.Progressive{Model: "fake-model", Final: 100 * time.Millisecond,
			Steps: []knowledgetest.Step{{Progress: knowledge.Progress{Stage: knowledge.StageReading, Passages: 3}}}}
		m := newMemBot(t, eng)
		_, calls := m.ask(guildUser, question)
		if len(calls) != 2 {
			t.Fatalf("%d calls, want the deferral and the answer", len(calls))
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(calls[1].Body, &raw); err != nil {
			t.Fatal(err)
		}
		if _, ok := raw["content"]; ok || calls[1].Route != discordtest.RouteEditOriginal {
			t.Errorf("second call %s %s, want the answer as the first edit, as without progress", calls[1].Route, calls[1].Body)
		}
		time.Sleep(700 * time.Millisecond)
		synctest.Wait()
		for _, c := range m.fake.Calls() {
			if c.Route == discordtest.RouteEditOriginal && c.At.After(calls[1].At) {
				t.Errorf("a status edit after the answer: %s", c.Body)
			}
		}
	})
}
