package text

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Units of a figure: one spelling for each of the many ways a unit is
// written.
const (
	UnitNone    = ""        // a plain count or amount
	UnitPercent = "percent" // 12%, 12 percent
	UnitFold    = "fold"    // 185-fold, 3x, 3倍
	UnitCNY     = "CNY"     // yuan, RMB, ¥, 元
	UnitUSD     = "USD"     // $, dollars
	UnitYear    = "year"    // a calendar year such as 2025
	UnitDate    = "date"    // a date such as 2025-05-08
)

// FigureSpan is a figure found in a text: its byte range, the text as
// written, its unit and normalized value.
type FigureSpan struct {
	Start, End int
	Text       string
	Unit       string
	Value      float64
}

// ExtractFigures finds the figures in text: numbers with thousands
// separators and decimals (ASCII or full-width digits), with an optional
// currency before them ($, US$, ¥, RMB, €, £), a scale after them
// (thousand, million, billion, trillion, bn, 千, 万, 亿, 万亿, ...) and a unit
// (%, percent, -fold, x, ×, 倍, yuan, 元, RMB, dollars). Dates
// (2025-05-08, 05-08-2025, 2025年5月8日) are one figure; clock times are
// skipped; a number glued to letters ("4V4", "H264", "5G") is not a figure.
func ExtractFigures(text string) []FigureSpan {
	var out []FigureSpan
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if digitValue(r) < 0 {
			i += size
			continue
		}
		f, end, ok := figureAt(text, i)
		if ok {
			out = append(out, f)
		}
		if end <= i {
			end = i + size
		}
		i = end
	}
	return out
}

// digitValue returns 0-9 for ASCII and full-width digits, else -1.
func digitValue(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= '０' && r <= '９':
		return int(r - '０')
	}
	return -1
}

// scanDigits returns the end of a run of digits at text[i:] and its value.
func scanDigits(text string, i int) (end int, digits string) {
	var b strings.Builder
	for i < len(text) {
		r, s := utf8.DecodeRuneInString(text[i:])
		d := digitValue(r)
		if d < 0 {
			break
		}
		b.WriteByte(byte('0' + d))
		i += s
	}
	return i, b.String()
}

func runeAt(text string, i int) (rune, int) {
	if i >= len(text) {
		return 0, 0
	}
	return utf8.DecodeRuneInString(text[i:])
}

