package telegram

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"dramabot/bot"
	"dramabot/bot/telegram/telegramtest"
	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

const question = "How many jobs has the mini series boom created?"

// env is a running Bot against a fake Bot API on 127.0.0.1.
type env struct {
	tg   *telegramtest.Server
	fake *knowledgetest.Fake
	bot  *Bot
	logs *knowledgetest.SyncBuffer

	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned runErr
	runErr error
}

type setup struct {
	fake  *knowledgetest.Fake
	core  bot.Config // Knowledge and Logger are filled in
	cfg   Config     // Token, APIURL, Core and Logger are filled in
	noRun bool
}

// start connects a Bot to a new fake and runs it until the test ends. At
// the end it checks that nothing logged carried the token or a URL.
func start(t *testing.T, s setup) *env {
	t.Helper()
	e := &env{tg: telegramtest.New(t, telegramtest.Options{}), fake: s.fake, logs: &knowledgetest.SyncBuffer{}}
	if e.fake == nil {
		e.fake = &knowledgetest.Fake{}
	}
	// Debug level turns on the library's request logs too, which the
	// checks at the end must find clean. Shown only when a test fails.
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.core.Knowledge, s.core.Logger = e.fake, log
	cfg := s.cfg
	cfg.Token, cfg.APIURL, cfg.Core, cfg.Logger = e.tg.Token, e.tg.URL, bot.New(s.core), log
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 5 * time.Second
	}
	b, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.bot = b
	t.Cleanup(func() {
		e.checkLogs(t)
		if t.Failed() {
			t.Logf("logs:\n%s", e.logs.String())
		}
	})
	if !s.noRun {
		e.run(t)
	}
	return e
}

func (e *env) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan struct{})
	go func() {
		e.runErr = e.bot.Run(ctx)
		close(e.done)
	}()
	t.Cleanup(func() { e.stop(t) })
}

// stop cancels Run and waits for it to return.
func (e *env) stop(t *testing.T) error {
	t.Helper()
	e.cancel()
	select {
	case <-e.done:
		return e.runErr
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return 15 s after its context was cancelled")
	}
	return nil
}

// eventually waits up to 5 s for a condition the fake server does not
// signal (the logs, for one).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (e *env) checkLogs(t *testing.T) {
	t.Helper()
	logs := e.logs.String()
	if strings.Contains(logs, e.tg.Token) || strings.Contains(logs, strings.SplitN(e.tg.Token, ":", 2)[1]) {
		t.Error("the token was logged")
	}
	if strings.Contains(logs, "://") {
		t.Errorf("a URL was logged:\n%s", logs)
	}
}

// only checks that exactly one message was sent and returns it.
func only(t *testing.T, msgs []telegramtest.SentMessage) telegramtest.SentMessage {
	t.Helper()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1: %+v", len(msgs), msgs)
	}
	return msgs[0]
}

func TestPrivateChatAnswersWithCitations(t *testing.T) {
	e := start(t, setup{})
	if !e.bot.Ready() {
		t.Error("not Ready after New")
	}
	if got := e.bot.Username(); got != telegramtest.DefaultBotUsername {
		t.Errorf("Username() = %q, want %q from getMe", got, telegramtest.DefaultBotUsername)
	}
	var names []string
	for _, c := range e.tg.Commands() {
		names = append(names, c.Command)
	}
	if got, want := strings.Join(names, " "), "ask figures sources subscribe unsubscribe subscriptions about help"; got != want {
		t.Errorf("command menu = %q, want %q", got, want)
	}
	if zh := e.tg.CommandsFor("zh"); len(zh) != len(names) || zh[0].Description != "提问：关于中国短剧市场的问题" {
		t.Errorf("Chinese command menu = %+v", zh)
	}

	e.tg.Push(telegramtest.Private(telegramtest.Alice, question))
	m := only(t, e.tg.WaitSent(t, telegramtest.Alice.ID, 1))
	for _, want := range []string{"647,000 jobs [1]", `<a href="https://example.org/cri/mini-series">`, "<b>Sources</b>", "CRI Online, 2025-05-08"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("answer lacks %q:\n%s", want, m.Text)
		}
	}
	if m.ParseMode != "HTML" || !m.LinkPreviewDisabled || m.ReplyTo != 0 {
		t.Errorf("parse mode %q, preview disabled %v, reply to %d; want HTML, true, 0 (no reply in private chats)", m.ParseMode, m.LinkPreviewDisabled, m.ReplyTo)
	}
	if got := e.fake.Questions(); len(got) != 1 || got[0] != question {
		t.Errorf("engine was asked %q, want [%q]", got, question)
	}
	e.tg.WaitFor(t, "Ready after a poll", e.bot.Ready)
	if err := e.stop(t); err != nil {
		t.Errorf("Run returned %v, want nil", err)
	}
	if e.bot.Ready() {
		t.Error("still Ready after Run returned")
	}
}

