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

// Texts of the Discord surface. The shared ones, in both languages, live
// in package bot (bot.T).
const (
	msgMentionHint = "I could not read a question in your message: without the Message Content intent I do not see message text here. Please ask with /ask followed by your question."
	msgCut         = "… (cut to fit Discord's limits)"
)

// outMessage is one message to send; rest.go turns it into a payload.
type outMessage struct {
	Content    string
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
	// Files are uploaded with the message; an embed shows one as
	// "attachment://NAME".
	Files []attachment
}

// attachment is a file to upload.
type attachment struct {
	Name, ContentType string
	Data              []byte
}

// renderReply renders a Reply as one or more messages and reports whether
// they concern only the asker (ephemeral where Discord allows it).
func renderReply(r bot.Reply, asOf string) (msgs []outMessage, private bool) {
	if r.Kind == bot.KindAnswer || r.Kind == bot.KindFigures {
		r.Answer = bot.ChatAnswer(r.Answer, r.Lang)
	}
	switch r.Kind {
	case bot.KindAnswer:
		return []outMessage{answerMessage(r, asOf)}, false
	case bot.KindFigures:
		return []outMessage{figuresMessage(r, asOf)}, false
	case bot.KindTimeline:
		return []outMessage{timelineMessage(r, asOf)}, false
	case bot.KindSources:
		return sourcesMessages(r.Lang, r.Sources, asOf), false
	case bot.KindAbout:
		return []outMessage{aboutMessage(r.Lang, r.About)}, false
	case bot.KindRateLimited, bot.KindInvalid, bot.KindRefused:
		return textMessages(r.Message), true
	default: // KindInfo, KindError
		return textMessages(r.Message), false
	}
}

// answerMessage renders an answer (or an abstention) as one embed that
// reads well on a phone: the answer first, at most bot.MaxFigures figures,
// the sources as linked titles with publisher and date; the quoted passages
// and related ones are behind the Sources button.
func answerMessage(r bot.Reply, asOf string) outMessage {
	a := r.Answer
	t := bot.T(r.Lang)
	e := &discordgo.MessageEmbed{
		Type:  discordgo.EmbedTypeRich,
		Title: fitEscaped(a.Question, maxTitle),
		Color: colorAnswer,
	}
	text := a.Text
	if a.Abstained {
		e.Color = colorAbstain
		if strings.TrimSpace(text) == "" {
			text = t.Abstained
		}
	}
	desc := fitEscaped(text, maxDescription)
	if r.Understood != "" {
		desc = "*" + fitEscaped(t.UnderstoodAs+t.Colon+r.Understood, 300) + "*\n\n" + desc
	}
	e.Description = hardCut(desc, maxDescription)
	if len(a.Figures) > 0 {
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: t.Figures, Value: fitEscaped(bot.FiguresLineLang(r.Lang, a.Figures), maxFieldValue)})
	}
	e.Fields = append(e.Fields, tableFields(r.Lang, a)...)
	e.Fields = append(e.Fields, citationFields(r.Lang, a.Citations)...)
	if a.Abstained && len(a.Related) > 0 {
		var lines []string
		for i, rel := range a.Related[:min(len(a.Related), 3)] {
			lines = append(lines, fmt.Sprintf("%d. %s%s", i+1, link(fitEscaped(orUntitled(rel.Title), 150), rel.URL), metaLang(r.Lang, rel.Publisher, rel.Date, rel.Paragraph, nil)))
		}
		e.Fields = append(e.Fields, packFields(t.Nearest, lines)...)
	}
	e.Footer = footer(r.Lang, asOf)
	if note := bot.GeneratedNote(a); note != "" {
		if e.Footer == nil {
			e.Footer = &discordgo.MessageEmbedFooter{}
		}
		e.Footer.Text = hardCut(strings.TrimSuffix(note+" · "+e.Footer.Text, " · "), maxFooter)
	}
	fitEmbed(e)
	return outMessage{Embeds: []*discordgo.MessageEmbed{e}, Components: buttons(r.Lang, r.RequestID, true)}
}

