package telegram

import (
	"context"
	"os"
	"strings"
	"testing"

	"dramabot/bot"
	"dramabot/bot/telegram/telegramtest"
	"dramabot/knowledge"
)

// The conversation features through the real go-telegram/bot client and the
// fake Bot API: follow-ups, the asker's language, feedback buttons and
// subscriptions.

func TestFollowUpsInTelegram(t *testing.T) {
	e := start(t, setup{cfg: Config{MaxInFlight: 1}})
	alice, g := telegramtest.Alice, telegramtest.Group

	// Private chat: the next message continues without a reply.
	e.tg.Push(telegramtest.Private(alice, "How big was China's micro-drama market in 2023?"))
	e.tg.WaitSent(t, alice.ID, 1)
	e.tg.Push(telegramtest.Private(alice, "what about 2024?"))
	m := e.tg.WaitSent(t, alice.ID, 2)[1]
	if !strings.HasPrefix(m.Plain, "Understood as: How big was China's micro-drama market in 2024?") {
		t.Errorf("private follow-up:\n%s", m.Plain)
	}

	// Group: a reply to the answer, by someone else, continues it.
	q := e.tg.Push(telegramtest.InChat(g, alice, "/ask How many jobs has the mini series boom created?"))
	answer := e.tg.WaitReplyTo(t, g.ID, q.MessageID)
	r := e.tg.Push(e.tg.ReplyTo(answer, telegramtest.Bob, "那2023年呢？"))
	follow := e.tg.WaitReplyTo(t, g.ID, r.MessageID)
	if !strings.HasPrefix(follow.Plain, "理解为：How many jobs has the mini series boom created in 2023?") || !strings.Contains(follow.Plain, "出处") {
		t.Errorf("Chinese follow-up to an English answer (frame in Chinese, question merged):\n%s", follow.Plain)
	}
	// "who said that?" in reply to the follow-up answer.
	w := e.tg.Push(e.tg.ReplyTo(follow, alice, "who said that?"))
	who := e.tg.WaitReplyTo(t, g.ID, w.MessageID)
	if !strings.Contains(who.Plain, "The answer above comes from:") || !strings.Contains(who.Plain, "CRI Online, 2025-05-08") {
		t.Errorf("who said that:\n%s", who.Plain)
	}
	// A follow-up that replies to nothing the bot remembers asks for the
	// full question.
	u := e.tg.Push(telegramtest.InChat(g, alice, "@"+telegramtest.DefaultBotUsername+" and in 2022?"))
	if got := e.tg.WaitReplyTo(t, g.ID, u.MessageID); got.Plain != bot.T(bot.LangEN).FollowUpUnknown {
		t.Errorf("unresolved follow-up: %q", got.Plain)
	}
	want := []string{
		"How big was China's micro-drama market in 2023?", "How big was China's micro-drama market in 2024?",
		"How many jobs has the mini series boom created?", "How many jobs has the mini series boom created in 2023?",
	}
	if got := e.fake.Questions(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("engine asked %q, want %q", got, want)
	}
}

func TestChineseFrame(t *testing.T) {
	e := start(t, setup{})
	e.tg.Push(telegramtest.Private(telegramtest.Alice, "短剧创造了多少就业岗位？"))
	m := e.tg.WaitSent(t, telegramtest.Alice.ID, 1)[0]
	for _, want := range []string{"数据：185-fold [1]", "出处\n[1] 185-Fold Boom", "CRI Online，2025-05-08，第2段"} {
		if !strings.Contains(m.Plain, want) {
			t.Errorf("Chinese frame lacks %q:\n%s", want, m.Plain)
		}
	}
	if m.Keyboard == nil || m.Keyboard.InlineKeyboard[0][0].Text != "📚 更多出处" {
		t.Errorf("buttons %+v, want them in Chinese", m.Keyboard)
	}
	if strings.Contains(m.Plain, "Sources") || strings.Contains(m.Plain, "Figures") {
		t.Errorf("English headers around a Chinese answer:\n%s", m.Plain)
	}
}

