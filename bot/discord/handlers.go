package discord

import (
	"context"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"dramabot/bot"
)

// onMessageCreate answers a direct message, or a guild message that
// mentions the bot, with a reply to it.
func (b *Bot) onMessageCreate(_ *discordgo.Session, ev *discordgo.MessageCreate) {
	b.inflight.add()
	defer b.inflight.done()
	ctx, cancel := context.WithTimeout(b.handlerCtx, b.cfg.HandlerTimeout)
	defer cancel()
	var m *discordgo.Message
	if ev != nil {
		m = ev.Message
	}
	defer func() {
		if v := recover(); v != nil {
			reply := b.recovered(v)
			if m != nil && m.ID != "" && m.ChannelID != "" {
				b.safely(func() { b.replyToMessage(ctx, m, reply) })
			}
		}
	}()
	b.handleMessage(ctx, m)
}

func (b *Bot) handleMessage(ctx context.Context, m *discordgo.Message) {
	// discordgo hands over an empty Message when the payload did not decode,
	// e.g. a component type it does not know (discordgo#1683).
	if m == nil || m.Author == nil || m.ID == "" || m.ChannelID == "" {
		return
	}
	if m.Author.Bot || m.WebhookID != "" {
		return
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return
	}
	me := b.botUserID()
	if me == "" || m.Author.ID == me {
		return
	}
	dm := m.GuildID == ""
	replyTo := b.repliedAnswer(m, me)
	inThread := b.threads.has(m.ChannelID)
	if !dm && !mentions(m, me) && replyTo == "" && !inThread {
		return
	}
	text := stripMention(m.Content, me)
	req := bot.Request{Platform: bot.PlatformDiscord, UserID: m.Author.ID, ChatID: m.ChannelID, Text: text, ReplyTo: replyTo, Group: !dm}
	if inThread && replyTo == "" {
		req.Conversation = m.ChannelID
	}
	target := m.ChannelID // where the answer goes
	_, isCommand := bot.ParseCommand(text)
	if !dm && !inThread && replyTo == "" && b.cfg.Threads && text != "" && !isCommand {
		// Opt-in: a mention in a channel opens a thread for its
		// conversation, so follow-ups do not need the mention.
		if id, err := b.startThread(ctx, m, text); err != nil {
			b.log.Warn("discord thread not started: answering in the channel", "err", err)
		} else {
			target = id
			b.threads.add(id)
			req.ChatID, req.Conversation = id, id
		}
	}
	var reply bot.Reply
	switch {
	case text == "" && !dm && !b.cfg.MessageContent:
		// Without the intent Discord may withhold the text.
		reply = bot.Reply{Kind: bot.KindInfo, RequestID: bot.NewRequestID(), Message: msgMentionHint}
	case dm && documentAttachment(m.Attachments) != nil:
		reply = b.addAttachment(ctx, req, documentAttachment(m.Attachments))
	case text == "" && len(m.Attachments) > 0:
		reply = bot.Reply{Kind: bot.KindInvalid, RequestID: bot.NewRequestID(), Message: bot.MsgNotText}
	default:
		if cmd, ok := bot.ParseCommand(text); ok {
			reply = b.core.Command(ctx, req, cmd.Name, cmd.Arg)
		} else {
			reply = b.core.Ask(ctx, req)
		}
	}
	if reply.Kind == bot.KindRateLimited && reply.Repeat && !dm {
		// This user got the notice already in this cool-down: a reaction,
		// not another public notice.
		b.react(ctx, m.ChannelID, m.ID, "⏳")
		return
	}
	if target != m.ChannelID {
		b.sendTo(ctx, target, nil, reply)
		return
	}
	b.replyToMessage(ctx, m, reply)
}

// repliedAnswer returns the id of the bot message m replies to (with or
// without the reply ping), or "".
func (b *Bot) repliedAnswer(m *discordgo.Message, me string) string {
	ref := m.MessageReference
	if ref == nil || ref.MessageID == "" {
		return ""
	}
	if rm := m.ReferencedMessage; rm != nil && rm.Author != nil && rm.Author.ID != me {
		return "" // a reply to someone else
	}
	if rm := m.ReferencedMessage; (rm != nil && rm.Author != nil && rm.Author.ID == me) || b.sent.has(ref.MessageID) {
		return ref.MessageID
	}
	return ""
}

