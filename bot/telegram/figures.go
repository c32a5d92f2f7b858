package telegram

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dramabot/bot"
	"dramabot/knowledge"
)

// MaxCaptionLen is Telegram's limit on a photo's caption, in UTF-16 code
// units after entity parsing; like messages, captions are measured as
// rendered HTML, which is never shorter.
const MaxCaptionLen = 1024

// tableBlocks renders the figure table under an answer: the header, "Sources
// differ." when they do, each source's figure in bold with who said it
// when, then the forecasts under their own header.
func tableBlocks(l bot.Lang, a knowledge.Answer) []string {
	if len(a.FigureTable) == 0 {
		return nil
	}
	ft := bot.FT(l)
	colon := strings.TrimSpace(bot.T(l).Colon)
	head := "<b>" + esc(bot.TableHeader(l, a)+colon) + "</b>"
	if a.SourcesDiffer {
		head += "\n<i>" + esc(ft.Differ) + "</i>"
	}
	lines := []string{head}
	rep, fc, more := bot.TableGroups(a.FigureTable, bot.MaxTableRows)
	for _, r := range rep {
		lines = append(lines, figureLine(r, a.FigurePeriod))
	}
	if len(fc) > 0 {
		lines = append(lines, "<b>"+esc(ft.Forecasts+colon)+"</b>")
		for _, r := range fc {
			lines = append(lines, figureLine(r, a.FigurePeriod))
		}
	}
	if more > 0 {
		lines = append(lines, esc(fmt.Sprintf(ft.More, more)))
	}
	return lineBlocks(lines)
}

// figureLine is one row: the figure as written in bold, then who said it
// when; the period when it is not the table's.
func figureLine(r knowledge.FigureRecord, period string) string {
	fig, who := bot.FigureRowParts(r)
	line := "• <b>" + esc(bot.Excerpt(fig, 80)) + "</b>"
	if r.Period.Label != "" && r.Period.Label != period {
		line += " (" + esc(r.Period.Label) + ")"
	}
	if who != "" {
		line += " — " + esc(bot.Excerpt(who, publisherExcerpt*2))
	}
	return line
}

// timelineLines renders a timeline: its title, then per unit the rows,
// oldest period first, forecasts marked, at most max rows; then what was
// left out.
func timelineLines(l bot.Lang, tl knowledge.FigureTimeline, max int) []string {
	ft := bot.FT(l)
	colon := strings.TrimSpace(bot.T(l).Colon)
	lines := []string{"<b>" + esc(fmt.Sprintf(ft.Timeline, tl.MetricName)) + "</b>"}
	shown := 0
	for _, s := range tl.Series {
		if shown == max {
			break
		}
		lines = append(lines, "<i>"+esc(fmt.Sprintf(ft.Unit, s.UnitName)+colon)+"</i>")
		for _, r := range s.Records {
			if shown == max {
				break
			}
			shown++
			fig, who := bot.FigureRowParts(r)
			line := esc(r.Period.Label) + ": <b>" + esc(bot.Excerpt(fig, 80)) + "</b>"
			if r.Forecast {
				line += " [" + esc(bot.T(l).Forecast) + "]"
			}
			if who != "" {
				line += " — " + esc(bot.Excerpt(who, publisherExcerpt))
			}
			lines = append(lines, line)
		}
	}
	if shown < tl.Total {
		lines = append(lines, "<i>"+esc(fmt.Sprintf(ft.Capped, shown, tl.Total))+"</i>")
	}
	if tl.Undated > 0 {
		lines = append(lines, "<i>"+esc(fmt.Sprintf(ft.Undated, tl.Undated))+"</i>")
	}
	return lines
}

// timelineBlocks renders a timeline as messages.
func timelineBlocks(l bot.Lang, tl knowledge.FigureTimeline) []string {
	return lineBlocks(timelineLines(l, tl, bot.MaxTimelineRows))
}

// chartCaption is the caption of a timeline's chart and the messages that
// follow it: the table's lines as long as they fit in a caption, the rest
// in the messages after it.
func chartCaption(r bot.Reply) (string, []string) {
	lines := timelineLines(r.Lang, r.Timeline, bot.MaxTimelineRows)
	caption, n := lines[0], 1
	if htmlLen(caption) > MaxCaptionLen {
		// A title is short; this only guards the caption's limit.
		caption = esc(bot.Excerpt(htmlToText(caption), 200))
	}
	for ; n < len(lines); n++ {
		if htmlLen(caption)+1+htmlLen(lines[n]) > MaxCaptionLen {
			break
		}
		caption += "\n" + lines[n]
	}
	return caption, pack(lineBlocks(lines[n:]))
}

// deliverChart sends a timeline's chart as a photo with its caption, then
// the rest of the table. When Telegram takes no photo, the table is sent
// as text instead, so the figures still arrive.
func (b *Bot) deliverChart(ctx context.Context, in incoming, reply bot.Reply) bool {
	caption, rest := chartCaption(reply)
	params := &tgbot.SendPhotoParams{
		ChatID: in.chatID, MessageThreadID: in.threadID,
		Photo:   &models.InputFileUpload{Filename: "chart.png", Data: bytes.NewReader(reply.Chart.PNG)},
		Caption: caption, ParseMode: models.ParseModeHTML,
	}
	if in.replyTo != 0 {
		params.ReplyParameters = &models.ReplyParameters{MessageID: in.replyTo, AllowSendingWithoutReply: true}
	}
	var sent *models.Message
	err := b.call(ctx, "sendPhoto", func(ctx context.Context) error {
		// The reader is used up by an attempt: every retry gets its own.
		params.Photo = &models.InputFileUpload{Filename: "chart.png", Data: bytes.NewReader(reply.Chart.PNG)}
		var err error
		sent, err = b.tg.SendPhoto(ctx, params)
		return err
	})
	if err != nil {
		b.log.Warn("chart not sent: sending the figures as text", "request_id", reply.RequestID, "chat_id", in.chatID, "err", err)
		return false
	}
	b.core.Link(bot.PlatformTelegram, in.req.ChatID, strconv.Itoa(messageID(sent)), reply.RequestID)
	for i, text := range rest {
		if _, err := b.send(ctx, &tgbot.SendMessageParams{
			ChatID: in.chatID, MessageThreadID: in.threadID, Text: text,
			ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview,
		}); err != nil {
			b.log.Error("reply lost", "request_id", reply.RequestID, "chat_id", in.chatID, "part", i+2, "parts", len(rest)+1, "err", err)
			return true
		}
	}
	return true
}
