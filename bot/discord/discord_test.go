package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"dramabot/bot"
	"dramabot/bot/discord/discordtest"
	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

// The end-to-end tests drive the real discordgo client against
// discordtest's fake Discord on 127.0.0.1. Each one pays discordgo's 1 s
// sleep in Close, so they run in parallel.

var (
	guildUser = discordtest.From{UserID: "500000000000000001", Username: "ann", GuildID: "600000000000000001", ChannelID: "700000000000000001"}
	dmUser    = discordtest.From{UserID: "500000000000000002", Username: "bo", ChannelID: "700000000000000002"}
	question  = "How many jobs has the mini series boom created?"
	botTag    = "<@" + discordtest.BotUserID + ">"
)

type options struct {
	cfg       func(*Config)
	rateLimit int // per user per minute; 0 disables the limit
	answer    func(ctx context.Context, q string) (knowledge.Answer, error)
	// fake prepares the fake Discord before Run starts.
	fake func(*discordtest.Server)
	// noConnect skips waiting for the session (for tests where Run fails).
	noConnect bool
	// knowledge replaces the fake engine (whose Questions then stay empty).
	knowledge bot.Knowledge
	// admins and sources are the core's (adding sources).
	admins  []string
	sources bot.SourceAdder
}

type harness struct {
	t      *testing.T
	fake   *discordtest.Server
	engine *knowledgetest.Fake
	core   *bot.Core
	bot    *Bot
	logs   *knowledgetest.SyncBuffer
	cancel context.CancelFunc
	done   chan error

	stopOnce  sync.Once
	runErr    error
	selfEnded bool // Run returned before the test cancelled it
}

