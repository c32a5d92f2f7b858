package telegram

import (
	"context"
	"errors"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dramabot/bot"
)

const (
	// typingDelay: answers slower than this show "typing…" meanwhile.
	typingDelay = 500 * time.Millisecond
	// inlineTimeout: Telegram drops an inline query unanswered for ~10 s.
	inlineTimeout = 10 * time.Second
	// Inline cards of answers are the same for everyone and may be cached
	// by Telegram; refusals (rate limit, errors) are personal and not.
	inlineAnswerCache  = 300
	inlineRefusalCache = 1
)

// incoming is a message the bot answers, and where the answer goes.
type incoming struct {
	req      bot.Request
	chatID   int64
	threadID int // forum topic
	replyTo  int // in groups, the asking message
	// messageID is the asking message, for a reaction.
	messageID int
	command   *bot.Command // nil for a question
	notText   bool         // a photo, sticker...: explain that only text works
	// document is a file sent in a private chat: an administrator's new
	// source.
	document *models.Document
}

// handle runs on its own goroutine, one per update.
func (b *Bot) handle(ctx context.Context, upd *models.Update) {
	defer func() {
		if v := recover(); v != nil { // outside a message's own recovery
			r := b.core.Recovered(bot.PlatformTelegram, v)
			b.log.Error("panic while handling an update", "request_id", r.RequestID, "update_id", upd.ID, "stack", string(debug.Stack()))
		}
	}()
	switch {
	case upd.Message != nil:
		b.handleMessage(ctx, upd.Message)
	case upd.InlineQuery != nil:
		b.handleInline(ctx, upd.InlineQuery)
	case upd.CallbackQuery != nil:
		b.handleCallback(ctx, upd.CallbackQuery)
	}
}

func (b *Bot) handleMessage(ctx context.Context, m *models.Message) {
	in, ok := b.route(m)
	if !ok {
		return
	}
	status := &statusMessage{b: b, in: in}
	defer func() {
		if v := recover(); v != nil {
			r := b.core.Recovered(bot.PlatformTelegram, v)
			b.log.Error("panic while answering: apologizing", "request_id", r.RequestID, "chat_id", in.chatID, "stack", string(debug.Stack()))
			b.deliver(ctx, in, r, status)
		}
	}()
	reply := func() bot.Reply {
		defer b.typing(ctx, in)()
		pacer := bot.NewPacer(bot.ProgressDelay, bot.ProgressInterval, func(text string) { status.show(ctx, text) })
		defer pacer.Stop()
		in.req.Progress = pacer.Update
		return b.respond(ctx, in)
	}()
	b.deliver(ctx, in, reply, status)
}

// statusTimeout bounds sending or editing a status message: a lost status
// costs nothing, so it is neither retried nor waited for long.
const statusTimeout = 5 * time.Second

// statusMessage shows progress while a slow answer (one written by a
// language model) is composed: the first status is sent as a message,
// later ones edit it, and the answer finally replaces it. Its methods run
// one at a time: show on the Pacer's goroutine, then (after the Pacer
// stopped) deliver.
type statusMessage struct {
	b  *Bot
	in incoming
	id int // the message showing the status; 0 until one is sent
}

func (s *statusMessage) show(ctx context.Context, text string) {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	html := "<i>" + esc(text) + "</i>"
	if s.id != 0 {
		_, err := s.b.tg.EditMessageText(ctx, &tgbot.EditMessageTextParams{
			ChatID: s.in.chatID, MessageID: s.id, Text: html, ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview,
		})
		if err != nil {
			s.b.log.Debug("status edit failed", "chat_id", s.in.chatID, "err", s.b.redactErr(err))
		}
		return
	}
	params := &tgbot.SendMessageParams{
		ChatID: s.in.chatID, MessageThreadID: s.in.threadID, Text: html,
		ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview,
	}
	if s.in.replyTo != 0 {
		params.ReplyParameters = &models.ReplyParameters{MessageID: s.in.replyTo, AllowSendingWithoutReply: true}
	}
	msg, err := s.b.tg.SendMessage(ctx, params)
	if err != nil {
		s.b.log.Debug("status message failed", "chat_id", s.in.chatID, "err", s.b.redactErr(err))
		return
	}
	s.id = msg.ID
}

