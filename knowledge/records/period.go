package records

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Period kinds.
const (
	KindYear    = "year"
	KindQuarter = "quarter"
	KindHalf    = "half"
	KindMonth   = "month"
	KindDay     = "day"
	KindAsOf    = "as_of" // a stock counted at a date: "as of June 2024"
	KindRange   = "range" // "January to August 2025", "2021 to 2025"
)

// Where a record's period was read from.
const (
	BasisText      = "text"      // the sentence that holds the figure
	BasisNote      = "note"      // the note's period field
	BasisPublished = "published" // the publication date: the sentence and the note give none
)

// Period is the time a figure refers to. From and To bound it as
// YYYY-MM (or YYYY-MM-DD for days), so that periods sort and compare;
// Label is the canonical spelling shown to users and used by Match:
// "2024", "2024-Q1", "2024-H1", "2024-06", "2024-06-01",
// "as of 2024-06", "2025-01/2025-08".
type Period struct {
	Label string `json:"label"`
	Kind  string `json:"kind"`
	From  string `json:"from"`
	To    string `json:"to"`
	Basis string `json:"basis,omitempty"`
}

// IsZero reports whether no period is known.
func (p Period) IsZero() bool { return p.Label == "" }

// periodSpan is a period mentioned in a text at [start, end). A meta
// period dates the report or the article rather than the figure
// ("iResearch's 2024 report", "(29 Dec 2023)", "2025年9月25日报道").
type periodSpan struct {
	start, end int
	p          Period
	meta       bool
}

var monthNames = map[string]int{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
	"august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
	"oct": 10, "nov": 11, "dec": 12,
}

const monthRE = `(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?`

var zhNumerals = map[string]int{"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11}

func num(s string) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	if n, ok := zhNumerals[s]; ok {
		return n
	}
	if n, ok := enNumerals[strings.ToLower(s)]; ok {
		return n
	}
	return 0
}

var enNumerals = map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "first": 1, "second": 2, "third": 3, "fourth": 4}

func ym(y, m int) string { return fmt.Sprintf("%04d-%02d", y, m) }

func yearP(y int) Period {
	return Period{Label: strconv.Itoa(y), Kind: KindYear, From: ym(y, 1), To: ym(y, 12)}
}

func monthP(y, m int) Period {
	return Period{Label: ym(y, m), Kind: KindMonth, From: ym(y, m), To: ym(y, m)}
}

func dayP(y, m, d int) Period {
	s := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	return Period{Label: s, Kind: KindDay, From: s, To: s}
}

func quarterP(y, q int) Period {
	return Period{Label: fmt.Sprintf("%04d-Q%d", y, q), Kind: KindQuarter, From: ym(y, 3*q-2), To: ym(y, 3*q)}
}

func halfP(y, h int) Period {
	return Period{Label: fmt.Sprintf("%04d-H%d", y, h), Kind: KindHalf, From: ym(y, 6*h-5), To: ym(y, 6*h)}
}

// rangeP spans two periods; a range within one year keeps month labels.
func rangeP(a, b Period) Period {
	if a.From == "" || b.To == "" || b.To < a.From {
		return Period{}
	}
	la, lb := a.From, b.To
	if a.Kind == KindYear && b.Kind == KindYear {
		la, lb = a.Label, b.Label
	}
	return Period{Label: la + "/" + lb, Kind: KindRange, From: a.From, To: b.To}
}

// rangeEnd is the first or (last) the last year or month of a range.
func rangeEnd(p Period, last bool) Period {
	from, to := p.From, p.To
	yearly := !strings.Contains(p.Label, "-")
	pick := from
	if last {
		pick = to
	}
	y, m := num(pick[:4]), num(pick[5:7])
	if yearly {
		return yearP(y)
	}
	return monthP(y, m)
}

func asOf(p Period) Period {
	end := p.To
	if p.Kind == KindDay {
		end = p.From
	}
	return Period{Label: "as of " + end, Kind: KindAsOf, From: end, To: end}
}