func TestGroupRouting(t *testing.T) {
	// One slot: updates are handled one after the other, so once the last
	// message is answered, every earlier one has been handled.
	e := start(t, setup{cfg: Config{MaxInFlight: 1}})
	g, alice := telegramtest.Group, telegramtest.Alice
	name := telegramtest.DefaultBotUsername

	first := e.tg.Push(telegramtest.InChat(g, alice, "/ask@"+name+" How many jobs?"))
	botMsg := only(t, e.tg.WaitSent(t, g.ID, 1))
	if botMsg.ReplyTo != first.MessageID {
		t.Errorf("answer replies to %d, want the asking message %d", botMsg.ReplyTo, first.MessageID)
	}

	tests := []struct {
		name   string
		msg    telegramtest.Message
		answer string // the question the engine gets; "" if ignored
	}{
		{"plain /ask", telegramtest.InChat(g, alice, "/ask what is the revenue?"), "what is the revenue?"},
		{"upper-case bot name", telegramtest.InChat(g, alice, "/ASK@"+strings.ToUpper(name)+"  revenue  in 2024"), "revenue in 2024"},
		{"mention", telegramtest.InChat(g, alice, "@"+name+" how big is the market?"), "how big is the market?"},
		{"mention after CJK text", telegramtest.InChat(g, alice, "请问 @"+name+" 短剧市场多大？"), "请问 短剧市场多大？"},
		{"reply to the bot, a follow-up", e.tg.ReplyTo(botMsg, telegramtest.Bob, "and in 2023?"), "How many jobs in 2023?"},
		{"chatter", telegramtest.InChat(g, alice, "lunch at noon?"), ""},
		{"another bot's command", telegramtest.InChat(g, alice, "/ask@OtherBot How many jobs?"), ""},
		{"an unknown command", telegramtest.InChat(g, alice, "/weather Beijing"), ""},
		{"a longer name", telegramtest.InChat(g, alice, "@"+name+"2 hello"), ""},
		{"a bot", telegramtest.InChat(g, telegramtest.User{ID: 77, IsBot: true, FirstName: "Spam", Username: "spambot"}, "@"+name+" spam"), ""},
		{"a member joined", telegramtest.Message{From: &alice, Chat: g, NewChatMembers: []telegramtest.User{telegramtest.Bob}}, ""},
		{"a sticker", telegramtest.Message{From: &alice, Chat: g, Sticker: &telegramtest.Sticker{FileID: "s", FileUniqueID: "s", Type: "regular", Width: 1, Height: 1}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.tg.Sent(g.ID))
			asked := len(e.fake.Questions())
			m := e.tg.Push(tt.msg)
			sentinel := e.tg.Push(telegramtest.InChat(g, telegramtest.Bob, "/about"))
			e.tg.WaitReplyTo(t, g.ID, sentinel.MessageID)
			sent := e.tg.Sent(g.ID)
			newQs := e.fake.Questions()[asked:]
			if tt.answer == "" {
				if len(newQs) != 0 || len(sent) != before+1 {
					t.Fatalf("not ignored: engine asked %q, %d new messages", newQs, len(sent)-before)
				}
				return
			}
			if len(newQs) != 1 || newQs[0] != tt.answer || len(sent) != before+2 {
				t.Fatalf("engine asked %q, want [%q]; %d new messages, want 2", newQs, tt.answer, len(sent)-before)
			}
			if got := sent[before]; got.ReplyTo != m.MessageID || !strings.Contains(got.Text, "[1]") {
				t.Errorf("answer %+v does not reply to %d with a cited answer", got, m.MessageID)
			}
		})
	}
}

