package discord

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"dramabot/bot"
	"dramabot/knowledge"
)

// Discord's limits, in characters (runes). discordgo checks none of them.
const (
	maxContent     = 2000
	maxTitle       = 256
	maxDescription = 4096
	maxFields      = 25
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxFooter      = 2048
	maxEmbedTotal  = 6000
	// maxMessages bounds how many messages one reply may take (a long
	// source listing, the full passages behind an answer).
	maxMessages = 6
)

const (
	colorAnswer  = 0x5865F2
	colorAbstain = 0xFEE75C
	colorInfo    = 0x99AAB5
)

// Texts of the Discord surface. The shared ones live in package bot.
const (
	msgAbstained   = "The sources do not cover this question. The nearest passages are listed below."
	msgMentionHint = "I could not read a question in your message: without the Message Content intent I do not see message text here. Please ask with /ask followed by your question."
	helpDiscord    = "On Discord: use /ask, mention me with your question, or send me a direct message. Under each answer, “Sources” shows the quoted passages, and 👍 / 👎 tell us whether it helped."
	msgExpired     = "I no longer have that answer: please ask the question again to see its sources."
	msgThanks      = "Thanks for the feedback!"
	msgVoted       = "You already gave feedback on this answer."
	msgUnknownBtn  = "This button no longer works: please ask again."
	msgCut         = "… (cut to fit Discord's limits)"
)

// outMessage is one message to send; rest.go turns it into a payload.
type outMessage struct {
	Content    string
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
}

// renderReply renders a Reply as one or more messages and reports whether
// they concern only the asker (ephemeral where Discord allows it).
func renderReply(r bot.Reply, asOf string) (msgs []outMessage, private bool) {
	switch r.Kind {
	case bot.KindAnswer:
		return []outMessage{answerMessage(r.RequestID, r.Answer, asOf)}, false
	case bot.KindFigures:
		return []outMessage{figuresMessage(r.RequestID, r.Answer, asOf)}, false
	case bot.KindSources:
		return sourcesMessages(r.Sources, asOf), false
	case bot.KindAbout:
		return []outMessage{aboutMessage(r.About)}, false
	case bot.KindRateLimited, bot.KindInvalid, bot.KindRefused:
		return textMessages(r.Message), true
	default: // KindInfo, KindError
		return textMessages(r.Message), false
	}
}

// answerMessage renders an answer (or an abstention) as one embed with the
// Sources and feedback buttons.
func answerMessage(id string, a knowledge.Answer, asOf string) outMessage {
	e := &discordgo.MessageEmbed{
		Type:  discordgo.EmbedTypeRich,
		Title: fitEscaped(a.Question, maxTitle),
		Color: colorAnswer,
	}
	text := a.Text
	if a.Abstained {
		e.Color = colorAbstain
		if strings.TrimSpace(text) == "" {
			text = msgAbstained
		}
	}
	e.Description = fitEscaped(text, maxDescription)
	if len(a.Figures) > 0 {
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: "Figures", Value: fitEscaped(bot.FiguresLine(a.Figures), maxFieldValue)})
	}
	e.Fields = append(e.Fields, citationFields(a.Citations)...)
	if a.Abstained {
		blocks := make([]string, len(a.Related))
		for i, r := range a.Related {
			blocks[i] = fmt.Sprintf("%d. %s%s\n> %s", i+1, link(fitEscaped(r.Title, 150), r.URL),
				meta(r.Publisher, r.Date, r.Paragraph), fitEscaped(r.Text, 240))
		}
		e.Fields = append(e.Fields, packFields("Nearest passages", blocks)...)
	} else if len(a.Related) > 0 {
		var lines []string
		for _, r := range a.Related[:min(len(a.Related), 3)] {
			lines = append(lines, "• "+link(fitEscaped(r.Title, 150), r.URL)+meta(r.Publisher, r.Date, r.Paragraph))
		}
		e.Fields = append(e.Fields, packFields("Related", lines)...)
	}
	e.Footer = footer(asOf, id)
	if note := bot.GeneratedNote(a); note != "" {
		e.Footer.Text = hardCut(note+" · "+e.Footer.Text, maxFooter)
	}
	fitEmbed(e)
	return outMessage{Embeds: []*discordgo.MessageEmbed{e}, Components: buttons(id, true)}
}