// route decides whether a message is for the bot. Private chats: any text
// or command. Groups: a command (/ask, /ask@BotName...), a mention of the
// bot, or a reply to one of its messages; everything else is chatter
// between people and is ignored.
func (b *Bot) route(m *models.Message) (incoming, bool) {
	if m.From != nil && m.From.IsBot && m.SenderChat == nil {
		return incoming{}, false // other bots; anonymous admins come with a sender chat
	}
	private := m.Chat.Type == models.ChatTypePrivate
	if !private && m.Chat.Type != models.ChatTypeGroup && m.Chat.Type != models.ChatTypeSupergroup {
		return incoming{}, false
	}
	in := incoming{
		chatID: m.Chat.ID, messageID: m.ID,
		req: bot.Request{Platform: bot.PlatformTelegram, UserID: senderID(m), ChatID: strconv.FormatInt(m.Chat.ID, 10), Group: !private},
	}
	if m.From != nil {
		in.req.Locale = m.From.LanguageCode
	}
	if b.repliesToBot(m) {
		// A reply to one of our answers continues its conversation.
		in.req.ReplyTo = strconv.Itoa(m.ReplyToMessage.ID)
	}
	if m.IsTopicMessage {
		in.threadID = m.MessageThreadID
	}
	if !private {
		in.replyTo = m.ID
	}
	name := b.me.Username
	if m.Text == "" {
		if !hasContent(m) {
			return incoming{}, false // service messages: members joined, title changed...
		}
		if private && m.Document != nil {
			in.document = m.Document
			return in, true
		}
		if private || b.repliesToBot(m) || mentions(m.Caption, name) {
			in.notText = true
			return in, true
		}
		return incoming{}, false
	}
	if cmd, ok := bot.ParseCommand(m.Text); ok {
		if !cmd.For(name) && !private {
			// /cmd@OtherBot in a group. A private chat holds no other bot:
			// answering beats ignoring the user.
			return incoming{}, false
		}
		if !knownCommands[cmd.Name] && !private && cmd.Target == "" {
			return incoming{}, false // probably another bot's command
		}
		in.command = &cmd
		return in, true
	}
	if private || mentions(m.Text, name) || b.repliesToBot(m) {
		in.req.Text = bot.StripMention(m.Text, name)
		return in, true
	}
	return incoming{}, false
}

var knownCommands = map[string]bool{
	"start": true, "help": true, "ask": true, "sources": true, "figures": true, "about": true, "reindex": true,
	"subscribe": true, "unsubscribe": true, "subscriptions": true, "sublimit": true, "add": true,
}

func senderID(m *models.Message) string {
	switch {
	case m.From != nil && m.SenderChat == nil:
		return strconv.FormatInt(m.From.ID, 10)
	case m.SenderChat != nil:
		return strconv.FormatInt(m.SenderChat.ID, 10)
	}
	return ""
}

func (b *Bot) repliesToBot(m *models.Message) bool {
	r := m.ReplyToMessage
	return r != nil && r.From != nil && r.From.ID == b.me.ID
}

// hasContent reports whether a message without text carries something a
// user sent (as opposed to a service message).
func hasContent(m *models.Message) bool {
	return len(m.Photo) > 0 || m.Sticker != nil || m.Video != nil || m.VideoNote != nil ||
		m.Voice != nil || m.Audio != nil || m.Document != nil || m.Animation != nil ||
		m.Contact != nil || m.Location != nil || m.Venue != nil || m.Poll != nil ||
		m.Dice != nil || m.Story != nil || m.Game != nil || m.PaidMedia != nil ||
		m.Checklist != nil || m.Caption != ""
}