func validYear(y int) bool  { return y >= 1990 && y <= 2050 }
func validMonth(m int) bool { return m >= 1 && m <= 12 }

// periodRule turns a match of re into a period; ok false drops the match
// (it still hides the digits it covers from figure extraction when hide).
type periodRule struct {
	re    *regexp.Regexp
	build func(m []string) (Period, bool)
	hide  bool // digits inside are never figures, even if no period results
	// need is a text every match holds ("年", or monthNeed for an English
	// month name): a text without it skips the rule, which is most of the
	// time saved. needFold is one every match holds in lower case (of a
	// case-blind rule); needAny, texts one of which every match holds.
	need     string
	needFold string
	needAny  []string
}

// skip reports whether a rule cannot match s (low is s in lower case):
// running the regular expressions is most of the time records take.
func (r periodRule) skip(s, low string, months bool) bool {
	switch {
	case r.need == monthNeed && !months,
		r.need != "" && r.need != monthNeed && !strings.Contains(s, r.need),
		r.needFold != "" && !strings.Contains(low, r.needFold):
		return true
	}
	if len(r.needAny) == 0 {
		return false
	}
	for _, n := range r.needAny {
		if strings.Contains(s, n) {
			return false
		}
	}
	return true
}

// monthNeed marks rules that need an English month name.
const monthNeed = "\x00month"