func start(t *testing.T, o options) *harness {
	t.Helper()
	fake := discordtest.New(t, discordtest.Options{})
	logs := &knowledgetest.SyncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	engine := &knowledgetest.Fake{AnswerFunc: o.answer}
	rate := o.rateLimit
	if rate == 0 {
		rate = -1
	}
	var k bot.Knowledge = engine
	if o.knowledge != nil {
		k = o.knowledge
	}
	core := bot.New(bot.Config{Knowledge: k, Logger: logger, RateLimit: rate, Version: "test", Admins: o.admins, Sources: o.sources})
	cfg := Config{
		Token: discordtest.Token, APIURL: fake.URL, MessageContent: true,
		Core: core, Logger: logger, ShutdownTimeout: 5 * time.Second,
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.minBackoff, b.maxBackoff = 10*time.Millisecond, 100*time.Millisecond
	if o.fake != nil {
		o.fake(fake)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, fake: fake, engine: engine, core: core, bot: b, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- b.Run(ctx) }()
	t.Cleanup(func() {
		if err := h.stop(); err != nil && !h.selfEnded {
			t.Errorf("Run returned %v after cancel, want nil", err)
		}
		checkSends(t, fake.Calls())
		if strings.Contains(logs.String(), discordtest.Token) {
			t.Error("the bot token appears in the logs")
		}
		if strings.Contains(logs.String(), "tok-") {
			t.Error("an interaction token appears in the logs")
		}
	})
	if !o.noConnect {
		fake.AwaitSession(t, 1)
		waitFor(t, "bot ready", b.Ready)
		select {
		case <-b.registered:
		case <-time.After(5 * time.Second):
			t.Fatal("command registration did not finish")
		}
	}
	return h
}

// stop cancels Run and waits for it, so that every handler has finished.
func (h *harness) stop() error {
	h.stopOnce.Do(func() {
		h.cancel()
		select {
		case h.runErr = <-h.done:
		case <-time.After(15 * time.Second):
			h.runErr = errors.New("Run did not return within 15 s of cancel")
		}
	})
	return h.runErr
}

// runError waits for Run to end by itself.
func (h *harness) runError() error {
	h.t.Helper()
	select {
	case err := <-h.done:
		h.selfEnded = true
		h.stopOnce.Do(func() { h.runErr = err })
		return err
	case <-time.After(10 * time.Second):
		h.t.Fatal("Run did not return")
		return nil
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkSends asserts what must hold for every message the bot sent:
// allowed_mentions with an explicit empty parse list (nobody is pinged),
// and Discord's size limits.
func checkSends(t *testing.T, calls []discordtest.Call) {
	t.Helper()
	for _, c := range calls {
		if !c.SendsMessage() {
			continue
		}
		m := c.Message()
		if m == nil {
			t.Errorf("%s %s: no message object in body %s", c.Method, c.Route, c.Body)
			continue
		}
		am, _ := m["allowed_mentions"].(map[string]any)
		parse, isList := am["parse"].([]any)
		if !isList || len(parse) != 0 || am["replied_user"] != false {
			t.Errorf("%s %s: allowed_mentions = %v, want parse [] and replied_user false", c.Method, c.Route, m["allowed_mentions"])
		}
		var sm sent
		remarshal(t, m, &sm)
		if err := sm.checkLimits(); err != nil {
			t.Errorf("%s %s: %v", c.Method, c.Route, err)
		}
	}
}

// sent is the part of a sent message the tests look at.
type sent struct {
	Content string `json:"content"`
	Flags   int    `json:"flags"`
	Embeds  []struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Fields      []struct {
			Name   string `json:"name"`
			Value  string `json:"value"`
			Inline bool   `json:"inline"`
		} `json:"fields"`
		Footer *struct {
			Text string `json:"text"`
		} `json:"footer"`
	} `json:"embeds"`
	Components []struct {
		Type       int `json:"type"`
		Components []struct {
			Type     int    `json:"type"`
			Label    string `json:"label"`
			CustomID string `json:"custom_id"`
		} `json:"components"`
	} `json:"components"`
	Reference *struct {
		MessageID string `json:"message_id"`
	} `json:"message_reference"`
}

func (s sent) checkLimits() error {
	if runeLen(s.Content) > maxContent {
		return fmt.Errorf("content has %d characters", runeLen(s.Content))
	}
	if len(s.Embeds) > 10 {
		return fmt.Errorf("%d embeds", len(s.Embeds))
	}
	total := 0
	for _, e := range s.Embeds {
		n := runeLen(e.Title) + runeLen(e.Description)
		if runeLen(e.Title) > maxTitle || runeLen(e.Description) > maxDescription || len(e.Fields) > maxFields {
			return fmt.Errorf("embed over a limit: title %d, description %d, fields %d", runeLen(e.Title), runeLen(e.Description), len(e.Fields))
		}
		for _, f := range e.Fields {
			if f.Name == "" || f.Value == "" || runeLen(f.Name) > maxFieldName || runeLen(f.Value) > maxFieldValue {
				return fmt.Errorf("field %q: name %d, value %d characters", f.Name, runeLen(f.Name), runeLen(f.Value))
			}
			n += runeLen(f.Name) + runeLen(f.Value)
		}
		if e.Footer != nil {
			if runeLen(e.Footer.Text) > maxFooter {
				return fmt.Errorf("footer has %d characters", runeLen(e.Footer.Text))
			}
			n += runeLen(e.Footer.Text)
		}
		total += n
	}
	if total > maxEmbedTotal {
		return fmt.Errorf("embeds total %d characters", total)
	}
	if s.Content == "" && len(s.Embeds) == 0 && len(s.Components) == 0 {
		return nil // a deferred response
	}
	return nil
}

func (s sent) customIDs() []string {
	var ids []string
	for _, row := range s.Components {
		for _, c := range row.Components {
			ids = append(ids, c.CustomID)
		}
	}
	return ids
}

func (s sent) text() string {
	var b strings.Builder
	b.WriteString(s.Content)
	for _, e := range s.Embeds {
		b.WriteString("\n" + e.Title + "\n" + e.Description)
		for _, f := range e.Fields {
			b.WriteString("\n" + f.Name + ": " + f.Value)
		}
		if e.Footer != nil {
			b.WriteString("\n" + e.Footer.Text)
		}
	}
	return b.String()
}

func decode(t *testing.T, c discordtest.Call) sent {
	t.Helper()
	var s sent
	remarshal(t, c.Message(), &s)
	return s
}

func remarshal(t *testing.T, in, out any) {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
}

// ask runs /ask and returns the calls for the interaction once n were made.
func (h *harness) ask(from discordtest.From, q string, n int) (discordtest.Interaction, []discordtest.Call) {
	h.t.Helper()
	it := h.fake.SendCommand(h.t, from, "ask", map[string]string{"question": q})
	return it, h.fake.AwaitCalls(h.t, n, discordtest.For(it))
}

func TestAskDefersThenEditsInTheAnswer(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	it, calls := h.ask(guildUser, question, 2)

	if calls[0].Route != discordtest.RouteCallback || calls[0].CallbackType() != 5 || calls[0].Status != 204 {
		t.Fatalf("first call = %s type %d status %d, want a deferred callback (type 5) accepted", calls[0].Route, calls[0].CallbackType(), calls[0].Status)
	}
	edit := calls[1]
	if edit.Route != discordtest.RouteEditOriginal || edit.Status != 200 {
		t.Fatalf("second call = %s %d, want the edit of the original response", edit.Route, edit.Status)
	}
	m := decode(t, edit)
	if len(m.Embeds) != 1 {
		t.Fatalf("edit has %d embeds, want 1", len(m.Embeds))
	}
	e := m.Embeds[0]
	if e.Title != question {
		t.Errorf("title = %q, want the question", e.Title)
	}
	for _, want := range []string{"647,000 jobs", `\[1\]`} {
		if !strings.Contains(e.Description, want) {
			t.Errorf("description %q lacks %q", e.Description, want)
		}
	}
	if len(e.Fields) < 2 || e.Fields[0].Name != "Figures" || e.Fields[1].Name != "Sources" {
		t.Fatalf("fields = %+v, want Figures then Sources", e.Fields)
	}
	for _, want := range []string{"185-Fold Boom", "https://example.org/cri/mini-series", "CRI Online", "2025-05-08"} {
		if !strings.Contains(e.Fields[1].Value, want) {
			t.Errorf("Sources field %q lacks %q", e.Fields[1].Value, want)
		}
	}
	if e.Footer == nil || !strings.Contains(e.Footer.Text, "as of 2025-05-08") {
		t.Errorf("footer = %+v, want the corpus as-of date", e.Footer)
	}
	ids := m.customIDs()
	if len(ids) != 3 || !strings.HasPrefix(ids[0], "src:") || !strings.HasPrefix(ids[1], "up:") || !strings.HasPrefix(ids[2], "down:") {
		t.Errorf("buttons = %v, want Sources, 👍, 👎", ids)
	}
	if got := h.engine.Questions(); len(got) != 1 || got[0] != question {
		t.Errorf("engine got %q", got)
	}
	if n := len(h.fake.AwaitCalls(t, 1, discordtest.For(it))); n != 2 {
		t.Errorf("%d calls for the interaction, want 2", n)
	}
}

func TestMentionInChannelIsAnsweredAsAReply(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	h.fake.SendMessage(t, guildUser, "just chatting about "+question, false)
	id := h.fake.SendMessage(t, guildUser, botTag+" "+question, true)
	calls := h.fake.AwaitCalls(t, 1, discordtest.InChannel(guildUser.ChannelID))
	m := decode(t, calls[0])
	if m.Reference == nil || m.Reference.MessageID != id {
		t.Errorf("reply references %+v, want message %s", m.Reference, id)
	}
	if len(m.Embeds) != 1 || m.Embeds[0].Title != question {
		t.Errorf("reply = %+v, want the answer embed for the question without the mention", m.Embeds)
	}
	if len(m.customIDs()) != 3 {
		t.Errorf("buttons = %v", m.customIDs())
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if got := h.engine.Questions(); len(got) != 1 || got[0] != question {
		t.Errorf("engine got %q, want only the mentioned question", got)
	}
	if n := len(filter(h.fake.Calls(), discordtest.OnRoute(discordtest.RouteMessage))); n != 1 {
		t.Errorf("%d messages sent, want only the reply to the mention", n)
	}
}

func TestDirectMessageIsAQuestion(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	id := h.fake.SendMessage(t, dmUser, question, false)
	m := decode(t, h.fake.AwaitCalls(t, 1, discordtest.InChannel(dmUser.ChannelID))[0])
	if m.Reference == nil || m.Reference.MessageID != id || len(m.Embeds) != 1 {
		t.Errorf("DM reply = %+v", m)
	}
	// A command typed as text in a DM runs the command.
	h.fake.SendMessage(t, dmUser, "/sources", false)
	m = decode(t, h.fake.AwaitCalls(t, 2, discordtest.InChannel(dmUser.ChannelID))[1])
	if len(m.Embeds) != 1 || !strings.HasPrefix(m.Embeds[0].Title, "Sources: 1 document from 1 publisher") {
		t.Errorf("/sources as text = %+v", m.Embeds)
	}
}

func TestIntentsAndMessageContentOff(t *testing.T) {
	t.Parallel()
	const base = 1<<0 | 1<<9 | 1<<12 // guilds, guild messages, direct messages
	t.Run("on", func(t *testing.T) {
		t.Parallel()
		h := start(t, options{})
		if got := h.fake.Identifies()[0].Intents; got != base|1<<15 {
			t.Errorf("intents = %d, want %d", got, base|1<<15)
		}
	})
	t.Run("off", func(t *testing.T) {
		t.Parallel()
		h := start(t, options{cfg: func(c *Config) { c.MessageContent = false }})
		if got := h.fake.Identifies()[0].Intents; got != base {
			t.Errorf("intents = %d, want %d (no Message Content)", got, base)
		}
		// Without the intent a mention can arrive without its text: hint at /ask.
		h.fake.SendMessage(t, guildUser, "", true)
		m := decode(t, h.fake.AwaitCalls(t, 1, discordtest.InChannel(guildUser.ChannelID))[0])
		if !strings.Contains(m.Content, "/ask") || len(m.Embeds) != 0 {
			t.Errorf("hint = %+v, want a pointer to /ask", m)
		}
		// Discord still sends the text of messages that mention the bot:
		// those are answered.
		h.fake.SendMessage(t, guildUser, botTag+" "+question, true)
		m = decode(t, h.fake.AwaitCalls(t, 2, discordtest.InChannel(guildUser.ChannelID))[1])
		if len(m.Embeds) != 1 {
			t.Errorf("mention with text = %+v, want an answer", m)
		}
	})
}

func TestLongAnswerStaysWithinLimits(t *testing.T) {
	t.Parallel()
	h := start(t, options{answer: func(_ context.Context, q string) (knowledge.Answer, error) {
		a := knowledgetest.Long(q, 9000)
		a.Text = strings.Repeat("Mini series grew 185-fold [1]. ", 300) // over 4096
		for i := range 30 {
			a.Citations = append(a.Citations, knowledge.Citation{N: i + 2, Title: strings.Repeat("Very long title ", 20), Quote: "x", Publisher: "P", URL: "https://example.org/" + strings.Repeat("p", 200)})
		}
		return a, nil
	}})
	_, calls := h.ask(guildUser, question, 2)
	m := decode(t, calls[1])
	if err := m.checkLimits(); err != nil {
		t.Fatal(err)
	}
	if len(m.Embeds) != 1 || !strings.HasSuffix(m.Embeds[0].Description, "…") {
		t.Errorf("description should be cut with an ellipsis: %+v", m.Embeds)
	}
	// The Sources button shows the full 9000-character passage over several
	// ephemeral messages of at most 2000 characters.
	src := m.customIDs()[0]
	it := h.fake.ClickButton(t, guildUser, src)
	got := h.fake.AwaitCalls(t, maxMessages, discordtest.For(it))
	if got[0].Route != discordtest.RouteCallback || got[0].CallbackType() != 4 {
		t.Errorf("first = %s type %d, want an immediate callback", got[0].Route, got[0].CallbackType())
	}
	if last := decode(t, got[len(got)-1]); !strings.HasSuffix(last.Content, msgCut) {
		t.Errorf("the last sources message should say it was cut: %q", last.Content)
	}
	total := 0
	for i, c := range got {
		s := decode(t, c)
		if s.Flags&64 == 0 {
			t.Errorf("message %d is not ephemeral", i)
		}
		if i > 0 && c.Route != discordtest.RouteFollowup {
			t.Errorf("message %d on %s, want a follow-up", i, c.Route)
		}
		total += runeLen(s.Content)
	}
	if total < 9000 {
		t.Errorf("sources total %d characters, want the full passages", total)
	}
}

func TestMentionsInQuestionsAndDocumentsPingNobody(t *testing.T) {
	t.Parallel()
	hostile := "@everyone @here <@123456789012345678> <@&42> **bold** [click](https://evil.example) ||spoiler||"
	h := start(t, options{answer: func(_ context.Context, q string) (knowledge.Answer, error) { return knowledgetest.Echo(q), nil }})

	_, calls := h.ask(guildUser, hostile, 2)
	m := decode(t, calls[1])
	text := m.text()
	for _, bad := range hostileMarkup {
		if hasLive(text, bad) {
			t.Errorf("rendered answer contains live markup %q:\n%s", bad, text)
		}
	}
	if !strings.Contains(text, "@everyone") {
		t.Errorf("the question text should still be shown: %s", text)
	}

	// In a channel, and in the plain-text Sources view, where mentions
	// would render: allowed_mentions (checked for every send) stops pings.
	h.fake.SendMessage(t, guildUser, botTag+" "+hostile, true)
	reply := decode(t, h.fake.AwaitCalls(t, 1, discordtest.InChannel(guildUser.ChannelID))[0])
	it := h.fake.ClickButton(t, guildUser, reply.customIDs()[0])
	detail := decode(t, h.fake.AwaitCalls(t, 1, discordtest.For(it))[0])
	if !strings.Contains(detail.Content, "@everyone") {
		t.Errorf("sources view = %q", detail.Content)
	}
	for _, bad := range hostileMarkup {
		if hasLive(detail.Content, bad) {
			t.Errorf("sources view contains live markup %q:\n%s", bad, detail.Content)
		}
	}
}

var hostileMarkup = []string{"<@123456789012345678>", "<@&42>", "[click](https://evil.example)", "**bold**", "||spoiler||"}

// hasLive reports whether pattern occurs in text without an escaping
// backslash before it.
func hasLive(text, pattern string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], pattern)
		if j < 0 {
			return false
		}
		if i+j == 0 || text[i+j-1] != '\\' {
			return true
		}
		i += j + 1
	}
}

