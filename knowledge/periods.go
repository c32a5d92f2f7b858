package knowledge

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Sources name the same period in many ways: "the first eight months of
// 2025", "January to August 2025", "2025年1-8月", "前8个月". periodExpansions
// gives a question's period in the other usual wordings, in both languages,
// so that the passage that states it is found and counts as covering it.

var monthNames = []string{"", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

var smallNumbers = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12,
	"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12,
}

func smallNumber(s string) (int, bool) {
	if n, ok := smallNumbers[strings.ToLower(s)]; ok {
		return n, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && n <= 12
}

var (
	enFirstMonths = regexp.MustCompile(`(?i)\b(?:first|opening) (\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven) months (?:of |in )?((?:19|20)\d\d)\b`)
	enEndOf       = regexp.MustCompile(`(?i)\b(?:(?:at )?the end of|end-|year-end|late) ?((?:19|20)\d\d)\b`)
	enMid         = regexp.MustCompile(`(?i)\b(?:mid-?|the middle of |halfway through )((?:19|20)\d\d)\b`)
	enHalf        = regexp.MustCompile(`(?i)\b(?:the )?(first|second) half of ((?:19|20)\d\d)\b|\bH([12]) ?((?:19|20)\d\d)\b|\b((?:19|20)\d\d)[- ]?H([12])\b`)
	enQuarter     = regexp.MustCompile(`(?i)\b(?:the )?(first|second|third|fourth) quarter of ((?:19|20)\d\d)\b|\bQ([1-4]) ?((?:19|20)\d\d)\b|\b((?:19|20)\d\d)[- ]?Q([1-4])\b`)
	zhFirstMonths = regexp.MustCompile(`((?:19|20)\d\d)年(?:前(\d{1,2}|[一二两三四五六七八九十]|十一)个月|1[-－—~至到](\d{1,2})月)`)
	zhEndOf       = regexp.MustCompile(`((?:19|20)\d\d)年(?:底|末|年底|年末)|截至((?:19|20)\d\d)年12月`)
	zhHalf        = regexp.MustCompile(`((?:19|20)\d\d)年(上|下)半年`)
	zhQuarter     = regexp.MustCompile(`((?:19|20)\d\d)年(?:第)?([一二三四1-4])季度`)
)

var ordinals = map[string]int{"first": 1, "second": 2, "third": 3, "fourth": 4, "上": 1, "下": 2, "一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

var relativeYear = regexp.MustCompile(`(?i)\b(last|this|next|past) year\b|去年|今年|明年|前年`)

var relativeOffset = map[string]int{"last": -1, "past": -1, "this": 0, "next": 1, "去年": -1, "今年": 0, "明年": 1, "前年": -2}

// periodExpansions returns the periods q names, each with its other
// wordings; a year named relative to now ("last year", 去年) is named by
// its number, counted from the year now.
func periodExpansions(q string, now time.Time) []Expansion {
	var out []Expansion
	for _, m := range relativeYear.FindAllStringSubmatch(q, -1) {
		key := strings.ToLower(m[1])
		if key == "" {
			key = m[0]
		}
		y := strconv.Itoa(now.Year() + relativeOffset[key])
		out = append(out, Expansion{Text: m[0], Alts: []string{y, y + "年"}, Credit: 1})
	}
	add := func(own string, alts ...string) {
		out = append(out, Expansion{Text: own, Alts: alts, Credit: 1})
	}
	for _, m := range enFirstMonths.FindAllStringSubmatch(q, -1) {
		if n, ok := smallNumber(m[1]); ok && n >= 2 {
			add(m[0], months(m[2], 1, n)...)
		}
	}
	for _, m := range zhFirstMonths.FindAllStringSubmatch(q, -1) {
		num := m[2] + m[3]
		if n, ok := smallNumber(num); ok && n >= 2 {
			add(m[0], months(m[1], 1, n)...)
		}
	}
	for _, m := range enEndOf.FindAllStringSubmatch(q, -1) {
		add(m[0], yearEnd(m[1])...)
	}
	for _, m := range zhEndOf.FindAllStringSubmatch(q, -1) {
		add(m[0], yearEnd(m[1]+m[2])...)
	}
	for _, m := range enMid.FindAllStringSubmatch(q, -1) {
		y := m[1]
		add(m[0], "June "+y, y+"年6月", "first half of "+y, y+"年上半年", "H1 "+y)
	}
	for _, m := range enHalf.FindAllStringSubmatch(q, -1) {
		h, y := m[1]+m[3]+m[6], m[2]+m[4]+m[5]
		add(m[0], half(y, ordinals[strings.ToLower(h)])...)
	}
	for _, m := range zhHalf.FindAllStringSubmatch(q, -1) {
		add(m[0], half(m[1], ordinals[m[2]])...)
	}
	for _, m := range enQuarter.FindAllStringSubmatch(q, -1) {
		k, y := m[1]+m[3]+m[6], m[2]+m[4]+m[5]
		add(m[0], quarter(y, ordinals[strings.ToLower(k)])...)
	}
	for _, m := range zhQuarter.FindAllStringSubmatch(q, -1) {
		add(m[0], quarter(m[1], ordinals[m[2]])...)
	}
	return out
}

func months(y string, from, to int) []string {
	f, t := strconv.Itoa(from), strconv.Itoa(to)
	return []string{
		monthNames[from] + " to " + monthNames[to] + " " + y,
		monthNames[from] + "-" + monthNames[to] + " " + y,
		"first " + t + " months of " + y,
		y + "年1-" + t + "月", y + "年" + f + "月至" + t + "月", y + "年前" + t + "个月",
	}
}

func yearEnd(y string) []string {
	return []string{"December " + y, "end of " + y, "end-" + y, y + "年底", y + "年末", y + "年12月"}
}

func half(y string, h int) []string {
	if h == 2 {
		return []string{"second half of " + y, "H2 " + y, y + "年下半年", "December " + y}
	}
	return []string{"first half of " + y, "H1 " + y, y + "年上半年", "June " + y, y + "年6月"}
}

func quarter(y string, k int) []string {
	if k < 1 || k > 4 {
		return nil
	}
	names := []string{"", "first", "second", "third", "fourth"}
	cn := []string{"", "一", "二", "三", "四"}
	ks := strconv.Itoa(k)
	return []string{"Q" + ks + " " + y, names[k] + " quarter of " + y, y + "年第" + cn[k] + "季度", y + "年" + cn[k] + "季度", y + "年Q" + ks}
}
