package telegram

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/go-telegram/bot/models"

	"dramabot/bot"
	"dramabot/bot/telegram/telegramtest"
	"dramabot/knowledge"
)

// fuzzAnswer builds an answer whose every text comes from the fuzzer.
// Documents and questions reach the renderer as valid UTF-8 (the loader
// and bot.Core make sure of it), so invalid bytes are replaced here.
func fuzzAnswer(question, text, title, url, quote, label string, n uint8, abstained bool) knowledge.Answer {
	v := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
	question, text, title, url, quote, label = v(question), v(text), v(title), v(url), v(quote), v(label)
	a := knowledge.Answer{Question: question, Text: text, Abstained: abstained}
	for i := range 1 + int(n%6) {
		c := knowledge.Citation{
			N: i + 1, PassageID: "doc#" + strconv.Itoa(i), SourceID: "doc", Title: title + strings.Repeat(" "+label, i),
			Publisher: label, Date: label, URL: url, Paragraph: i, Quote: strings.Repeat(quote, 1+i),
		}
		a.Citations = append(a.Citations, c)
		a.Figures = append(a.Figures, knowledge.Figure{Text: label, Label: label + " " + title, Citation: i + 1})
		a.Related = append(a.Related, knowledge.Related{PassageID: "doc#r" + strconv.Itoa(i), Title: quote, URL: url, Publisher: title, Text: text + quote})
		a.FigureTable = append(a.FigureTable, knowledge.FigureRecord{Text: label, Forecast: i%2 == 1,
			Period: knowledge.FigurePeriod{Label: title}, Source: knowledge.FigureSource{Producer: quote, Publisher: title, Date: label}})
	}
	a.FigureMetric, a.FigurePeriod, a.SourcesDiffer = label, question, n%2 == 0
	return a
}

var fuzzTagRE = regexp.MustCompile(`<(/?)([A-Za-z0-9-]+)([^>]*)>`)

// fuzzCheckRendered fails unless every message is valid Telegram HTML within
// the limit, uses only the tags dramabot renders, and shows some text.
func fuzzCheckRendered(t *testing.T, what string, msgs []string) string {
	t.Helper()
	if len(msgs) == 0 {
		t.Fatalf("%s: no message", what)
	}
	var plain strings.Builder
	for i, m := range msgs {
		p, err := telegramtest.ParseHTML(m)
		if err != nil {
			t.Fatalf("%s: message %d is not valid Telegram HTML: %v\n%q", what, i, err, m)
		}
		if htmlLen(m) > MaxMessageLen || telegramtest.UTF16Len(p) > MaxMessageLen {
			t.Fatalf("%s: message %d is over %d UTF-16 units", what, i, MaxMessageLen)
		}
		if strings.TrimSpace(p) == "" {
			t.Fatalf("%s: message %d shows nothing: %q", what, i, m)
		}
		for _, tag := range fuzzTagRE.FindAllStringSubmatch(m, -1) {
			switch name := tag[2]; {
			case name == "b", name == "i", name == "blockquote" && (tag[3] == "" || tag[3] == " expandable"), name == "a" && (tag[1] == "/" || strings.HasPrefix(tag[3], ` href="http`)):
			default:
				t.Fatalf("%s: message %d has a tag dramabot does not render: %q", what, i, tag[0])
			}
		}
		plain.WriteString(p)
	}
	return plain.String()
}

func fuzzNonSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// FuzzRenderReply: whatever text an answer, a source or a message holds,
// every rendered message is valid Telegram HTML under 4096 characters with
// only dramabot's own markup, and a plain message shows exactly its text.
func FuzzRenderReply(f *testing.F) {
	f.Add("How many jobs?", "Mini series created 647,000 jobs [1].", "185-Fold Boom", "https://example.org/a", "As content value is redefined.", "647,000 jobs", uint8(1), false, uint16(1))
	f.Add(`<b>x</b> & </blockquote>`, `<script>alert("x")</script> &amp; @everyone`, `Tom & "Jerry"`, "javascript:alert(1)", "&lt;&#60;", "<i>", uint8(5), true, uint16(3))
	f.Add("", "", "", "", "", "", uint8(0), false, uint16(0))
	f.Add("q", "短剧市场规模达504.4亿元。\n\n增长34.9%！", "标题", "https://例子.中国/路径?q=<x>", "引用", "504.4亿元", uint8(2), false, uint16(40))
	f.Add("\x00\x1b[31m", "\u202eRTL\u202c \u200b", "\xff\xfe", "http://a\"b.com", "😀👨‍👩‍👧", "١٢٣", uint8(3), true, uint16(200))
	f.Fuzz(func(t *testing.T, question, text, title, url, quote, label string, n uint8, abstained bool, repeat uint16) {
		if reps := 1 + int(repeat%300); len(text)*reps <= 64<<10 {
			text = strings.Repeat(text, reps) // long answers are split
		}
		label = strings.ToValidUTF8(label, "\uFFFD")
		a := fuzzAnswer(question, text, title, url, quote, label, n, abstained)
		title, quote = strings.ToValidUTF8(title, "\uFFFD"), strings.ToValidUTF8(quote, "\uFFFD")
		for _, r := range []bot.Reply{
			{Kind: bot.KindAnswer, RequestID: "r1", Answer: a},
			{Kind: bot.KindFigures, RequestID: "r2", Answer: a},
			{Kind: bot.KindTimeline, RequestID: "r5", Timeline: knowledge.FigureTimeline{MetricName: label, Total: 600, Shown: len(a.FigureTable), Undated: int(n),
				Series: []knowledge.FigureSeries{{UnitName: title, Records: a.FigureTable}, {UnitName: quote, Records: a.FigureTable}}}},
			{Kind: bot.KindSources, RequestID: "r3", Sources: []knowledge.SourceStat{{Source: knowledge.Source{ID: "doc", Title: a.Citations[0].Title, Publisher: label, Date: label, URL: a.Citations[0].URL}, Passages: int(n)}}},
		} {
			fuzzCheckRendered(t, "reply kind "+strconv.Itoa(int(r.Kind)), renderReply(r))
		}
		// A chart's caption is valid HTML within Telegram's 1,024.
		tl := bot.Reply{Kind: bot.KindTimeline, Timeline: knowledge.FigureTimeline{MetricName: label, Series: []knowledge.FigureSeries{{UnitName: title, Records: a.FigureTable}}}}
		caption, rest := chartCaption(tl)
		if p, err := telegramtest.ParseHTML(caption); err != nil || telegramtest.UTF16Len(p) > MaxCaptionLen || htmlLen(caption) > MaxCaptionLen {
			t.Fatalf("caption %q: %v, over %d", caption, err, MaxCaptionLen)
		}
		if len(rest) > 0 {
			fuzzCheckRendered(t, "after the caption", rest)
		}
		for _, res := range inlineResults(bot.Reply{Kind: bot.KindAnswer, RequestID: "r4", Answer: a}) {
			art, ok := res.(*models.InlineQueryResultArticle)
			if !ok || art.Title == "" || len(art.ID) > 64 {
				t.Fatalf("inline result %#v", res)
			}
			content, ok := art.InputMessageContent.(*models.InputTextMessageContent)
			if !ok {
				t.Fatalf("inline result content %#v", art.InputMessageContent)
			}
			fuzzCheckRendered(t, "inline card", []string{content.MessageText})
		}
		for _, kind := range []bot.Kind{bot.KindInfo, bot.KindInvalid, bot.KindError} {
			msg := strings.ToValidUTF8(text, "\uFFFD")
			shown := fuzzCheckRendered(t, "message", renderReply(bot.Reply{Kind: kind, Message: msg}))
			if fuzzNonSpace(msg) != "" && fuzzNonSpace(shown) != fuzzNonSpace(msg) {
				t.Fatalf("message %q shows as %q", msg, shown)
			}
		}
	})
}
