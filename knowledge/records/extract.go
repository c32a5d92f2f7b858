package records

// Reading one sentence: its figures, and for each the unit, metric,
// entity, period, forecast and estimate marks.

import (
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"dramabot/knowledge/text"
)

// figure is a figure of a sentence, possibly a range, before it becomes a
// record.
type figure struct {
	start, end int
	text       string
	value      float64
	high       float64
	unit       string
}

// extractSentence reads the records of one sentence, without source and
// with only the periods the sentence names.
func extractSentence(s string) []Record {
	// Figures are read from digits only (knowledge/text): a sentence
	// without one, most prose, costs nothing more.
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }) {
		return nil
	}
	periods, hidden := findPeriods(s)
	low := asciiLower(s)
	gm, ents := glossaryMentions(s)
	figs := sentenceFigures(s, hidden)
	if len(figs) == 0 {
		return nil
	}
	zh := text.IsCJKText(s)
	marked := forecastMark.MatchString(s)
	// The forecast cues of the sentence, found once rather than in the
	// text before each figure.
	// (A sentence without their words is not searched at all.)
	var cues, estimates [][]int
	if holdsAny(low, forecastWords) {
		cues = forecastBefore.FindAllStringIndex(s, -1)
	}
	if holdsAny(low, estimateWords) {
		estimates = estimateWord.FindAllStringIndex(s, -1)
	}
	var out []Record
	for i, f := range figs {
		lo, hi := clause(s, f.start, f.end)
		r := Record{Text: f.text, Value: f.value, High: f.high, Unit: f.unit, Sentence: s, zh: zh}
		r.Unit = countUnit(s, low, f, lo, hi)
		r.Metric, r.Entity = metricOf(low, f, r.Unit, lo, hi, gm, ents)
		r.Period, r.fallback = periodOf(s, periods, f, lo, hi, zh)
		r.Forecast = marked || cueWithin(cues, f.start-len(tail(s[:f.start], 400)), f.start)
		r.reported = !r.Forecast && reportedVerb.MatchString(tail(s[:f.start], 80))
		r.Estimate = estimateCue(s, f.start, lo, estimates)
		r.Bound = boundOf(s, f)
		if r.Period.Kind == KindAsOf && strings.HasSuffix(r.Period.From, "-12") && (r.Forecast || flow(r.Metric)) {
			// "by the end of 2025" for a forecast, and a market's size "as
			// of December 2024", are the year's.
			r.Period = yearP(num(r.Period.From[:4]))
		}
		// People counted as an audience are users; people employed are jobs.
		if r.Unit == UnitPeople && (r.Metric == Users || r.Metric == MAU || r.Metric == DAU) {
			r.Unit = UnitUsers
		}
		if r.Unit == UnitPeople && r.Metric == Jobs {
			r.Unit = UnitJobs
		}
		if i > 0 {
			linkEquivalent(s, &out[len(out)-1], &r, figs[i-1], f)
		}
		// An amount with no cue of its own beside another amount ("8,000%
		// more than the $1.8 million of Q1 2023") measures what that one
		// measures.
		if money(r.Unit) && !hasOwnCue(low, lo, hi, f, gm) {
			for j := len(out) - 1; j >= 0; j-- {
				if money(out[j].Unit) {
					r.Metric = out[j].Metric
					if e, _ := nearestEntity(ents, lo, hi, f.start); e == "" {
						r.Entity = out[j].Entity
					}
					break
				}
			}
		}
		// A share with no cue of its own in a list of shares measures what
		// the one before it measures: "52.4% of internet users, against
		// 95.5% for short video".
		if r.Unit == text.UnitPercent && len(out) > 0 && out[len(out)-1].Unit == text.UnitPercent && r.Metric == Share {
			if m, _ := nearestCue(low, lo, hi, f.start, f.end, percentCues, nil); m == "" {
				r.Metric = out[len(out)-1].Metric
			}
		}
		out = append(out, r)
	}
	// The two ends of a change: "from X to Y", "从X升至Y".
	for i := 0; i+1 < len(out); i++ {
		a, b := figs[i], figs[i+1]
		if changeFrom.MatchString(tail(s[:a.start], 30)) && changeTo.MatchString(s[a.end:b.start]) {
			out[i].endpoint, out[i+1].endpoint = "from", "to"
		}
	}
	return out
}