func TestInlineQuery(t *testing.T) {
	e := start(t, setup{core: bot.Config{RateLimit: 2}})
	alice := telegramtest.Alice

	ans := e.tg.WaitInlineAnswer(t, e.tg.PushInlineQuery(alice, question))
	if len(ans.Results) != 3 {
		t.Fatalf("got %d cards, want the answer and one per figure: %+v", len(ans.Results), ans.Results)
	}
	card := ans.Results[0]
	for _, want := range []string{"647,000 jobs [1]", "[1] 185-Fold Boom", "CRI Online, 2025-05-08"} {
		if !strings.Contains(card.Plain, want) {
			t.Errorf("answer card lacks %q:\n%s", want, card.Plain)
		}
	}
	if card.ParseMode != "HTML" || ans.IsPersonal || ans.CacheTime != inlineAnswerCache {
		t.Errorf("parse mode %q, personal %v, cache %d; want HTML, shared, %d", card.ParseMode, ans.IsPersonal, ans.CacheTime, inlineAnswerCache)
	}
	if fig := ans.Results[2]; fig.Title != "647,000 jobs" || !strings.Contains(fig.Plain, "647,000 jobs [1]") || !strings.Contains(fig.Text, `<a href="https://example.org/cri/mini-series">`) {
		t.Errorf("figure card %+v: want the figure with its linked source", fig)
	}

	hint := e.tg.WaitInlineAnswer(t, e.tg.PushInlineQuery(alice, "  "))
	if len(hint.Results) != 1 || !strings.Contains(hint.Results[0].Title, "Ask about") {
		t.Errorf("empty query: got %+v, want one hint card", hint.Results)
	}

	e.tg.WaitInlineAnswer(t, e.tg.PushInlineQuery(alice, "second question"))
	limited := e.tg.WaitInlineAnswer(t, e.tg.PushInlineQuery(alice, "third question"))
	if len(limited.Results) != 1 || !strings.Contains(limited.Results[0].Plain, "too fast") || !limited.IsPersonal || limited.CacheTime > 1 {
		t.Errorf("rate-limited inline answer %+v: want one personal, uncached 'too fast' card", limited)
	}
}

func TestLongAnswerIsSplitInValidParts(t *testing.T) {
	var paras []string
	for i := range 30 {
		paras = append(paras, fmt.Sprintf("Paragraph %02d: mini series & <micro-dramas> grew 185-fold; 短剧市场规模%s.", i, strings.Repeat(" more words", 25)))
	}
	fake := &knowledgetest.Fake{AnswerFunc: func(_ context.Context, q string) (knowledge.Answer, error) {
		a := knowledgetest.Long(q, 6000)
		a.Text = strings.Join(paras, "\n\n")
		return a, nil
	}}
	e := start(t, setup{fake: fake})
	asked := e.tg.Push(telegramtest.InChat(telegramtest.Group, telegramtest.Alice, "/ask long please"))
	e.tg.WaitFor(t, "a quiet moment after the parts", func() bool {
		sent := e.tg.Sent(telegramtest.Group.ID)
		return len(sent) >= 2 && sent[len(sent)-1].Keyboard != nil // the buttons come with the last part
	})
	parts := e.tg.Sent(telegramtest.Group.ID)
	var all strings.Builder
	for i, p := range parts {
		if n := telegramtest.UTF16Len(p.Text); n > MaxMessageLen {
			t.Errorf("part %d is %d UTF-16 units, over %d", i, n, MaxMessageLen)
		}
		plain, err := telegramtest.ParseHTML(p.Text)
		if err != nil {
			t.Errorf("part %d is not balanced, escaped HTML: %v", i, err)
		}
		if want := 0; i > 0 && p.ReplyTo != want {
			t.Errorf("part %d replies to %d; only the first part replies", i, p.ReplyTo)
		}
		all.WriteString(plain + "\n")
	}
	if parts[0].ReplyTo != asked.MessageID {
		t.Errorf("first part replies to %d, want %d", parts[0].ReplyTo, asked.MessageID)
	}
	rest := all.String()
	for _, p := range paras {
		i := strings.Index(rest, p)
		if i < 0 {
			t.Fatalf("paragraph %q missing, cut, or out of order", p[:13])
		}
		rest = rest[i+len(p):]
	}
	for _, c := range e.tg.Calls("sendMessage") {
		if c.Status != 200 {
			t.Errorf("Telegram refused a part: %d %s", c.Status, c.Error)
		}
	}
}