func runeBefore(text string, i int) rune {
	if i <= 0 {
		return 0
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r
}

func isLatinLetter(r rune) bool { return unicode.IsLetter(r) && !IsCJK(r) }

// figureAt parses the figure whose first digit is at text[i]. It returns the
// end of what it consumed even when that is not a figure.
func figureAt(text string, i int) (FigureSpan, int, bool) {
	if isLatinLetter(runeBefore(text, i)) || digitValue(runeBefore(text, i)) >= 0 {
		end, _ := scanDigits(text, i)
		return FigureSpan{}, skipAlnum(text, end), false
	}
	if f, end, ok := dateAt(text, i); ok {
		return f, end, true
	}
	// The number: digits, thousands groups, one decimal part.
	end, intPart := scanDigits(text, i)
	num := intPart
	grouped := false
	for {
		r, s := runeAt(text, end)
		if r != ',' && r != '，' {
			break
		}
		e2, grp := scanDigits(text, end+s)
		if len(grp) != 3 {
			break
		}
		// "1,2,3" lists are not thousands groups; require the first group
		// to have 1-3 digits.
		if !grouped && len(intPart) > 3 {
			break
		}
		num += grp
		grouped = true
		end = e2
	}
	if r, s := runeAt(text, end); r == '.' || r == '．' {
		if e2, frac := scanDigits(text, end+s); frac != "" {
			num += "." + frac
			end = e2
		}
	}
	// Clock times (18:15:58) and ratios are not figures.
	if r, s := runeAt(text, end); r == ':' {
		if d, _ := runeAt(text, end+s); digitValue(d) >= 0 {
			e2 := end
			for {
				r, s := runeAt(text, e2)
				if r == ':' || digitValue(r) >= 0 {
					e2 += s
					continue
				}
				break
			}
			return FigureSpan{}, e2, false
		}
	}
	value, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return FigureSpan{}, end, false
	}
	start := i
	unit := UnitNone
	if p, u := currencyBefore(text, i); p < i {
		start, unit = p, u
	}
	// Scale words and characters.
	if scale, e2 := scaleAfter(text, end, unit != UnitNone); scale > 0 {
		value *= scale
		end = e2
	}
	// A unit after the number (and scale).
	if u, e2 := unitAfter(text, end); u != "" {
		if unit == UnitNone || u == unit {
			unit = u
			end = e2
		}
	}
	// Digits glued to letters that are not a unit ("4V4", "5G", "1080p").
	if unit == UnitNone {
		if r, _ := runeAt(text, end); isLatinLetter(r) {
			return FigureSpan{}, skipAlnum(text, end), false
		}
	}
	if unit == UnitNone && !grouped && !strings.Contains(num, ".") && len(num) == 4 && value >= 1800 && value <= 2100 {
		unit = UnitYear
		if r, s := runeAt(text, end); r == '年' {
			end += s
		}
	}
	if unit == UnitNone && !grouped && !strings.Contains(num, ".") && dayOrMonth(text, start, end, value) {
		// "29 Dec", "Dec 29", "12月", "9日": a day of a month, not an amount.
		unit = UnitDate
	}
	if math.IsInf(value, 0) || math.IsNaN(value) {
		return FigureSpan{}, end, false
	}
	value = roundSignificant(value)
	return FigureSpan{Start: start, End: end, Text: text[start:end], Unit: unit, Value: value}, end, true
}

func skipAlnum(text string, i int) int {
	for i < len(text) {
		r, s := utf8.DecodeRuneInString(text[i:])
		if !(isLatinLetter(r) || digitValue(r) >= 0) {
			break
		}
		i += s
	}
	return i
}

// currencyBefore finds a currency marker written right before the number
// at text[i] ("$", "US$ ", "RMB ", "¥").
func currencyBefore(text string, i int) (int, string) {
	before := text[:i]
	trimmed := strings.TrimRight(before, " ")
	if len(before)-len(trimmed) > 1 {
		return i, UnitNone
	}
	for _, c := range currencyPrefixes {
		if strings.HasSuffix(trimmed, c.text) {
			p := len(trimmed) - len(c.text)
			// Words must stand alone: "RMB" yes, "ARMB" no.
			if isLatinLetter(rune(c.text[0])) && isLatinLetter(runeBefore(text, p)) {
				continue
			}
			if trimmed != before && !isLatinLetter(rune(c.text[0])) {
				continue // "$ 5" is unusual; "RMB 5" is common
			}
			return p, c.unit
		}
	}
	return i, UnitNone
}

var currencyPrefixes = []struct{ text, unit string }{
	{"US$", UnitUSD}, {"HK$", "HKD"}, {"$", UnitUSD}, {"USD", UnitUSD},
	{"RMB", UnitCNY}, {"CNY", UnitCNY}, {"¥", UnitCNY}, {"￥", UnitCNY},
	{"€", "EUR"}, {"£", "GBP"},
}

// scaleAfter reads a scale word or character after a number.
func scaleAfter(text string, i int, money bool) (float64, int) {
	rest := text[i:]
	for _, s := range cjkScales {
		if strings.HasPrefix(rest, s.text) {
			return s.mult, i + len(s.text)
		}
	}
	sp := strings.TrimLeft(rest, " ")
	if len(rest)-len(sp) > 1 {
		return 0, i
	}
	lower := strings.ToLower(sp)
	for _, s := range wordScales {
		if s.moneyOnly && !money {
			continue
		}
		if strings.HasPrefix(lower, s.text) {
			end := len(s.text)
			if end < len(lower) && isLatinLetter(rune(lower[end])) {
				continue
			}
			if s.moneyOnly && sp != rest {
				continue // "$5 m" is more likely metres; "$5m" is money
			}
			return s.mult, i + (len(rest) - len(sp)) + end
		}
	}
	return 0, i
}