// forecastWords and estimateWords hold a word of every match of
// forecastBefore and estimateWord, in lower case.
var (
	forecastWords = []string{"expect", "project", "forecast", "will", "would", "could", "likely", "aim", "goal", "target",
		"预计", "有望", "将", "预测", "目标", "计划", "预估"}
	estimateWords = []string{"estimat", "估算", "估计", "预估"}
)

// holdsAny reports whether s holds one of the texts, anywhere.
func holdsAny(s string, texts []string) bool {
	for _, t := range texts {
		if strings.Contains(s, t) {
			return true
		}
	}
	return false
}

// cueWithin reports whether one of the cues (byte ranges) lies within
// [from, to).
func cueWithin(cues [][]int, from, to int) bool {
	for _, c := range cues {
		if c[0] >= from && c[1] <= to {
			return true
		}
	}
	return false
}

// inPeriodGap is what may stand between a figure and its period: "285,000
// in the first week of May 2024", "$7 billion in 2024", "576 million as
// of June 2024".
var inPeriodGap = regexp.MustCompile(`^(?:\s+[a-z-]+){0,3}?\s+(?:in|by|as of|during|at)\s+(?:the\s+)?(?:(?:first|last|second|third)\s+week\s+of\s+|early\s+|late\s+|mid-|end\s+of\s+)?$`)

var (
	changeFrom = regexp.MustCompile(`(?i)(?:\bfrom\s+(?:under |over |about |nearly |around )?(?:US\$|\$|RMB\s)?|从(?:不足|超过|近|约)?)$`)
	changeTo   = regexp.MustCompile(`(?i)^\s*\S{0,12}\s+to\s+(?:nearly |about |over |around |more than )?(?:US\$|\$|RMB\s)?$|^[^，,。；;]{0,6}(?:升至|增至|降至|增加到|提高到|降到|至)(?:近|约|超过)?$`)
)

// flow reports a metric summed over a period, such as a year's revenue.
func flow(metric string) bool {
	switch metric {
	case MarketSize, OverseasRevenue, Revenue, BoxOffice:
		return true
	}
	return false
}

var specificMoney = []string{BoxOffice, Cost, Price, Spending, Funding}

func money(u string) bool {
	switch unitClass(u) {
	case text.UnitCNY, text.UnitUSD, "HKD", "EUR", "GBP":
		return true
	}
	return false
}

// hasOwnCue reports whether a money figure's clause holds a metric cue
// or names a subject.
func hasOwnCue(low string, lo, hi int, f figure, gm []mention) bool {
	if m, _ := nearestCue(low, lo, hi, f.start, f.end, moneyCues, nil); m != "" {
		return true
	}
	for _, m := range gm {
		if m.start >= lo && m.end <= hi {
			if _, ok := glossaryMetrics["money"][m.id]; ok {
				return true
			}
		}
	}
	return hasAny(low[lo:hi], overseasCues)
}

// sentenceFigures finds the figures of s that are records: no years,
// dates, digits of a period, names ("36氪", "9527 Theatre") or qualifiers
// ("in 18 days", "the 10 biggest", "aged 40 to 59"), with ranges joined
// ("60 to 90", "40万至70万元").
func sentenceFigures(s string, hidden []hiddenSpan) []figure {
	var figs []figure
	for _, f := range text.ExtractFigures(s) {
		if f.Unit == text.UnitYear || f.Unit == text.UnitDate {
			continue
		}
		if covered(hidden, f.Start, f.End) || isName(s, f) || isQualifier(s, f) {
			continue
		}
		figs = append(figs, figure{start: f.Start, end: f.End, text: f.Text, value: f.Value, unit: f.Unit})
	}
	// "370 million times" counts downloads or views, not a multiple.
	for i := range figs {
		if figs[i].unit == text.UnitFold && strings.HasSuffix(figs[i].text, "times") &&
			(figs[i].value >= 1000 || scaled(figs[i].text)) {
			figs[i].unit = ""
			figs[i].text = strings.TrimSpace(strings.TrimSuffix(figs[i].text, "times"))
			figs[i].end = figs[i].start + len(figs[i].text)
		}
	}
	// Ranges.
	var out []figure
	for i := 0; i < len(figs); i++ {
		f := figs[i]
		if i+1 < len(figs) {
			g := figs[i+1]
			gap := s[f.end:g.start]
			if rangeSep.MatchString(gap) && (f.unit == "" || f.unit == g.unit) && !fromBefore.MatchString(tail(s[:f.start], 40)) {
				lowV := f.value
				if f.unit == "" && g.unit != "" && scaled(g.text) && !scaled(f.text) && f.value < numberPart(g.text) {
					lowV = f.value * g.value / numberPart(g.text)
				}
				if lowV < g.value {
					out = append(out, figure{start: f.start, end: g.end, text: s[f.start:g.end], value: lowV, high: g.value, unit: g.unit})
					i++
					continue
				}
			}
		}
		out = append(out, f)
	}
	return out
}

