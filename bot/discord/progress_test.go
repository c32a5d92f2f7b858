package discord

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"dramabot/bot"
	"dramabot/bot/discord/discordtest"
	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

// These run on real time against the fake Discord (its gateway is a real
// websocket): the engine's stages are spaced so that the expected statuses
// have 0.4 s of slack.

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

func TestAskShowsProgressInTheDeferredResponse(t *testing.T) {
	t.Parallel()
	h := start(t, options{knowledge: progressive(600 * time.Millisecond)})
	it, calls := h.ask(guildUser, question, 5)
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
		m := decode(t, c)
		if len(m.Embeds) != 0 || len(m.Components) != 0 {
			t.Errorf("status edit %d carries embeds or buttons: %s", i, c.Body)
		}
		statuses = append(statuses, m.Content)
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
	m := decode(t, answer)
	if len(m.Embeds) != 1 || !strings.Contains(m.Embeds[0].Description, "647,000 jobs") || len(m.customIDs()) != 3 {
		t.Fatalf("answer edit %s", answer.Body)
	}
	if f := m.Embeds[0].Footer; f == nil || !strings.HasPrefix(f.Text, "Written by fake-model from the cited passages") {
		t.Errorf("footer %+v, want the note that a model wrote the text", f)
	}
	time.Sleep(time.Second + 100*time.Millisecond) // a status due after the answer would come by now
	for _, c := range h.fake.Calls() {
		if discordtest.For(it)(c) && c.At.After(answer.At) {
			t.Errorf("a call after the answer: %s %s", c.Route, c.Body)
		}
	}
}

func TestQuickAnswerShowsNoProgress(t *testing.T) {
	t.Parallel()
	eng := &knowledgetest.Progressive{Model: "fake-model", Final: 100 * time.Millisecond,
		Steps: []knowledgetest.Step{{Progress: knowledge.Progress{Stage: knowledge.StageReading, Passages: 3}}}}
	h := start(t, options{knowledge: eng})
	_, calls := h.ask(guildUser, question, 2)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(calls[1].Body, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["content"]; ok || calls[1].Route != discordtest.RouteEditOriginal {
		t.Errorf("second call %s %s, want the answer as the first edit, as without progress", calls[1].Route, calls[1].Body)
	}
	time.Sleep(700 * time.Millisecond)
	for _, c := range h.fake.Calls() {
		if c.Route == discordtest.RouteEditOriginal && c.At.After(calls[1].At) {
			t.Errorf("a status edit after the answer: %s", c.Body)
		}
	}
}
