package discord

import (
	"context"
	"testing"

	"dramabot/bot"
	"dramabot/bot/bottest"
)

// TestEmbedsFitAPhone answers every question of the market dev sets with
// the real engine over the default corpus and measures each answer's embed
// as Discord counts it (title, description, fields, footer): the longest
// must stay at or under 1,500 characters.
func TestEmbedsFitAPhone(t *testing.T) {
	core := bot.New(bot.Config{Knowledge: bottest.Engine(t), RateLimit: -1})
	asOf := core.About().AsOf
	longest, longestQ, total, n := 0, "", 0, 0
	for _, q := range bottest.DevQuestions(t) {
		r := core.Ask(context.Background(), bot.Request{Platform: bot.PlatformDiscord, UserID: "1", ChatID: "1", Text: q.Question, Group: true})
		msgs, _ := renderReply(r, asOf)
		fuzzCheckMessages(t, q.ID, msgs, false)
		for _, m := range msgs {
			for _, e := range m.Embeds {
				size := embedSize(e)
				total += size
				n++
				if size > longest {
					longest, longestQ = size, q.Question
				}
			}
		}
	}
	t.Logf("%d embeds: longest %d characters (%q), mean %d", n, longest, longestQ, total/max(n, 1))
	if longest > 1500 {
		t.Errorf("the longest embed is %d characters, want at most 1,500", longest)
	}
}