var (
	rangeSep   = regexp.MustCompile(`^(?: to | and |-|–|—|至|到|～|~| - )$`)
	fromBefore = regexp.MustCompile(`(?i)(?:\bfrom |从)(?:the |under |nearly |about |over )?\S*$`)
	scaleWords = regexp.MustCompile(`(?i)(thousand|million|billion|trillion|bn|mn|万|亿|千)`)
	leadNumber = regexp.MustCompile(`[0-9０-９][0-9０-９,，.]*`)
)

func scaled(s string) bool { return scaleWords.MatchString(s) }

// numberPart is the value of the digits of a figure's text, without scale.
func numberPart(s string) float64 {
	m := leadNumber.FindString(s)
	m = strings.NewReplacer(",", "", "，", "").Replace(m)
	var v float64
	for _, f := range text.ExtractFigures(m) {
		v = f.Value
		break
	}
	if v == 0 {
		return 1
	}
	return v
}

func covered(hidden []hiddenSpan, start, end int) bool {
	for _, h := range hidden {
		if start < h.end && h.start < end {
			return true
		}
	}
	return false
}

// zhAfterOK are the characters that may follow a Chinese figure: measure
// words, scales, units and approximations. A number glued to any other
// character is part of a name ("36氪", "9527剧场").
const zhAfterOK = "个部集人名家款次亿万千百十元倍分钟小时天日年月岁平方米场位多余来以至到及和或周季期秒届档项条张台座间块美港欧英"

var capitalAfter = regexp.MustCompile(`^ [A-Z][a-z]`)

// isName reports a number that names something rather than counts it.
func isName(s string, f text.FigureSpan) bool {
	r, _ := utf8.DecodeRuneInString(s[f.End:])
	if text.IsCJK(r) && f.Unit == text.UnitNone && !strings.ContainsRune(zhAfterOK, r) {
		return true
	}
	// "9527 Theatre": a bare number before a capitalized word.
	if f.Unit == text.UnitNone && !strings.ContainsAny(f.Text, ",.") && f.Value >= 100 &&
		capitalAfter.MatchString(s[f.End:]) {
		return true
	}
	return false
}

var (
	qualBefore    = regexp.MustCompile(`(?i)(?:\b(?:aged|the|top|first|last|within|after|in|over|for|past)\s+(?:just\s+|only\s+|the\s+)?|前|第|满分|近)$`)
	qualAfter     = regexp.MustCompile(`(?i)^\s*(?:(?:days?|hours?|weeks?|months?|years?)\b|(?:highest|most|biggest|largest|leading|best|top)\b|(?:个)?(?:天|小时|个月|年)(?:内|后|里|时间)|岁|out of|and over)`)
	afterWord     = regexp.MustCompile(`(?i)^\s*(?:天|小时|个月|年)`)
	andOverAfter  = regexp.MustCompile(`(?i)^ (?:and over|out of)`)
	agedOnly      = regexp.MustCompile(`(?i)\baged\s+$`)
	outOfBefore   = regexp.MustCompile(`(?i)out of $`)
	withinAfterZH = regexp.MustCompile(`^(?:个)?(?:天|小时|个月|年)(?:内|后|里|时间)`)
	rankAfter     = regexp.MustCompile(`(?i)^ (?:highest|most|biggest|largest|leading|best|top)\b`)
	// "aged 40 to 59", "first 10", "40至59岁": ages and ranks.
	agedBefore = regexp.MustCompile(`(?i)(?:\baged\s+(?:\d+\s*(?:to|-|–)\s*)?|\bfirst\s+|前)$`)
	agedAfter  = regexp.MustCompile(`^(?:至|到|-|–|~)\d+岁`)
	// "收入最高的10个平台", "排名前20": ranks.
	rankBeforeZH = regexp.MustCompile(`(?:最高|最大|最多|最好|前)的?$`)
)