var cjkScales = []struct {
	text string
	mult float64
}{
	{"万亿", 1e12}, {"千亿", 1e11}, {"百亿", 1e10}, {"十亿", 1e9}, {"千万", 1e7}, {"百万", 1e6},
	{"十万", 1e5}, {"亿", 1e8}, {"万", 1e4}, {"千", 1e3},
}

var wordScales = []struct {
	text      string
	mult      float64
	moneyOnly bool
}{
	{"thousand", 1e3, false}, {"million", 1e6, false}, {"billion", 1e9, false}, {"trillion", 1e12, false},
	{"mn", 1e6, false}, {"bn", 1e9, false}, {"tn", 1e12, true}, {"m", 1e6, true}, {"b", 1e9, true}, {"k", 1e3, true},
}

// unitAfter reads a unit after a number (and its scale).
func unitAfter(text string, i int) (string, int) {
	rest := text[i:]
	for _, u := range gluedUnits {
		if strings.HasPrefix(rest, u.text) {
			end := i + len(u.text)
			if isLatinLetter(rune(u.text[len(u.text)-1])) {
				if r, _ := runeAt(text, end); isLatinLetter(r) {
					continue
				}
			}
			return u.unit, end
		}
	}
	sp := strings.TrimLeft(rest, " ")
	if sp == rest || len(rest)-len(sp) > 1 {
		return "", i
	}
	lower := strings.ToLower(sp)
	for _, u := range spacedUnits {
		if strings.HasPrefix(lower, u.text) {
			end := len(u.text)
			if end < len(lower) && isLatinLetter(rune(lower[end])) {
				continue
			}
			return u.unit, i + (len(rest) - len(sp)) + end
		}
	}
	return "", i
}

var gluedUnits = []struct{ text, unit string }{
	{"%", UnitPercent}, {"％", UnitPercent}, {"-fold", UnitFold}, {"-Fold", UnitFold}, {"‐fold", UnitFold}, {"倍", UnitFold},
	{"×", UnitFold}, {"x", UnitFold}, {"X", UnitFold},
	{"亿元", UnitCNY}, {"万元", UnitCNY}, {"元", UnitCNY}, {"美元", UnitUSD}, {"块", UnitCNY},
	{"yuan", UnitCNY}, {"RMB", UnitCNY},
}

var spacedUnits = []struct{ text, unit string }{
	{"percent", UnitPercent}, {"per cent", UnitPercent}, {"fold", UnitFold}, {"times", UnitFold},
	{"yuan", UnitCNY}, {"rmb", UnitCNY}, {"cny", UnitCNY}, {"dollars", UnitUSD}, {"usd", UnitUSD},
	{"us dollars", UnitUSD},
}

// dateAt recognizes 2025-05-08, 2025/05/08, 08-05-2025, 05/08/2025 and
// 2025年5月8日.
func dateAt(text string, i int) (FigureSpan, int, bool) {
	var parts []string
	var seps []rune
	end := i
	for len(parts) < 3 {
		e2, d := scanDigits(text, end)
		if d == "" {
			break
		}
		parts = append(parts, d)
		end = e2
		r, s := runeAt(text, end)
		if len(parts) < 3 && (r == '-' || r == '/' || r == '年' || r == '月') {
			if d2, _ := runeAt(text, end+s); digitValue(d2) >= 0 {
				seps = append(seps, r)
				end += s
				continue
			}
		}
		if r == '日' && len(parts) == 3 {
			end += s
		}
		break
	}
	if len(parts) != 3 || seps[0] != seps[1] && !(seps[0] == '年' && seps[1] == '月') {
		return FigureSpan{}, i, false
	}
	if r, _ := runeAt(text, end); digitValue(r) >= 0 {
		return FigureSpan{}, i, false
	}
	y, m, d := parts[0], parts[1], parts[2]
	if len(parts[2]) == 4 && len(parts[0]) <= 2 {
		// Year last: 05/08/2025 is month first (US usage); 05-08-2025 is
		// day first, as European and Chinese English-language sites write it
		// (CRI's byline "05-08-2025" is in a URL dated 20250805).
		y, m, d = parts[2], parts[1], parts[0]
		if seps[0] == '/' {
			m, d = parts[0], parts[1]
		}
	}
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	if len(y) != 4 || mi < 1 || mi > 12 || di < 1 || di > 31 {
		return FigureSpan{}, i, false
	}
	return FigureSpan{Start: i, End: end, Text: text[i:end], Unit: UnitDate, Value: float64(yi*10000 + mi*100 + di)}, end, true
}