func TestSourcesButton(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	_, calls := h.ask(guildUser, question, 2)
	ids := decode(t, calls[1]).customIDs()

	it := h.fake.ClickButton(t, guildUser, ids[0])
	c := h.fake.AwaitCalls(t, 1, discordtest.For(it))[0]
	s := decode(t, c)
	if c.CallbackType() != 4 || s.Flags&64 == 0 {
		t.Errorf("callback type %d flags %d, want an ephemeral message", c.CallbackType(), s.Flags)
	}
	for _, want := range []string{"reshaping China's audiovisual economy", "185-Fold Boom", "<https://example.org/cri/mini-series>", "paragraph 2"} {
		if !strings.Contains(s.Content, want) {
			t.Errorf("sources view lacks %q:\n%s", want, s.Content)
		}
	}

	// An answer no longer cached gets a clear message.
	it = h.fake.ClickButton(t, guildUser, "src:000000000000")
	if s := decode(t, h.fake.AwaitCalls(t, 1, discordtest.For(it))[0]); !strings.Contains(s.Content, "ask the question again") || s.Flags&64 == 0 {
		t.Errorf("expired = %+v", s)
	}
	it = h.fake.ClickButton(t, guildUser, "whatever")
	if s := decode(t, h.fake.AwaitCalls(t, 1, discordtest.For(it))[0]); s.Content != bot.T(bot.LangEN).UnknownButton {
		t.Errorf("unknown button = %+v", s)
	}
}