// figuresMessage renders /figures: one line per figure, with its source.
func figuresMessage(id string, a knowledge.Answer, asOf string) outMessage {
	title := "Key figures"
	if strings.TrimSpace(a.Question) != "" {
		title += ": " + a.Question
	}
	lines := make([]string, len(a.Figures))
	for i, f := range a.Figures {
		lines[i] = "• " + fitEscaped(f.Label, 300) + " " + escapeMarkdown(knowledge.Marker(f.Citation))
	}
	description := ""
	if chunks := packLines(lines, maxDescription); len(chunks) > 0 {
		description = chunks[0]
	}
	e := &discordgo.MessageEmbed{
		Type:        discordgo.EmbedTypeRich,
		Title:       fitEscaped(title, maxTitle),
		Description: description,
		Color:       colorAnswer,
		Fields:      citationFields(a.Citations),
		Footer:      footer(asOf, id),
	}
	fitEmbed(e)
	return outMessage{Embeds: []*discordgo.MessageEmbed{e}, Components: buttons(id, false)}
}

// sourcesMessages renders /sources, over several messages for a large
// corpus.
func sourcesMessages(srcs []knowledge.SourceStat, asOf string) []outMessage {
	lines := make([]string, len(srcs))
	for i, s := range srcs {
		lines[i] = fmt.Sprintf("%d. %s%s · %d passages", i+1, link(fitEscaped(s.Title, 150), s.URL), meta(s.Publisher, s.Date, 0), s.Passages)
	}
	if len(lines) == 0 {
		lines = []string{"No sources are loaded."}
	}
	chunks := packLines(lines, maxDescription)
	if len(chunks) > maxMessages {
		chunks = chunks[:maxMessages]
		last := chunks[maxMessages-1]
		chunks[maxMessages-1] = hardCut(last, maxDescription-utf8.RuneCountInString(msgCut)-1) + "\n" + msgCut
	}
	msgs := make([]outMessage, len(chunks))
	for i, c := range chunks {
		e := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Description: c, Color: colorInfo}
		if i == 0 {
			e.Title = fmt.Sprintf("Sources (%d %s)", len(srcs), plural(len(srcs), "document"))
		}
		if i == len(chunks)-1 && asOf != "" {
			e.Footer = &discordgo.MessageEmbedFooter{Text: "Corpus as of " + asOf}
		}
		msgs[i] = outMessage{Embeds: []*discordgo.MessageEmbed{e}}
	}
	return msgs
}

func aboutMessage(ab knowledge.About) outMessage {
	field := func(name, value string) *discordgo.MessageEmbedField {
		if value == "" {
			value = "-"
		}
		return &discordgo.MessageEmbedField{Name: name, Value: fitEscaped(value, maxFieldValue), Inline: true}
	}
	e := &discordgo.MessageEmbed{
		Type:        discordgo.EmbedTypeRich,
		Title:       "About dramabot",
		Description: "Answers about the Chinese mini-series (短剧) market, quoted and cited from a fixed set of sources.",
		Color:       colorInfo,
		Fields: []*discordgo.MessageEmbedField{
			field("Sources", strconv.Itoa(ab.Sources)),
			field("Passages", strconv.Itoa(ab.Passages)),
			field("As of", ab.AsOf),
			field("Embedder", ab.Embedder),
			field("Version", ab.Version),
		},
	}
	fitEmbed(e)
	return outMessage{Embeds: []*discordgo.MessageEmbed{e}}
}

// textMessages splits plain text (our own messages, not escaped) into
// messages of at most maxContent characters.
func textMessages(s string) []outMessage {
	if strings.TrimSpace(s) == "" {
		s = bot.MsgApology
	}
	return contentMessages(strings.Split(s, "\n\n"))
}

// contentMessages packs blocks of (already escaped) text into at most
// maxMessages messages, saying so when the rest had to be cut. Blocks beyond
// what fits are dropped before splitting, to bound the work.
func contentMessages(blocks []string) []outMessage {
	budget := maxMessages * maxContent
	cut := false
	for i, b := range blocks {
		n := runeLen(b)
		if n > budget {
			blocks, cut = append(blocks[:i:i], hardCut(b, max(budget, 2))), true
			break
		}
		budget -= n
	}
	groups := bot.SplitBlocks(blocks, maxContent, nil)
	if len(groups) > maxMessages {
		groups, cut = groups[:maxMessages], true
	}
	msgs := make([]outMessage, len(groups))
	for i, g := range groups {
		msgs[i] = outMessage{Content: strings.Join(g, "\n\n")}
	}
	if cut && len(msgs) > 0 {
		last := &msgs[len(msgs)-1]
		last.Content = hardCut(last.Content, maxContent-runeLen(msgCut)-2) + "\n\n" + msgCut
	}
	return msgs
}