func mustRules() []periodRule {
	r := func(expr string, build func(m []string) (Period, bool)) periodRule {
		return periodRule{re: regexp.MustCompile(expr), build: build}
	}
	month := func(s string) int { return monthNames[strings.ToLower(strings.TrimSuffix(s, "."))] }
	return []periodRule{
		// ISO ranges: 2022-11 to 2023-02-28, 2025-01 to 2025-08.
		r(`\b(\d{4})-(\d{2})(?:-(\d{2}))? (?:to|until|through) (\d{4})-(\d{2})(?:-(\d{2}))?\b`, func(m []string) (Period, bool) {
			a, b := isoP(m[1], m[2], m[3]), isoP(m[4], m[5], m[6])
			p := rangeP(a, b)
			return p, p.Label != ""
		}),
		r(`\b(\d{4})-(\d{2})-(\d{2})\b`, func(m []string) (Period, bool) {
			p := isoP(m[1], m[2], m[3])
			return p, p.Label != ""
		}),
		// 2024 Q1-Q3, 2024-Q1, 2024-H1, Q1 2024, H1 2024.
		r(`\b(\d{4})[- ]Q([1-4])\s*[-–]\s*Q([1-4])\b`, func(m []string) (Period, bool) {
			y := num(m[1])
			return rangeP(quarterP(y, num(m[2])), quarterP(y, num(m[3]))), validYear(y)
		}),
		r(`\b(\d{4})[- ]([QH])([1-4])\b`, func(m []string) (Period, bool) { return qh(num(m[1]), m[2], num(m[3])) }),
		r(`\b([QH])([1-4]) (\d{4})\b`, func(m []string) (Period, bool) { return qh(num(m[3]), m[1], num(m[2])) }),
		r(`\b(\d{4})-(\d{2})\b`, func(m []string) (Period, bool) {
			p := isoP(m[1], m[2], "")
			return p, p.Label != ""
		}),
		// from January to August 2025, between January and August 2025.
		r(`(?i)\b(?:from |between )?`+monthRE+` (?:to|and|through|until|-|–) `+monthRE+`,? (\d{4})\b`, func(m []string) (Period, bool) {
			y := num(m[3])
			a, b := month(m[1]), month(m[2])
			return rangeP(monthP(y, a), monthP(y, b)), validYear(y) && a > 0 && b > 0
		}),
		r(`(?i)\b(?:in |during |over )?the first (\d+|two|three|four|five|six|seven|eight|nine|ten|eleven) months of (\d{4})\b`, func(m []string) (Period, bool) {
			y, n := num(m[2]), num(m[1])
			return rangeP(monthP(y, 1), monthP(y, n)), validYear(y) && validMonth(n)
		}),
		r(`(?i)\b(?:in )?the first (two|three|2|3) quarters of (\d{4})\b`, func(m []string) (Period, bool) {
			y, n := num(m[2]), num(m[1])
			return rangeP(quarterP(y, 1), quarterP(y, n)), validYear(y)
		}),
		r(`(?i)\b(?:in )?the (first|second|third|fourth) quarter of (\d{4})\b`, func(m []string) (Period, bool) {
			y := num(m[2])
			return quarterP(y, num(m[1])), validYear(y)
		}),
		r(`(?i)\b(?:in )?the (first|second) half of (\d{4})\b`, func(m []string) (Period, bool) {
			y := num(m[2])
			return halfP(y, num(m[1])), validYear(y)
		}),
		r(`\b(\d{1,2}) `+monthRE+`,? (\d{4})\b`, func(m []string) (Period, bool) {
			y, mo, d := num(m[3]), month(m[2]), num(m[1])
			return dayP(y, mo, d), validYear(y) && mo > 0 && d >= 1 && d <= 31
		}),
		r(`\b`+monthRE+` (\d{1,2}), (\d{4})\b`, func(m []string) (Period, bool) {
			y, mo, d := num(m[3]), month(m[1]), num(m[2])
			return dayP(y, mo, d), validYear(y) && mo > 0 && d >= 1 && d <= 31
		}),
		r(`\b(?:(?:early|late|mid-?) )?`+monthRE+`,? (\d{4})\b`, func(m []string) (Period, bool) {
			y, mo := num(m[2]), month(m[1])
			return monthP(y, mo), validYear(y) && mo > 0
		}),
		// A day without a year ("as of 4 November") is no period, but its
		// digits are no figure either.
		{re: regexp.MustCompile(`\b\d{1,2} ` + monthRE + `\b|\b` + monthRE + ` \d{1,2}\b`), build: func([]string) (Period, bool) { return Period{}, false }, hide: true},
		r(`\b(?:from |between )?(\d{4}) (?:to|and|until|through|-|–) (\d{4})\b`, func(m []string) (Period, bool) {
			a, b := num(m[1]), num(m[2])
			return rangeP(yearP(a), yearP(b)), validYear(a) && validYear(b) && b > a
		}),
		// Chinese.
		r(`(\d{4})年(\d{1,2})月(\d{1,2})日`, func(m []string) (Period, bool) {
			y, mo, d := num(m[1]), num(m[2]), num(m[3])
			return dayP(y, mo, d), validYear(y) && validMonth(mo) && d >= 1 && d <= 31
		}),
		r(`(\d{4})年(\d{1,2})月?\s*(?:至|到|-|－|—|~|～)\s*(\d{4})年(\d{1,2})月`, func(m []string) (Period, bool) {
			a, b := monthP(num(m[1]), num(m[2])), monthP(num(m[3]), num(m[4]))
			p := rangeP(a, b)
			return p, p.Label != "" && validMonth(num(m[2])) && validMonth(num(m[4]))
		}),
		r(`(\d{4})年(\d{1,2})月?\s*(?:至|到|-|－|—|~|～)\s*(\d{1,2})月`, func(m []string) (Period, bool) {
			y, a, b := num(m[1]), num(m[2]), num(m[3])
			return rangeP(monthP(y, a), monthP(y, b)), validYear(y) && validMonth(a) && validMonth(b)
		}),
		r(`(\d{4})年?\s*(?:至|到|-|－|—)\s*(\d{4})年`, func(m []string) (Period, bool) {
			a, b := num(m[1]), num(m[2])
			return rangeP(yearP(a), yearP(b)), validYear(a) && validYear(b) && b > a
		}),
		r(`(\d{4})年前(\d{1,2}|[一二三四五六七八九十]+)个月`, func(m []string) (Period, bool) {
			y, n := num(m[1]), num(m[2])
			return rangeP(monthP(y, 1), monthP(y, n)), validYear(y) && validMonth(n)
		}),
		r(`(\d{4})年前([二三两23])(?:个)?季度`, func(m []string) (Period, bool) {
			y := num(m[1])
			return rangeP(quarterP(y, 1), quarterP(y, num(m[2]))), validYear(y)
		}),
		r(`(\d{4})年(?:第)?([一二三四1-4])季度`, func(m []string) (Period, bool) {
			y := num(m[1])
			return quarterP(y, num(m[2])), validYear(y)
		}),
		r(`(\d{4})年(上|下)半年`, func(m []string) (Period, bool) {
			y, h := num(m[1]), 1
			if m[2] == "下" {
				h = 2
			}
			return halfP(y, h), validYear(y)
		}),
		r(`(\d{4})年(\d{1,2})月`, func(m []string) (Period, bool) {
			y, mo := num(m[1]), num(m[2])
			return monthP(y, mo), validYear(y) && validMonth(mo)
		}),
		{re: regexp.MustCompile(`(\d{1,2})月(\d{1,2})日|前(?:\d{1,2}|[一二三四五六七八九十]+)个月|(\d{1,2})(?:个)?月`), build: func([]string) (Period, bool) { return Period{}, false }, hide: true},
		r(`(\d{4})年`, func(m []string) (Period, bool) {
			y := num(m[1])
			return yearP(y), validYear(y)
		}),
		r(`\b(\d{4})\b`, func(m []string) (Period, bool) {
			y := num(m[1])
			return yearP(y), validYear(y)
		}),
	}
}