// figuresMessage renders /figures: one line per figure, with its source.
func figuresMessage(r bot.Reply, asOf string) outMessage {
	a := r.Answer
	t := bot.T(r.Lang)
	title := t.KeyFigures
	if strings.TrimSpace(a.Question) != "" {
		title += ": " + a.Question
	}
	n := min(len(a.Figures), 2*bot.MaxFigures)
	lines := make([]string, 0, n+1)
	for _, f := range a.Figures[:n] {
		lines = append(lines, "• "+fitEscaped(f.Label, 300)+" "+escapeMarkdown(knowledge.Marker(f.Citation)))
	}
	if more := len(a.Figures) - n; more > 0 {
		lines = append(lines, fmt.Sprintf("+%d %s", more, t.MoreFigures))
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
		Fields:      citationFields(r.Lang, a.Citations),
		Footer:      footer(r.Lang, asOf),
	}
	fitEmbed(e)
	return outMessage{Embeds: []*discordgo.MessageEmbed{e}, Components: buttons(r.Lang, r.RequestID, false)}
}

// sourcesMessages renders /sources: the corpus grouped by publisher, with
// counts and date ranges.
func sourcesMessages(l bot.Lang, srcs []knowledge.SourceStat, asOf string) []outMessage {
	t := bot.T(l)
	var lines []string
	if tl := bot.TopicsLine(l, srcs); tl != "" {
		lines = append(lines, fitEscaped(tl, 1000))
	}
	shown, rest := bot.ChatGroups(bot.GroupSources(srcs), 30)
	for _, g := range shown {
		name := fitEscaped(g.Publisher, 100)
		if g.Notes == 0 && g.URL != "" {
			name = link(name, g.URL)
		}
		lines = append(lines, "• "+name+" — "+fitEscaped(bot.GroupLine(l, g), 600))
	}
	if r := bot.RestLine(l, rest, 600); r != "" {
		lines = append(lines, "• "+fitEscaped(r, 1000))
	}
	if len(lines) == 0 {
		lines = []string{t.NoSources}
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
			e.Title = fitEscaped(t.Sources+t.Colon+bot.SourcesHead(l, srcs), maxTitle)
		}
		if i == len(chunks)-1 {
			e.Footer = footer(l, asOf)
		}
		msgs[i] = outMessage{Embeds: []*discordgo.MessageEmbed{e}}
	}
	return msgs
}