func TestHostileTextIsEscaped(t *testing.T) {
	fake := &knowledgetest.Fake{AnswerFunc: func(_ context.Context, q string) (knowledge.Answer, error) { return knowledgetest.Echo(q), nil }}
	e := start(t, setup{fake: fake})
	q := `<b>bold</b> & <script>alert(1)</script> &amp; <a href="javascript:x">@everyone</a>`
	e.tg.Push(telegramtest.Private(telegramtest.Bob, q))
	m := only(t, e.tg.WaitSent(t, telegramtest.Bob.ID, 1))
	if strings.Contains(m.Text, "<script") || strings.Contains(m.Text, "<b>bold") || strings.Contains(m.Text, `href="javascript`) {
		t.Errorf("user text reached the HTML unescaped:\n%s", m.Text)
	}
	if !strings.Contains(m.Plain, q+" [1]") {
		t.Errorf("the user does not see the question verbatim:\n%s", m.Plain)
	}
}

func TestRateLimitReply(t *testing.T) {
	e := start(t, setup{core: bot.Config{RateLimit: 1}})
	e.tg.Push(telegramtest.Private(telegramtest.Alice, "first"))
	e.tg.WaitSent(t, telegramtest.Alice.ID, 1)
	e.tg.Push(telegramtest.Private(telegramtest.Alice, "second"))
	got := e.tg.WaitSent(t, telegramtest.Alice.ID, 2)[1]
	if !strings.Contains(got.Plain, "You are asking too fast. Please try again in") {
		t.Errorf("second question got %q, want the rate-limit message", got.Plain)
	}
	if n := len(e.fake.Questions()); n != 1 {
		t.Errorf("engine asked %d times, want 1", n)
	}
}

func TestInvalidAndNonTextMessages(t *testing.T) {
	e := start(t, setup{cfg: Config{MaxInFlight: 1}})
	alice, g := telegramtest.Alice, telegramtest.Group
	botMsg := func() telegramtest.SentMessage {
		m := e.tg.Push(telegramtest.InChat(g, alice, "/about"))
		return e.tg.WaitReplyTo(t, g.ID, m.MessageID)
	}()
	photo := []telegramtest.PhotoSize{{FileID: "p", FileUniqueID: "p", Width: 90, Height: 90}}
	sticker := &telegramtest.Sticker{FileID: "s", FileUniqueID: "s", Type: "regular", Width: 512, Height: 512, Emoji: "😀"}
	replyWithSticker := e.tg.ReplyTo(botMsg, alice, "")
	replyWithSticker.Sticker = sticker
	private := telegramtest.Private(alice, "")
	tests := []struct {
		name string
		msg  telegramtest.Message
		want string
	}{
		{"empty /ask", telegramtest.Private(alice, "/ask"), bot.MsgEmpty},
		{"white space and controls only", telegramtest.Private(alice, " \u200b\u202e\t "), bot.MsgEmpty},
		{"too long", telegramtest.Private(alice, strings.Repeat("long ", 201)), "Your question is too long: please keep it under 1000 characters."},
		{"too long, in Chinese", telegramtest.Private(alice, strings.Repeat("长", 1001)), "问题太长了：请控制在 1000 个字符以内。"},
		{"photo", func() telegramtest.Message { m := private; m.Photo = photo; m.Caption = "what is this?"; return m }(), bot.MsgNotText},
		{"sticker", func() telegramtest.Message { m := private; m.Sticker = sticker; return m }(), bot.MsgNotText},
		{"sticker replying to the bot in a group", replyWithSticker, bot.MsgNotText},
		{"unknown command in private", telegramtest.Private(alice, "/weather"), "Commands:"},
		{"/start", telegramtest.Private(alice, "/start"), "Hello!"},
		{"/help", telegramtest.Private(alice, "/help"), "/ask QUESTION – ask (in a private chat just type it"},
		{"/sources", telegramtest.Private(alice, "/sources"), "• CRI Online — 1 document (9 passages), 2025-05-08"},
		{"/figures", telegramtest.Private(alice, "/figures jobs"), "• 647,000 jobs [1]"},
		{"/about", telegramtest.Private(alice, "/about"), "answers from 1 source (9 passages), as of 2025-05-08"},
		{"/reindex by a user", telegramtest.Private(alice, "/reindex"), bot.MsgRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := e.tg.Push(tt.msg)
			var got telegramtest.SentMessage
			e.tg.WaitFor(t, "the reply", func() bool {
				for _, s := range e.tg.Sent(m.Chat.ID) {
					if m.Chat.Type == "private" && s.MessageID > m.MessageID || s.ReplyTo == m.MessageID {
						got = s
						return true
					}
				}
				return false
			})
			if !strings.Contains(got.Plain, tt.want) {
				t.Errorf("got %q, want it to contain %q", got.Plain, tt.want)
			}
		})
	}
	if qs := e.fake.Questions(); len(qs) != 0 {
		t.Errorf("the engine was asked %q; no question here should reach it", qs)
	}
}

