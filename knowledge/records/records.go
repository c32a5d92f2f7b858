// Package records turns the figures of the corpus into a table of who
// said what, when: each figure with its metric, unit, period, whether it
// is a forecast or an estimate, and its source. The sources disagree all
// the time (the 2024 market size is 504.4亿元 for one association, more
// than 505亿元 for another, RMB 48.5 bn for iResearch, US$7 bn for Media
// Partners Asia); Match, Differ and Timeline put their figures side by
// side.
//
// Reading is rule-based and bilingual: figures come from knowledge/text,
// periods from the sentence (then the note's period field, then the
// publication date), metrics from cue words nearest the figure, from a
// small closed set (see the metric constants).
package records

import (
	"math"
	"sort"
	"strings"

	"dramabot/knowledge"
	"dramabot/knowledge/text"
)

// MaxRecords caps every list this package returns; Table says when the
// cap cut it.
const MaxRecords = 500

// Version names the reading rules. Stores keep records beside the index
// and read them again when it changes: change it with any rule that
// changes what Extract returns.
const Version = "1"

// Record is one figure of the corpus: who said what, when. Its JSON form
// is an entry of the figure_table list of JSON answers.
type Record struct {
	// Text is the figure as written in the source's language
	// ("504.4亿元", "RMB 48.5 billion", "60 to 90").
	Text string `json:"text"`
	// Value is the normalized value (504.4亿元 is 50440000000); for a
	// range, its low end, and High its high end.
	Value float64 `json:"value"`
	High  float64 `json:"high,omitempty"`
	// Unit is CNY, USD, percent, fold, or the noun counted (users,
	// people, jobs, titles, episodes, views, downloads, apps, companies,
	// crews, minutes, hours, days, ...); empty when nothing says.
	Unit string `json:"unit"`
	// Metric is one of the metric ids (market_size, mau, jobs, ...), or
	// empty when no cue tells.
	Metric string `json:"metric,omitempty"`
	// Entity is the app, company or place the figure is about
	// ("hongguo"); empty for the market as a whole.
	Entity   string `json:"entity,omitempty"`
	Period   Period `json:"period"`
	Forecast bool   `json:"forecast"`
	Estimate bool   `json:"estimate"`
	// Bound is "over" for "more than 505亿元", "under" for "不足10亿元".
	Bound string `json:"bound,omitempty"`
	// Equivalent is the same amount in another currency when the source
	// gives both ("90 billion yuan ($12.7 billion)"): the only way two
	// currencies are ever compared.
	Equivalent *Amount `json:"equivalent,omitempty"`
	// Sentence is the sentence that holds the figure, verbatim.
	Sentence string `json:"sentence"`
	Source   Source `json:"source"`

	// fallback is the period nearest in the sentence when the figure's
	// clause names none; the note's period field comes first.
	fallback Period
	// zh is set when the sentence is written in Chinese.
	zh bool
	// reported is set when a past-tense verb introduces the figure ("made
	// $1.4 billion in 2024"): an actual figure even in a forecast note.
	reported bool
	// endpoint is "from" or "to" for the two ends of a change ("rose from
	// 95.7 minutes to 120.5 minutes between January and August 2025"):
	// each takes its end of a range period.
	endpoint string
}

// Amount is a value in a unit.
type Amount struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// Source is where a record was read: the publisher, who produced the
// figure, when it was published, and the passage that holds it.
type Source struct {
	SourceID  string `json:"source_id"`
	PassageID string `json:"passage_id"`
	Title     string `json:"title,omitempty"`
	Publisher string `json:"publisher,omitempty"`
	Producer  string `json:"producer,omitempty"`
	Date      string `json:"date,omitempty"`
	URL       string `json:"url,omitempty"`
}

// Name is who a figure is attributed to: the producer when known,
// else the publisher.
func (s Source) Name() string {
	if p := strings.TrimSpace(s.Producer); p != "" && !strings.HasPrefix(strings.ToLower(p), "not named") {
		return p
	}
	return s.Publisher
}

// Table is a capped list of records.
type Table struct {
	Records []Record `json:"records"`
	// Total is how many records there were before the cap.
	Total  int  `json:"total"`
	Capped bool `json:"capped"`
}

func capped(rs []Record) Table {
	t := Table{Records: rs, Total: len(rs)}
	if len(rs) > MaxRecords {
		t.Records, t.Capped = rs[:MaxRecords:MaxRecords], true
	}
	return t
}

// ExtractAll reads the records of many documents. It is the whole
// figure table, to keep beside the index, and is not capped: the lists
// shown from it (Match, Timeline) are.
func ExtractAll(docs []knowledge.Document) []Record {
	var all []Record
	for _, d := range docs {
		all = append(all, Extract(d)...)
	}
	return all
}