func aboutMessage(l bot.Lang, ab knowledge.About) outMessage {
	field := func(name, value string) *discordgo.MessageEmbedField {
		if value == "" {
			value = "-"
		}
		return &discordgo.MessageEmbedField{Name: name, Value: fitEscaped(value, maxFieldValue), Inline: true}
	}
	names := [...]string{"About dramabot", "Answers about the Chinese mini-series (短剧) market, quoted and cited from a fixed set of sources.", "Sources", "Passages", "As of", "Embedder", "Version"}
	if l == bot.LangZH {
		names = [...]string{"关于 dramabot", "根据固定的一组资料回答关于中国短剧市场的问题，引用并注明出处。", "资料", "段落", "截至", "嵌入模型", "版本"}
	}
	e := &discordgo.MessageEmbed{
		Type:        discordgo.EmbedTypeRich,
		Title:       names[0],
		Description: names[1],
		Color:       colorInfo,
		Fields: []*discordgo.MessageEmbedField{
			field(names[2], strconv.Itoa(ab.Sources)),
			field(names[3], strconv.Itoa(ab.Passages)),
			field(names[4], ab.AsOf),
			field(names[5], ab.Embedder),
			field(names[6], ab.Version),
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
// button: the cited passages, then the related ones (the nearest ones for
// an abstention).
func sourcesDetail(l bot.Lang, question string, a knowledge.Answer) []outMessage {
	a = bot.ChatAnswer(a, l)
	t := bot.T(l)
	head := strings.TrimSpace(question)
	if head == "" {
		head = t.KeyFigures
	}
	blocks := []string{"**" + escapeMarkdown(t.SourcesFor) + "** " + fitEscaped(head, 300)}
	for _, c := range a.Citations {
		blocks = append(blocks, passageBlock(l, escapeMarkdown(knowledge.Marker(c.N)), c.Title, c.Publisher, c.Date, c.URL, c.Paragraph, c.Note, c.Quote))
	}
	if len(a.Related) > 0 {
		header := t.Related
		if a.Abstained || len(a.Citations) == 0 {
			header = t.Nearest
		}
		blocks = append(blocks, "**"+escapeMarkdown(header)+"**")
		for i, r := range a.Related {
			blocks = append(blocks, passageBlock(l, strconv.Itoa(i+1)+".", r.Title, r.Publisher, r.Date, r.URL, r.Paragraph, nil, r.Text))
		}
	}
	if len(blocks) == 1 {
		blocks = append(blocks, escapeMarkdown(t.Expired))
	}
	return contentMessages(blocks)
}

func passageBlock(l bot.Lang, label, title, publisher, date, rawURL string, paragraph int, note *knowledge.NoteInfo, text string) string {
	head := "**" + label + " " + fitEscaped(orUntitled(bot.CiteTitle(title, note)), 200) + "**" + metaLang(l, publisher, date, paragraph, note)
	if u := safeURL(rawURL); u != "" {
		head += " <" + u + ">"
	}
	return head + "\n" + escapeMarkdown(strings.TrimSpace(text))
}

// citationFields lists the citations, one line each, over as many
// "Sources" fields as their length needs.
func citationFields(l bot.Lang, cs []knowledge.Citation) []*discordgo.MessageEmbedField {
	lines := make([]string, len(cs))
	for i, c := range cs {
		lines[i] = escapeMarkdown(knowledge.Marker(c.N)) + " " + link(fitEscaped(orUntitled(bot.CiteTitle(c.Title, c.Note)), 150), c.URL) + metaLang(l, c.Publisher, c.Date, c.Paragraph, c.Note)
	}
	return packFields(bot.T(l).Sources, lines)
}

func buttons(l bot.Lang, id string, feedback bool) []discordgo.MessageComponent {
	t := bot.T(l)
	row := discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: t.Sources, Style: discordgo.SecondaryButton, CustomID: customID(actionSources, id), Emoji: &discordgo.ComponentEmoji{Name: "📚"}},
	}}
	if feedback {
		row.Components = append(row.Components,
			discordgo.Button{Label: t.Helpful, Style: discordgo.SecondaryButton, CustomID: customID(actionUp, id), Emoji: &discordgo.ComponentEmoji{Name: "👍"}},
			discordgo.Button{Label: t.NotHelpful, Style: discordgo.SecondaryButton, CustomID: customID(actionDown, id), Emoji: &discordgo.ComponentEmoji{Name: "👎"}},
		)
	}
	return []discordgo.MessageComponent{row}
}

// reasonButtons ask why an answer did not help ("why:<id>:<n>").
func reasonButtons(l bot.Lang, id string) []discordgo.MessageComponent {
	t := bot.T(l)
	row := discordgo.ActionsRow{}
	for i, r := range bot.Reasons {
		row.Components = append(row.Components, discordgo.Button{
			Label: t.Reasons[r], Style: discordgo.SecondaryButton, CustomID: actionWhy + ":" + id + ":" + strconv.Itoa(i),
		})
	}
	return []discordgo.MessageComponent{row}
}

// Button actions, the first part of a custom_id ("src:<request id>").
const (
	actionSources = "src"
	actionUp      = "up"
	actionDown    = "down"
	actionWhy     = "why" // "why:<request id>:<reason index>"
)

func customID(action, requestID string) string { return action + ":" + requestID }

func parseCustomID(s string) (action, requestID string, ok bool) {
	action, requestID, ok = strings.Cut(s, ":")
	return action, requestID, ok && requestID != ""
}

// footer says how recent the sources are; nil when that is unknown.
func footer(l bot.Lang, asOf string) *discordgo.MessageEmbedFooter {
	if asOf == "" {
		return nil
	}
	return &discordgo.MessageEmbedFooter{Text: hardCut(bot.T(l).SourcesAsOf+" "+asOf, maxFooter)}
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

// metaLang renders " — publisher, date, paragraph 2" or, for a market
// note, " — note on publisher, date, citing producer".
func metaLang(l bot.Lang, publisher, date string, paragraph int, note *knowledge.NoteInfo) string {
	m := bot.CiteMeta(l, bot.Excerpt(publisher, 100), bot.Excerpt(date, 40), paragraph, note)
	if m == "" {
		return ""
	}
	return " — " + fitEscaped(m, 300)
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

func runeLen(s string) int { return utf8.RuneCountInString(s) }