func TestTelegramErrorsAreRetried(t *testing.T) {
	tests := []struct {
		name     string
		faults   []telegramtest.Fault
		minDelay time.Duration // between the first and the last attempt
	}{
		{"429 after retry_after", []telegramtest.Fault{telegramtest.TooManyRequests(1)}, time.Second},
		{"500 then a proxy's HTML 502", []telegramtest.Fault{telegramtest.ServerError(500), {Status: 502, HTML: true}}, firstBackoff * 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t, setup{})
			for _, f := range tt.faults {
				e.tg.Fail("sendMessage", 1, f)
			}
			e.tg.Push(telegramtest.Private(telegramtest.Alice, question))
			m := only(t, e.tg.WaitSent(t, telegramtest.Alice.ID, 1))
			if !strings.Contains(m.Plain, "647,000 jobs") {
				t.Errorf("delivered %q, want the answer", m.Plain)
			}
			calls := e.tg.Calls("sendMessage")
			if len(calls) != len(tt.faults)+1 {
				t.Fatalf("got %d sendMessage attempts, want %d", len(calls), len(tt.faults)+1)
			}
			if d := calls[len(calls)-1].At.Sub(calls[0].At); d < tt.minDelay {
				t.Errorf("retried after %s, want at least %s", d, tt.minDelay)
			}
		})
	}
}

func TestGivesUpOnPermanentErrors(t *testing.T) {
	e := start(t, setup{})
	e.tg.Fail("sendMessage", 1, telegramtest.Fault{Status: 403, Description: "Forbidden: bot was blocked by the user"})
	e.tg.Push(telegramtest.Private(telegramtest.Alice, question))
	e.tg.WaitCalls(t, "sendMessage", 1)
	eventually(t, "the loss logged", func() bool { return strings.Contains(e.logs.String(), "reply lost") })
	if n := len(e.tg.Calls("sendMessage")); n != 1 {
		t.Errorf("a 403 was tried %d times, want once", n)
	}
}

func TestRefusedHTMLFallsBackToPlainText(t *testing.T) {
	e := start(t, setup{})
	e.tg.Fail("sendMessage", 1, telegramtest.Fault{Status: 400, Description: "Bad Request: can't parse entities: unsupported start tag"})
	e.tg.Push(telegramtest.Private(telegramtest.Alice, question))
	m := only(t, e.tg.WaitSent(t, telegramtest.Alice.ID, 1))
	if m.ParseMode != "" || strings.Contains(m.Text, "<b>") || !strings.Contains(m.Text, `[1] 185-Fold Boom`) {
		t.Errorf("fallback sent %q with parse mode %q, want the answer as plain text", m.Text, m.ParseMode)
	}
}