// isQualifier reports a number that qualifies a period or a rank rather
// than being a figure: "in 18 days", "within 3 years", "the 10 biggest",
// "aged 40 to 59", "first 10 episodes", "前20", "18天内".
func isQualifier(s string, f text.FigureSpan) bool {
	if f.Unit != text.UnitNone {
		return false
	}
	before, after := tail(s[:f.Start], 40), s[f.End:]
	if qualAfter.MatchString(after) {
		b := qualBefore.FindString(before)
		if b != "" || strings.HasPrefix(strings.TrimSpace(after), "岁") || withinAfterZH.MatchString(after) || rankAfter.MatchString(after) {
			if strings.HasSuffix(before, "近") && !afterWord.MatchString(after) {
				return false
			}
			return true
		}
		if andOverAfter.MatchString(after) || agedOnly.MatchString(before) {
			return true
		}
	}
	if agedBefore.MatchString(before) || agedAfter.MatchString(after) || rankBeforeZH.MatchString(before) {
		return true
	}
	if strings.HasSuffix(before, "满分") || outOfBefore.MatchString(before) {
		return true // the scale of a rating, "8 out of 10"
	}
	if strings.HasSuffix(before, "后") && strings.HasPrefix(after, "天") {
		return true // "上线后18天"
	}
	return false
}

// clause returns the byte range of the clause of s around [start, end):
// commas (before a space, so that 1,000 stays whole), semicolons, colons
// and full stops end one; parentheses do not, so that "90 billion yuan
// ($12.7 billion)" shares its clause.
func clause(s string, start, end int) (int, int) {
	// A clause is bounded, so that a text without punctuation costs
	// linear time, not quadratic.
	const maxClause = 400
	lo := runeStart(s, max(0, start-maxClause))
	for i := start - 1; i >= lo; i-- {
		if isBoundary(s, i) {
			lo = i + 1
			break
		}
	}
	hi := runeStart(s, min(len(s), end+maxClause))
	for i := end; i < hi; i++ {
		if isBoundary(s, i) {
			hi = i
			break
		}
	}
	return lo, hi
}

// runeStart moves i forward to the start of a character.
func runeStart(s string, i int) int {
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return i
}

// tail is the last n bytes of s or a little less, whole characters.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[runeStart(s, len(s)-n):]
}

// around is a window of the sentence around [start, end) in which the
// sentence-wide fallbacks look for cues.
func around(s string, start, end int) (int, int) {
	const w = 300
	return runeStart(s, max(0, start-w)), runeStart(s, min(len(s), end+w))
}

func isBoundary(s string, i int) bool {
	switch s[i] {
	case ';', ':':
		return true
	case ',', '.':
		return i+1 >= len(s) || s[i+1] == ' '
	}
	if i+3 <= len(s) {
		switch s[i : i+3] {
		case "，", "；", "：", "。", "、":
			return true
		}
	}
	return false
}

// wordsAfter returns up to n lower-case words after i, stopping at
// punctuation and stop words.
func wordsAfter(s string, i, n int) []string {
	var out []string
	for len(out) < n {
		j := i
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j == i && len(out) > 0 || j >= len(s) {
			break
		}
		k := j
		for k < len(s) && (s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || s[k] == '-' || s[k] == '\'') {
			k++
		}
		if k == j {
			break
		}
		w := strings.ToLower(strings.TrimSuffix(s[j:k], "'s"))
		if stopWords[w] {
			break
		}
		out = append(out, w)
		i = k
	}
	return out
}

var stopWords = map[string]bool{"in": true, "on": true, "of": true, "as": true, "and": true, "to": true, "a": true, "an": true,
	"the": true, "from": true, "with": true, "for": true, "by": true, "that": true, "were": true, "was": true, "had": true,
	"have": true, "has": true, "is": true, "are": true, "each": true, "per": true, "than": true, "after": true, "before": true,
	"at": true, "up": true, "or": true, "while": true, "who": true, "which": true, "more": true, "between": true, "since": true,
	"so": true, "can": true, "could": true, "will": true, "would": true, "once": true, "every": true, "across": true, "behind": true}

