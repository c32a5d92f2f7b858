package discord

import (
	"context"
	"strings"
	"testing"

	"dramabot/bot/discord/discordtest"
	"dramabot/knowledge"
)

// The conversation features through the real discordgo client and the fake
// Discord: follow-ups by reply (with and without the ping) and in threads,
// the asker's language, and subscriptions.

func understood(t *testing.T, c discordtest.Call) string {
	t.Helper()
	s := decode(t, c)
	if len(s.Embeds) != 1 {
		t.Logf("%s", c.Body)
		t.FailNow()
	}
	d := s.Embeds[0].Description
	if !strings.HasPrefix(d, "*Understood as: ") {
		return ""
	}
	line, _, _ := strings.Cut(d, "\n")
	return fuzzUnescape(strings.TrimSuffix(strings.TrimPrefix(line, "*Understood as: "), "*"))
}

// linked waits until the bot has recorded its message c, which it does
// after Discord answered the send (and the fake recorded the call).
func linked(t *testing.T, h *harness, c discordtest.Call) discordtest.Call {
	t.Helper()
	waitFor(t, "the bot to record its message", func() bool { return h.bot.sent.has(c.MessageID) })
	return c
}

func TestFollowUpsByReply(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	bob := guildUser
	bob.UserID, bob.Username = "500000000000000055", "bob"
	in := discordtest.InChannel(guildUser.ChannelID)

	h.fake.SendMessage(t, guildUser, botTag+" How big was China's micro-drama market in 2023?", true)
	answer := linked(t, h, h.fake.AwaitCalls(t, 1, in)[0])
	// A reply without the ping still reaches the bot, and continues.
	h.fake.SendReply(t, bob, "what about 2024?", answer.MessageID, false)
	follow := linked(t, h, h.fake.AwaitCalls(t, 2, in)[1])
	if got := understood(t, follow); got != "How big was China's micro-drama market in 2024?" {
		t.Errorf("reply without ping understood as %q", got)
	}
	// With the ping too, and the chain goes on.
	h.fake.SendReply(t, guildUser, botTag+" and in 2022?", follow.MessageID, true)
	if got := understood(t, h.fake.AwaitCalls(t, 3, in)[2]); got != "How big was China's micro-drama market in 2022?" {
		t.Errorf("reply with ping understood as %q", got)
	}
	// A reply to a slash command's answer.
	_, calls := h.ask(guildUser, question, 2)
	h.fake.SendReply(t, bob, "and in 2023?", linked(t, h, calls[1]).MessageID, false)
	if got := understood(t, h.fake.AwaitCalls(t, 4, in)[3]); got != "How many jobs has the mini series boom created in 2023?" {
		t.Errorf("reply to /ask understood as %q", got)
	}
	// A plain message in the channel, neither mention nor reply, is chatter.
	h.fake.SendMessage(t, guildUser, "what about 2025?", false)
	h.fake.SendMessage(t, guildUser, botTag+" /about", true)
	calls = h.fake.AwaitCalls(t, 5, in)
	if s := decode(t, calls[4]); len(s.Embeds) != 1 || !strings.Contains(s.Embeds[0].Title, "About") {
		t.Errorf("chatter was answered: %s", calls[4].Body)
	}
	want := []string{"How big was China's micro-drama market in 2023?", "How big was China's micro-drama market in 2024?", "How big was China's micro-drama market in 2022?", question, "How many jobs has the mini series boom created in 2023?"}
	if got := h.engine.Questions(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("engine asked %q", got)
	}
}

func TestFollowUpsInAThread(t *testing.T) {
	t.Parallel()
	h := start(t, options{cfg: func(c *Config) { c.Threads = true }})
	id := h.fake.SendMessage(t, guildUser, botTag+" How big was China's micro-drama market in 2023?", true)
	thread := h.fake.AwaitCalls(t, 1, discordtest.OnRoute(discordtest.RouteThread))[0]
	if thread.ChannelID != guildUser.ChannelID || !strings.Contains(string(thread.Body), "How big was China") {
		t.Errorf("thread start %s in %s", thread.Body, thread.ChannelID)
	}
	// The fake's thread has the message's id.
	inThread := guildUser
	inThread.ChannelID = id
	linked(t, h, h.fake.AwaitCalls(t, 1, discordtest.InChannel(id))[0])
	h.fake.SendMessage(t, inThread, "what about 2024?", false)
	if got := understood(t, h.fake.AwaitCalls(t, 2, discordtest.InChannel(id))[1]); got != "How big was China's micro-drama market in 2024?" {
		t.Errorf("message in the thread understood as %q", got)
	}
	if n := len(h.fake.AwaitCalls(t, 0, discordtest.InChannel(guildUser.ChannelID))); n != 0 {
		t.Errorf("%d messages in the channel, want the answers in the thread only", n)
	}
}

func TestChineseFrameOnDiscord(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	h.fake.SendMessage(t, dmUser, "短剧创造了多少就业岗位？", false)
	s := decode(t, h.fake.AwaitCalls(t, 1, discordtest.InChannel(dmUser.ChannelID))[0])
	var names []string
	for _, f := range s.Embeds[0].Fields {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "数据,出处" || s.Components[0].Components[0].Label != "出处" || s.Components[0].Components[1].Label != "有帮助" {
		t.Errorf("fields %q, buttons %+v: want the Chinese frame", names, s.Components)
	}
	if f := s.Embeds[0].Footer; f == nil || !strings.HasPrefix(f.Text, "资料截至") || strings.Contains(f.Text, "question id") {
		t.Errorf("footer %+v", f)
	}
}

func TestSubscriptionAlertsOnDiscord(t *testing.T) {
	t.Parallel()
	h := start(t, options{cfg: func(c *Config) {}})
	it := h.fake.SendCommand(t, guildUser, "subscribe", map[string]string{"topic": "DramaBox"})
	if s := decode(t, h.fake.AwaitCalls(t, 1, discordtest.For(it))[0]); !strings.Contains(s.Content, "Subscribed to “DramaBox”") {
		t.Fatalf("subscribe: %+v", s)
	}
	add := func(text string) {
		h.core.PassagesAdded(context.Background(), []knowledge.Hit{{
			Passage: knowledge.Passage{ID: "n#1", SourceID: "n", Text: text},
			Source:  knowledge.Source{ID: "n", Title: "Overseas app revenue", Publisher: "Appfigures", Date: "2026-11-30", URL: "https://example.org/dramabox"},
		}})
	}
	add("ReelShort earned US$ 130 million in the third quarter of 2026.")
	add("DramaBox earned US$ 120 million in the third quarter of 2026.")
	alerts := h.fake.AwaitCalls(t, 1, discordtest.InChannel(guildUser.ChannelID))
	if len(alerts) != 1 {
		t.Fatalf("%d alerts, want one (for the DramaBox passage only)", len(alerts))
	}
	s := decode(t, alerts[0])
	if !strings.Contains(s.Embeds[0].Title, "DramaBox") || !strings.Contains(s.Embeds[0].Description, "(https://example.org/dramabox)") || !strings.Contains(s.Embeds[0].Description, "US$ 120 million") {
		t.Errorf("alert %s", alerts[0].Body)
	}
}