func TestPanicInHandlerIsRecovered(t *testing.T) {
	fake := &knowledgetest.Fake{AnswerFunc: func(_ context.Context, q string) (knowledge.Answer, error) {
		if q == "boom" {
			panic("engine exploded")
		}
		return knowledgetest.Sample(q), nil
	}}
	e := start(t, setup{fake: fake})
	e.tg.Push(telegramtest.Private(telegramtest.Alice, "boom"))
	if got := only(t, e.tg.WaitSent(t, telegramtest.Alice.ID, 1)); got.Plain != bot.MsgApology {
		t.Errorf("after a panic the user got %q, want the apology", got.Plain)
	}
	e.tg.Push(telegramtest.Private(telegramtest.Alice, question))
	if got := e.tg.WaitSent(t, telegramtest.Alice.ID, 2)[1]; !strings.Contains(got.Plain, "647,000 jobs") {
		t.Errorf("the bot did not keep answering after a panic: %q", got.Plain)
	}
	inline := e.tg.WaitInlineAnswer(t, e.tg.PushInlineQuery(telegramtest.Bob, "boom"))
	if len(inline.Results) != 1 || inline.Results[0].Plain != bot.MsgApology {
		t.Errorf("inline panic answered with %+v, want the apology card", inline.Results)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "engine exploded") || !strings.Contains(logs, "stack=") {
		t.Error("the panic and its stack were not logged")
	}
}

func TestWebhookMode(t *testing.T) {
	const secret = "s3cret_Token-1"
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := start(t, setup{noRun: true, cfg: Config{WebhookURL: srv.URL + "/telegram/hook", WebhookSecret: secret, MaxWebhookBody: 4096}})
	if got := e.bot.WebhookPath(); got != "/telegram/hook" {
		t.Fatalf("WebhookPath() = %q", got)
	}
	mux.Handle("POST "+e.bot.WebhookPath(), e.bot.WebhookHandler())
	e.run(t)
	e.tg.WaitFor(t, "setWebhook", func() bool { return e.tg.Webhook().URL != "" })
	if hook := e.tg.Webhook(); hook.URL != srv.URL+"/telegram/hook" || hook.Secret != secret || strings.Join(hook.AllowedUpdates, ",") != "message,inline_query,callback_query" {
		t.Fatalf("webhook set to %+v", hook)
	}
	e.tg.WaitFor(t, "Ready", e.bot.Ready)
	if n := len(e.tg.Calls("getUpdates")); n != 0 {
		t.Errorf("%d getUpdates calls in webhook mode", n)
	}

	e.tg.Push(telegramtest.Private(telegramtest.Alice, question))
	if m := only(t, e.tg.WaitSent(t, telegramtest.Alice.ID, 1)); !strings.Contains(m.Plain, "647,000 jobs [1]") {
		t.Errorf("webhook answer %q", m.Plain)
	}
	if d := e.tg.Deliveries(); len(d) != 1 || d[0].Status != http.StatusOK {
		t.Errorf("deliveries %+v, want one 200", d)
	}

	update := `{"update_id":99,"message":{"message_id":5,"date":1,"chat":{"id":1002,"type":"private"},"from":{"id":1002,"is_bot":false,"first_name":"Bob"},"text":"hi"}}`
	tests := []struct {
		name, method, secret, body string
		want                       int
	}{
		{"no secret", "POST", "", update, http.StatusUnauthorized},
		{"wrong secret", "POST", "s3cret_Token-2", update, http.StatusUnauthorized},
		{"secret prefix", "POST", "s3cret", update, http.StatusUnauthorized},
		{"too large", "POST", secret, `{"update_id":1,"message":{"text":"` + strings.Repeat("x", 5000) + `"}}`, http.StatusRequestEntityTooLarge},
		{"malformed", "POST", secret, `{"update_id":`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+"/telegram/hook", strings.NewReader(tt.body))
			if tt.secret != "" {
				req.Header.Set(SecretHeader, tt.secret)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("got %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	rec := httptest.NewRecorder()
	e.bot.WebhookHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/telegram/hook", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET got %d, want 405", rec.Code)
	}
	if n := len(e.tg.Sent(telegramtest.Bob.ID)) + len(e.fake.Questions()); n != 1 {
		t.Errorf("a refused request was answered (%d messages and questions, want only the first question)", n)
	}

	if err := e.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/telegram/hook", strings.NewReader(update))
	req.Header.Set(SecretHeader, secret)
	e.bot.WebhookHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("after shutdown got %d, want 503 so that Telegram delivers the update again", rec.Code)
	}
}

