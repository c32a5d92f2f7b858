package telegram

import (
	"context"
	"slices"
	"testing"

	"dramabot/bot"
	"dramabot/bot/bottest"
	"dramabot/bot/telegram/telegramtest"
)

// TestRepliesFitAPhone answers every question of the market dev sets with
// the real engine over the default corpus and measures the Telegram reply
// as its reader sees it (the text after entity parsing, in UTF-16 units,
// every part): the median must stay at or under 900 characters.
func TestRepliesFitAPhone(t *testing.T) {
	core := bot.New(bot.Config{Knowledge: bottest.Engine(t), RateLimit: -1})
	var lengths []int
	longest, longestQ := 0, ""
	for _, q := range bottest.DevQuestions(t) {
		r := core.Ask(context.Background(), bot.Request{Platform: bot.PlatformTelegram, UserID: "1", ChatID: "1", Text: q.Question, Group: true})
		n := 0
		for i, m := range renderReply(r) {
			plain := checkMessage(t, i, m)
			n += telegramtest.UTF16Len(plain)
		}
		lengths = append(lengths, n)
		if n > longest {
			longest, longestQ = n, q.Question
		}
	}
	slices.Sort(lengths)
	median := lengths[len(lengths)/2]
	t.Logf("%d questions: median Telegram reply %d characters, longest %d (%q)", len(lengths), median, longest, longestQ)
	if median > 900 {
		t.Errorf("median reply is %d characters, want at most 900", median)
	}
}
