package telegram

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"

	"dramabot/bot"
	"dramabot/knowledge"
)

// MaxMessageLen is Telegram's limit on a message, in UTF-16 code units of
// the text after entity parsing. Parts are measured as rendered HTML,
// which is never shorter, so every part fits.
const MaxMessageLen = 4096

// Excerpt lengths, in runes, as in bot.PlainBlocks.
const (
	quoteExcerpt     = 300
	relatedExcerpt   = 240
	titleExcerpt     = 200
	publisherExcerpt = 100
	maxURLLen        = 2048
	maxInlineFigures = 10
)

// Rendering rules: every piece of text goes through esc, markup is added
// only around escaped text, and each block is rendered on its own and kept
// under the limit, so that packing blocks into messages (bot.SplitBlocks)
// never cuts a tag or an entity.

func esc(s string) string { return html.EscapeString(s) }

// htmlLen measures rendered HTML in UTF-16 code units.
func htmlLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// renderReply renders a reply as HTML messages, each within MaxMessageLen.
func renderReply(r bot.Reply) []string {
	if msgs := pack(replyBlocks(r)); len(msgs) > 0 {
		return msgs
	}
	return []string{esc(bot.MsgApology)} // never leave a question unanswered
}

func replyBlocks(r bot.Reply) []string {
	switch r.Kind {
	case bot.KindAnswer:
		return answerBlocks(r.Answer, true)
	case bot.KindFigures:
		return figuresBlocks(r.Answer)
	case bot.KindSources:
		return sourcesBlocks(r.Sources)
	default: // about, info, rate limited, invalid, refused, error
		return textBlocks(r.Message)
	}
}

// pack joins blocks into as few messages as fit, with a blank line
// between blocks.
func pack(blocks []string) []string {
	var msgs []string
	for _, m := range bot.SplitBlocks(blocks, MaxMessageLen, htmlLen) {
		msgs = append(msgs, strings.Join(m, "\n\n"))
	}
	return msgs
}

// fit renders plain text with render and, if the result is over the limit,
// cuts the plain text (at line, sentence, word, then rune boundaries) into
// pieces that each fit once rendered on their own.
func fit(plain string, render func(string) string) []string {
	if out := render(plain); htmlLen(out) <= MaxMessageLen {
		return []string{out}
	}
	var out []string
	for _, msg := range bot.SplitBlocks([]string{plain}, MaxMessageLen, func(s string) int { return htmlLen(render(s)) }) {
		for _, piece := range msg {
			out = append(out, render(piece))
		}
	}
	return out
}

// bounded keeps a composite block (markup around several texts, each
// already shortened) under the limit; it should always be, but if not, the
// block is sent as escaped text without markup rather than cut.
func bounded(block string) []string {
	if htmlLen(block) <= MaxMessageLen {
		return []string{block}
	}
	return fit(htmlToText(block), esc)
}

var paragraphRE = regexp.MustCompile(`\n[ \t]*\n`)