// Extract reads every figure of a document as a record. Years and dates
// are not records. A market note carries each fact twice, in English and
// in Chinese: its figures are read from both lines and merged by value and
// unit, one record per figure, written as the source's own language
// writes it.
func Extract(doc knowledge.Document) []Record {
	var out []Record
	for _, p := range doc.Passages {
		out = append(out, extractPassage(doc.Source, p)...)
	}
	return out
}

// extractPassage reads the records of one passage.
func extractPassage(src knowledge.Source, p knowledge.Passage) []Record {
	ref := Source{SourceID: src.ID, PassageID: p.ID, Title: src.Title, Publisher: src.Publisher, Date: src.Date, URL: src.URL}
	note := src.Note
	if note != nil {
		ref.Producer = note.Producer
		if note.PageTitle != "" {
			ref.Title = note.PageTitle
		}
	}
	var lines [][]Record
	for _, sp := range text.SentenceSpans(p.Text) {
		s := p.Text[sp.Start:sp.End]
		rs := extractSentence(s)
		for i := range rs {
			rs[i].Source = ref
		}
		lines = append(lines, rs)
	}
	var out []Record
	if note == nil {
		for _, l := range lines {
			out = append(out, l...)
		}
	} else {
		zhFirst := strings.HasPrefix(note.PageLang, "zh")
		out = mergeLines(lines, zhFirst)
	}
	// The note's period and the publication date are read once for all
	// the passage's records.
	fb := fallbacks(note, src.Date)
	for i := range out {
		fillPeriod(&out[i], fb)
		// A forecast note may mark some of its years as actual: "2024
		// (actual) to 2030 (forecast)".
		if note != nil && strings.Contains(note.Period, out[i].Period.Label+" (actual)") {
			out[i].reported = true
		}
		if note != nil && note.Forecast && !out[i].reported {
			out[i].Forecast = true
		}
		out[i].reported = false
	}
	return out
}

// mergeLines keeps one record per figure of a note: the records of the
// line in the source's language first, then those of the other line that
// add a figure; a figure in both lines takes what the first lacks from
// the second.
func mergeLines(lines [][]Record, zhFirst bool) []Record {
	var first, second []Record
	for _, l := range lines {
		for _, r := range l {
			if r.zh == zhFirst {
				first = append(first, r)
			} else {
				second = append(second, r)
			}
		}
	}
	var out []Record
	add := func(r Record) {
		for i := range out {
			if sameFigure(out[i], r) {
				merge(&out[i], r)
				return
			}
		}
		out = append(out, r)
	}
	for _, r := range first {
		add(r)
	}
	for _, r := range second {
		add(r)
	}
	return out
}

func unitClass(u string) string {
	switch u {
	case text.UnitCNY, text.UnitUSD, text.UnitPercent, text.UnitFold, "HKD", "EUR", "GBP":
		return u
	}
	return "count"
}

func sameFigure(a, b Record) bool {
	return unitClass(a.Unit) == unitClass(b.Unit) && near(a.Value, b.Value) && near(a.High, b.High)
}

