package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"dramabot/bot"
)

func TestFeedbackCommand(t *testing.T) {
	env := testEnv(t)
	out, errOut, code := runProg(t, env, "feedback")
	if code != 0 || out != "No feedback yet.\n" {
		t.Fatalf("empty log: exit %d, %q %q", code, out, errOut)
	}
	log := bot.NewFeedbackLog(filepath.Join(env["DRAMABOT_DATA"], bot.FeedbackFile))
	for _, e := range []bot.FeedbackEntry{
		{Platform: bot.PlatformTelegram, AnswerID: "a1", Question: "How big was the market in 2023?", Vote: bot.VoteUp},
		{Platform: bot.PlatformTelegram, AnswerID: "a1", Question: "How big was the market in 2023?", Vote: bot.VoteDown, Previous: bot.VoteUp},
		{Platform: bot.PlatformTelegram, AnswerID: "a1", Question: "How big was the market in 2023?", Vote: bot.VoteDown, Previous: bot.VoteDown, Reason: bot.ReasonOutdated},
		{Platform: bot.PlatformDiscord, AnswerID: "a2", Question: "How many jobs?", Vote: bot.VoteUp},
	} {
		if err := log.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code = runProg(t, env, "feedback")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"4 votes recorded", "👍 1, 👎 1 (1 changed)", "discord", "Outdated", "How big was the market in 2023?"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	out, _, code = runProg(t, env, "feedback", "--json")
	var s bot.FeedbackSummary
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil || s.Up != 1 || s.Down != 1 || s.Reasons[bot.ReasonOutdated] != 1 {
		t.Errorf("--json: exit %d, %s", code, out)
	}
	if _, errOut, code := runProg(t, map[string]string{"DRAMABOT_DATA": "-"}, "feedback"); code != 1 || !strings.Contains(errOut, "no data dir") {
		t.Errorf("memory-only data dir: exit %d, %q", code, errOut)
	}
}
