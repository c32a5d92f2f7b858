package discord

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"dramabot/bot"
	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const goldenID = "0123456789ab"

const hostileQuestion = "@everyone @here <@123456789012345678> **bold** [click](https://evil.example) ||spoiler|| `code`\n# heading\n> quote"

// TestRenderGolden pins the JSON the bot sends for each kind of reply.
// Run with -update after an intended change and review the diff.
func TestRenderGolden(t *testing.T) {
	long := knowledgetest.Long(question, 6000)
	long.Text = strings.Repeat("Mini series grew 185-fold in four years [1]. ", 120)
	figures := knowledgetest.Sample("jobs")
	figures.Text = ""
	cases := []struct {
		name string
		msgs []outMessage
		priv bool
	}{
		{name: "answer", msgs: render(bot.Reply{Kind: bot.KindAnswer, RequestID: goldenID, Answer: knowledgetest.Sample(question)})},
		{name: "abstention", msgs: render(bot.Reply{Kind: bot.KindAnswer, RequestID: goldenID, Answer: knowledgetest.Abstain("Who won the 2030 World Cup?")})},
		{name: "hostile", msgs: render(bot.Reply{Kind: bot.KindAnswer, RequestID: goldenID, Answer: knowledgetest.Echo(hostileQuestion)})},
		{name: "long", msgs: render(bot.Reply{Kind: bot.KindAnswer, RequestID: goldenID, Answer: long})},
		{name: "figures", msgs: render(bot.Reply{Kind: bot.KindFigures, RequestID: goldenID, Answer: figures})},
		{name: "sources", msgs: render(bot.Reply{Kind: bot.KindSources, RequestID: goldenID, Sources: knowledgetest.SampleSources()})},
		{name: "about", msgs: render(bot.Reply{Kind: bot.KindAbout, RequestID: goldenID, About: (&knowledgetest.Fake{}).About()})},
		{name: "rate_limited", msgs: render(bot.Reply{Kind: bot.KindRateLimited, RequestID: goldenID, Message: bot.RateLimitMessage(42 * time.Second)}), priv: true},
		{name: "help", msgs: textMessages(bot.HelpText(bot.PlatformDiscord, bot.LangEN)), priv: true},
		{name: "help_zh", msgs: textMessages(bot.HelpText(bot.PlatformDiscord, bot.LangZH)), priv: true},
		{name: "answer_zh", msgs: render(bot.Reply{Kind: bot.KindAnswer, RequestID: goldenID, Lang: bot.LangZH, Answer: knowledgetest.Sample("短剧创造了多少就业岗位？")})},
		{name: "follow_up", msgs: render(bot.Reply{Kind: bot.KindAnswer, RequestID: goldenID, Understood: "How many jobs in 2024?", Answer: knowledgetest.Sample("what about 2024?")})},
		{name: "sources_detail_figures", msgs: sourcesDetail(bot.LangEN, "", figures), priv: true},
		{name: "sources_detail", msgs: sourcesDetail(bot.LangEN, "", knowledgetest.Sample(question)), priv: true},
		{name: "sources_detail_abstention", msgs: sourcesDetail(bot.LangEN, "", knowledgetest.Abstain("Who won the 2030 World Cup?")), priv: true},
		{name: "sources_detail_hostile", msgs: sourcesDetail(bot.LangEN, "", knowledgetest.Echo(hostileQuestion)), priv: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			payloads := make([]*payload, len(tc.msgs))
			for i, m := range tc.msgs {
				payloads[i] = newPayload(m, tc.priv)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false) // readable diffs; Discord decodes either form
			enc.SetIndent("", "  ")
			if err := enc.Encode(payloads); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			checkPayloads(t, payloads)
			path := filepath.Join("testdata", tc.name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the rendering (run go test -update and review the diff); got:\n%s", path, got)
			}
		})
	}
}

func render(r bot.Reply) []outMessage {
	msgs, _ := renderReply(r, "2025-05-08")
	return msgs
}

// checkPayloads checks Discord's limits on the JSON a payload becomes.
func checkPayloads(t *testing.T, payloads []*payload) {
	t.Helper()
	for i, p := range payloads {
		var s sent
		remarshal(t, p, &s)
		if err := s.checkLimits(); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
		if s.Content == "" && len(s.Embeds) == 0 {
			t.Errorf("message %d is empty", i)
		}
		if p.AllowedMentions == nil || p.AllowedMentions.Parse == nil || len(p.AllowedMentions.Parse) != 0 {
			t.Errorf("message %d: allowed mentions %+v", i, p.AllowedMentions)
		}
	}
	if len(payloads) > maxMessages {
		t.Errorf("%d messages, at most %d allowed", len(payloads), maxMessages)
	}
}