func TestFeedbackButtons(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	_, calls := h.ask(guildUser, question, 2)
	ids := decode(t, calls[1]).customIDs()
	requestID := strings.TrimPrefix(ids[1], "up:")

	click := func(from discordtest.From, id string) sent {
		it := h.fake.ClickButton(t, from, id)
		return decode(t, h.fake.AwaitCalls(t, 1, discordtest.For(it))[0])
	}
	tx := bot.T(bot.LangEN)
	if s := click(guildUser, ids[1]); s.Content != escapeMarkdown(tx.Thanks) || s.Flags&64 == 0 {
		t.Errorf("vote reply = %+v", s)
	}
	if s := click(guildUser, ids[1]); s.Content != escapeMarkdown(tx.Thanks) {
		t.Errorf("second vote reply = %q, want the thanks again", s.Content)
	}
	other := guildUser
	other.UserID = "500000000000000099"
	click(other, ids[2])
	if up, down := h.core.FeedbackCounts(); up != 1 || down != 1 {
		t.Errorf("counts = %d up, %d down; want 1 and 1", up, down)
	}
	// The first voter changes their mind: 👎 asks why, with a button per reason.
	why := click(guildUser, ids[2])
	if why.Content != escapeMarkdown(tx.WhyDown) || len(why.customIDs()) != len(bot.Reasons) || why.Flags&64 == 0 {
		t.Fatalf("down vote reply = %+v, want the reasons, privately", why)
	}
	if up, down := h.core.FeedbackCounts(); up != 0 || down != 2 {
		t.Errorf("after the change: %d up, %d down; want 0 and 2", up, down)
	}
	if s := click(guildUser, why.customIDs()[0]); s.Content != escapeMarkdown(tx.ReasonSaved) {
		t.Errorf("reason reply = %q", s.Content)
	}
	if s := click(guildUser, ids[1]); s.Content != escapeMarkdown(tx.VoteChanged) {
		t.Errorf("changed vote reply = %q, want %q", s.Content, tx.VoteChanged)
	}
	logs := h.logs.String()
	for _, want := range []string{"msg=feedback", "request_id=" + requestID, "vote=down", "reason=" + bot.ReasonWrongFigure, "changed=true"} {
		if !strings.Contains(logs, want) {
			t.Errorf("feedback log lacks %q:\n%s", want, logs)
		}
	}
}

