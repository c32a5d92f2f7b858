package telegram

import (
	"bytes"
	"context"
	"image/png"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dramabot/bot"
	"dramabot/bot/bottest"
	"dramabot/bot/telegram/telegramtest"
	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

// TestFigureGolden renders, with the real engine over the default corpus,
// an answer with its figure table in both languages and a metric's
// timeline as chart caption and messages; and a small hand-made table with
// hostile text. Each message must be valid HTML within the limits.
func TestFigureGolden(t *testing.T) {
	core := bot.New(bot.Config{Knowledge: bottest.Engine(t), RateLimit: -1})
	ask := func(q string) bot.Reply {
		return core.Ask(context.Background(), bot.Request{Platform: bot.PlatformTelegram, UserID: "1", ChatID: "1", Text: q})
	}
	for _, tc := range []struct {
		name  string
		reply bot.Reply
	}{
		{"figure_table", ask("How big was China's micro-drama market in 2024?")},
		{"figure_table_zh", ask("2024年微短剧市场规模是多少？")},
		{"figure_table_hostile", bot.Reply{Kind: bot.KindAnswer, Answer: hostileTable()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.reply.Answer.FigureTable) == 0 {
				t.Fatalf("no figure table: %+v", tc.reply.Answer)
			}
			msgs := renderReply(tc.reply)
			for i, m := range msgs {
				checkMessage(t, i, m)
			}
			golden(t, filepath.Join("testdata", tc.name+".golden"), strings.Join(msgs, "\n\n===== next message =====\n\n")+"\n")
		})
	}
	for _, tc := range []struct{ name, topic string }{{"timeline", "market size"}, {"timeline_zh", "用户规模"}, {"timeline_short", "box office"}} {
		t.Run(tc.name, func(t *testing.T) {
			r := core.Command(context.Background(), bot.Request{Platform: bot.PlatformTelegram, UserID: "1", ChatID: "1"}, "figures", tc.topic)
			if r.Kind != bot.KindTimeline {
				t.Fatalf("reply kind %d, want a timeline: %s", r.Kind, r.Message)
			}
			caption, rest := chartCaption(r)
			plain, err := telegramtest.ParseHTML(caption)
			if err != nil || telegramtest.UTF16Len(plain) > MaxCaptionLen {
				t.Fatalf("caption: %v, %d units (limit %d)", err, telegramtest.UTF16Len(plain), MaxCaptionLen)
			}
			for i, m := range rest {
				checkMessage(t, i+1, m)
			}
			got := "caption:\n" + caption + "\n" + strings.Join(append([]string{""}, rest...), "\n\n===== next message =====\n\n") + "\n"
			golden(t, filepath.Join("testdata", tc.name+".golden"), got)
		})
	}
}

func hostileTable() knowledge.Answer {
	a := knowledgetest.Sample("How big was the market in 2024?")
	a.FigureMetric, a.FigurePeriod, a.SourcesDiffer = "market <size>", "2024", true
	for i, txt := range []string{"<b>50 billion</b> & more", "US$7 billion", "@everyone 1亿"} {
		a.FigureTable = append(a.FigureTable, knowledge.FigureRecord{
			Text: txt, Unit: "CNY", Forecast: i == 2, Period: knowledge.FigurePeriod{Label: "2024"},
			Source: knowledge.FigureSource{Producer: `</blockquote><a href="x">iiMedia</a>`, Publisher: "Tom & Jerry", Date: "2025-01-17"},
		})
	}
	return a
}

// TestFiguresSendsTheChart runs the bot against the fake Bot API with the
// real engine: /figures market size is answered with a photo (a PNG of at
// least 800×450) whose caption holds the start of the table (within 1,024
// characters), and the rest of the table in the messages after it; /figures for text that is not a
// metric gets a message and no photo.
func TestFiguresSendsTheChart(t *testing.T) {
	tg := telegramtest.New(t, telegramtest.Options{})
	logs := &knowledgetest.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	b, err := New(t.Context(), Config{Token: tg.Token, APIURL: tg.URL, Logger: log, ShutdownTimeout: 5 * time.Second,
		Core: bot.New(bot.Config{Knowledge: bottest.Engine(t), RateLimit: -1, Logger: log})})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("logs:\n%s", logs)
		}
	})

	tg.Push(telegramtest.Private(telegramtest.Alice, "/figures market size"))
	sent := tg.WaitSent(t, telegramtest.Alice.ID, 2)
	photo := sent[0]
	if len(photo.Photo) == 0 {
		t.Fatalf("first reply is not a photo: %q", photo.Plain)
	}
	img, err := png.Decode(bytes.NewReader(photo.Photo))
	if err != nil {
		t.Fatalf("photo is not a PNG: %v", err)
	}
	if bd := img.Bounds(); bd.Dx() < 800 || bd.Dy() < 450 {
		t.Errorf("chart %dx%d, want at least 800x450", bd.Dx(), bd.Dy())
	}
	if n := telegramtest.UTF16Len(photo.Plain); n == 0 || n > telegramtest.MaxCaptionLen {
		t.Errorf("caption of %d units", n)
	}
	if !strings.Contains(photo.Plain, "504.4亿元") || !strings.Contains(sent[1].Plain, "2025") {
		t.Errorf("the caption lacks iiMedia's 2024 figure, or the message after it the 2025 figures:\n%s\n---\n%s", photo.Plain, sent[1].Plain)
	}

	tg.Push(telegramtest.Private(telegramtest.Alice, "/figures the weather in Paris"))
	all := tg.WaitSent(t, telegramtest.Alice.ID, len(tg.Sent(telegramtest.Alice.ID))+1)
	last := all[len(all)-1]
	if len(last.Photo) != 0 || last.Plain == "" {
		t.Errorf("not a metric: got photo %v, text %q", len(last.Photo) > 0, last.Plain)
	}
}