var periodRules = withNeeds(mustRules())

// withNeeds sets what each rule needs from its pattern.
func withNeeds(rules []periodRule) []periodRule {
	for i := range rules {
		expr := rules[i].re.String()
		switch {
		case strings.Contains(expr, "January|February"):
			rules[i].need = monthNeed
		case strings.Contains(expr, "年"):
			rules[i].need = "年"
		case strings.Contains(expr, "月"):
			rules[i].need = "月"
		case strings.Contains(expr, "quarter"):
			rules[i].needFold = "quarter"
		case strings.Contains(expr, "half of"):
			rules[i].needFold = "half"
		case strings.Contains(expr, "months of"):
			rules[i].needFold = "month"
		case strings.Contains(expr, "Q([1-4])"):
			rules[i].need = "Q"
		case strings.Contains(expr, "([QH])"):
			rules[i].needAny = []string{"Q", "H"}
		case strings.Contains(expr, `-(\d{2})`):
			rules[i].need = "-"
		}
		// A Chinese rule for more than a year needs its other unit too.
		if rules[i].need == "年" {
			for _, unit := range []string{"日", "季度", "半年", "个月", "月"} {
				if strings.Contains(expr, unit) && !strings.Contains(expr, unit+"?") {
					rules[i].needAny = []string{unit}
					break
				}
			}
		}
	}
	return rules
}

var monthPrefixes = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