// sourcesDetail renders the full passages behind an answer, for the Sources
// button: the cited passages, or the nearest ones for an abstention.
func sourcesDetail(a knowledge.Answer) []outMessage {
	blocks := []string{"**Sources for:** " + fitEscaped(a.Question, 300)}
	for _, c := range a.Citations {
		blocks = append(blocks, passageBlock(escapeMarkdown(knowledge.Marker(c.N)), c.Title, c.Publisher, c.Date, c.URL, c.Paragraph, c.Quote))
	}
	if a.Abstained || len(a.Citations) == 0 {
		for i, r := range a.Related {
			blocks = append(blocks, passageBlock(strconv.Itoa(i+1)+".", r.Title, r.Publisher, r.Date, r.URL, r.Paragraph, r.Text))
		}
	}
	if len(blocks) == 1 {
		blocks = append(blocks, "No passages are attached to this answer.")
	}
	return contentMessages(blocks)
}

func passageBlock(label, title, publisher, date, rawURL string, paragraph int, text string) string {
	head := "**" + label + " " + fitEscaped(orUntitled(title), 200) + "**" + meta(publisher, date, paragraph)
	if u := safeURL(rawURL); u != "" {
		head += " <" + u + ">"
	}
	return head + "\n" + escapeMarkdown(strings.TrimSpace(text))
}

// citationFields lists the citations, one line each, over as many
// "Sources" fields as their length needs.
func citationFields(cs []knowledge.Citation) []*discordgo.MessageEmbedField {
	lines := make([]string, len(cs))
	for i, c := range cs {
		lines[i] = escapeMarkdown(knowledge.Marker(c.N)) + " " + link(fitEscaped(orUntitled(c.Title), 150), c.URL) + meta(c.Publisher, c.Date, c.Paragraph)
	}
	return packFields("Sources", lines)
}

func buttons(id string, feedback bool) []discordgo.MessageComponent {
	row := discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Sources", Style: discordgo.SecondaryButton, CustomID: customID(actionSources, id), Emoji: &discordgo.ComponentEmoji{Name: "📚"}},
	}}
	if feedback {
		row.Components = append(row.Components,
			discordgo.Button{Label: "Helpful", Style: discordgo.SecondaryButton, CustomID: customID(actionUp, id), Emoji: &discordgo.ComponentEmoji{Name: "👍"}},
			discordgo.Button{Label: "Not helpful", Style: discordgo.SecondaryButton, CustomID: customID(actionDown, id), Emoji: &discordgo.ComponentEmoji{Name: "👎"}},
		)
	}
	return []discordgo.MessageComponent{row}
}

// Button actions, the first part of a custom_id ("src:<request id>").
const (
	actionSources = "src"
	actionUp      = "up"
	actionDown    = "down"
)

func customID(action, requestID string) string { return action + ":" + requestID }

func parseCustomID(s string) (action, requestID string, ok bool) {
	action, requestID, ok = strings.Cut(s, ":")
	return action, requestID, ok && requestID != ""
}

func footer(asOf, id string) *discordgo.MessageEmbedFooter {
	text := "question id " + id
	if asOf != "" {
		text = "Sources as of " + asOf + " · " + text
	}
	return &discordgo.MessageEmbedFooter{Text: hardCut(text, maxFooter)}
}

// packFields packs lines into fields of at most maxFieldValue characters;
// the first is called name, the others "name (continued)".
func packFields(name string, lines []string) []*discordgo.MessageEmbedField {
	var fields []*discordgo.MessageEmbedField
	for i, v := range packLines(lines, maxFieldValue) {
		n := name
		if i > 0 {
			n += " (continued)"
		}
		fields = append(fields, &discordgo.MessageEmbedField{Name: hardCut(n, maxFieldName), Value: v})
	}
	return fields
}

// packLines joins lines with newlines into chunks of at most limit
// characters; a line longer than limit is cut. No lines give no chunks.
func packLines(lines []string, limit int) []string {
	var chunks []string
	cur := ""
	for _, l := range lines {
		l = hardCut(l, limit)
		switch {
		case l == "":
		case cur == "":
			cur = l
		case runeLen(cur)+1+runeLen(l) <= limit:
			cur += "\n" + l
		default:
			chunks = append(chunks, cur)
			cur = l
		}
	}
	if cur != "" {
		chunks = append(chunks, cur)
	}
	return chunks
}

