package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"dramabot/knowledge"
)

// Figures across sources: the table under an answer to a figure question
// (what every source gives for the metric and period) and /figures TOPIC,
// a metric's timeline with its chart.

// FigureKnowledge is implemented by engines that keep a figure table
// (knowledge.Engine with a FigureIndex). Without it /figures lists the key
// figures of the passages on the topic, as before.
type FigureKnowledge interface {
	Timeline(ctx context.Context, topic string) (knowledge.FigureTimeline, error)
	Chart(ctx context.Context, topic string) (knowledge.FigureChart, error)
}

// Chat limits of the figure lists: a table under an answer shows at most
// MaxTableRows rows, a timeline MaxTimelineRows; the rest are counted.
const (
	MaxTableRows    = 5
	MaxTimelineRows = 24
	whoProducer     = 40
	whoPublisher    = 28
)

// FigureTexts is the frame of figure tables in one language.
type FigureTexts struct {
	// Header introduces the table under an answer: "What each source
	// says (market size, 2024)".
	Header, Differ, Forecasts, More  string
	NotAMetric, NoFigures, Capped    string
	Undated, Timeline, NoChart, Unit string
}

var figureTextsEN = FigureTexts{
	Header:     "What each source says (%s, %s)",
	Differ:     "Sources differ.",
	Forecasts:  "Forecasts",
	More:       "+%d more",
	NotAMetric: "“%s” is not a figure I keep across sources. Try a metric: market size, users, jobs, monthly active users, titles released, overseas revenue.",
	NoFigures:  "No source gives a figure for “%s”.",
	Capped:     "Showing %d of %d figures.",
	Undated:    "%d figures name no period and are left out.",
	Timeline:   "%s across sources",
	NoChart:    "One figure is not a chart.",
	Unit:       "in %s",
}

var figureTextsZH = FigureTexts{
	Header:     "各来源的数据（%s，%s）",
	Differ:     "来源说法不一。",
	Forecasts:  "预测",
	More:       "另有 %d 项",
	NotAMetric: "“%s”不是我跨来源整理的指标。试试：市场规模、用户规模、就业岗位、月活跃用户、上线部数、海外收入。",
	NoFigures:  "没有来源给出“%s”的数据。",
	Capped:     "显示 %d 项，共 %d 项。",
	Undated:    "%d 项数据未注明时间，未列出。",
	Timeline:   "%s：各来源数据",
	NoChart:    "只有一项数据，不作图。",
	Unit:       "单位（%s）",
}

// FT returns the figure texts of a language.
func FT(l Lang) *FigureTexts {
	if l == LangZH {
		return &figureTextsZH
	}
	return &figureTextsEN
}

// FigureRow describes one record as a chat row: the figure as written,
// then who produced it, who published it and when ("504.4亿元 — iiMedia
// Research; iiMedia, 2025-01-17"). The producer is left out when it is
// the publisher or unnamed.
// The period is shown when it is not the table's (a count as of a date
// inside the year asked about).
func FigureRow(r knowledge.FigureRecord, period string) string {
	s := r.Text
	if r.Period.Label != "" && r.Period.Label != period {
		s += " (" + r.Period.Label + ")"
	}
	return s + " — " + figureWho(r.Source)
}

// FigureRowParts is FigureRow split for surfaces that lay the parts out
// themselves: the figure as written and who said it when.
func FigureRowParts(r knowledge.FigureRecord) (figure, who string) {
	return r.Text, figureWho(r.Source)
}

// Names are shortened (to whoProducer and whoPublisher runes) so that a
// table stays readable on a phone; the JSON answer keeps them whole.
func figureWho(s knowledge.FigureSource) string {
	var parts []string
	prod := strings.TrimSpace(s.Producer)
	if strings.HasPrefix(strings.ToLower(prod), "not named") || strings.HasPrefix(strings.ToLower(prod), "unnamed") {
		prod = ""
	}
	if prod != "" && prod != s.Publisher {
		parts = append(parts, Excerpt(prod, whoProducer))
	}
	pub := Excerpt(s.Publisher, whoPublisher)
	if s.Date != "" {
		if pub != "" {
			pub += ", "
		}
		pub += s.Date
	}
	if pub != "" {
		parts = append(parts, pub)
	}
	return strings.Join(parts, "; ")
}

// TableGroups splits an answer's figure table into reported figures and
// forecasts, kept apart, each at most max rows in all (reported first);
// more counts the rows left out.
func TableGroups(rows []knowledge.FigureRecord, max int) (reported, forecasts []knowledge.FigureRecord, more int) {
	for _, r := range rows {
		if len(reported)+len(forecasts) >= max {
			more++
			continue
		}
		if r.Forecast {
			forecasts = append(forecasts, r)
		} else {
			reported = append(reported, r)
		}
	}
	return reported, forecasts, more
}

// TableHeader is the line above an answer's figure table.
func TableHeader(l Lang, a knowledge.Answer) string {
	return fmt.Sprintf(FT(l).Header, a.FigureMetric, a.FigurePeriod)
}

