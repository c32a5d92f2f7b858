package discord

import (
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"dramabot/bot"
	"dramabot/knowledge"
)

// chartName is the file name of a timeline's chart, which its embed shows.
const chartName = "chart.png"

// tableFields renders the figure table under an answer as embed fields:
// what each source says for the period ("Sources differ." first when they
// do), then the forecasts in a field of their own.
func tableFields(l bot.Lang, a knowledge.Answer) []*discordgo.MessageEmbedField {
	if len(a.FigureTable) == 0 {
		return nil
	}
	ft := bot.FT(l)
	rep, fc, more := bot.TableGroups(a.FigureTable, bot.MaxTableRows)
	var lines []string
	if a.SourcesDiffer {
		lines = append(lines, "*"+escapeMarkdown(ft.Differ)+"*")
	}
	for _, r := range rep {
		lines = append(lines, figureLine(r, a.FigurePeriod))
	}
	var flines []string
	for _, r := range fc {
		flines = append(flines, figureLine(r, a.FigurePeriod))
	}
	if more > 0 {
		// Counted under the last list shown.
		if len(flines) > 0 {
			flines = append(flines, escapeMarkdown(fmt.Sprintf(ft.More, more)))
		} else {
			lines = append(lines, escapeMarkdown(fmt.Sprintf(ft.More, more)))
		}
	}
	fields := packFields(hardCut(bot.TableHeader(l, a), maxFieldName), lines)
	return append(fields, packFields(ft.Forecasts, flines)...)
}

// figureLine is one row: the figure as written in bold, then who said it
// when; the period when it is not the table's.
func figureLine(r knowledge.FigureRecord, period string) string {
	fig, who := bot.FigureRowParts(r)
	line := "• **" + fitEscaped(fig, 80) + "**"
	if r.Period.Label != "" && r.Period.Label != period {
		line += " (" + escapeMarkdown(r.Period.Label) + ")"
	}
	if who != "" {
		line += " — " + fitEscaped(who, 64)
	}
	return line
}

// timelineMessage renders /figures TOPIC for a metric: one embed with a
// field per unit (figures are never converted between units), oldest
// period first, forecasts marked, and the chart as its image.
func timelineMessage(r bot.Reply, asOf string) outMessage {
	tl := r.Timeline
	ft := bot.FT(r.Lang)
	e := &discordgo.MessageEmbed{
		Type:  discordgo.EmbedTypeRich,
		Title: fitEscaped(fmt.Sprintf(ft.Timeline, tl.MetricName), maxTitle),
		Color: colorAnswer,
	}
	shown := 0
	for _, s := range tl.Series {
		var lines []string
		for _, rec := range s.Records {
			if shown == bot.MaxTimelineRows {
				break
			}
			shown++
			fig, who := bot.FigureRowParts(rec)
			line := escapeMarkdown(rec.Period.Label) + ": **" + fitEscaped(fig, 80) + "**"
			if rec.Forecast {
				line += " [" + escapeMarkdown(bot.T(r.Lang).Forecast) + "]"
			}
			if who != "" {
				line += " — " + fitEscaped(who, 120)
			}
			lines = append(lines, line)
		}
		if len(lines) > 0 {
			e.Fields = append(e.Fields, packFields(fmt.Sprintf(ft.Unit, s.UnitName), lines)...)
		}
	}
	var notes []string
	if shown < tl.Total {
		notes = append(notes, fmt.Sprintf(ft.Capped, shown, tl.Total))
	}
	if tl.Undated > 0 {
		notes = append(notes, fmt.Sprintf(ft.Undated, tl.Undated))
	}
	e.Description = fitEscaped(strings.Join(notes, " "), maxDescription)
	e.Footer = footer(r.Lang, asOf)
	m := outMessage{Embeds: []*discordgo.MessageEmbed{e}}
	if r.Chart != nil && len(r.Chart.PNG) > 0 {
		e.Image = &discordgo.MessageEmbedImage{URL: "attachment://" + chartName}
		m.Files = []attachment{{Name: chartName, ContentType: "image/png", Data: r.Chart.PNG}}
	}
	fitEmbed(e)
	return m
}