// fitEmbed enforces the field count and the 6000-character total, dropping
// trailing fields first (Related, Nearest passages come last).
func fitEmbed(e *discordgo.MessageEmbed) {
	if len(e.Fields) > maxFields {
		e.Fields = e.Fields[:maxFields]
	}
	for embedSize(e) > maxEmbedTotal && len(e.Fields) > 0 {
		e.Fields = e.Fields[:len(e.Fields)-1]
	}
	if over := embedSize(e) - maxEmbedTotal; over > 0 {
		e.Description = hardCut(e.Description, runeLen(e.Description)-over)
	}
}

// embedSize counts the characters Discord counts toward the 6000 total.
func embedSize(e *discordgo.MessageEmbed) int {
	n := runeLen(e.Title) + runeLen(e.Description)
	if e.Footer != nil {
		n += runeLen(e.Footer.Text)
	}
	if e.Author != nil {
		n += runeLen(e.Author.Name)
	}
	for _, f := range e.Fields {
		n += runeLen(f.Name) + runeLen(f.Value)
	}
	return n
}

// meta renders ", Publisher, 2025-05-08, paragraph 2" for the parts known.
func meta(publisher, date string, paragraph int) string {
	var b strings.Builder
	if p := strings.TrimSpace(publisher); p != "" {
		b.WriteString(", " + fitEscaped(p, 100))
	}
	if d := strings.TrimSpace(date); d != "" {
		b.WriteString(", " + fitEscaped(d, 40))
	}
	if paragraph > 0 {
		b.WriteString(", paragraph " + strconv.Itoa(paragraph))
	}
	return b.String()
}

// link renders a masked link when the URL is a plain http(s) URL, and the
// (already escaped) text alone otherwise.
func link(text, rawURL string) string {
	u := safeURL(rawURL)
	if u == "" {
		return text
	}
	return "[" + text + "](" + u + ")"
}

// safeURL returns an http(s) URL that cannot break out of Markdown link
// syntax, or "" if the input is not one.
func safeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	s := strings.NewReplacer("(", "%28", ")", "%29", "<", "%3C", ">", "%3E", " ", "%20").Replace(u.String())
	if len(s) > 512 {
		return ""
	}
	return s
}

func orUntitled(title string) string {
	if strings.TrimSpace(title) == "" {
		return "(untitled)"
	}
	return title
}

// escapeMarkdown makes text from questions and documents show literally:
// no bold, links, spoilers, code, headings, quotes, or rendered mentions.
// Pings are prevented separately, by AllowedMentions.
func escapeMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	lineStart := true
	for _, r := range s {
		switch r {
		case '\\', '*', '_', '~', '`', '|', '[', ']', '<':
			b.WriteByte('\\')
		case '>', '#', '-', '+':
			if lineStart {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
		lineStart = r == '\n' || (lineStart && (r == ' ' || r == '\t'))
	}
	return b.String()
}

// fitEscaped folds white space, escapes Markdown and shortens the result to
// at most n characters, cutting the raw text at a word boundary so that no
// escape is cut in half. Only a prefix of a long text is looked at.
func fitEscaped(raw string, n int) string {
	head, cut := prefix(raw, 4*n+64)
	s := escapeMarkdown(strings.Join(strings.Fields(head), " "))
	if !cut && runeLen(s) <= n {
		return s
	}
	for k := n; k > 1; {
		s = escapeMarkdown(bot.Excerpt(head, k))
		if cut && !strings.HasSuffix(s, "…") {
			s += "…"
		}
		over := runeLen(s) - n
		if over <= 0 {
			return s
		}
		k -= over
	}
	return hardCut(s, n)
}

// prefix returns the first n runes of s and whether s was longer.
func prefix(s string, n int) (string, bool) {
	i := 0
	for j := range s {
		if i == n {
			return s[:j], true
		}
		i++
	}
	return s, false
}

// hardCut shortens s to at most n characters, marking the cut with an
// ellipsis and never leaving a dangling escape backslash.
func hardCut(s string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	if n <= 1 {
		return string([]rune(s)[:max(n, 0)])
	}
	cut := strings.TrimRight(string([]rune(s)[:n-1]), "\\")
	return cut + "…"
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
