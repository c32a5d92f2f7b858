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
	// maxPublishers bounds the publishers /sources lists one by one.
	maxPublishers = 30
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
	if r.Kind == bot.KindAnswer || r.Kind == bot.KindFigures {
		r.Answer = bot.ChatAnswer(r.Answer, r.Lang)
	}
	if msgs := pack(replyBlocks(r)); len(msgs) > 0 {
		return msgs
	}
	return []string{esc(bot.T(r.Lang).Apology)} // never leave a question unanswered
}

func replyBlocks(r bot.Reply) []string {
	switch r.Kind {
	case bot.KindAnswer:
		return answerBlocks(r, false)
	case bot.KindFigures:
		return figuresBlocks(r.Lang, r.Answer)
	case bot.KindTimeline:
		return timelineBlocks(r.Lang, r.Timeline)
	case bot.KindSources:
		return sourcesBlocks(r.Lang, r.Sources)
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

// Phone layout: the answer first, then at most bot.MaxFigures figures, then
// the sources as linked titles with publisher and date, each with a short
// quote in an expandable blockquote when the passage says more than the
// answer quotes. Related passages and full quotes are behind the "More
// sources" button (moreBlocks). A reply that follows up on an earlier one
// starts with how it was understood.

const (
	shortQuote  = 160 // the quote under a source in an answer
	fullQuote   = 1200
	maxNearest  = 3 // nearest passages named under an abstention
	minNewQuote = 24
)

// answerBlocks renders an answer. full adds the related passages and
// longer quotes (inline cards, which have no buttons).
func answerBlocks(r bot.Reply, full bool) []string {
	a := r.Answer
	t := bot.T(r.Lang)
	var blocks []string
	if r.Understood != "" {
		blocks = append(blocks, fit(t.UnderstoodAs+t.Colon+r.Understood, func(s string) string { return "<i>" + esc(s) + "</i>" })...)
	}
	blocks = append(blocks, textBlocks(a.Text)...)
	if len(a.Figures) > 0 {
		head := "<b>" + esc(t.Figures+strings.TrimSpace(t.Colon)) + "</b>" + strings.TrimLeft(t.Colon, ":：")
		blocks = append(blocks, fit(bot.FiguresLineLang(r.Lang, a.Figures), func(s string) string { return head + esc(s) })...)
	}
	if note := bot.GeneratedNote(a); note != "" {
		blocks = append(blocks, fit(note, func(s string) string { return "<i>" + esc(s) + "</i>" })...)
	}
	blocks = append(blocks, tableBlocks(r.Lang, a)...)
	quote := shortQuote
	if full {
		quote = quoteExcerpt
	}
	blocks = append(blocks, citationBlocks(r.Lang, a, quote)...)
	if a.Abstained && len(a.Related) > 0 {
		var lines []string
		for i, rel := range a.Related {
			if i == maxNearest && !full {
				break
			}
			line := strconv.Itoa(i+1) + ". " + sourceHTML(r.Lang, rel.Title, rel.URL, rel.Publisher, rel.Date, rel.Paragraph, nil)
			if full {
				if q := bot.Excerpt(rel.Text, relatedExcerpt); q != "" {
					line += "\n<blockquote expandable>" + esc(q) + "</blockquote>"
				}
			}
			lines = append(lines, line)
		}
		lines[0] = "<b>" + esc(t.Nearest) + "</b>\n" + lines[0]
		blocks = append(blocks, lineBlocks(lines)...)
	}
	return blocks
}

// citationBlocks renders the numbered sources, "[1] Title — publisher,
// date", the title linked, each with a quote of at most quote runes from
// its passage.
func citationBlocks(l bot.Lang, a knowledge.Answer, quote int) []string {
	var blocks []string
	for i, c := range a.Citations {
		blk := esc(knowledge.Marker(c.N)) + " " + sourceHTML(l, c.Title, c.URL, c.Publisher, c.Date, c.Paragraph, c.Note)
		// A market note states one fact, which the answer quotes: its
		// passage adds only the same fact in the other language.
		if q := quoteBeyond(c.Quote, a, quote); quote > 0 && q != "" && (c.Note == nil || len(a.Sentences) == 0) {
			blk += "\n<blockquote expandable>" + esc(q) + "</blockquote>"
		}
		if i == 0 {
			blk = "<b>" + esc(bot.T(l).Sources) + "</b>\n" + blk
		}
		blocks = append(blocks, bounded(blk)...)
	}
	return blocks
}

// quoteBeyond shortens a cited passage to what the answer does not already
// quote, or "" when that is next to nothing: the answer is the quote.
func quoteBeyond(passage string, a knowledge.Answer, n int) string {
	rest := passage
	for _, s := range a.Sentences {
		if s.Text != "" {
			rest = strings.Replace(rest, s.Text, " ", 1)
		}
	}
	rest = strings.Join(strings.Fields(rest), " ")
	if len([]rune(rest)) < minNewQuote {
		return ""
	}
	if rest != strings.Join(strings.Fields(passage), " ") {
		rest = "… " + rest
	}
	return bot.Excerpt(rest, n)
}

// moreBlocks renders what the "More sources" button shows: every cited
// passage in full, then the related (or nearest) passages.
func moreBlocks(t bot.Turn) []string {
	l := t.Lang
	tx := bot.T(l)
	a := bot.ChatAnswer(t.Answer, l)
	blocks := fit(tx.SourcesFor+" "+t.Question, func(s string) string { return "<b>" + esc(s) + "</b>" })
	for _, c := range a.Citations {
		blk := esc(knowledge.Marker(c.N)) + " " + sourceHTML(l, c.Title, c.URL, c.Publisher, c.Date, c.Paragraph, c.Note)
		if q := bot.Excerpt(c.Quote, fullQuote); q != "" {
			blk += "\n<blockquote expandable>" + esc(q) + "</blockquote>"
		}
		blocks = append(blocks, bounded(blk)...)
	}
	header := tx.Related
	if a.Abstained {
		header = tx.Nearest
	}
	for i, r := range a.Related {
		blk := strconv.Itoa(i+1) + ". " + sourceHTML(l, r.Title, r.URL, r.Publisher, r.Date, r.Paragraph, nil)
		if q := bot.Excerpt(r.Text, fullQuote); q != "" {
			blk += "\n<blockquote expandable>" + esc(q) + "</blockquote>"
		}
		if i == 0 {
			blk = "<b>" + esc(header) + "</b>\n" + blk
		}
		blocks = append(blocks, bounded(blk)...)
	}
	if len(blocks) == 1 {
		blocks = append(blocks, esc(tx.Expired))
	}
	return blocks
}

// sourceHTML renders where a passage comes from: the title (for a market
// note, its page's title) linked to the source, then "— publisher, date"
// or "— note on publisher, date, citing producer".
func sourceHTML(l bot.Lang, title, rawURL, publisher, date string, paragraph int, note *knowledge.NoteInfo) string {
	s := esc(bot.Excerpt(bot.CiteTitle(title, note), titleExcerpt))
	if s == "" {
		s = "(untitled)"
	}
	if u := safeURL(rawURL); u != "" {
		s = `<a href="` + esc(u) + `">` + s + `</a>`
	}
	if meta := bot.CiteMeta(l, bot.Excerpt(publisher, publisherExcerpt), bot.Excerpt(date, 40), paragraph, note); meta != "" {
		s += " — " + esc(meta)
	}
	return s
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
func figuresBlocks(l bot.Lang, a knowledge.Answer) []string {
	t := bot.T(l)
	head := "<b>" + esc(t.KeyFigures) + "</b>"
	if q := bot.Excerpt(a.Question, 100); q != "" {
		head += " — " + esc(q)
	}
	blocks := []string{head}
	blocks = append(blocks, textBlocks(a.Text)...)
	n := min(len(a.Figures), bot.MaxFigures*2)
	lines := make([]string, 0, n+1)
	for _, f := range a.Figures[:n] {
		lines = append(lines, "• "+esc(f.Label+" "+knowledge.Marker(f.Citation)))
	}
	if more := len(a.Figures) - n; more > 0 {
		lines = append(lines, esc(fmt.Sprintf("+%d %s", more, t.MoreFigures)))
	}
	blocks = append(blocks, lineBlocks(lines)...)
	return append(blocks, citationBlocks(l, knowledge.Answer{Citations: a.Citations}, 0)...)
}

// sourcesBlocks renders /sources: the corpus grouped by publisher, with
// counts and date ranges.
func sourcesBlocks(l bot.Lang, srcs []knowledge.SourceStat) []string {
	if len(srcs) == 0 {
		return []string{esc(bot.T(l).NoSources)}
	}
	lines := []string{"<b>" + esc(bot.T(l).Sources) + "</b>" + esc(bot.T(l).Colon+bot.SourcesHead(l, srcs))}
	if t := bot.TopicsLine(l, srcs); t != "" {
		lines = append(lines, esc(t))
	}
	shown, rest := bot.ChatGroups(bot.GroupSources(srcs), maxPublishers)
	for _, g := range shown {
		name := esc(bot.Excerpt(g.Publisher, publisherExcerpt))
		if u := safeURL(g.URL); u != "" && g.Notes == 0 {
			name = `<a href="` + esc(u) + `">` + name + `</a>`
		}
		lines = append(lines, "• "+name+" — "+esc(bot.GroupLine(l, g)))
	}
	if r := bot.RestLine(l, rest, 600); r != "" {
		lines = append(lines, "• "+esc(r))
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
	if r.Kind == bot.KindAnswer {
		r.Answer = bot.ChatAnswer(r.Answer, r.Lang)
	}
	id := r.RequestID
	if id == "" {
		id = bot.NewRequestID()
	}
	a := r.Answer
	switch {
	case r.Kind == bot.KindAnswer && a.Abstained:
		return []models.InlineQueryResult{article("n-"+id, bot.T(r.Lang).Abstained, bot.Excerpt(a.Text, 150),
			oneMessage(answerBlocks(r, true), answerBlocks(r, false)))}
	case r.Kind == bot.KindAnswer:
		short := r
		short.Answer.Text = bot.Excerpt(a.Text, 1000)
		out := []models.InlineQueryResult{article("a-"+id, bot.Excerpt(a.Text, 80), citedBy(a.Citations),
			oneMessage(answerBlocks(r, false), answerBlocks(short, false)))}
		for i, f := range a.Figures {
			if i == maxInlineFigures {
				break
			}
			out = append(out, figureCard(r.Lang, fmt.Sprintf("f%d-%s", i+1, id), f, a))
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

func figureCard(l bot.Lang, id string, f knowledge.Figure, a knowledge.Answer) models.InlineQueryResult {
	text := "<b>" + esc(f.Label) + "</b> " + esc(knowledge.Marker(f.Citation))
	desc := ""
	for _, c := range a.Citations {
		if c.N == f.Citation {
			text += "\n\n" + esc(knowledge.Marker(c.N)) + " " + sourceHTML(l, c.Title, c.URL, c.Publisher, c.Date, c.Paragraph, c.Note)
			if q := bot.Excerpt(c.Quote, quoteExcerpt); q != "" {
				text += "\n<blockquote expandable>" + esc(q) + "</blockquote>"
			}
			desc = bot.CitationSource(l, c)
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