// TestRenderLimits renders extreme answers and checks every limit.
func TestRenderLimits(t *testing.T) {
	huge := strings.Repeat("短剧市场规模达到504亿元，增长显著。", 600)
	emoji := strings.Repeat("🎬📈 ", 3000)
	unbroken := strings.Repeat("x", 10000)
	markup := strings.Repeat("*_~`|[]<>\\", 1000)
	many := func(q string) knowledge.Answer {
		a := knowledgetest.Sample(q)
		for i := range 120 {
			a.Citations = append(a.Citations, knowledge.Citation{N: i + 2, Title: huge[:600], Publisher: emoji[:300], Date: "2025-05-08", URL: "https://example.org/" + unbroken[:300], Paragraph: i, Quote: huge})
			a.Figures = append(a.Figures, knowledge.Figure{Label: markup[:200], Citation: i + 2})
			a.Related = append(a.Related, knowledge.Related{Title: markup, Text: emoji, URL: "javascript:alert(1)"})
		}
		return a
	}
	answers := map[string]knowledge.Answer{
		"empty":      {},
		"huge text":  {Question: huge, Text: huge},
		"emoji":      {Question: emoji, Text: emoji, Citations: []knowledge.Citation{{N: 1, Title: emoji, Quote: emoji}}},
		"unbroken":   {Question: unbroken, Text: unbroken, Related: []knowledge.Related{{Title: unbroken, Text: unbroken}}, Abstained: true},
		"markup":     {Question: markup, Text: markup, Citations: []knowledge.Citation{{N: 1, Title: markup, Quote: markup}}},
		"many":       many(huge),
		"abstention": func() knowledge.Answer { a := many("q"); a.Abstained = true; return a }(),
	}
	for name, a := range answers {
		t.Run(name, func(t *testing.T) {
			for _, kind := range []bot.Kind{bot.KindAnswer, bot.KindFigures} {
				checkPayloads(t, payloadsOf(render(bot.Reply{Kind: kind, RequestID: goldenID, Answer: a}), false))
			}
			checkPayloads(t, payloadsOf(sourcesDetail(bot.LangEN, "", a), true))
		})
	}
	t.Run("sources", func(t *testing.T) {
		var srcs []knowledge.SourceStat
		for i := range 2000 {
			// Two documents a publisher, so that every publisher is listed.
			srcs = append(srcs, knowledge.SourceStat{Source: knowledge.Source{Title: fmt.Sprint("Document ", i, " ", huge[:100]), Publisher: fmt.Sprint("Publisher ", i/2, " ", huge[:100]), URL: "https://example.org/d"}, Passages: i})
		}
		msgs := render(bot.Reply{Kind: bot.KindSources, Sources: srcs})
		checkPayloads(t, payloadsOf(msgs, false))
		// At most 30 publishers are listed one by one; the rest are summed
		// up, or the listing says it was cut.
		if last := msgs[len(msgs)-1].Embeds[0].Description; !strings.HasSuffix(last, msgCut) && !strings.Contains(last, "and 970 more publishers") {
			t.Errorf("a long listing should sum up or say it was cut: ...%q", last[max(0, len(last)-80):])
		}
	})
	t.Run("long text message", func(t *testing.T) {
		msgs := textMessages(strings.Repeat("A paragraph of help. ", 300) + "\n\n" + huge)
		if len(msgs) < 2 {
			t.Errorf("%d messages, want a split", len(msgs))
		}
		checkPayloads(t, payloadsOf(msgs, false))
	})
}

func payloadsOf(msgs []outMessage, private bool) []*payload {
	out := make([]*payload, len(msgs))
	for i, m := range msgs {
		out[i] = newPayload(m, private)
	}
	return out
}

func TestEscapeMarkdown(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text, 64.7万 jobs", "plain text, 64.7万 jobs"},
		{"**bold** _it_ ~~s~~ `c` ||sp||", `\*\*bold\*\* \_it\_ \~\~s\~\~ \` + "`c\\`" + ` \|\|sp\|\|`},
		{"[x](https://evil.example)", `\[x\](https://evil.example)`},
		{"<@123> <#1> <t:1:R>", `\<@123> \<#1> \<t:1:R>`},
		{"# h\n> q\n- l\n  + l", "\\# h\n\\> q\n\\- l\n  \\+ l"},
		{"a - b > c # d", "a - b > c # d"},
		{`back\slash`, `back\\slash`},
	} {
		if got := escapeMarkdown(tc.in); got != tc.want {
			t.Errorf("escapeMarkdown(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFitEscapedNeverExceedsOrDangles(t *testing.T) {
	inputs := []string{strings.Repeat(`\*`, 500), strings.Repeat("word ", 500), strings.Repeat("短剧", 500), strings.Repeat("a_b ", 300)}
	for _, in := range inputs {
		for _, n := range []int{2, 3, 10, 57, 100, 256, 1024} {
			got := fitEscaped(in, n)
			if runeLen(got) > n {
				t.Errorf("fitEscaped(%.10q, %d) has %d characters", in, n, runeLen(got))
			}
			body := strings.TrimSuffix(got, "…")
			if trailing := len(body) - len(strings.TrimRight(body, `\`)); trailing%2 == 1 {
				t.Errorf("fitEscaped(%.10q, %d) = %q ends inside an escape", in, n, got)
			}
		}
	}
}

func TestSafeURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.org/a_(b)":   "https://example.org/a_%28b%29",
		"http://example.org/x y":      "http://example.org/x%20y",
		"javascript:alert(1)":         "",
		"ftp://example.org":           "",
		"https://user:pw@example.org": "",
		"not a url":                   "",
		" https://example.org/ok ":    "https://example.org/ok",
	} {
		if got := safeURL(in); got != want {
			t.Errorf("safeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCustomID(t *testing.T) {
	for _, tc := range []struct {
		in, action, id string
		ok             bool
	}{
		{customID(actionSources, goldenID), actionSources, goldenID, true},
		{customID(actionUp, goldenID), actionUp, goldenID, true},
		{"src:", "src", "", false},
		{"nothing", "nothing", "", false},
	} {
		action, id, ok := parseCustomID(tc.in)
		if action != tc.action || id != tc.id || ok != tc.ok {
			t.Errorf("parseCustomID(%q) = %q, %q, %v", tc.in, action, id, ok)
		}
	}
	row := buttons(bot.LangEN, bot.NewRequestID(), true)[0].(discordgo.ActionsRow)
	for _, c := range row.Components {
		if id := c.(discordgo.Button).CustomID; len(id) > 100 {
			t.Errorf("custom_id %q is over Discord's 100 characters", id)
		}
	}
}