func TestGracefulShutdownFinishesAnswersInFlight(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	fake := &knowledgetest.Fake{AnswerFunc: func(_ context.Context, q string) (knowledge.Answer, error) {
		if q == "slow" {
			close(started)
			<-release
		}
		return knowledgetest.Sample(q), nil
	}}
	e := start(t, setup{fake: fake})
	e.tg.Push(telegramtest.Private(telegramtest.Alice, "slow"))
	<-started

	stopped := make(chan error, 1)
	go func() {
		e.cancel()
		<-e.done
		stopped <- e.runErr
	}()
	eventually(t, "polling to stop", func() bool { return !e.bot.Ready() })
	late := e.tg.Push(telegramtest.Private(telegramtest.Bob, "asked during shutdown"))
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) before the answer in flight was sent", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("Run returned %v, want nil", err)
	}
	if m := only(t, e.tg.Sent(telegramtest.Alice.ID)); !strings.Contains(m.Plain, "647,000 jobs") {
		t.Errorf("answer in flight: got %q", m.Plain)
	}
	if n := len(e.tg.Sent(telegramtest.Bob.ID)); n != 0 || e.tg.Pending() != 1 {
		t.Errorf("update %d sent during shutdown: %d replies, %d pending; want it left for the next start", late.MessageID, n, e.tg.Pending())
	}
}

func TestShutdownIsBounded(t *testing.T) {
	fake := &knowledgetest.Fake{AnswerFunc: func(ctx context.Context, q string) (knowledge.Answer, error) {
		<-ctx.Done() // an engine stuck until cancelled
		return knowledge.Answer{}, ctx.Err()
	}}
	e := start(t, setup{fake: fake, cfg: Config{ShutdownTimeout: 200 * time.Millisecond}})
	e.tg.Push(telegramtest.Private(telegramtest.Alice, "stuck"))
	e.tg.WaitFor(t, "the question to reach the engine", func() bool { return len(e.fake.Questions()) == 1 })
	begin := time.Now()
	if err := e.stop(t); err != nil {
		t.Fatalf("Run returned %v", err)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("Run took %s to return, want about the 200 ms shutdown timeout", d)
	}
	if !strings.Contains(e.logs.String(), "cancelling them") {
		t.Error("the abandoned answers were not logged")
	}
}

func TestPollingErrorsAreLoggedWithoutSecrets(t *testing.T) {
	e := start(t, setup{})
	e.tg.Fail("getUpdates", 2, telegramtest.Fault{Status: 502, HTML: true})
	// Wake the long poll so the next ones hit the faults.
	e.tg.Push(telegramtest.Private(telegramtest.Alice, question))
	e.tg.WaitSent(t, telegramtest.Alice.ID, 1)
	e.tg.Push(telegramtest.Private(telegramtest.Alice, "again"))
	e.tg.WaitSent(t, telegramtest.Alice.ID, 2)
	if !strings.Contains(e.logs.String(), "error get updates") {
		t.Error("getUpdates failures were not logged")
	}
	// checkLogs (at cleanup) fails the test if the token or a URL leaked.
}

func TestNewFailsClearly(t *testing.T) {
	tg := telegramtest.New(t, telegramtest.Options{})
	core := bot.New(bot.Config{Knowledge: &knowledgetest.Fake{}})
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no token", Config{APIURL: tg.URL, Core: core}, "no token"},
		{"no core", Config{Token: tg.Token, APIURL: tg.URL}, "no core"},
		{"webhook without secret", Config{Token: tg.Token, APIURL: tg.URL, Core: core, WebhookURL: "https://bot.example.org/hook"}, "secret"},
		{"webhook with a bad secret", Config{Token: tg.Token, APIURL: tg.URL, Core: core, WebhookURL: "https://bot.example.org/hook", WebhookSecret: "a b"}, "secret"},
		{"relative webhook URL", Config{Token: tg.Token, APIURL: tg.URL, Core: core, WebhookURL: "/hook", WebhookSecret: "abc"}, "webhook URL"},
		{"wrong token", Config{Token: "7000001:wrong-token", APIURL: tg.URL, Core: core}, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(t.Context(), tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error about %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "://") || strings.Contains(err.Error(), "wrong-token") {
				t.Errorf("error carries a URL or the token: %v", err)
			}
		})
	}
	t.Run("server down", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
		defer cancel()
		_, err := New(ctx, Config{Token: "123:secret-token", APIURL: down.URL, Core: core})
		if err == nil || strings.Contains(err.Error(), "secret-token") || strings.Contains(err.Error(), "://") {
			t.Fatalf("got %v, want an error without the token or URL", err)
		}
	})
}