// PlainTable renders an answer's figure table as lines of text: the
// header, "Sources differ." when they do, the reported rows, then the
// forecasts under their own header. Empty when there is no table.
func PlainTable(l Lang, a knowledge.Answer, max int) []string {
	if len(a.FigureTable) == 0 {
		return nil
	}
	ft := FT(l)
	lines := []string{TableHeader(l, a) + strings.TrimSpace(T(l).Colon)}
	if a.SourcesDiffer {
		lines = append(lines, ft.Differ)
	}
	rep, fc, more := TableGroups(a.FigureTable, max)
	for _, r := range rep {
		lines = append(lines, "• "+FigureRow(r, a.FigurePeriod))
	}
	if len(fc) > 0 {
		lines = append(lines, ft.Forecasts+strings.TrimSpace(T(l).Colon))
		for _, r := range fc {
			lines = append(lines, "• "+FigureRow(r, a.FigurePeriod))
		}
	}
	if more > 0 {
		lines = append(lines, fmt.Sprintf(ft.More, more))
	}
	return lines
}

// PlainTimeline renders a timeline as text: the title, then per unit its
// rows, oldest period first (forecasts marked), at most max rows in all,
// then what was left out.
func PlainTimeline(l Lang, tl knowledge.FigureTimeline, max int) []string {
	ft := FT(l)
	lines := []string{fmt.Sprintf(ft.Timeline, tl.MetricName)}
	shown := 0
	for _, s := range tl.Series {
		lines = append(lines, "", fmt.Sprintf(ft.Unit, s.UnitName)+strings.TrimSpace(T(l).Colon))
		for _, r := range s.Records {
			if shown == max {
				break
			}
			shown++
			row := "• " + r.Period.Label + ": " + r.Text
			if r.Forecast {
				row += " [" + T(l).Forecast + "]"
			}
			lines = append(lines, row+" — "+figureWho(r.Source))
		}
	}
	lines = append(lines, "")
	if shown < tl.Total {
		lines = append(lines, fmt.Sprintf(ft.Capped, shown, tl.Total))
	}
	if tl.Undated > 0 {
		lines = append(lines, fmt.Sprintf(ft.Undated, tl.Undated))
	}
	return trimBlank(lines)
}

func trimBlank(lines []string) []string {
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// FigureMessage says, in the asker's language, why a topic has no
// timeline or chart: not a metric, or no figures. Other errors are ours.
func FigureMessage(l Lang, topic string, err error) (string, bool) {
	topic = Excerpt(topic, 60)
	switch {
	case errors.Is(err, knowledge.ErrNotAMetric):
		return fmt.Sprintf(FT(l).NotAMetric, topic), true
	case errors.Is(err, knowledge.ErrNoFigures):
		return fmt.Sprintf(FT(l).NoFigures, topic), true
	case errors.Is(err, knowledge.ErrTooFewToChart):
		return FT(l).NoChart, true
	}
	return "", false
}

// FigureTimeline returns a metric's figures across sources for the HTTP
// API: ok false with the error when there is no timeline (the message
// from FigureMessage says why).
func (c *Core) FigureTimeline(ctx context.Context, topic string) (knowledge.FigureTimeline, error) {
	fk, ok := c.k.(FigureKnowledge)
	if !ok {
		return knowledge.FigureTimeline{}, fmt.Errorf("timeline: %w", knowledge.ErrNoFigures)
	}
	return fk.Timeline(ctx, sanitize(topic))
}

// FigureChart draws a metric's figures for the HTTP API.
func (c *Core) FigureChart(ctx context.Context, topic string) (knowledge.FigureChart, error) {
	fk, ok := c.k.(FigureKnowledge)
	if !ok {
		return knowledge.FigureChart{}, fmt.Errorf("chart: %w", knowledge.ErrNoFigures)
	}
	return fk.Chart(ctx, sanitize(topic))
}

// timeline answers /figures TOPIC when the topic is a metric with
// figures: the timeline, and its chart when there are two figures or
// more. ok is false when the key figures of old should answer instead.
func (c *Core) timeline(ctx context.Context, req Request, topic string, lang Lang, id string) (Reply, bool) {
	fk, ok := c.k.(FigureKnowledge)
	if !ok || strings.TrimSpace(topic) == "" || utf8.RuneCountInString(topic) > c.maxLen {
		return Reply{}, false
	}
	start := time.Now()
	tl, err := fk.Timeline(ctx, topic)
	if err != nil {
		if _, known := FigureMessage(lang, topic, err); !known {
			c.log.Error("timeline failed", "request_id", id, "platform", req.Platform, "err", err)
			return Reply{Kind: KindError, RequestID: id, Lang: lang, Message: T(lang).Apology}, true
		}
		return Reply{}, false
	}
	r := Reply{Kind: KindTimeline, RequestID: id, Lang: lang, Timeline: tl}
	ch, err := fk.Chart(ctx, topic)
	switch {
	case err == nil:
		r.Chart = &ch
	case !errors.Is(err, knowledge.ErrTooFewToChart):
		// The figures still answer; only the picture is missing.
		c.log.Warn("chart failed", "request_id", id, "platform", req.Platform, "err", err)
	}
	c.log.Info("timeline", "request_id", id, "platform", req.Platform, "metric", tl.Metric, "figures", tl.Shown, "chart", r.Chart != nil, "latency", time.Since(start))
	return r, true
}
