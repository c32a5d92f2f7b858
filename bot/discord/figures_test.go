package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dramabot/bot"
	"dramabot/bot/bottest"
	"dramabot/bot/discord/discordtest"
	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

// TestFigureGolden pins the JSON of figure replies rendered from the real
// engine over the default corpus: an answer with its figure table in both
// languages, a hand-made table with hostile text, and timelines (the
// chart named as the embed's image). Each must keep Discord's limits.
func TestFigureGolden(t *testing.T) {
	core := bot.New(bot.Config{Knowledge: bottest.Engine(t), RateLimit: -1})
	ask := func(q string) bot.Reply {
		r := core.Ask(context.Background(), bot.Request{Platform: bot.PlatformDiscord, UserID: "1", ChatID: "1", Text: q})
		r.RequestID = goldenID
		return r
	}
	figures := func(topic string) bot.Reply {
		r := core.Command(context.Background(), bot.Request{Platform: bot.PlatformDiscord, UserID: "1", ChatID: "1"}, "figures", topic)
		if r.Kind != bot.KindTimeline {
			t.Fatalf("/figures %s: reply kind %d, want a timeline: %s", topic, r.Kind, r.Message)
		}
		r.RequestID = goldenID
		if r.Chart != nil {
			// The PNG's bytes are pinned by knowledge/chart's tests, not here.
			r.Chart.PNG = []byte("png")
		}
		return r
	}
	hostile := knowledgetest.Sample("How big was the market in 2024?")
	hostile.FigureMetric, hostile.FigurePeriod, hostile.SourcesDiffer = "market **size**", "2024", true
	for i, txt := range []string{"@everyone 50 billion", "<@123456789012345678> US$7 billion", "||1亿||"} {
		hostile.FigureTable = append(hostile.FigureTable, knowledge.FigureRecord{
			Text: txt, Unit: "CNY", Forecast: i == 2, Period: knowledge.FigurePeriod{Label: "2024"},
			Source: knowledge.FigureSource{Producer: "[click](https://evil.example)", Publisher: "# heading", Date: "2025-01-17"},
		})
	}
	for _, tc := range []struct {
		name  string
		reply bot.Reply
	}{
		{"figure_table", ask("How big was China's micro-drama market in 2024?")},
		{"figure_table_zh", ask("2024年微短剧市场规模是多少？")},
		{"figure_table_hostile", bot.Reply{Kind: bot.KindAnswer, RequestID: goldenID, Answer: hostile}},
		{"timeline", figures("market size")},
		{"timeline_zh", figures("用户规模")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := render(tc.reply)
			payloads := make([]*payload, len(msgs))
			for i, m := range msgs {
				payloads[i] = newPayload(m, false)
			}
			checkPayloads(t, payloads)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(payloads); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(buf.String(), "@everyone") && !strings.Contains(buf.String(), `"parse": []`) {
				t.Error("a mention is sent without allowed_mentions")
			}
			path := filepath.Join("testdata", tc.name+".json")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from the rendering (run go test -update and review the diff); got:\n%s", path, buf.Bytes())
			}
		})
	}
}

// TestFiguresAttachesTheChart runs /figures against the fake Discord with
// the real engine: the deferred response is edited into an embed whose
// image is the chart, uploaded with it as a PNG of at least 800×450; a
// topic that is not a metric gets a message and no file.
func TestFiguresAttachesTheChart(t *testing.T) {
	h := start(t, options{knowledge: bottest.Engine(t)})
	it := h.fake.SendCommand(t, guildUser, "figures", map[string]string{"topic": "market size"})
	calls := h.fake.AwaitCalls(t, 2, discordtest.For(it))
	if calls[0].CallbackType() != 5 {
		t.Fatalf("first call is not a deferred response: %s %s", calls[0].Route, calls[0].Body)
	}
	edit := calls[1]
	if edit.Route != discordtest.RouteEditOriginal || len(edit.Files) != 1 {
		t.Fatalf("second call: %s with %d files, want the edit of the response with the chart", edit.Route, len(edit.Files))
	}
	img, err := png.Decode(bytes.NewReader(edit.Files[0].Data))
	if err != nil {
		t.Fatalf("the file is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 450 {
		t.Errorf("chart %dx%d, want at least 800x450", b.Dx(), b.Dy())
	}
	var m struct {
		Embeds []struct {
			Image struct{ URL string } `json:"image"`
		} `json:"embeds"`
	}
	if err := json.Unmarshal(edit.Body, &m); err != nil || len(m.Embeds) != 1 || m.Embeds[0].Image.URL != "attachment://"+edit.Files[0].Name {
		t.Errorf("the embed does not show the uploaded chart %q: %s", edit.Files[0].Name, edit.Body)
	}
	if s := decode(t, edit).text(); !strings.Contains(s, "504.4亿元") {
		t.Errorf("the embed lacks iiMedia's 2024 figure:\n%s", s)
	}

	it = h.fake.SendCommand(t, guildUser, "figures", map[string]string{"topic": "the weather in Paris"})
	calls = h.fake.AwaitCalls(t, 2, discordtest.For(it))
	if len(calls[1].Files) != 0 || decode(t, calls[1]).text() == "" {
		t.Errorf("not a metric: %d files, text %q", len(calls[1].Files), decode(t, calls[1]).text())
	}
}
