// Package figures answers for the figure table: what every source says
// about a metric and a period, a metric's timeline across sources, and
// its chart. It implements knowledge.FigureIndex over the records a
// store reads at index time (knowledge/records), so that the engine and
// the surfaces see only knowledge's types.
package figures

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"dramabot/knowledge"
	"dramabot/knowledge/chart"
	"dramabot/knowledge/records"
)

// Records is where the records come from: knowledge/store keeps them
// beside its index, rebuilt when passages change.
type Records interface {
	Records() []records.Record
}

// Index implements knowledge.FigureIndex. It reads the records anew on
// every call, so a reindex is seen at once.
type Index struct {
	src Records
}

// New returns an Index over src.
func New(src Records) *Index { return &Index{src: src} }

// FigureTable returns the figures of the metric, entity and period the
// question asks about, from every source: reported figures first, then
// forecasts, each newest source first.
func (ix *Index) FigureTable(question string, cited []string) (knowledge.FigureTable, bool) {
	q, ok := records.Topic(question)
	if !ok {
		return knowledge.FigureTable{}, false
	}
	all := ix.src.Records()
	if q.Period.IsZero() {
		q.Period = impliedPeriod(all, q, cited)
		if q.Period.IsZero() {
			return knowledge.FigureTable{}, false
		}
	}
	rows := records.Match(all, q).Records
	if len(rows) == 0 {
		return knowledge.FigureTable{}, false
	}
	rows = newestFirst(rows)
	t := knowledge.FigureTable{
		Metric: q.Metric, MetricName: records.MetricName(q.Metric, chinese(question)),
		Period: q.Period.Label, Entity: q.Entity, Differ: records.Differ(rows),
	}
	for _, r := range rows {
		t.Records = append(t.Records, Convert(r))
	}
	return t, true
}

// impliedPeriod is the period a question that names none is taken to
// ask about: that of the metric's figure in the passages the answer
// cites (reported before forecast), else the latest period with a
// reported figure.
func impliedPeriod(all []records.Record, q records.Query, cited []string) records.Period {
	of := func(r records.Record) bool { return r.Metric == q.Metric && r.Entity == q.Entity && !r.Period.IsZero() }
	for _, forecast := range []bool{false, true} {
		for _, id := range cited {
			for _, r := range all {
				if r.Source.PassageID == id && of(r) && r.Forecast == forecast {
					return r.Period
				}
			}
		}
	}
	var latest records.Period
	for _, r := range all {
		if of(r) && !r.Forecast && (latest.IsZero() || r.Period.To > latest.To) {
			latest = r.Period
		}
	}
	return latest
}

// newestFirst orders reported figures before forecasts, each newest
// source first (then by period, latest first).
func newestFirst(rs []records.Record) []records.Record {
	out := append([]records.Record(nil), rs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Forecast != b.Forecast {
			return !a.Forecast
		}
		if a.Source.Date != b.Source.Date {
			return a.Source.Date > b.Source.Date
		}
		return a.Period.To > b.Period.To
	})
	return out
}

// Timeline returns the metric's figures across periods and sources,
// grouped by unit. Figures without a period are counted, not listed.
func (ix *Index) Timeline(topic string) (knowledge.FigureTimeline, error) {
	q, err := query(topic)
	if err != nil {
		return knowledge.FigureTimeline{}, err
	}
	zh := chinese(topic)
	tl := knowledge.FigureTimeline{Topic: strings.TrimSpace(topic), Metric: q.Metric, MetricName: records.MetricName(q.Metric, zh), Entity: q.Entity, Series: []knowledge.FigureSeries{}}
	var scoped []records.Record
	for _, r := range ix.src.Records() {
		if r.Metric != q.Metric || r.Entity != q.Entity {
			continue
		}
		if r.Period.IsZero() {
			tl.Undated++
			continue
		}
		scoped = append(scoped, r)
	}
	if len(scoped) == 0 {
		return tl, fmt.Errorf("timeline of %s: %w", q.Metric, knowledge.ErrNoFigures)
	}
	tl.Total = len(scoped)
	left := records.MaxRecords
	for _, s := range records.Timeline(scoped, q.Metric) {
		if left == 0 {
			break
		}
		rs := s.Records
		if len(rs) > left {
			rs = rs[:left]
		}
		left -= len(rs)
		fs := knowledge.FigureSeries{Unit: s.Unit, UnitName: records.UnitName(s.Unit, zh)}
		for _, r := range rs {
			fs.Records = append(fs.Records, Convert(r))
		}
		tl.Series = append(tl.Series, fs)
		tl.Shown += len(rs)
	}
	tl.Capped = tl.Shown < tl.Total
	return tl, nil
}

// Chart draws the metric's figures over time (knowledge/chart), labelled
// in the topic's language.
func (ix *Index) Chart(topic string) (knowledge.FigureChart, error) {
	q, err := query(topic)
	if err != nil {
		return knowledge.FigureChart{}, err
	}
	all := ix.src.Records()
	found := false
	for _, r := range all {
		if r.Metric == q.Metric && r.Entity == q.Entity {
			found = true
			break
		}
	}
	if !found {
		return knowledge.FigureChart{}, fmt.Errorf("chart of %s: %w", q.Metric, knowledge.ErrNoFigures)
	}
	res, err := chart.Render(all, q.Metric, chart.Options{Chinese: chinese(topic), Entity: q.Entity})
	if errors.Is(err, chart.ErrTooFew) {
		return knowledge.FigureChart{}, fmt.Errorf("chart of %s: %w", q.Metric, knowledge.ErrTooFewToChart)
	}
	if err != nil {
		return knowledge.FigureChart{}, err
	}
	return knowledge.FigureChart{PNG: res.PNG, Width: res.Width, Height: res.Height, Metric: res.Metric, Unit: res.Unit,
		Series: res.Series, Points: res.Points, Omitted: res.Omitted}, nil
}

func query(topic string) (records.Query, error) {
	q, ok := records.Topic(topic)
	if !ok {
		return q, fmt.Errorf("figures of %q: %w", topic, knowledge.ErrNotAMetric)
	}
	return q, nil
}

func chinese(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// Convert is a record in knowledge's terms.
func Convert(r records.Record) knowledge.FigureRecord {
	out := knowledge.FigureRecord{
		Text: r.Text, Value: r.Value, High: r.High, Unit: r.Unit, Metric: r.Metric, Entity: r.Entity,
		Period:   knowledge.FigurePeriod(r.Period),
		Forecast: r.Forecast, Estimate: r.Estimate, Bound: r.Bound, Sentence: r.Sentence,
		Source: knowledge.FigureSource(r.Source),
	}
	if r.Equivalent != nil {
		eq := knowledge.FigureAmount(*r.Equivalent)
		out.Equivalent = &eq
	}
	return out
}