// replyToMessage sends a rendered reply as replies to m.
func (b *Bot) replyToMessage(ctx context.Context, m *discordgo.Message, reply bot.Reply) {
	failIfGone := false
	ref := &discordgo.MessageReference{MessageID: m.ID, ChannelID: m.ChannelID, GuildID: m.GuildID, FailIfNotExists: &failIfGone}
	b.sendTo(ctx, m.ChannelID, ref, reply)
}

// sendTo sends a rendered reply to a channel, the first message as a
// reply to ref if set, and links each message to the answer so that a
// reply to it continues the conversation.
func (b *Bot) sendTo(ctx context.Context, channelID string, ref *discordgo.MessageReference, reply bot.Reply) {
	msgs, _ := renderReply(reply, b.asOf())
	b.remember(reply)
	for _, out := range msgs {
		p := newPayload(out, false)
		p.Reference = ref
		id, err := b.sendChannel(ctx, channelID, p)
		if err != nil {
			b.log.Error("discord reply failed", "request_id", reply.RequestID, "err", err)
			return
		}
		b.linkSent(channelID, id, reply)
	}
}

// linkSent remembers a message the bot sent with an answer.
func (b *Bot) linkSent(channelID, messageID string, reply bot.Reply) {
	if messageID == "" {
		return
	}
	if reply.Kind == bot.KindAnswer || reply.Kind == bot.KindFigures {
		b.core.Link(bot.PlatformDiscord, channelID, messageID, reply.RequestID)
	}
	b.sent.add(messageID) // last: tests wait for it to know the link is made
}

// mentions reports whether m mentions the user id.
func mentions(m *discordgo.Message, id string) bool {
	for _, u := range m.Mentions {
		if u != nil && u.ID == id {
			return true
		}
	}
	return strings.Contains(m.Content, "<@"+id+">") || strings.Contains(m.Content, "<@!"+id+">")
}

// stripMention removes mentions of the bot and folds white space.
func stripMention(content, id string) string {
	content = strings.NewReplacer("<@"+id+">", " ", "<@!"+id+">", " ").Replace(content)
	return strings.Join(strings.Fields(content), " ")
}

// onInteractionCreate serves slash commands and button presses.
func (b *Bot) onInteractionCreate(_ *discordgo.Session, ev *discordgo.InteractionCreate) {
	b.inflight.add()
	defer b.inflight.done()
	ctx, cancel := context.WithTimeout(b.handlerCtx, b.cfg.HandlerTimeout)
	defer cancel()
	// An interaction that did not decode (discordgo#1683) has no id or token:
	// nothing can be answered.
	if ev == nil || ev.Interaction == nil || ev.ID == "" || ev.Token == "" {
		b.log.Warn("discord interaction without id or token ignored")
		return
	}
	r := &responder{b: b, i: ev.Interaction}
	defer func() {
		if v := recover(); v != nil {
			reply := b.recovered(v)
			b.safely(func() { r.send(ctx, reply) })
		}
	}()
	switch ev.Type {
	case discordgo.InteractionApplicationCommand:
		if data, ok := ev.Data.(discordgo.ApplicationCommandInteractionData); ok {
			b.onCommand(ctx, r, data)
		}
	case discordgo.InteractionMessageComponent:
		if data, ok := ev.Data.(discordgo.MessageComponentInteractionData); ok {
			b.onComponent(ctx, r, data)
		}
	}
}

func (b *Bot) onCommand(ctx context.Context, r *responder, data discordgo.ApplicationCommandInteractionData) {
	req := bot.Request{Platform: bot.PlatformDiscord, UserID: interactionUser(r.i), ChatID: r.i.ChannelID, Group: r.i.GuildID != "", Locale: string(r.i.Locale)}
	switch data.Name {
	case "ask", "figures":
		// Acknowledge at once: the engine may take longer than the 3 s
		// Discord allows before the first response.
		if err := r.deferReply(ctx); err != nil {
			b.log.Error("discord interaction defer failed", "command", data.Name, "err", err)
			return
		}
		if data.Name == "ask" {
			req.Text = optionString(data, "question")
			r.send(ctx, r.askWithProgress(ctx, req))
		} else {
			r.send(ctx, b.core.Command(ctx, req, "figures", optionString(data, "topic")))
		}
	case "sources", "about", "subscriptions":
		r.send(ctx, b.core.Command(ctx, req, data.Name, ""))
	case "subscribe", "unsubscribe":
		r.send(ctx, b.core.Command(ctx, req, data.Name, optionString(data, "topic")))
	case "add":
		// Only the administrator sees the reply; fetching may take longer
		// than the 3 s before the first response.
		r.private = true
		if err := r.deferReply(ctx); err != nil {
			b.log.Error("discord interaction defer failed", "command", data.Name, "err", err)
			return
		}
		r.send(ctx, b.core.AddSource(ctx, req, optionString(data, "url"), false))
	default: // "help", and commands registered by an older version
		r.private = true
		r.send(ctx, b.core.Command(ctx, req, "help", ""))
	}
}

