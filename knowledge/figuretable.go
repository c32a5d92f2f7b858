package knowledge

import (
	"context"
	"errors"
	"fmt"
)

// The figure table: who said what, when. knowledge/records reads every
// figure of the corpus as a record at index time; these are the records'
// JSON form and what the engine and the surfaces need of them. The engine
// gets them through a FigureIndex (knowledge/figures), since the reading
// rules depend on this package and not the other way round.

// FigureRecord is one figure of the corpus: the figure as written, its
// normalized value and unit, the metric and period it is about, and who
// published it when.
type FigureRecord struct {
	// Text is the figure as written ("504.4亿元", "RMB 48.5 billion").
	Text string `json:"text"`
	// Value is the normalized value; for a range its low end, High its
	// high end.
	Value float64 `json:"value"`
	High  float64 `json:"high,omitempty"`
	// Unit is CNY, USD, percent, fold, or the noun counted (users,
	// jobs, titles, ...).
	Unit   string `json:"unit"`
	Metric string `json:"metric,omitempty"`
	// Entity is the app, company or place the figure is about; empty
	// for the market as a whole.
	Entity   string       `json:"entity,omitempty"`
	Period   FigurePeriod `json:"period"`
	Forecast bool         `json:"forecast"`
	Estimate bool         `json:"estimate"`
	// Bound is "over" for "more than 505亿元", "under" for "不足10亿元".
	Bound string `json:"bound,omitempty"`
	// Equivalent is the amount in another currency, when the source
	// itself gives both.
	Equivalent *FigureAmount `json:"equivalent,omitempty"`
	// Sentence is the sentence that holds the figure, verbatim.
	Sentence string       `json:"sentence"`
	Source   FigureSource `json:"source"`
}

// FigurePeriod is the time a figure is about: Label is its canonical
// spelling ("2024", "2024-H1", "as of 2024-06", "2025-01/2025-08"); From
// and To bound it as YYYY-MM; Basis says where it was read ("text",
// "note", or "published": the publication date, when nothing else says).
type FigurePeriod struct {
	Label string `json:"label"`
	Kind  string `json:"kind"`
	From  string `json:"from"`
	To    string `json:"to"`
	Basis string `json:"basis,omitempty"`
}

// FigureAmount is a value in a unit.
type FigureAmount struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// FigureSource is where a figure was read: who produced it (a research
// firm, a regulator), who published it, when, and the passage.
type FigureSource struct {
	SourceID  string `json:"source_id"`
	PassageID string `json:"passage_id"`
	Title     string `json:"title,omitempty"`
	Publisher string `json:"publisher,omitempty"`
	Producer  string `json:"producer,omitempty"`
	Date      string `json:"date,omitempty"`
	URL       string `json:"url,omitempty"`
}

// FigureTable is what every source says about one metric for one period:
// reported figures newest source first, then forecasts, newest first.
type FigureTable struct {
	Metric string `json:"metric"`
	// MetricName names the metric in the question's language.
	MetricName string `json:"metric_name"`
	Period     string `json:"period,omitempty"`
	Entity     string `json:"entity,omitempty"`
	Records    []FigureRecord
	// Differ is set when two sources give figures for the period, in
	// one unit (or through an equivalent the source gave), more than 5%
	// apart; forecasts are compared only with forecasts.
	Differ bool
}

// FigureSeries is a metric's figures in one unit, oldest period first.
type FigureSeries struct {
	Unit string `json:"unit"`
	// UnitName names the unit in the topic's language.
	UnitName string         `json:"unit_name"`
	Records  []FigureRecord `json:"records"`
}

// FigureTimeline is a metric's figures across periods and sources,
// grouped by unit (units are never converted into each other), the unit
// with most figures first.
type FigureTimeline struct {
	Topic      string         `json:"topic"`
	Metric     string         `json:"metric"`
	MetricName string         `json:"metric_name"`
	Entity     string         `json:"entity,omitempty"`
	Series     []FigureSeries `json:"series"`
	// Total counts the figures found; Shown those listed in Series,
	// fewer when Total is over the cap.
	Total  int  `json:"total"`
	Shown  int  `json:"shown"`
	Capped bool `json:"capped"`
	// Undated counts figures of the metric that name no period and have
	// no publication date: they cannot be placed on a timeline.
	Undated int `json:"undated,omitempty"`
}

// FigureChart is a metric's figures drawn over time as a PNG.
type FigureChart struct {
	PNG           []byte
	Width, Height int
	Metric        string
	// Unit is the unit on the axis; Omitted counts figures in other units
	// (or not yearly beside yearly ones), left out rather than converted.
	Unit    string
	Series  int
	Points  int
	Omitted int
}

// Errors of figure lookups. A surface shows each as a message, never as
// a broken image or an error page.
var (
	// ErrNotAMetric: the topic names no metric the figure table knows
	// (market size, users, jobs, ...).
	ErrNotAMetric = errors.New("not a metric")
	// ErrNoFigures: the metric is known but no source gives a figure for
	// it (or figures are not indexed).
	ErrNoFigures = errors.New("no figures")
	// ErrTooFewToChart: one dated figure is a sentence, not a chart.
	ErrTooFewToChart = errors.New("too few figures to chart")
)

// FigureIndex finds figures across sources. knowledge/figures implements
// it over the records a store keeps.
type FigureIndex interface {
	// FigureTable returns the figures for the metric, entity and period
	// the question asks about. When the question names no period, the
	// period is that of the metric's figure in the cited passages (the
	// answer's), else the latest reported one. ok is false when the
	// question asks no metric or no source gives one.
	FigureTable(question string, cited []string) (t FigureTable, ok bool)
	// Timeline returns a metric's figures across periods and sources:
	// ErrNotAMetric, ErrNoFigures.
	Timeline(topic string) (FigureTimeline, error)
	// Chart draws the timeline: ErrNotAMetric, ErrNoFigures,
	// ErrTooFewToChart.
	Chart(topic string) (FigureChart, error)
}

// addFigureTable attaches to a (not abstained) answer the figures every
// source gives for what it asks.
func (e *Engine) addFigureTable(a *Answer) {
	if e.opts.Figures == nil || a.Abstained {
		return
	}
	cited := make([]string, 0, len(a.Citations))
	for _, c := range a.Citations {
		cited = append(cited, c.PassageID)
	}
	t, ok := e.opts.Figures.FigureTable(a.Question, cited)
	if !ok || len(t.Records) == 0 {
		return
	}
	a.FigureTable, a.SourcesDiffer = t.Records, t.Differ
	a.FigureMetric, a.FigurePeriod = t.MetricName, t.Period
}

// Timeline returns a metric's figures across periods and sources.
func (e *Engine) Timeline(_ context.Context, topic string) (FigureTimeline, error) {
	if e.opts.Figures == nil {
		return FigureTimeline{}, fmt.Errorf("timeline: %w", ErrNoFigures)
	}
	return e.opts.Figures.Timeline(topic)
}

// Chart draws a metric's figures over time.
func (e *Engine) Chart(_ context.Context, topic string) (FigureChart, error) {
	if e.opts.Figures == nil {
		return FigureChart{}, fmt.Errorf("chart: %w", ErrNoFigures)
	}
	return e.opts.Figures.Chart(topic)
}