// countUnit reads the noun a figure counts, after it, or before it in its
// clause, in English or Chinese. Money, percent and fold figures keep
// their unit.
func countUnit(s, low string, f figure, lo, hi int) string {
	if f.unit != "" {
		return f.unit
	}
	rest := s[f.end:]
	// Chinese measure word or noun after the figure.
	r := strings.TrimLeft(rest, "多余来")
	for _, c := range zhCounters {
		if strings.HasPrefix(r, c.text) {
			if c.unit == UnitViews && (strings.Contains(s[lo:hi], "下载") || strings.Contains(s[lo:hi], "安装")) {
				return UnitDownloads
			}
			if c.unit == UnitPeople && strings.Contains(s[lo:f.start], "观众") {
				return UnitUsers
			}
			return c.unit
		}
	}
	ws := wordsAfter(s, f.end, 4)
	unit := ""
	for i, w := range ws {
		if w == "days" && i > 0 && ws[i-1] == "working" {
			unit = UnitWorkingDays
			continue
		}
		if u, ok := enNouns[w]; ok && !(w == "day" && i == 0 && len(ws) == 1) {
			unit = u
		}
		if w == "square" {
			unit = UnitSquareM
			break
		}
	}
	if len(ws) > 0 && (ws[0] == "day" || ws[0] == "month" || ws[0] == "year") {
		unit = "" // "a day" is a rate, not the unit
	}
	if strings.HasPrefix(strings.TrimSpace(rest), "times") {
		if strings.Contains(low[lo:hi], "download") {
			return UnitDownloads
		}
		return UnitViews
	}
	if unit != "" {
		return unit
	}
	// A noun before the figure, nearest first, in the clause and then in
	// the sentence, Chinese or English; in "X of Y" the head X counts
	// ("daily active users of short dramas topped 300 million").
	wlo, _ := around(s, f.start, f.end)
	for _, from := range []int{lo, wlo} {
		if u := nounBefore(s[from:f.start]); u != "" {
			return u
		}
	}
	return ""
}

var latinWord = regexp.MustCompile(`[A-Za-z][A-Za-z'-]*`)

// nounBefore returns the unit of the last counted noun in s.
func nounBefore(s string) string {
	best, bestAt := "", -1
	for _, c := range zhNounsBefore {
		if i := strings.LastIndex(s, c.text); i >= 0 && i > bestAt {
			best, bestAt = c.unit, i
		}
	}
	locs := latinWord.FindAllStringIndex(s, -1)
	for i := len(locs) - 1; i >= 0; i-- {
		if locs[i][0] < bestAt {
			break
		}
		w := strings.ToLower(strings.TrimSuffix(s[locs[i][0]:locs[i][1]], "'s"))
		if w == "bases" && i > 0 && strings.EqualFold(s[locs[i-1][0]:locs[i-1][1]], "fan") {
			return UnitFollowers
		}
		u, ok := enNouns[w]
		if !ok || u == UnitMinutes || u == UnitHours || u == UnitDays {
			continue
		}
		// the head of "users of short dramas"
		for k := i - 1; k >= 0 && k >= i-3; k-- {
			if strings.EqualFold(s[locs[k][0]:locs[k][1]], "of") && k > 0 {
				if hu, ok := enNouns[strings.ToLower(s[locs[k-1][0]:locs[k-1][1]])]; ok {
					u = hu
				}
				break
			}
		}
		if u == UnitCrews {
			return UnitPeople // "crews now number 60 to 90": people in a crew
		}
		return u
	}
	return best
}