func TestRateLimitNotice(t *testing.T) {
	t.Parallel()
	h := start(t, options{rateLimit: 1})
	h.ask(guildUser, question, 2)
	_, calls := h.ask(guildUser, question, 3)
	routes := []discordtest.Route{calls[0].Route, calls[1].Route, calls[2].Route}
	if routes[0] != discordtest.RouteCallback || routes[1] != discordtest.RouteDeleteOriginal || routes[2] != discordtest.RouteFollowup {
		t.Fatalf("routes = %v, want defer, delete original, follow-up", routes)
	}
	s := decode(t, calls[2])
	if s.Flags&64 == 0 || !strings.Contains(s.Content, "too fast") {
		t.Errorf("notice = %+v, want an ephemeral rate-limit notice", s)
	}
	if got := len(h.engine.Questions()); got != 1 {
		t.Errorf("engine asked %d times, want 1", got)
	}
	// The same user mentioning the bot in this cool-down already had the
	// notice: a reaction, not another public notice.
	h.fake.SendMessage(t, guildUser, botTag+" again?", true)
	if c := h.fake.AwaitCalls(t, 1, discordtest.OnRoute(discordtest.RouteReaction))[0]; c.ChannelID != guildUser.ChannelID {
		t.Errorf("reaction in %s, want %s", c.ChannelID, guildUser.ChannelID)
	}
	// Another user's mentions: an answer, one notice as a reply that pings
	// nobody, then reactions.
	other := guildUser
	other.UserID = "500000000000000077"
	h.fake.SendMessage(t, other, botTag+" how many jobs?", true)
	h.fake.AwaitCalls(t, 1, discordtest.InChannel(guildUser.ChannelID))
	h.fake.SendMessage(t, other, botTag+" and now?", true)
	h.fake.AwaitCalls(t, 2, discordtest.InChannel(guildUser.ChannelID))
	h.fake.SendMessage(t, other, botTag+" and now?", true)
	h.fake.AwaitCalls(t, 2, discordtest.OnRoute(discordtest.RouteReaction))
	notices := h.fake.AwaitCalls(t, 2, discordtest.InChannel(guildUser.ChannelID))[1:]
	if len(notices) != 1 {
		t.Fatalf("%d notices in the channel, want 1", len(notices))
	}
	var raw struct {
		AllowedMentions struct {
			Parse       []string `json:"parse"`
			RepliedUser bool     `json:"replied_user"`
		} `json:"allowed_mentions"`
		Reference *struct {
			MessageID string `json:"message_id"`
		} `json:"message_reference"`
	}
	if err := json.Unmarshal(notices[0].Body, &raw); err != nil {
		t.Fatal(err)
	}
	if s := decode(t, notices[0]); !strings.Contains(s.Content, "too fast") || raw.Reference == nil || raw.AllowedMentions.RepliedUser || len(raw.AllowedMentions.Parse) != 0 {
		t.Errorf("mention notice = %s, want a reply about the rate that pings nobody", notices[0].Body)
	}
	if got := len(h.engine.Questions()); got != 2 {
		t.Errorf("engine asked %d times, want 2", got)
	}
}