// FigureLabel returns the figure with the word or words that follow it in
// text, verbatim ("647,000 jobs", "100 million followers", "64.7万个岗位").
func FigureLabel(text string, f FigureSpan) string {
	end := f.End
	r, s := runeAt(text, end)
	switch {
	case r == ' ' && f.Unit != UnitDate && f.Unit != UnitYear:
		j := end + s
		w := j
		for w < len(text) {
			r2, s2 := utf8.DecodeRuneInString(text[w:])
			if !isLatinLetter(r2) && r2 != '-' {
				break
			}
			w += s2
		}
		word := strings.ToLower(text[j:w])
		if w > j && !isStopWord(word) && len(word) > 1 {
			end = w
		}
	case IsCJK(r):
		n := 0
		for end < len(text) && n < 6 {
			r2, s2 := utf8.DecodeRuneInString(text[end:])
			if !IsCJK(r2) {
				break
			}
			end += s2
			n++
		}
	}
	return text[f.Start:end]
}

// roundSignificant removes binary noise from scaled decimals, so that
// 64.7万 is exactly 647000 rather than 646999.9999999999.
func roundSignificant(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	if err != nil {
		return v
	}
	return r
}

var monthPrefixes = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// dayOrMonth reports whether the number text[start:end] names a day or a
// month: 1-31 next to an English month name, 1-12 followed by 月 (not 个月,
// a number of months), or 1-31 followed by 日 or 号.
func dayOrMonth(text string, start, end int, value float64) bool {
	if value < 1 || value > 31 {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(text[end:]); r == '月' {
		return value <= 12
	} else if r == '日' || r == '号' {
		return true
	}
	after := strings.ToLower(strings.TrimLeft(text[end:], " "))
	before := strings.ToLower(strings.TrimRight(text[:start], " "))
	for _, m := range monthPrefixes {
		if end < len(text) && text[end] == ' ' && strings.HasPrefix(after, m) && !isLatinLetterAt(after, len(m), m == "may") {
			return true
		}
		if start > 0 && text[start-1] == ' ' && (strings.HasSuffix(before, m) || strings.HasSuffix(before, m+".") || hasMonthWord(before, m)) {
			return true
		}
	}
	return false
}

// isLatinLetterAt reports whether s continues with a letter at i that does
// not belong to a month name ("Dec" and "December" are months, "decline"
// is not); strict keeps "may" to the month only when capitalised text ends
// there.
func isLatinLetterAt(s string, i int, strict bool) bool {
	rest := s[i:]
	for _, full := range []string{"uary", "ruary", "ch", "il", "e", "y", "ust", "tember", "ober", "ember", "."} {
		if strings.HasPrefix(rest, full) {
			rest = rest[len(full):]
			break
		}
	}
	if strict && rest == s[i:] {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return isLatinLetter(r)
}

func hasMonthWord(before, m string) bool {
	i := strings.LastIndexByte(before, ' ')
	w := before[i+1:]
	return len(w) > 3 && strings.HasPrefix(w, m) && (w == "january" || w == "february" || w == "march" || w == "april" || w == "june" || w == "july" || w == "august" || w == "september" || w == "october" || w == "november" || w == "december")
}