// metricOf decides what a figure measures from the cues nearest to it,
// and the entity it is about.
func metricOf(low string, f figure, unit string, lo, hi int, gm, ents []mention) (string, string) {
	entity, overseasEntity := nearestEntity(ents, lo, hi, f.start)
	wlo, whi := around(low, f.start, f.end)
	as := func(class string) []mention {
		var out []mention
		for _, m := range gm {
			if id, ok := glossaryMetrics[class][m.id]; ok {
				out = append(out, mention{m.start, m.end, id})
			}
		}
		return out
	}
	switch unitClass(unit) {
	case text.UnitCNY, text.UnitUSD, "HKD", "EUR", "GBP":
		if entity == "" && !hasAny(low[lo:hi], overseasCues) && !hasAny(low[lo:hi], wholeMarketWords) {
			entity, overseasEntity = sentenceSubject(low, ents, wlo, whi, f.start)
		}
		m, _ := nearestCue(low, lo, hi, f.start, f.end, moneyCues, nil, as("money")...)
		if m == "" {
			// In the sentence, a specific cue (a fund, a cost, the box
			// office) beats the generic market words around it.
			m, _ = nearestCue(low, wlo, whi, f.start, f.end, moneyCues, specificMoney, as("money")...)
			if m == "" {
				m, _ = nearestCue(low, wlo, whi, f.start, f.end, moneyCues, nil, as("money")...)
			}
		}
		if m == MarketSize || m == Revenue || m == "" {
			switch {
			case entity != "" && overseasEntity && isPlace(entity):
				m = OverseasRevenue
			case isCity(entity) && m == MarketSize:
				// a city's own micro-drama industry
			case entity != "":
				m = Revenue
			case hasAny(low[lo:hi], overseasCues) || hasAny(low[wlo:whi], overseasWords):
				m = OverseasRevenue
			case m == "":
				m = Revenue
			}
		}
		return m, entity
	case text.UnitPercent:
		m, _ := nearestCue(low, lo, hi, f.start, f.end, percentCues, nil, as("percent")...)
		if m == "" {
			m = Share
		}
		return m, entity
	case text.UnitFold:
		return Growth, entity
	}
	allowed := unitCues[unit]
	m := ""
	if allowed != nil {
		m, _ = nearestCue(low, lo, hi, f.start, f.end, countCues, allowed, as("count")...)
		if m == "" && unit != UnitUsers {
			m, _ = nearestCue(low, wlo, whi, f.start, f.end, countCues, allowed, as("count")...)
		}
		if m == "" && unit == UnitUsers {
			m, _ = nearestCue(low, wlo, whi, f.start, f.end, countCues, []string{MAU, DAU}, as("count")...)
		}
	}
	if unit == UnitPeople && m == "" {
		if hasAny(low[wlo:whi], []string{"watch", "观看", "viewers", "观众"}) {
			m = Users
		}
	}
	if m == "" {
		m = unitMetric[unit]
	}
	return m, entity
}

// sentenceSubject finds the subject an amount is about when its own
// clause names none: a market named as a market in another clause ("the
// US is the largest micro-drama market, with US$819 million", "Shanghai's
// new micro-drama measures aim ... for an annual industry scale of 15
// billion yuan") or an app named as an app ("ReelShort, the leading short
// drama app, was making more than US$24 million a month"), but not a
// publisher's country ("livedoor News (Japan, ...)").
func sentenceSubject(low string, ents []mention, wlo, whi, fs int) (string, bool) {
	var cands []mention
	for _, e := range ents {
		plo, phi := clause(low, e.start, e.end)
		switch {
		case (isPlace(e.id) || isCity(e.id)) && hasAny(low[plo:phi], marketWords):
			cands = append(cands, e)
		case !isPlace(e.id) && !isCity(e.id) && hasAny(low[plo:phi], appWords):
			cands = append(cands, e)
		}
	}
	return nearestEntity(cands, wlo, whi, fs)
}

func hasAny(low string, cues []string) bool {
	for _, c := range cues {
		if containsCue(low, c) {
			return true
		}
	}
	return false
}

// periodOf picks the period nearest to the figure in its clause, and,
// as a fallback, in its sentence: the nearest before it (Chinese fronts
// the time: "2025年1月至8月，……120.5分钟"), else the nearest after.
// Meta periods (dates of reports) never count. Within the clause English
// puts the time after the figure ("285,000 in the first week of May 2024",
// not "1.6 million in early November 2023 to 285,000") and Chinese before
// it, so the other side counts three times its distance.
func periodOf(s string, periods []periodSpan, f figure, lo, hi int, zh bool) (clausal, fallback Period) {
	wBefore, wAfter := 3, 1
	if zh {
		wBefore, wAfter = 1, 3
	} else {
		// "X in P": a figure followed by in, by, as of or during and a
		// period takes that period, however near another one is before.
		for _, p := range periods {
			if !p.meta && p.start >= f.end && p.end <= hi && inPeriodGap.MatchString(s[f.end:p.start]) {
				return p.p, Period{}
			}
		}
	}
	pick := func(lo, hi int, before, after bool) (Period, bool) {
		best, bestD := Period{}, -1
		for _, p := range periods {
			if p.meta || p.start < lo || p.end > hi {
				continue
			}
			var d int
			switch {
			case p.end <= f.start && before:
				d = wBefore*(f.start-p.end) + 1
			case p.start >= f.end && after:
				d = wAfter * (p.start - f.end)
			default:
				continue
			}
			if bestD < 0 || d < bestD {
				best, bestD = p.p, d
			}
		}
		return best, bestD >= 0
	}
	if p, ok := pick(lo, hi, true, true); ok {
		return p, Period{}
	}
	if p, ok := pick(0, math.MaxInt, true, false); ok {
		return Period{}, p
	}
	p, _ := pick(0, math.MaxInt, false, true)
	return Period{}, p
}

