package discord

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"dramabot/bot"
	"dramabot/bot/discord/discordtest"
	"dramabot/knowledge"
)

// fuzzAnswer builds an answer whose every text comes from the fuzzer.
func fuzzAnswer(question, text, title, url, quote, label string, n uint8, abstained bool) knowledge.Answer {
	a := knowledge.Answer{Question: question, Text: text, Abstained: abstained}
	for i := range 1 + int(n%8) {
		a.Citations = append(a.Citations, knowledge.Citation{
			N: i + 1, PassageID: "doc#" + strconv.Itoa(i), SourceID: "doc", Title: title + strings.Repeat(" "+label, i),
			Publisher: label, Date: label, URL: url, Paragraph: i, Quote: strings.Repeat(quote, 1+i),
		})
		a.Figures = append(a.Figures, knowledge.Figure{Text: label, Label: label + " " + title, Citation: i + 1})
		a.Related = append(a.Related, knowledge.Related{PassageID: "doc#r" + strconv.Itoa(i), Title: quote, URL: url, Publisher: title, Date: label, Text: text + quote})
		a.FigureTable = append(a.FigureTable, knowledge.FigureRecord{Text: label, Forecast: i%2 == 1,
			Period: knowledge.FigurePeriod{Label: title}, Source: knowledge.FigureSource{Producer: quote, Publisher: title, Date: label}})
	}
	a.FigureMetric, a.FigurePeriod, a.SourcesDiffer = label, question, n%2 == 0
	return a
}

// fuzzUnescape undoes escapeMarkdown.
func fuzzUnescape(s string) string {
	var b strings.Builder
	escaped := false
	for _, r := range s {
		if !escaped && r == '\\' {
			escaped = true
			continue
		}
		escaped = false
		b.WriteRune(r)
	}
	return b.String()
}