func TestPanicInEngineIsRecovered(t *testing.T) {
	t.Parallel()
	h := start(t, options{answer: func(_ context.Context, q string) (knowledge.Answer, error) {
		if strings.Contains(q, "explode") {
			var m map[string]int
			//lint:ignore SA5000 the panic is the point: a bug of the kind that reaches the recovery
			m["explode"]++ // a nil-map panic, as a bug would cause
		}
		return knowledgetest.Sample(q), nil
	}})
	_, calls := h.ask(guildUser, "explode?", 2)
	if s := decode(t, calls[1]); calls[1].Route != discordtest.RouteEditOriginal || s.Content != bot.MsgApology {
		t.Errorf("after a panic: %s %+v, want the apology edited in", calls[1].Route, s)
	}
	h.fake.SendMessage(t, dmUser, "explode in a DM", false)
	if s := decode(t, h.fake.AwaitCalls(t, 1, discordtest.InChannel(dmUser.ChannelID))[0]); s.Content != bot.MsgApology {
		t.Errorf("DM after a panic = %+v", s)
	}
	// The bot keeps working.
	_, calls = h.ask(guildUser, question, 2)
	if len(decode(t, calls[1]).Embeds) != 1 {
		t.Error("no answer after the panic")
	}
	if !strings.Contains(h.logs.String(), "panic in handler") {
		t.Error("the panic was not logged")
	}
}

