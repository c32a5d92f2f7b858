package telegram

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"dramabot/bot"
	"dramabot/bot/telegram/telegramtest"
	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const hostile = `<b>bold</b> & <script>alert("x")</script> &amp; @everyone </blockquote>`

func TestRenderGolden(t *testing.T) {
	figures := knowledgetest.Sample("jobs")
	figures.Text = ""
	sources := append(knowledgetest.SampleSources(), knowledge.SourceStat{
		Source:   knowledge.Source{ID: "x", Title: `Tom & Jerry's "<i>market</i>" report`, Date: "2024-12-01", URL: "javascript:alert(1)"},
		Passages: 3,
	})
	tests := []struct {
		name  string
		reply bot.Reply
	}{
		{"answer", bot.Reply{Kind: bot.KindAnswer, Answer: knowledgetest.Sample("How many jobs has the mini series boom created?")}},
		{"abstention", bot.Reply{Kind: bot.KindAnswer, Answer: knowledgetest.Abstain("Who will win the next election?")}},
		{"figures", bot.Reply{Kind: bot.KindFigures, Answer: figures}},
		{"sources", bot.Reply{Kind: bot.KindSources, Sources: sources}},
		{"hostile", bot.Reply{Kind: bot.KindAnswer, Answer: knowledgetest.Echo(hostile)}},
		{"help", bot.Reply{Kind: bot.KindInfo, Message: bot.HelpText(bot.PlatformTelegram, bot.LangEN)}},
		{"help_zh", bot.Reply{Kind: bot.KindInfo, Lang: bot.LangZH, Message: bot.HelpText(bot.PlatformTelegram, bot.LangZH)}},
		{"answer_zh", bot.Reply{Kind: bot.KindAnswer, Lang: bot.LangZH, Answer: knowledgetest.Sample("短剧创造了多少就业岗位？")}},
		{"follow_up", bot.Reply{Kind: bot.KindAnswer, Understood: "How many jobs in 2024?", Answer: knowledgetest.Sample("what about 2024?")}},
		{"abstention_zh", bot.Reply{Kind: bot.KindAnswer, Lang: bot.LangZH, Answer: knowledgetest.Abstain("谁会赢得下一次选举？")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := renderReply(tt.reply)
			for i, m := range msgs {
				checkMessage(t, i, m)
			}
			got := strings.Join(msgs, "\n\n===== next message =====\n\n") + "\n"
			golden(t, filepath.Join("testdata", tt.name+".golden"), got)
		})
	}
}

// checkMessage fails unless m is valid Telegram HTML within the limit.
func checkMessage(t *testing.T, i int, m string) string {
	t.Helper()
	plain, err := telegramtest.ParseHTML(m)
	if err != nil {
		t.Fatalf("message %d is not valid Telegram HTML: %v\n%s", i, err, m)
	}
	if n := telegramtest.UTF16Len(m); n > MaxMessageLen {
		t.Fatalf("message %d is %d UTF-16 units long, over %d", i, n, MaxMessageLen)
	}
	return plain
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the rendering (run go test -update after checking):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// TestMoreSourcesGolden renders what the "More sources" button sends.
func TestMoreSourcesGolden(t *testing.T) {
	for name, turn := range map[string]bot.Turn{
		"more":            {Question: "How many jobs has the mini series boom created?", Answer: knowledgetest.Sample("q")},
		"more_abstention": {Question: "谁会赢得下一次选举？", Lang: bot.LangZH, Answer: knowledgetest.Abstain("q")},
	} {
		t.Run(name, func(t *testing.T) {
			msgs := pack(moreBlocks(turn))
			for i, m := range msgs {
				checkMessage(t, i, m)
			}
			golden(t, filepath.Join("testdata", name+".golden"), strings.Join(msgs, "\n\n===== next message =====\n\n")+"\n")
		})
	}
}

func TestRenderEscapesEverything(t *testing.T) {
	a := knowledgetest.Echo(hostile)
	a.Figures[0].Label = "<i>185</i>-fold"
	a.Citations[0].Publisher = "A&B <Media>"
	a.Citations[0].URL = `https://example.org/a?b=1&c="><script>`
	a.Related[0].Title = "</blockquote><b>"
	msgs := renderReply(bot.Reply{Kind: bot.KindAnswer, Answer: a})
	msgs = append(msgs, pack(moreBlocks(bot.Turn{Question: hostile, Answer: a}))...) // related passages are behind "More sources"
	var plain strings.Builder
	for i, m := range msgs {
		plain.WriteString(checkMessage(t, i, m))
		if strings.Contains(m, "<script") || strings.Contains(m, "<i>185") {
			t.Errorf("message %d carries unescaped user text:\n%s", i, m)
		}
	}
	for _, want := range []string{hostile, "<i>185</i>-fold", "A&B <Media>", "</blockquote><b>"} {
		if !strings.Contains(plain.String(), want) {
			t.Errorf("the user does not see %q verbatim in:\n%s", want, plain.String())
		}
	}
}

func TestRenderSplitsLongReplies(t *testing.T) {
	var paras []string
	for i := range 40 {
		paras = append(paras, strings.Repeat("Mini series & <micro-dramas> grew 185-fold, 短剧市场规模. ", 4)+"P"+string(rune('A'+i%26)))
	}
	long := knowledgetest.Long("q", 6000)
	long.Text = strings.Join(paras, "\n\n")
	tests := []struct {
		name  string
		reply bot.Reply
		want  []string // visible texts that must all appear, in order
	}{
		{"paragraphs", bot.Reply{Kind: bot.KindAnswer, Answer: long}, paras},
		{"one huge paragraph of entities", bot.Reply{Kind: bot.KindInfo, Message: strings.Repeat("&<>\"'", 3000)}, nil},
		{"CJK without spaces", bot.Reply{Kind: bot.KindInfo, Message: strings.Repeat("短剧市场规模扩大", 1500)}, nil},
		{"emoji count double", bot.Reply{Kind: bot.KindInfo, Message: strings.Repeat("😀", 3000)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := renderReply(tt.reply)
			if len(msgs) < 2 {
				t.Fatalf("got %d message, want the reply split", len(msgs))
			}
			var all strings.Builder
			for i, m := range msgs {
				all.WriteString(checkMessage(t, i, m))
			}
			rest := all.String()
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("%q is missing or out of order", w)
				}
				rest = rest[i+len(w):]
			}
			if tt.reply.Kind == bot.KindInfo {
				if got, want := strings.Join(strings.Fields(all.String()), ""), strings.Join(strings.Fields(tt.reply.Message), ""); got != want {
					t.Errorf("the parts do not add up to the message: got %d bytes, want %d", len(got), len(want))
				}
			}
		})
	}
}