var (
	forecastBefore = regexp.MustCompile(`(?i)\b(?:expected|expects|expect|projected|projects|projection|forecast|forecasts|will|would|could|likely|aims?|goal|target|targets)\b|预计|有望|将|预测|目标|计划|预估`)
	forecastMark   = regexp.MustCompile(`(?i)\((?:a )?(?:forecast|targets?|a target)\)|（(?:预测|目标|计划目标|全年预估)）|计划目标`)
	reportedVerb   = regexp.MustCompile(`(?i)\b(?:made|was|were|had|reached|earned|took|climbed|grew|rose|passed|numbered|came)\s+(?:\S+\s+){0,2}$`)
	estimateBefore = regexp.MustCompile(`(?i)(?:\b(?:about|around|roughly|approximately|nearly|close to|almost|some|an estimated|estimated|approx\.?)\s+(?:US\$|\$|RMB\s)?|约合人民币|约合|大约|约为|约|近|接近)$`)
	estimateWord   = regexp.MustCompile(`(?i)\bestimat|估算|估计|预估`)
	overBefore     = regexp.MustCompile(`(?i)(?:\b(?:more than|over|above|exceeding|exceed|exceeded|top|topped|passed|pass|beyond|at least|upwards of|in excess of)\s+(?:US\$|\$|RMB\s)?|超过|逾|突破|不少于|高于)$`)
	underBefore    = regexp.MustCompile(`(?i)(?:\b(?:under|less than|below|fewer than|up to)\s+(?:US\$|\$|RMB\s)?|不足|不到|低于|最高)$`)
)

// estimateCue reports an approximation right before the figure ("about",
// "约", "近") or an estimate named in its clause; words are where the
// sentence names one (estimateWord's matches).
func estimateCue(s string, start, lo int, words [][]int) bool {
	return estimateBefore.MatchString(tail(s[:start], 40)) || cueWithin(words, start-len(tail(s[lo:start], 200)), start)
}

// boundOf reads "more than", "超过", "1000多" (over) and "under", "不足"
// (under).
func boundOf(s string, f figure) string {
	before := tail(s[:f.start], 40)
	switch {
	case overBefore.MatchString(before), strings.HasPrefix(s[f.end:], "多"), strings.HasPrefix(s[f.end:], "余"),
		strings.HasPrefix(strings.TrimLeft(s[f.end:], "个部家人次"), "以上"), strings.HasSuffix(f.text, "-plus"):
		return "over"
	case underBefore.MatchString(before):
		return "under"
	}
	if strings.HasPrefix(s[f.end:], "-plus") {
		return "over"
	}
	return ""
}

// linkEquivalent ties an amount to the same amount in another currency
// written right after it: "90 billion yuan ($12.7 billion)",
// "US$4 billion, close to 30 billion yuan", "40亿美元，约合人民币300亿元".
func linkEquivalent(s string, a, b *Record, fa, fb figure) {
	ca, cb := unitClass(a.Unit), unitClass(b.Unit)
	money := func(c string) bool { return c == text.UnitCNY || c == text.UnitUSD }
	if !money(ca) || !money(cb) || ca == cb {
		return
	}
	gap := strings.TrimSpace(s[fa.end:fb.start])
	if !regexp.MustCompile(`(?i)^(?:\(|（|, close to|, or about|, about|，约合人民币|，约合|, i\.e\.|或)$`).MatchString(gap) {
		return
	}
	a.Equivalent = &Amount{Value: b.Value, Unit: b.Unit}
	b.Equivalent = &Amount{Value: a.Value, Unit: a.Unit}
	if b.Metric != a.Metric {
		b.Metric = a.Metric
	}
}