func TestUndecodablePayloadsAreIgnored(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	// A component type discordgo does not know makes it hand the handler an
	// empty Message (discordgo#1683), and an empty Interaction.
	h.fake.Dispatch(t, "MESSAGE_CREATE", map[string]any{
		"id": "1", "channel_id": guildUser.ChannelID, "guild_id": guildUser.GuildID, "content": botTag + " hi",
		"author":     map[string]any{"id": guildUser.UserID, "username": "ann"},
		"mentions":   []any{map[string]any{"id": discordtest.BotUserID}},
		"components": []any{map[string]any{"type": 99}},
	})
	h.fake.DispatchInteraction(t, guildUser, 3, map[string]any{"custom_id": "src:x", "component_type": 2},
		map[string]any{"id": "2", "channel_id": guildUser.ChannelID, "components": []any{map[string]any{"type": 99}}})
	h.fake.Dispatch(t, "MESSAGE_CREATE", nil)
	h.fake.Dispatch(t, "INTERACTION_CREATE", map[string]any{"type": 2})
	// Still alive and answering.
	h.fake.SendMessage(t, dmUser, question, false)
	h.fake.AwaitCalls(t, 1, discordtest.InChannel(dmUser.ChannelID))
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(filter(h.fake.Calls(), discordtest.InChannel(guildUser.ChannelID))); n != 0 {
		t.Errorf("%d replies to undecodable messages", n)
	}
	if strings.Contains(h.logs.String(), "panic") {
		t.Errorf("a handler panicked:\n%s", h.logs.String())
	}
}

func TestOtherCommands(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	cases := []struct {
		name      string
		options   map[string]string
		deferred  bool
		ephemeral bool
		want      string
	}{
		{"sources", nil, false, false, "Sources: 1 document from 1 publisher"},
		{"about", nil, false, false, "About dramabot"},
		{"help", nil, false, true, "/ask"},
		{"figures", map[string]string{"topic": "jobs"}, true, false, "647,000 jobs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			it := h.fake.SendCommand(t, guildUser, tc.name, tc.options)
			n := 1
			if tc.deferred {
				n = 2
			}
			calls := h.fake.AwaitCalls(t, n, discordtest.For(it))
			if tc.deferred != (calls[0].CallbackType() == 5) {
				t.Errorf("callback type %d", calls[0].CallbackType())
			}
			s := decode(t, calls[n-1])
			if tc.ephemeral != (s.Flags&64 != 0) {
				t.Errorf("flags = %d", s.Flags)
			}
			if !strings.Contains(s.text(), tc.want) {
				t.Errorf("reply lacks %q:\n%s", tc.want, s.text())
			}
		})
	}
}

func TestCommandRegistration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, guild, path string
		shard             int
	}{
		{"global", "", "/applications/" + discordtest.AppID + "/commands", 0},
		{"guild", "900000000000000001", "/applications/" + discordtest.AppID + "/guilds/900000000000000001/commands", 0},
		{"shard 1 leaves it to shard 0", "", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, options{cfg: func(c *Config) { c.GuildID, c.ShardID, c.ShardCount = tc.guild, tc.shard, 2 }})
			if got := h.fake.Identifies()[0].Shard; len(got) != 2 || got[0] != tc.shard || got[1] != 2 {
				t.Errorf("identify shard = %v, want [%d 2]", got, tc.shard)
			}
			calls := filter(h.fake.Calls(), discordtest.OnRoute(discordtest.RouteCommands))
			if tc.path == "" {
				if len(calls) != 0 {
					t.Errorf("shard %d registered commands", tc.shard)
				}
				return
			}
			if len(calls) != 1 || calls[0].Path != tc.path || calls[0].Method != "PUT" {
				t.Fatalf("registration calls = %+v, want one PUT %s", calls, tc.path)
			}
			var cmds []struct {
				Name      string            `json:"name"`
				Localized map[string]string `json:"description_localizations"`
				Options   []struct {
					Name     string `json:"name"`
					Required bool   `json:"required"`
				} `json:"options"`
			}
			if err := json.Unmarshal(calls[0].Body, &cmds); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range cmds {
				names = append(names, c.Name)
				if c.Localized["zh-CN"] == "" {
					t.Errorf("/%s has no Chinese description", c.Name)
				}
			}
			if strings.Join(names, " ") != "ask sources figures about subscribe unsubscribe subscriptions add help" {
				t.Errorf("commands = %v", names)
			}
			if len(cmds[0].Options) != 1 || cmds[0].Options[0].Name != "question" || !cmds[0].Options[0].Required {
				t.Errorf("/ask options = %+v", cmds[0].Options)
			}
		})
	}
}