// TestSourcesStayShort: 300 publishers of one document each are summed up
// in a line, not listed for pages.
func TestSourcesStayShort(t *testing.T) {
	msgs := renderReply(bot.Reply{Kind: bot.KindSources, Sources: manySources(300)})
	if len(msgs) != 1 {
		t.Fatalf("%d messages for 300 publishers, want 1", len(msgs))
	}
	plain := checkMessage(t, 0, msgs[0])
	if !strings.Contains(plain, "and 300 more publishers with 300 documents: Publisher & Co 0, ") {
		t.Errorf("listing:\n%s", plain)
	}
}

func manySources(n int) []knowledge.SourceStat {
	out := make([]knowledge.SourceStat, n)
	for i := range out {
		out[i] = knowledge.SourceStat{Source: knowledge.Source{
			Title: "Mini-series industry report number " + strings.Repeat("x", i%7), Publisher: "Publisher & Co " + strconv.Itoa(i), Date: "2025-01-01",
			URL: "https://example.org/reports/" + strings.Repeat("r", i%5),
		}, Passages: i}
	}
	return out
}

func TestInlineResults(t *testing.T) {
	answer := inlineResults(bot.Reply{Kind: bot.KindAnswer, RequestID: "abc", Answer: knowledgetest.Sample("jobs")})
	if len(answer) != 3 {
		t.Fatalf("got %d cards, want the answer and one per figure (3)", len(answer))
	}
	long := knowledgetest.Long("q", 9000)
	long.Text = strings.Repeat("A very long generated answer & more. ", 400) + "[1]"
	cases := map[string]bot.Reply{
		"answer":     {Kind: bot.KindAnswer, RequestID: "abc", Answer: knowledgetest.Sample("jobs")},
		"long":       {Kind: bot.KindAnswer, RequestID: "abc", Answer: long},
		"abstention": {Kind: bot.KindAnswer, RequestID: "abc", Answer: knowledgetest.Abstain("q")},
		"rate":       {Kind: bot.KindRateLimited, RequestID: "abc", Message: bot.RateLimitMessage(3e9)},
		"empty":      {Kind: bot.KindError},
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			for i, res := range inlineResults(r) {
				a, ok := res.(*models.InlineQueryResultArticle)
				if !ok {
					t.Fatalf("card %d is a %T, want an article", i, res)
				}
				if a.Title == "" || a.ID == "" || len(a.ID) > 64 {
					t.Errorf("card %d: bad title or id: %+v", i, a)
				}
				content, ok := a.InputMessageContent.(*models.InputTextMessageContent)
				if !ok || content.ParseMode != models.ParseModeHTML {
					t.Fatalf("card %d: content %#v, want HTML text", i, a.InputMessageContent)
				}
				plain := checkMessage(t, i, content.MessageText)
				if r.Kind == bot.KindAnswer && !r.Answer.Abstained && i == 0 && !strings.Contains(plain, "[1] ") {
					t.Errorf("answer card without its source list:\n%s", plain)
				}
			}
		})
	}
}