func (b *Bot) onComponent(ctx context.Context, r *responder, data discordgo.MessageComponentInteractionData) {
	r.private = true
	user := interactionUser(r.i)
	parts := strings.Split(data.CustomID, ":")
	lang := bot.LangFromLocale(string(r.i.Locale))
	if len(parts) < 2 || parts[1] == "" {
		if err := r.sendMessages(ctx, textMessages(bot.T(lang).UnknownButton)); err != nil {
			b.log.Error("discord button reply failed", "err", err)
		}
		return
	}
	action, id := parts[0], parts[1]
	turn, known := b.core.Turn(id)
	if known {
		lang = turn.Lang
	} else if a, ok := b.answers.get(id); ok {
		turn, known = bot.Turn{ID: id, Question: a.Question, Answer: a, Lang: lang}, true
	}
	t := bot.T(lang)
	var msgs []outMessage
	switch action {
	case actionSources:
		if !known {
			msgs = textMessages(t.Expired)
			break
		}
		msgs = sourcesDetail(lang, turn.Question, turn.Answer)
	case actionUp:
		msgs = textMessages(t.Thanks)
		if b.core.Vote(bot.PlatformDiscord, user, id, bot.VoteUp, "") == bot.VoteChanged {
			msgs = textMessages(t.VoteChanged)
		}
	case actionDown:
		b.core.Vote(bot.PlatformDiscord, user, id, bot.VoteDown, "")
		msgs = []outMessage{{Content: escapeMarkdown(t.WhyDown), Components: reasonButtons(lang, id)}}
	case actionWhy:
		i := -1
		if len(parts) == 3 {
			i, _ = strconv.Atoi(parts[2])
		}
		if i < 0 || i >= len(bot.Reasons) {
			msgs = textMessages(t.UnknownButton)
			break
		}
		b.core.Vote(bot.PlatformDiscord, user, id, bot.VoteDown, bot.Reasons[i])
		msgs = textMessages(t.ReasonSaved)
	default:
		msgs = textMessages(t.UnknownButton)
	}
	if err := r.sendMessages(ctx, msgs); err != nil {
		b.log.Error("discord button reply failed", "request_id", id, "err", err)
	}
}

func (b *Bot) remember(reply bot.Reply) {
	if reply.Kind == bot.KindAnswer || reply.Kind == bot.KindFigures {
		b.answers.put(reply.RequestID, reply.Answer)
	}
}

func (b *Bot) asOf() string { return b.core.About().AsOf }

func (b *Bot) recovered(v any) bot.Reply {
	reply := b.core.Recovered(bot.PlatformDiscord, v)
	b.log.Error("discord handler panic", "request_id", reply.RequestID, "stack", string(debug.Stack()))
	return reply
}

// safely runs f, logging a panic instead of crashing: it is used to send
// the apology after a panic.
func (b *Bot) safely(f func()) {
	defer func() {
		if v := recover(); v != nil {
			b.log.Error("discord panic while recovering", "panic", v)
		}
	}()
	f()
}

func interactionUser(i *discordgo.Interaction) string {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User.ID
	}
	if i.User != nil {
		return i.User.ID
	}
	return ""
}

// optionString returns a string option, or "" (the option's StringValue
// panics on other types).
func optionString(data discordgo.ApplicationCommandInteractionData, name string) string {
	for _, o := range data.Options {
		if o != nil && o.Name == name {
			s, _ := o.Value.(string)
			return s
		}
	}
	return ""
}

// responder answers one interaction: a first response (immediate or
// deferred), then edits and follow-ups.
type responder struct {
	b *Bot
	i *discordgo.Interaction
	// private makes every message ephemeral (help, button answers).
	private  bool
	acked    bool // a first response was sent
	deferred bool // it was the deferred "thinking" response
	edited   bool // the deferred response was replaced
	// progressed: a status replaced the "thinking" response; the answer's
	// edit must then clear what the status put there.
	progressed bool
}

// statusTimeout bounds one status edit: a lost status costs nothing.
const statusTimeout = 5 * time.Second

