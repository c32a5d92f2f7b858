package telegram

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dramabot/bot"
)

// Buttons under an answer: 📚 More sources (the full quotes and related
// passages, sent as a reply), 👍 and 👎. A 👎 swaps the keyboard for the
// reasons; a vote can be changed by pressing the other button. Callback
// data is "ACTION:REQUEST_ID" (at most 64 bytes; ids are 12 characters).
const (
	cbMore   = "m"
	cbUp     = "u"
	cbDown   = "d"
	cbReason = "r" // "r:ID:N", N the index in bot.Reasons
)

// keyboardFor returns the buttons for a reply, or nil.
func keyboardFor(r bot.Reply) *models.InlineKeyboardMarkup {
	switch {
	case r.Kind == bot.KindAnswer && r.RequestID != "":
		return mainKeyboard(r.Lang, r.RequestID, true)
	case r.Kind == bot.KindFigures && r.RequestID != "":
		return mainKeyboard(r.Lang, r.RequestID, false)
	}
	return nil
}

func mainKeyboard(l bot.Lang, id string, feedback bool) *models.InlineKeyboardMarkup {
	t := bot.T(l)
	row := []models.InlineKeyboardButton{{Text: "📚 " + t.MoreSources, CallbackData: cbMore + ":" + id}}
	if feedback {
		row = append(row,
			models.InlineKeyboardButton{Text: "👍", CallbackData: cbUp + ":" + id},
			models.InlineKeyboardButton{Text: "👎", CallbackData: cbDown + ":" + id})
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{row}}
}

// reasonKeyboard asks why an answer did not help, keeping the other buttons.
func reasonKeyboard(l bot.Lang, id string) *models.InlineKeyboardMarkup {
	t := bot.T(l)
	var rows [][]models.InlineKeyboardButton
	var row []models.InlineKeyboardButton
	for i, r := range bot.Reasons {
		row = append(row, models.InlineKeyboardButton{Text: t.Reasons[r], CallbackData: cbReason + ":" + id + ":" + strconv.Itoa(i)})
		if len(row) == 2 {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows, []models.InlineKeyboardButton{
		{Text: "📚 " + t.MoreSources, CallbackData: cbMore + ":" + id},
		{Text: "👍", CallbackData: cbUp + ":" + id},
	})
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

// handleCallback serves a button press. Every press is answered (Telegram
// shows a spinner until then), with a short notice or none.
func (b *Bot) handleCallback(ctx context.Context, q *models.CallbackQuery) {
	notice, alert := "", false
	defer func() {
		if v := recover(); v != nil {
			r := b.core.Recovered(bot.PlatformTelegram, v)
			b.log.Error("panic while handling a button: apologizing", "request_id", r.RequestID, "stack", string(debug.Stack()))
			notice, alert = r.Message, true
		}
		err := b.call(ctx, "answerCallbackQuery", func(ctx context.Context) error {
			_, err := b.tg.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: q.ID, Text: notice, ShowAlert: alert})
			return err
		})
		if err != nil {
			b.log.Warn("button answer lost", "err", err)
		}
	}()
	parts := strings.Split(q.Data, ":")
	user := strconv.FormatInt(q.From.ID, 10)
	lang := bot.LangFromLocale(q.From.LanguageCode)
	if len(parts) < 2 || parts[1] == "" {
		notice = bot.T(lang).UnknownButton
		return
	}
	action, id := parts[0], parts[1]
	turn, known := b.core.Turn(id)
	if known {
		lang = turn.Lang
	}
	t := bot.T(lang)
	msg := q.Message.Message // nil when the message is too old to be sent along
	switch action {
	case cbMore:
		if !known {
			notice, alert = t.Expired, true
			return
		}
		if msg == nil {
			notice, alert = t.Expired, true
			return
		}
		in := incoming{chatID: msg.Chat.ID, threadID: msg.MessageThreadID, replyTo: msg.ID}
		for i, text := range pack(moreBlocks(turn)) {
			params := &tgbot.SendMessageParams{ChatID: in.chatID, MessageThreadID: in.threadID, Text: text, ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview}
			if i == 0 {
				params.ReplyParameters = &models.ReplyParameters{MessageID: in.replyTo, AllowSendingWithoutReply: true}
			}
			if _, err := b.send(ctx, params); err != nil {
				b.log.Error("more sources lost", "request_id", id, "err", err)
				notice = t.Apology
				return
			}
		}
	case cbUp:
		switch b.core.Vote(bot.PlatformTelegram, user, id, bot.VoteUp, "") {
		case bot.VoteChanged:
			notice = t.VoteChanged
			b.setKeyboard(ctx, msg, mainKeyboard(lang, id, true))
		default:
			notice = t.Thanks
		}
	case cbDown:
		b.core.Vote(bot.PlatformTelegram, user, id, bot.VoteDown, "")
		notice = t.WhyDown
		b.setKeyboard(ctx, msg, reasonKeyboard(lang, id))
	case cbReason:
		i := -1
		if len(parts) == 3 {
			i, _ = strconv.Atoi(parts[2])
		}
		if i < 0 || i >= len(bot.Reasons) {
			notice = t.UnknownButton
			return
		}
		b.core.Vote(bot.PlatformTelegram, user, id, bot.VoteDown, bot.Reasons[i])
		notice = t.ReasonSaved
		b.setKeyboard(ctx, msg, mainKeyboard(lang, id, true))
	default:
		notice = t.UnknownButton
	}
}

// setKeyboard replaces a message's buttons; a failure costs only the
// swap, so it is logged, not retried for long.
func (b *Bot) setKeyboard(ctx context.Context, msg *models.Message, kb *models.InlineKeyboardMarkup) {
	if msg == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	_, err := b.tg.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: msg.Chat.ID, MessageID: msg.ID, ReplyMarkup: kb})
	if err != nil {
		b.log.Debug("keyboard edit failed", "chat_id", msg.Chat.ID, "err", b.redactErr(err))
	}
}

// Notify posts an alert for a subscription to a chat (bot.Notifier).
func (b *Bot) Notify(ctx context.Context, chatID string, al bot.Alert) error {
	id, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram: chat id %q: %w", chatID, err)
	}
	header, _ := bot.AlertText(al)
	lines := []string{"🔔 <b>" + esc(header) + "</b>"}
	for _, it := range al.Items {
		line := "• " + sourceHTML(al.Lang, it.Title, it.URL, it.Publisher, it.Date, 0, it.Note)
		if it.Figure != "" {
			line += "\n  <b>" + esc(it.Figure) + "</b>"
		}
		if !al.Digest && it.Text != "" {
			line += "\n<blockquote expandable>" + esc(it.Text) + "</blockquote>"
		}
		lines = append(lines, line)
	}
	unlock := b.lockChat(id)
	defer unlock()
	for _, text := range pack(lineBlocks(lines)) {
		if _, err := b.send(ctx, &tgbot.SendMessageParams{ChatID: id, Text: text, ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview}); err != nil {
			return err
		}
	}
	return nil
}