// near compares normalized values, which may differ in their last bits
// (37.39 billion and 373.9亿).
func near(a, b float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// merge fills what a lacks from b, the same figure read in the other
// line.
func merge(a *Record, b Record) {
	if a.Unit == "" {
		a.Unit = b.Unit
	}
	if a.Metric == "" {
		a.Metric = b.Metric
	}
	if a.Entity == "" && b.Entity != "" {
		// What an amount measures depends on whom it is about: the other
		// line's subject brings its reading ("ReelShort ... 2400万美元" is
		// ReelShort's revenue, not the market's).
		a.Entity, a.Metric = b.Entity, b.Metric
	}
	if a.Period.IsZero() {
		a.Period = b.Period
	}
	if a.fallback.IsZero() {
		a.fallback = b.fallback
	}
	if a.Bound == "" {
		a.Bound = b.Bound
	}
	if a.Equivalent == nil {
		a.Equivalent = b.Equivalent
	}
	if a.endpoint == "" {
		a.endpoint = b.endpoint
	}
	a.Forecast = a.Forecast || b.Forecast
	a.reported = a.reported || b.reported
	a.Estimate = a.Estimate || b.Estimate
}

// periodFallbacks are the periods a record whose sentence names none
// takes: the note's period field, else the publication date (as of it).
type periodFallbacks struct {
	note, published Period
}

func fallbacks(note *knowledge.NoteInfo, published string) periodFallbacks {
	var fb periodFallbacks
	if note != nil {
		if p, ok := ParsePeriod(note.Period); ok {
			p.Basis = BasisNote
			fb.note = p
		}
	}
	if p, ok := ParsePeriod(published); ok {
		p = asOf(p)
		p.Basis = BasisPublished
		fb.published = p
	}
	return fb
}

// fillPeriod gives a record whose sentence names no period the note's
// period, or else the publication date.
func fillPeriod(r *Record, fb periodFallbacks) {
	defer func() {
		r.fallback = Period{}
		if r.endpoint != "" && r.Period.Kind == KindRange {
			basis := r.Period.Basis
			r.Period = rangeEnd(r.Period, r.endpoint == "to")
			r.Period.Basis = basis
		}
		r.endpoint = ""
	}()
	if !r.Period.IsZero() {
		r.Period.Basis = BasisText
		return
	}
	if !fb.note.IsZero() {
		r.Period = fb.note
		return
	}
	if !r.fallback.IsZero() {
		r.Period = r.fallback
		r.Period.Basis = BasisText
		return
	}
	if p := fb.published; !p.IsZero() {
		r.Period = p
	}
}

// Match returns the records that answer a query: its metric, its entity
// (none: the whole market, so Hongguo's users never answer for the
// market's), and, when the query names one, its period: the same label,
// or an as-of date inside it. Records come ordered by period.
func Match(records []Record, q Query) Table {
	var out []Record
	for _, r := range records {
		if r.Metric != q.Metric || r.Entity != q.Entity {
			continue
		}
		if !q.Period.IsZero() && !samePeriod(r.Period, q.Period) {
			continue
		}
		out = append(out, r)
	}
	sortRecords(out)
	return capped(out)
}

// samePeriod reports whether a record's period answers for the asked one:
// the same label, or, for stocks such as users counted "as of" a date, a
// date inside the asked period.
func samePeriod(r, q Period) bool {
	if r.Label == q.Label {
		return true
	}
	if r.Kind == KindAsOf && q.Kind != KindAsOf {
		return r.From >= q.From && r.From <= q.To
	}
	return false
}

// Differ reports whether the rows disagree: two values for the same
// period (or an as-of date inside it) in the same unit that differ by
// more than 5% of the larger. A series over time is not a disagreement.
// Forecasts are compared only with forecasts and reported figures only
// with reported ones; two currencies are compared only through an
// equivalent the source itself gave.
func Differ(rows []Record) bool {
	for i := range rows {
		for j := i + 1; j < len(rows); j++ {
			a, b := rows[i], rows[j]
			if a.Forecast != b.Forecast || !samePeriod(a.Period, b.Period) && !samePeriod(b.Period, a.Period) {
				continue
			}
			va, vb, ok := comparable(a, b)
			if ok && math.Abs(va-vb) > 0.05*math.Max(math.Abs(va), math.Abs(vb)) {
				return true
			}
		}
	}
	return false
}

func comparable(a, b Record) (float64, float64, bool) {
	switch {
	case a.Unit == b.Unit:
		return mid(a), mid(b), true
	case a.Equivalent != nil && a.Equivalent.Unit == b.Unit:
		return a.Equivalent.Value, mid(b), true
	case b.Equivalent != nil && b.Equivalent.Unit == a.Unit:
		return mid(a), b.Equivalent.Value, true
	}
	return 0, 0, false
}

// mid is a range's middle, or the value.
func mid(r Record) float64 {
	if r.High > r.Value {
		return (r.Value + r.High) / 2
	}
	return r.Value
}

// Series is a metric's records in one unit, ordered by period.
type Series struct {
	Unit    string   `json:"unit"`
	Records []Record `json:"records"`
	Capped  bool     `json:"capped,omitempty"`
}

// Timeline groups a metric's records by unit, each group ordered by
// period, the unit with most records first. Records of every entity are
// kept; filter with Match first to scope one.
func Timeline(records []Record, metric string) []Series {
	by := map[string][]Record{}
	for _, r := range records {
		if r.Metric == metric && !r.Period.IsZero() {
			by[r.Unit] = append(by[r.Unit], r)
		}
	}
	var out []Series
	for u, rs := range by {
		sortRecords(rs)
		t := capped(rs)
		out = append(out, Series{Unit: u, Records: t.Records, Capped: t.Capped})
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].Records) != len(out[j].Records) {
			return len(out[i].Records) > len(out[j].Records)
		}
		return out[i].Unit < out[j].Unit
	})
	return out
}

// sortRecords orders by period (start, then end), then source date,
// then source id.
func sortRecords(rs []Record) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Period.From != b.Period.From {
			return a.Period.From < b.Period.From
		}
		if a.Period.To != b.Period.To {
			return a.Period.To < b.Period.To
		}
		if a.Source.Date != b.Source.Date {
			return a.Source.Date < b.Source.Date
		}
		return a.Source.PassageID < b.Source.PassageID
	})
}