// askWithProgress asks the core, showing the engine's progress in the
// deferred response at most once a second.
func (r *responder) askWithProgress(ctx context.Context, req bot.Request) bot.Reply {
	pacer := bot.NewPacer(bot.ProgressDelay, bot.ProgressInterval, func(status string) { r.showStatus(ctx, status) })
	defer pacer.Stop()
	req.Progress = pacer.Update
	return r.b.core.Ask(ctx, req)
}

// showStatus puts a status in place of the deferred response. It runs on
// the Pacer's goroutine, which stops before the answer is sent.
func (r *responder) showStatus(ctx context.Context, status string) {
	if !r.deferred || r.edited {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	p := newPayload(outMessage{Content: "*" + escapeMarkdown(status) + "*"}, false)
	if err := r.b.editOriginal(ctx, r.i, p); err != nil {
		r.b.log.Debug("discord status edit failed", "err", err)
		return
	}
	r.progressed = true
}

func (r *responder) deferReply(ctx context.Context) error {
	err := r.b.respond(ctx, r.i, discordgo.InteractionResponseDeferredChannelMessageWithSource, newPayload(outMessage{}, r.private))
	if err == nil {
		r.acked, r.deferred = true, true
	}
	return err
}

// send renders and sends a core reply; notices for the asker alone (rate
// limit, invalid question) are ephemeral.
func (r *responder) send(ctx context.Context, reply bot.Reply) {
	msgs, private := renderReply(reply, r.b.asOf())
	r.b.remember(reply)
	if private {
		r.private = true
	}
	ids, err := r.sendMessagesID(ctx, msgs)
	for _, id := range ids {
		r.b.linkSent(r.i.ChannelID, id, reply)
	}
	if err != nil {
		r.b.log.Error("discord interaction reply failed", "request_id", reply.RequestID, "err", err)
	}
}

func (r *responder) sendMessages(ctx context.Context, msgs []outMessage) error {
	_, err := r.sendMessagesID(ctx, msgs)
	return err
}

// sendMessagesID sends msgs and returns the ids Discord reported for them
// (the first response of a callback reports none).
func (r *responder) sendMessagesID(ctx context.Context, msgs []outMessage) ([]string, error) {
	var ids []string
	for _, m := range msgs {
		p := newPayload(m, r.private)
		var err error
		var id string
		switch {
		case !r.acked:
			if err = r.b.respond(ctx, r.i, discordgo.InteractionResponseChannelMessageWithSource, p); err == nil {
				r.acked = true
			}
		case r.deferred && !r.edited && r.private:
			// The deferred response is public and cannot become ephemeral:
			// remove it and send the notice as an ephemeral follow-up.
			if err = r.b.deleteOriginal(ctx, r.i); err == nil {
				r.edited = true
				id, err = r.b.followupID(ctx, r.i, p)
			}
		case r.deferred && !r.edited:
			p.Flags = 0
			var body any = p
			if r.progressed {
				body = replacing(p)
			}
			if id, err = r.b.editOriginalID(ctx, r.i, body); err == nil {
				r.edited = true
			}
		default:
			id, err = r.b.followupID(ctx, r.i, p)
		}
		if err != nil {
			return ids, err
		}
		if id != "" {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// Notify posts an alert for a subscription to a channel (bot.Notifier).
func (b *Bot) Notify(ctx context.Context, channelID string, al bot.Alert) error {
	t := bot.T(al.Lang)
	header, _ := bot.AlertText(al)
	e := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Title: "🔔 " + fitEscaped(header, maxTitle-3), Color: colorInfo}
	var lines []string
	for _, it := range al.Items {
		line := "• " + link(fitEscaped(orUntitled(it.Title), 150), it.URL) + metaLang(al.Lang, it.Publisher, it.Date, 0, it.Note)
		if it.Figure != "" {
			line += "\n  **" + fitEscaped(it.Figure, 100) + "**"
		}
		if !al.Digest && it.Text != "" {
			line += "\n> " + fitEscaped(it.Text, 400)
		}
		lines = append(lines, line)
	}
	if chunks := packLines(lines, maxDescription); len(chunks) > 0 {
		e.Description = chunks[0]
	}
	e.Footer = &discordgo.MessageEmbedFooter{Text: hardCut("/unsubscribe "+al.Topic+" · "+t.Sources, maxFooter)}
	fitEmbed(e)
	_, err := b.sendChannel(ctx, channelID, newPayload(outMessage{Embeds: []*discordgo.MessageEmbed{e}}, false))
	return err
}