func paragraphs(s string) []string {
	var out []string
	for _, p := range paragraphRE.Split(s, -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// textBlocks renders a message of plain paragraphs.
func textBlocks(s string) []string {
	var blocks []string
	for _, p := range paragraphs(s) {
		blocks = append(blocks, fit(p, esc)...)
	}
	return blocks
}

// lineBlocks groups rendered lines into blocks of lines under the limit.
func lineBlocks(lines []string) []string {
	var blocks []string
	cur := ""
	for _, l := range lines {
		for _, piece := range bounded(l) {
			if cur != "" && htmlLen(cur)+1+htmlLen(piece) > MaxMessageLen {
				blocks = append(blocks, cur)
				cur = ""
			}
			if cur != "" {
				cur += "\n"
			}
			cur += piece
		}
	}
	if cur != "" {
		blocks = append(blocks, cur)
	}
	return blocks
}

// answerBlocks renders an answer like bot.PlainBlocks: the text with its
// citation markers, the figures, the numbered sources with the quoted
// passages, then the related passages (the nearest passages, for an
// abstention). quotes=false leaves the quotes and related passages out.
func answerBlocks(a knowledge.Answer, quotes bool) []string {
	blocks := textBlocks(a.Text)
	if len(a.Figures) > 0 {
		blocks = append(blocks, fit(bot.FiguresLine(a.Figures), func(s string) string { return "<b>Figures:</b> " + esc(s) })...)
	}
	if note := bot.GeneratedNote(a); note != "" {
		blocks = append(blocks, fit(note, func(s string) string { return "<i>" + esc(s) + "</i>" })...)
	}
	blocks = append(blocks, citationBlocks(a.Citations, quotes)...)
	if !quotes || len(a.Related) == 0 {
		return blocks
	}
	header := "Related:"
	if a.Abstained {
		header = "Nearest passages:"
	}
	for i, r := range a.Related {
		blk := strconv.Itoa(i+1) + ". " + sourceHTML(r.Title, r.URL, r.Publisher, r.Date, r.Paragraph)
		if t := bot.Excerpt(r.Text, relatedExcerpt); t != "" {
			blk += "\n<blockquote>" + esc(t) + "</blockquote>"
		}
		if i == 0 {
			blk = "<b>" + header + "</b>\n" + blk
		}
		blocks = append(blocks, bounded(blk)...)
	}
	return blocks
}

// citationBlocks renders the numbered source list: "[1] "Title", Publisher,
// date, paragraph N", the title linked to the source's url if it has one,
// and the cited passage in an expandable quote.
func citationBlocks(cs []knowledge.Citation, quotes bool) []string {
	var blocks []string
	for i, c := range cs {
		blk := citationHTML(c, quotes)
		if i == 0 {
			blk = "<b>Sources</b>\n" + blk
		}
		blocks = append(blocks, bounded(blk)...)
	}
	return blocks
}

func citationHTML(c knowledge.Citation, quote bool) string {
	s := esc(knowledge.Marker(c.N)) + " " + sourceHTML(c.Title, c.URL, c.Publisher, c.Date, c.Paragraph)
	if q := bot.Excerpt(c.Quote, quoteExcerpt); quote && q != "" {
		s += "\n<blockquote expandable>" + esc(q) + "</blockquote>"
	}
	return s
}

// sourceHTML renders where a passage comes from, as knowledge.Citation's
// Source does, with the title linked instead of the url spelled out.
func sourceHTML(title, rawURL, publisher, date string, paragraph int) string {
	s := esc(quoteTitle(bot.Excerpt(title, titleExcerpt)))
	if u := safeURL(rawURL); u != "" {
		s = `<a href="` + esc(u) + `">` + s + `</a>`
	}
	for _, part := range []string{bot.Excerpt(publisher, publisherExcerpt), bot.Excerpt(date, 40)} {
		if part != "" {
			s += ", " + esc(part)
		}
	}
	if paragraph > 0 {
		s += ", paragraph " + strconv.Itoa(paragraph)
	}
	return s
}

func quoteTitle(t string) string {
	switch {
	case t == "":
		return `"(untitled)"`
	case strings.ContainsAny(t, "\"\\"):
		return strconv.Quote(t)
	}
	return `"` + t + `"`
}

// safeURL returns u if it is a plain http(s) link, else "" (shown without
// a link).
func safeURL(raw string) string {
	if raw == "" || len(raw) > maxURLLen {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}

// figuresBlocks renders /figures: one line per figure with its citation
// marker, then the sources.
func figuresBlocks(a knowledge.Answer) []string {
	head := "<b>Key figures</b>"
	if t := bot.Excerpt(a.Question, 100); t != "" {
		head += " — " + esc(t)
	}
	blocks := []string{head}
	blocks = append(blocks, textBlocks(a.Text)...)
	lines := make([]string, len(a.Figures))
	for i, f := range a.Figures {
		lines[i] = "• " + esc(f.Label+" "+knowledge.Marker(f.Citation))
	}
	blocks = append(blocks, lineBlocks(lines)...)
	return append(blocks, citationBlocks(a.Citations, true)...)
}

// sourcesBlocks renders /sources like bot.SourcesText, titles linked.
func sourcesBlocks(srcs []knowledge.SourceStat) []string {
	if len(srcs) == 0 {
		return []string{"No sources are loaded yet."}
	}
	noun := "documents"
	if len(srcs) == 1 {
		noun = "document"
	}
	lines := []string{fmt.Sprintf("<b>Sources</b> (%d %s)", len(srcs), noun)}
	for i, s := range srcs {
		title := esc(bot.Excerpt(s.Title, titleExcerpt))
		if title == "" {
			title = "(untitled)"
		}
		if u := safeURL(s.URL); u != "" {
			title = `<a href="` + esc(u) + `">` + title + `</a>`
		}
		publisher := bot.Excerpt(s.Publisher, publisherExcerpt)
		if publisher == "" {
			publisher = "-"
		}
		line := fmt.Sprintf("%d. %s — %s", i+1, title, esc(publisher))
		if s.Date != "" {
			line += ", " + esc(bot.Excerpt(s.Date, 40))
		}
		lines = append(lines, line+fmt.Sprintf(", %d passages", s.Passages))
	}
	return lineBlocks(lines)
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// htmlToText turns rendered HTML back into the text it shows.
func htmlToText(s string) string {
	return html.UnescapeString(tagRE.ReplaceAllString(s, ""))
}

// inlineResults renders a reply as inline cards: for an answer, one card
// with the cited answer and one per figure (a sourced figure to drop into
// any chat); otherwise one card saying why there is no answer.
func inlineResults(r bot.Reply) []models.InlineQueryResult {
	id := r.RequestID
	if id == "" {
		id = bot.NewRequestID()
	}
	a := r.Answer
	switch {
	case r.Kind == bot.KindAnswer && a.Abstained:
		return []models.InlineQueryResult{article("n-"+id, "Not covered by the sources", bot.Excerpt(a.Text, 150),
			oneMessage(answerBlocks(a, true), answerBlocks(a, false)))}
	case r.Kind == bot.KindAnswer:
		short := a
		short.Text = bot.Excerpt(a.Text, 1000)
		out := []models.InlineQueryResult{article("a-"+id, bot.Excerpt(a.Text, 80), citedBy(a.Citations),
			oneMessage(answerBlocks(a, false), answerBlocks(short, false)))}
		for i, f := range a.Figures {
			if i == maxInlineFigures {
				break
			}
			out = append(out, figureCard(fmt.Sprintf("f%d-%s", i+1, id), f, a.Citations))
		}
		return out
	}
	msg := r.Message
	if msg == "" {
		msg = bot.MsgApology
	}
	return []models.InlineQueryResult{article("m-"+id, bot.Excerpt(msg, 64), bot.Excerpt(msg, 150), oneMessage(textBlocks(msg)))}
}

// inlineHint is the card shown before anything is typed.
func inlineHint() []models.InlineQueryResult {
	return []models.InlineQueryResult{article("hint", "Ask about the Chinese mini-series (短剧) market",
		"Type a question, e.g. How many jobs has the mini series boom created?", oneMessage(textBlocks(bot.StartText)))}
}

func figureCard(id string, f knowledge.Figure, cs []knowledge.Citation) models.InlineQueryResult {
	text := "<b>" + esc(f.Label) + "</b> " + esc(knowledge.Marker(f.Citation))
	desc := ""
	for _, c := range cs {
		if c.N == f.Citation {
			text += "\n\n" + citationHTML(c, true)
			desc = c.Source()
			break
		}
	}
	return article(id, bot.Excerpt(f.Label, 80), bot.Excerpt(desc, 150), oneMessage(bounded(text)))
}

func citedBy(cs []knowledge.Citation) string {
	var parts []string
	for _, c := range cs {
		p := c.Publisher
		if p == "" {
			p = c.Title
		}
		if c.Date != "" {
			p += ", " + c.Date
		}
		parts = append(parts, knowledge.Marker(c.N)+" "+p)
	}
	return bot.Excerpt(strings.Join(parts, "; "), 150)
}

// oneMessage returns the first variant that fits in one message, or the
// first message of the last one.
func oneMessage(variants ...[]string) string {
	var msgs []string
	for _, v := range variants {
		if msgs = pack(v); len(msgs) == 1 {
			return msgs[0]
		}
	}
	if len(msgs) == 0 {
		return esc(bot.MsgApology)
	}
	return msgs[0]
}

func article(id, title, desc, text string) *models.InlineQueryResultArticle {
	if title == "" {
		title = "dramabot"
	}
	return &models.InlineQueryResultArticle{
		ID: id, Title: title, Description: desc,
		InputMessageContent: &models.InputTextMessageContent{
			MessageText: text, ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview,
		},
	}
}