func TestREST429IsRetried(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	h.fake.RateLimitNext(discordtest.RouteMessage, 2, 30*time.Millisecond)
	h.fake.SendMessage(t, dmUser, question, false)
	calls := h.fake.AwaitCalls(t, 3, discordtest.InChannel(dmUser.ChannelID))
	if calls[0].Status != 429 || calls[1].Status != 429 || calls[2].Status != 200 {
		t.Errorf("statuses = %d %d %d, want 429 429 200", calls[0].Status, calls[1].Status, calls[2].Status)
	}
	if gap := calls[1].At.Sub(calls[0].At); gap < 25*time.Millisecond {
		t.Errorf("retried after %s, before retry_after", gap)
	}
	if !strings.Contains(h.logs.String(), "rate limited") {
		t.Error("the rate limit was not logged")
	}
}

func TestFatalCloseCodeEndsRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code int
		want string
	}{
		{4004, "DISCORD_TOKEN"},
		{4014, "Message Content intent"},
		{4011, "DISCORD_SHARD_COUNT"},
	} {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			t.Parallel()
			h := start(t, options{noConnect: true, fake: func(f *discordtest.Server) { f.RejectIdentify(tc.code) }})
			err := h.runError()
			var fe *FatalCloseError
			if !errors.As(err, &fe) || fe.Code != tc.code || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want a FatalCloseError %d mentioning %q", err, tc.code, tc.want)
			}
			if h.bot.Ready() {
				t.Error("Ready after a fatal close")
			}
			if n := h.fake.Connects(); n != 1 {
				t.Errorf("%d connections, want 1: a fatal code must not be retried", n)
			}
		})
	}
}

func TestFatalCloseOnALiveConnection(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	h.fake.RejectIdentify(4004)
	h.fake.CloseConn(4004)
	err := h.runError()
	var fe *FatalCloseError
	if !errors.As(err, &fe) || fe.Code != 4004 {
		t.Fatalf("Run = %v, want FatalCloseError 4004", err)
	}
	if n := len(h.fake.Resumes()); n != 1 {
		t.Errorf("%d resume attempts, want exactly 1 (no endless reconnect loop)", n)
	}
}

func TestRejectedTokenEndsRun(t *testing.T) {
	t.Parallel()
	h := start(t, options{noConnect: true, cfg: func(c *Config) { c.Token = "Bot wrong-token" }})
	err := h.runError()
	if err == nil || !strings.Contains(err.Error(), "DISCORD_TOKEN") || strings.Contains(err.Error(), "wrong-token") {
		t.Fatalf("Run = %v, want a token error that does not repeat the token", err)
	}
	if h.fake.Connects() != 0 {
		t.Error("connected to the gateway with a rejected token")
	}
	if strings.Contains(h.logs.String(), "wrong-token") {
		t.Error("the token was logged")
	}
}

func TestResumeAfterDrop(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	h.fake.SendMessage(t, dmUser, question, false)
	h.fake.AwaitCalls(t, 1, discordtest.InChannel(dmUser.ChannelID))

	h.fake.Drop()
	h.fake.AwaitSession(t, 2)
	waitFor(t, "ready again", h.bot.Ready)
	ids, res := h.fake.Identifies(), h.fake.Resumes()
	if len(ids) != 1 || len(res) != 1 {
		t.Fatalf("identifies %d, resumes %d; want 1 and 1", len(ids), len(res))
	}
	if !strings.HasPrefix(res[0].SessionID, "session-") || res[0].Seq < 2 || res[0].Token != "Bot "+discordtest.Token {
		t.Errorf("resume = %+v, want the session id and last sequence", res[0])
	}
	h.fake.SendMessage(t, dmUser, "and after the resume?", false)
	h.fake.AwaitCalls(t, 2, discordtest.InChannel(dmUser.ChannelID))
}

func TestShutdownClosesTheGateway(t *testing.T) {
	t.Parallel()
	h := start(t, options{})
	if h.fake.Heartbeats() == 0 {
		waitFor(t, "a heartbeat", func() bool { return h.fake.Heartbeats() > 0 })
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	h.fake.AwaitDisconnected(t)
	if h.bot.Ready() {
		t.Error("Ready after shutdown")
	}
	if err := h.bot.Run(context.Background()); err == nil {
		t.Error("a second Run should fail")
	}
}

func filter(calls []discordtest.Call, match func(discordtest.Call) bool) []discordtest.Call {
	var out []discordtest.Call
	for _, c := range calls {
		if match(c) {
			out = append(out, c)
		}
	}
	return out
}