// mentions reports whether text mentions @name as a whole word.
func mentions(text, name string) bool {
	if name == "" {
		return false
	}
	lower, needle := strings.ToLower(text), "@"+strings.ToLower(name)
	for i := 0; ; {
		j := strings.Index(lower[i:], needle)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(needle)
		if (j == 0 || !isWordByte(lower[j-1])) && (end == len(lower) || !isWordByte(lower[end])) {
			return true
		}
		i = j + 1
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (b *Bot) respond(ctx context.Context, in incoming) bot.Reply {
	switch {
	case in.notText:
		l := bot.LangFromLocale(in.req.Locale)
		return bot.Reply{Kind: bot.KindInvalid, RequestID: bot.NewRequestID(), Lang: l, Message: bot.T(l).NotText}
	case in.document != nil:
		return b.addDocument(ctx, in)
	case in.command != nil:
		return b.core.Command(ctx, in.req, in.command.Name, in.command.Arg)
	default:
		return b.core.Ask(ctx, in.req)
	}
}

// typing shows "typing…" in the chat if the answer takes longer than
// typingDelay. The returned func stops it, and waits so that the action
// never arrives after the answer.
func (b *Bot) typing(ctx context.Context, in incoming) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTimer(typingDelay)
		defer t.Stop()
		select {
		case <-done:
			return
		case <-t.C:
		}
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err := b.tg.SendChatAction(actx, &tgbot.SendChatActionParams{ChatID: in.chatID, MessageThreadID: in.threadID, Action: models.ChatActionTyping})
		if err != nil {
			b.log.Debug("typing action failed", "chat_id", in.chatID, "err", b.redactErr(err))
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

var noPreview = &models.LinkPreviewOptions{IsDisabled: tgbot.True()}

// deliver sends a reply, in parts if it is long; in groups the first part
// replies to the asking message. When a status message showed progress,
// the first part replaces it. Every part is retried on 429 and 5xx; if one
// is lost anyway, the rest is not sent and the loss is logged.
func (b *Bot) deliver(ctx context.Context, in incoming, reply bot.Reply, status *statusMessage) {
	if reply.Kind == bot.KindRateLimited && reply.Repeat && in.req.Group && in.messageID != 0 {
		// The notice was posted for this user already: acknowledge
		// quietly instead of filling the group with notices.
		b.react(ctx, in)
		return
	}
	parts := renderReply(reply)
	kb := keyboardFor(reply)
	unlock := b.lockChat(in.chatID)
	defer unlock()
	if reply.Kind == bot.KindTimeline && reply.Chart != nil && b.deliverChart(ctx, in, reply) {
		return
	}
	for i, text := range parts {
		var markup models.ReplyMarkup
		if i == len(parts)-1 && kb != nil {
			markup = kb
		}
		if i == 0 && status != nil && status.id != 0 {
			err := b.call(ctx, "editMessageText", func(ctx context.Context) error {
				_, err := b.tg.EditMessageText(ctx, &tgbot.EditMessageTextParams{
					ChatID: in.chatID, MessageID: status.id, Text: text, ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview,
					ReplyMarkup: markup,
				})
				return err
			})
			if err == nil {
				b.core.Link(bot.PlatformTelegram, in.req.ChatID, strconv.Itoa(status.id), reply.RequestID)
				continue
			}
			b.log.Warn("could not put the answer in place of the status message: sending it", "request_id", reply.RequestID, "chat_id", in.chatID, "err", err)
		}
		params := &tgbot.SendMessageParams{
			ChatID: in.chatID, MessageThreadID: in.threadID, Text: text,
			ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview, ReplyMarkup: markup,
		}
		if i == 0 && in.replyTo != 0 {
			params.ReplyParameters = &models.ReplyParameters{MessageID: in.replyTo, AllowSendingWithoutReply: true}
		}
		id, err := b.send(ctx, params)
		if err != nil {
			b.log.Error("reply lost", "request_id", reply.RequestID, "chat_id", in.chatID, "part", i+1, "parts", len(parts), "err", err)
			return
		}
		b.core.Link(bot.PlatformTelegram, in.req.ChatID, strconv.Itoa(id), reply.RequestID)
	}
	b.log.Debug("replied", "request_id", reply.RequestID, "chat_id", in.chatID, "parts", len(parts))
}

// react marks the asking message with 👀, for a rate-limited message whose
// notice the user already got. A lost reaction is only logged.
func (b *Bot) react(ctx context.Context, in incoming) {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	_, err := b.tg.SetMessageReaction(ctx, &tgbot.SetMessageReactionParams{
		ChatID: in.chatID, MessageID: in.messageID,
		Reaction: []models.ReactionType{{Type: models.ReactionTypeTypeEmoji, ReactionTypeEmoji: &models.ReactionTypeEmoji{Type: models.ReactionTypeTypeEmoji, Emoji: "👀"}}},
	})
	if err != nil {
		b.log.Debug("reaction failed", "chat_id", in.chatID, "err", b.redactErr(err))
	}
}

// send sends one message with retries, following a group's migration to a
// supergroup, and falls back to plain text if Telegram refuses the HTML
// (which it should never do: the fallback keeps the user from losing the
// answer if it ever does).
func (b *Bot) send(ctx context.Context, params *tgbot.SendMessageParams) (int, error) {
	var sent *models.Message
	err := b.call(ctx, "sendMessage", func(ctx context.Context) error {
		var err error
		sent, err = b.tg.SendMessage(ctx, params)
		if me, ok := errors.AsType[*tgbot.MigrateError](err); ok {
			params.ChatID = int64(me.MigrateToChatID)
			sent, err = b.tg.SendMessage(ctx, params)
		}
		return err
	})
	if err == nil || !errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), "can't parse entities") {
		return messageID(sent), err
	}
	b.log.Error("Telegram refused the HTML of a reply: sending it as plain text", "err", err)
	plain := *params
	plain.ParseMode, plain.Text = "", htmlToText(params.Text)
	err = b.call(ctx, "sendMessage", func(ctx context.Context) error {
		var err error
		sent, err = b.tg.SendMessage(ctx, &plain)
		return err
	})
	return messageID(sent), err
}

func messageID(m *models.Message) int {
	if m == nil {
		return 0
	}
	return m.ID
}

func (b *Bot) handleInline(ctx context.Context, q *models.InlineQuery) {
	ctx, cancel := context.WithTimeout(ctx, inlineTimeout)
	defer cancel()
	var results []models.InlineQueryResult
	cache, personal := inlineAnswerCache, false
	func() {
		defer func() {
			if v := recover(); v != nil {
				r := b.core.Recovered(bot.PlatformTelegram, v)
				b.log.Error("panic while answering an inline query: apologizing", "request_id", r.RequestID, "stack", string(debug.Stack()))
				results, cache, personal = inlineResults(r), inlineRefusalCache, true
			}
		}()
		if strings.TrimSpace(q.Query) == "" {
			results = inlineHint()
			return
		}
		userID := ""
		if q.From != nil {
			userID = strconv.FormatInt(q.From.ID, 10)
		}
		reply := b.core.Ask(ctx, bot.Request{Platform: bot.PlatformTelegram, UserID: userID, ChatID: "inline", Text: q.Query})
		results = inlineResults(reply)
		if reply.Kind != bot.KindAnswer {
			cache, personal = inlineRefusalCache, true
		}
	}()
	err := b.call(ctx, "answerInlineQuery", func(ctx context.Context) error {
		_, err := b.tg.AnswerInlineQuery(ctx, &tgbot.AnswerInlineQueryParams{
			InlineQueryID: q.ID, Results: results, CacheTime: cache, IsPersonal: personal,
		})
		return err
	})
	if err != nil {
		b.log.Warn("inline answer lost", "inline_query_id", q.ID, "err", err)
	}
}