func hasMonthName(s string) bool {
	for _, m := range monthPrefixes {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

func isoP(y, m, d string) Period {
	yi, mi := num(y), num(m)
	if !validYear(yi) || !validMonth(mi) {
		return Period{}
	}
	if d != "" {
		di := num(d)
		if di < 1 || di > 31 {
			return Period{}
		}
		return dayP(yi, mi, di)
	}
	return monthP(yi, mi)
}

func qh(y int, kind string, n int) (Period, bool) {
	if !validYear(y) {
		return Period{}, false
	}
	if kind == "H" {
		return halfP(y, n), n <= 2
	}
	return quarterP(y, n), true
}

// yearWindows returns the byte ranges of s around its four-digit numbers,
// merged, each widened so that it cuts no word or character (a cut word
// would fake a word boundary).
func yearWindows(s string) [][2]int {
	const reach = 48 // "between January and August 2025": the longest rule's reach
	var out [][2]int
	for i := 0; i+4 <= len(s); i++ {
		if !isDigit(s[i]) || i > 0 && isDigit(s[i-1]) {
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j-i != 4 {
			i = j
			continue
		}
		lo, hi := max(0, i-reach), min(len(s), j+reach)
		for lo > 0 && (isAlnum(s[lo-1]) || !utf8.RuneStart(s[lo])) {
			lo--
		}
		for hi < len(s) && (isAlnum(s[hi]) || !utf8.RuneStart(s[hi])) {
			hi++
		}
		if n := len(out); n > 0 && lo <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], hi)
		} else {
			out = append(out, [2]int{lo, hi})
		}
		i = j
	}
	return out
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isAlnum(b byte) bool { return isDigit(b) || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// hiddenSpan is a byte range whose digits are part of a period or a date.
type hiddenSpan struct{ start, end int }

// findPeriods returns the periods mentioned in s, earliest first, without
// overlaps (the earlier rule wins, then the longer match), and the spans
// whose digits belong to dates rather than figures.
func findPeriods(s string) ([]periodSpan, []hiddenSpan) { return findPeriodsIn(s, true) }

// findPeriodsIn is findPeriods; a field that is not a sentence (a note's
// period: "2024 report (data for 2023)") has no parenthesized dates of
// publication.
func findPeriodsIn(s string, sentence bool) ([]periodSpan, []hiddenSpan) {
	type cand struct {
		start, end, rule int
		p                Period
		ok               bool
	}
	var cands []cand
	// Every rule but those that hide days and months without a year needs
	// a year: the rules run only on windows around the years of s, which
	// keeps a long text with few dates cheap.
	windows := yearWindows(s)
	months := hasMonthName(s)
	low := asciiLower(s)
	for ri, rule := range periodRules {
		if rule.skip(s, low, months) {
			continue
		}
		spans := windows
		if rule.hide {
			spans = [][2]int{{0, len(s)}}
		}
		for _, w := range spans {
			for _, loc := range rule.re.FindAllStringSubmatchIndex(s[w[0]:w[1]], -1) {
				m := make([]string, len(loc)/2)
				for i := range m {
					if loc[2*i] >= 0 {
						m[i] = s[w[0]+loc[2*i] : w[0]+loc[2*i+1]]
					}
				}
				p, ok := rule.build(m)
				if !ok && !rule.hide {
					continue
				}
				cands = append(cands, cand{w[0] + loc[0], w[0] + loc[1], ri, p, ok})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].rule != cands[j].rule {
			return cands[i].rule < cands[j].rule
		}
		return cands[i].end-cands[i].start > cands[j].end-cands[j].start
	})
	var taken []cand
	var hidden []hiddenSpan
	for _, c := range cands {
		overlap := false
		for _, t := range taken {
			if c.start < t.end && t.start < c.end {
				overlap = true
				break
			}
		}
		if overlap {
			continue
		}
		taken = append(taken, c)
		hidden = append(hidden, hiddenSpan{c.start, c.end})
	}
	var out []periodSpan
	for _, c := range taken {
		if !c.ok {
			continue
		}
		ps := periodSpan{start: c.start, end: c.end, p: c.p}
		qualify(s, &ps, sentence)
		out = append(out, ps)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out, hidden
}

var (
	asOfBefore    = regexp.MustCompile(`(?i)(?:\bas (?:of|at)|\bby|\buntil|\bup to|(?:at|by) the end of|\bend of|截至|截止|到|至)\s*(?:the )?(?:end of )?$`)
	yearEndBefore = regexp.MustCompile(`(?i)\bend of\s*$`)
	metaBeforeEN  = regexp.MustCompile(`(?i)\b(?:reported|covered|cited|quoted|published|posted|released|told|wrote|said|launched|dated|reposted|carried|issued|white paper|report|episode of|on|since|from|above|than|versus|vs\.?|against)\s+(?:in |on )?(?:early |late |mid-)?$`)
	metaAfterEN   = regexp.MustCompile(`^(?:'s)?\s*(?:[A-Z][a-z]|report|white paper|half-year|annual|study|survey|edition|that\b|transcript)`)
	metaBeforeZH  = regexp.MustCompile(`(?:比|较|相比|同比|较之)$`)
	metaAfterZH   = regexp.MustCompile(`^(?:初|中期|底|末)?(?:的)?(?:报道|引述|发布|表示|称|援引|引用|转载|刊发|刊载|刊登|写道|发文|指出|介绍|统计|估计|估算|文章|评论|报告|白皮书|半年报告|年度|新闻|一期|发表|的新闻发布会|新闻发布会|播客)`)
)

// qualify marks as-of dates, year ends, and meta periods.
func qualify(s string, ps *periodSpan, sentence bool) {
	before, after := tail(s[:ps.start], 60), s[ps.end:]
	if p := ps.p; p.Kind == KindDay || p.Kind == KindMonth {
		if asOfBefore.MatchString(before) || strings.HasPrefix(after, "底") || strings.HasPrefix(after, "末") || strings.HasPrefix(after, "时") {
			ps.p = asOf(p)
			return
		}
	}
	if ps.p.Kind == KindYear && (yearEndBefore.MatchString(before) || strings.HasPrefix(after, "底") && strings.HasSuffix(s[:ps.end], "年") ||
		strings.HasPrefix(after, "末") && strings.HasSuffix(s[:ps.end], "年")) {
		// "at the end of 2024", "2025年底": a date, the year's last month.
		// A forecast "by the end of 2025" is read back as the year.
		ps.p = asOf(monthP(num(ps.p.Label), 12))
		return
	}
	if ps.p.Kind == KindDay {
		ps.meta = true // a publication or release date, never a period of a figure
		return
	}
	if sentence && inBrackets(s, ps.start, ps.end) || metaAfterZH.MatchString(after) || metaBeforeZH.MatchString(before) {
		ps.meta = true
		return
	}
	if ps.p.Kind != KindRange && (metaBeforeEN.MatchString(before) || metaAfterEN.MatchString(after)) {
		ps.meta = true
	}
}

// inBrackets reports whether [start, end) lies in a book title (《》,
// quotes), or alone in parentheses with no figure ("(29 Dec 2023)",
// "（Today.az刊载，2026年初）"); a range in parentheses is a real period
// ("(2021 to 2025)").
func inBrackets(s string, start, end int) bool {
	// Brackets are looked for nearby only, so that long texts cost
	// linear time.
	lo, hi := runeStart(s, max(0, start-200)), runeStart(s, min(len(s), end+200))
	s, start, end = s[lo:hi], start-lo, end-lo
	open := strings.LastIndexAny(s[:start], "《")
	if open >= 0 && !strings.ContainsAny(s[open:start], "》") {
		return true
	}
	o := strings.LastIndexAny(s[:start], "(（")
	if o < 0 || strings.ContainsAny(s[o:start], ")）") {
		return false
	}
	c := strings.IndexAny(s[end:], ")）")
	if c < 0 {
		return false
	}
	inside := s[o:start] + s[end:end+c]
	if strings.Contains(s[start:end], " to ") || strings.ContainsAny(s[start:end], "至到") {
		return false
	}
	for _, r := range inside {
		if r >= '0' && r <= '9' {
			// another number inside: "(2024 and 2027)" or a figure
			return !strings.Contains(inside, "%") && !hasFigureWord(inside)
		}
	}
	return true
}

func hasFigureWord(s string) bool {
	return strings.Contains(s, "million") || strings.Contains(s, "billion") || strings.ContainsAny(s, "万亿$")
}

// ParsePeriod reads the first period named in s ("2024", "as of 2024-06",
// "2025-01 to 2025-08", "2024 Q1-Q3", "2023年第三季度"), as written in a
// note's period field or a question.
func ParsePeriod(s string) (Period, bool) {
	spans, _ := findPeriodsIn(s, false)
	if len(spans) == 0 {
		return Period{}, false
	}
	// A period of the figure before a date of the report: "2024 report
	// (data for 2023)" is 2023.
	sort.SliceStable(spans, func(i, j int) bool { return !spans[i].meta && spans[j].meta })
	sp := spans[0]
	p := sp.p
	if p.Kind != KindAsOf && strings.HasPrefix(strings.ToLower(strings.TrimSpace(s[:sp.start])), "as of") {
		p = asOf(p)
	}
	return p, true
}