// fuzzCheckMessages checks what Discord would receive: nobody pinged, the
// message and embed limits, something shown, and no Markdown from the
// fuzzer's text live in embed titles and descriptions.
func fuzzCheckMessages(t *testing.T, what string, msgs []outMessage, private bool) {
	t.Helper()
	if len(msgs) == 0 || len(msgs) > maxMessages {
		t.Fatalf("%s: %d messages", what, len(msgs))
	}
	for i, m := range msgs {
		b, err := json.Marshal(newPayload(m, private))
		if err != nil {
			t.Fatalf("%s: message %d: %v", what, i, err)
		}
		var got struct {
			Content         string `json:"content"`
			AllowedMentions struct {
				Parse       []string `json:"parse"`
				RepliedUser bool     `json:"replied_user"`
			} `json:"allowed_mentions"`
			Embeds []struct {
				Title, Description string
				Fields             []struct{ Name, Value string }
				Footer             *struct{ Text string }
			} `json:"embeds"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: message %d: %v", what, i, err)
		}
		if got.AllowedMentions.Parse == nil || len(got.AllowedMentions.Parse) != 0 || got.AllowedMentions.RepliedUser || !strings.Contains(string(b), `"allowed_mentions":{"parse":[]`) {
			t.Fatalf("%s: message %d may ping: %s", what, i, b)
		}
		if runeLen(got.Content) > maxContent || len(got.Embeds) > 10 {
			t.Fatalf("%s: message %d: content %d characters, %d embeds", what, i, runeLen(got.Content), len(got.Embeds))
		}
		if strings.TrimSpace(got.Content) == "" && len(got.Embeds) == 0 {
			t.Fatalf("%s: message %d shows nothing", what, i)
		}
		total := 0
		for _, e := range got.Embeds {
			if runeLen(e.Title) > maxTitle || runeLen(e.Description) > maxDescription || len(e.Fields) > maxFields {
				t.Fatalf("%s: embed over a limit: title %d, description %d, fields %d", what, runeLen(e.Title), runeLen(e.Description), len(e.Fields))
			}
			for _, s := range []string{e.Title, e.Description} {
				if r := discordtest.UnescapedMarkdown(s); r != 0 {
					t.Fatalf("%s: unescaped %q in %q", what, r, s)
				}
			}
			total += runeLen(e.Title) + runeLen(e.Description)
			for _, f := range e.Fields {
				if strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Value) == "" || runeLen(f.Name) > maxFieldName || runeLen(f.Value) > maxFieldValue {
					t.Fatalf("%s: field %q: name %d, value %d characters", what, f.Name, runeLen(f.Name), runeLen(f.Value))
				}
				total += runeLen(f.Name) + runeLen(f.Value)
			}
			if e.Footer != nil {
				total += runeLen(e.Footer.Text)
			}
		}
		if total > maxEmbedTotal {
			t.Fatalf("%s: embeds total %d characters", what, total)
		}
	}
}

// FuzzRender: whatever text an answer or a source holds, every message
// dramabot would send pings nobody, fits Discord's limits, shows something,
// and keeps the text's Markdown escaped; escaping is exact and reversible.
func FuzzRender(f *testing.F) {
	f.Add("How many jobs?", "Mini series created 647,000 jobs [1].", "185-Fold Boom", "https://example.org/a", "As content value is redefined.", "647,000 jobs", uint8(1), false, uint16(1))
	f.Add("**q** @everyone", "<@123> @here **bold** __u__ ~~s~~ ||sp|| `c` [x](javascript:alert(1))", "# h\n> q\n- l", "https://x.example/a)b(c<d>", `\*\`, "[99]", uint8(7), true, uint16(3))
	f.Add("", "", "", "", "", "", uint8(0), false, uint16(0))
	f.Add("短剧", "短剧市场规模达504.4亿元。\n\n增长34.9%！", "标题", "https://例子.中国/路径", "引用", "504.4亿元", uint8(2), false, uint16(200))
	f.Add("\x00\x1b[31m", "\u202eRTL\u202c \u200b", "\xff\xfe", "http://a\"b.com", "😀👨‍👩‍👧", "\\", uint8(3), true, uint16(40))
	f.Fuzz(func(t *testing.T, question, text, title, url, quote, label string, n uint8, abstained bool, repeat uint16) {
		// Text reaches the renderer as valid UTF-8 (Discord sends JSON; the
		// loader rejects other documents).
		v := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
		question, text, title, url, quote, label = v(question), v(text), v(title), v(url), v(quote), v(label)
		if reps := 1 + int(repeat%300); len(text)*reps <= 64<<10 {
			text = strings.Repeat(text, reps)
		}
		a := fuzzAnswer(question, text, title, url, quote, label, n, abstained)
		for _, r := range []bot.Reply{
			{Kind: bot.KindAnswer, RequestID: "r1", Answer: a},
			{Kind: bot.KindFigures, RequestID: "r2", Answer: a},
			{Kind: bot.KindTimeline, RequestID: "r5", Timeline: knowledge.FigureTimeline{MetricName: label, Total: 600, Shown: len(a.FigureTable), Undated: int(n),
				Series: []knowledge.FigureSeries{{UnitName: title, Records: a.FigureTable}, {UnitName: quote, Records: a.FigureTable}}}},
			{Kind: bot.KindSources, RequestID: "r3", Sources: []knowledge.SourceStat{{Source: knowledge.Source{ID: "doc", Title: title, Publisher: label, Date: label, URL: url}, Passages: int(n)}}},
		} {
			msgs, private := renderReply(r, label)
			fuzzCheckMessages(t, "reply kind "+strconv.Itoa(int(r.Kind)), msgs, private)
		}
		fuzzCheckMessages(t, "sources button", sourcesDetail(bot.LangEN, a.Question, a), true)
		if got := fuzzUnescape(escapeMarkdown(text)); got != text {
			t.Fatalf("escapeMarkdown(%q) does not unescape to the text: %q", text, got)
		}
		for _, limit := range []int{2, 10, 256} {
			got := fitEscaped(text, limit)
			body := strings.TrimSuffix(got, "…")
			if runeLen(got) > limit || (len(body)-len(strings.TrimRight(body, `\`)))%2 == 1 {
				t.Fatalf("fitEscaped(%q, %d) = %q: over the limit or inside an escape", text, limit, got)
			}
		}
	})
}