func TestFeedbackButtonsInTelegram(t *testing.T) {
	dir := t.TempDir()
	e := start(t, setup{core: bot.Config{DataDir: dir}})
	alice := telegramtest.Alice
	e.tg.Push(telegramtest.Private(alice, question))
	answer := e.tg.WaitSent(t, alice.ID, 1)[0]
	kb := answer.Keyboard
	if kb == nil || len(kb.InlineKeyboard) != 1 || len(kb.InlineKeyboard[0]) != 3 {
		t.Fatalf("keyboard %+v, want More sources, 👍, 👎", kb)
	}
	data := map[string]string{}
	for _, b := range kb.InlineKeyboard[0] {
		data[b.Text] = b.CallbackData
	}
	press := func(cb string) telegramtest.CallbackAnswer {
		t.Helper()
		return e.tg.WaitCallbackAnswer(t, e.tg.PushCallbackQuery(alice, answer, cb))
	}
	if a := press(data["👍"]); a.Text != "Thanks for the feedback!" {
		t.Errorf("👍 answered %q", a.Text)
	}
	if a := press(data["👎"]); a.Text != "Thanks. What was wrong?" {
		t.Errorf("👎 answered %q", a.Text)
	}
	e.tg.WaitFor(t, "the reasons keyboard", func() bool {
		k := e.tg.Keyboard(alice.ID, answer.MessageID)
		return k != nil && len(k.InlineKeyboard) == 3 && k.InlineKeyboard[0][0].Text == "Wrong figure"
	})
	if up, down := e.bot.core.FeedbackCounts(); up != 0 || down != 1 {
		t.Errorf("after the change: %d up, %d down", up, down)
	}
	reason := e.tg.Keyboard(alice.ID, answer.MessageID).InlineKeyboard[0][1] // Outdated
	if a := press(reason.CallbackData); a.Text != "Thanks, noted." {
		t.Errorf("reason answered %q", a.Text)
	}
	e.tg.WaitFor(t, "the buttons back", func() bool {
		k := e.tg.Keyboard(alice.ID, answer.MessageID)
		return k != nil && len(k.InlineKeyboard) == 1
	})
	if a := press(data["👍"]); a.Text != "Vote changed. Thanks!" {
		t.Errorf("👍 after 👎 answered %q", a.Text)
	}
	if up, down := e.bot.core.FeedbackCounts(); up != 1 || down != 0 {
		t.Errorf("after changing back: %d up, %d down", up, down)
	}
	// More sources: the full quotes, as a reply to the answer.
	press(data["📚 More sources"])
	more := e.tg.WaitSent(t, alice.ID, 2)[1]
	if more.ReplyTo != answer.MessageID || !strings.Contains(more.Plain, "Sources for: "+question) || !strings.Contains(more.Plain, "More than 80 performers") {
		t.Errorf("more sources:\n%s", more.Plain)
	}
	if a := press("m:000000000000"); !strings.Contains(a.Text, "no longer have") || !a.ShowAlert {
		t.Errorf("a forgotten answer: %+v", a)
	}
	eventually(t, "the feedback log", func() bool {
		return strings.Contains(readFile(t, dir+"/"+bot.FeedbackFile), `"reason":"outdated"`)
	})
	log := readFile(t, dir+"/"+bot.FeedbackFile)
	if strings.Count(log, "\n") != 4 || strings.Contains(log, "alice") || strings.Contains(log, "1001") {
		t.Errorf("feedback log:\n%s", log)
	}
}

func TestSubscriptionAlertsInTelegram(t *testing.T) {
	e := start(t, setup{core: bot.Config{DataDir: t.TempDir()}})
	alice := telegramtest.Alice
	e.tg.Push(telegramtest.Private(alice, "/subscribe ReelShort"))
	if m := e.tg.WaitSent(t, alice.ID, 1)[0]; !strings.Contains(m.Plain, "Subscribed to “ReelShort”") {
		t.Fatalf("subscribe: %q", m.Plain)
	}
	add := func(text string) {
		e.bot.core.PassagesAdded(context.Background(), []knowledge.Hit{{
			Passage: knowledge.Passage{ID: "n#1", SourceID: "n", Text: text},
			Source:  knowledge.Source{ID: "n", Title: "Note", Publisher: "Sensor Tower", Date: "2026-11-30", URL: "https://example.org/reelshort"},
		}})
	}
	add("Hengdian hosted 1,000 micro-drama crews in 2024.")
	add("ReelShort earned US$ 130 million in the third quarter of 2026.")
	m := e.tg.WaitSent(t, alice.ID, 2)[1]
	for _, want := range []string{"New in the sources on “ReelShort”", "Note — Sensor Tower, 2026-11-30", "US$ 130 million"} {
		if !strings.Contains(m.Plain, want) {
			t.Errorf("alert lacks %q:\n%s", want, m.Plain)
		}
	}
	if !strings.Contains(m.Text, `<a href="https://example.org/reelshort">`) {
		t.Errorf("alert without its link: %s", m.Text)
	}
	if n := len(e.tg.Sent(alice.ID)); n != 2 {
		t.Errorf("%d messages, want the confirmation and one alert (none for the Hengdian passage)", n)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, _ := os.ReadFile(path)
	return string(b)
}

// TestRateLimitNoticeOncePerCoolDown: in a group, a user over the limit gets
// one notice; further messages in the cool-down get a 👀 reaction, not
// another notice for everyone to read.
func TestRateLimitNoticeOncePerCoolDown(t *testing.T) {
	e := start(t, setup{core: bot.Config{RateLimit: 1}, cfg: Config{MaxInFlight: 1}})
	g, alice := telegramtest.Group, telegramtest.Alice
	ask := func(text string) telegramtest.Message {
		return e.tg.Push(telegramtest.InChat(g, alice, "/ask "+text))
	}
	first := ask(question)
	e.tg.WaitReplyTo(t, g.ID, first.MessageID)
	second := ask("and another?")
	if m := e.tg.WaitReplyTo(t, g.ID, second.MessageID); !strings.Contains(m.Plain, "too fast") {
		t.Fatalf("notice %q", m.Plain)
	}
	third := ask("and one more?")
	e.tg.WaitFor(t, "a reaction", func() bool { return len(e.tg.Reactions()) == 1 })
	if r := e.tg.Reactions()[0]; r.MessageID != third.MessageID || len(r.Emoji) != 1 || r.Emoji[0] != "👀" {
		t.Errorf("reaction %+v, want 👀 on message %d", r, third.MessageID)
	}
	sentinel := e.tg.Push(telegramtest.InChat(g, telegramtest.Bob, "/about"))
	e.tg.WaitReplyTo(t, g.ID, sentinel.MessageID)
	if n := len(e.tg.Sent(g.ID)); n != 3 {
		t.Errorf("%d messages in the group, want the answer, one notice and /about", n)
	}
	// In a private chat every message still gets its notice.
	e.tg.Push(telegramtest.Private(alice, "again?"))
	if m := e.tg.WaitSent(t, alice.ID, 1)[0]; !strings.Contains(m.Plain, "too fast") {
		t.Errorf("private notice %q", m.Plain)
	}
}
