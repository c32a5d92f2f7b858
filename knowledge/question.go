package knowledge

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"dramabot/knowledge/text"
)

// answerType is what kind of answer a question asks for, read from its
// wording ("how many", "when", "谁", "多少"...).
type answerType int

// Answer types.
const (
	askOther  answerType = iota
	askNumber            // how many / how much / what percentage / 多少 / 几
	askDate              // when / what year / 哪一年 / 什么时候
	askPerson            // who / 谁
	askPlace             // where / 哪里
)

func (t answerType) String() string {
	return [...]string{"other", "number", "date", "person", "place"}[t]
}

var (
	enNumber = regexp.MustCompile(`(?i)\bhow (many|much|long|old|far|big|large|tall|high|often|fast)\b|\bwhat (percentage|percent|proportion|share|number|amount|fraction|size|price|cost|value|rate|average|total)\b|\b(average|total|number of|amount of|how much)\b`)
	enDate   = regexp.MustCompile(`(?i)\bwhen\b|\b(what|which|in what|in which) (year|years|date|day|month|decade|century|time|period|era)\b|\bwhat time\b`)
	enPerson = regexp.MustCompile(`(?i)\bwho(m|se)?\b`)
	enPlace  = regexp.MustCompile(`(?i)\bwhere\b|\b(what|which|in what|in which) (city|country|state|province|region|town|place|location|continent|county|district)\b`)
	zhNumber = regexp.MustCompile(`多少|几[个位名年次倍万亿千百十种项家部集岁天月%]|多大|多长|多久|多高|多重|多远|比例|百分之|数量|几成`)
	zhDate   = regexp.MustCompile(`哪一?年|何年|何时|什么时候|甚麼時候|什麼時候|哪一?天|几月|幾月|几号|哪个月|年份|日期|哪一?個?世纪|什么年代|什麼年代`)
	zhPerson = regexp.MustCompile(`谁|誰|哪位|哪一位|何人`)
	zhPlace  = regexp.MustCompile(`哪里|哪裡|哪儿|何处|何處|在哪|哪个(国家|城市|省|地区|地方)|哪個(國家|城市|省|地區|地方)|哪(国|國|座城|个城|個城)`)
)

// askedFor reads the answer type off a question.
func askedFor(q string) answerType {
	switch {
	case enDate.MatchString(q) || zhDate.MatchString(q):
		return askDate
	case enNumber.MatchString(q) || zhNumber.MatchString(q):
		return askNumber
	case enPerson.MatchString(q) || zhPerson.MatchString(q):
		return askPerson
	case enPlace.MatchString(q) || zhPlace.MatchString(q):
		return askPlace
	}
	return askOther
}

var numberWords = map[string]bool{
	"one": true, "two": true, "three": true, "four": true, "five": true, "six": true, "seven": true,
	"eight": true, "nine": true, "ten": true, "eleven": true, "twelve": true, "thirteen": true,
	"fifteen": true, "twenty": true, "thirty": true, "forty": true, "fifty": true, "sixty": true,
	"seventy": true, "eighty": true, "ninety": true, "hundred": true, "thousand": true, "million": true,
	"billion": true, "trillion": true, "dozen": true, "dozens": true, "half": true, "twice": true,
	"double": true, "triple": true, "percent": true, "several": true,
}

var monthWords = map[string]bool{
	"january": true, "february": true, "march": true, "april": true, "may": true, "june": true, "july": true,
	"august": true, "september": true, "october": true, "november": true, "december": true,
	"century": true, "centuries": true, "decade": true, "decades": true, "bc": true, "ad": true,
}

// sentenceSignals are cues that a sentence holds the kind of answer asked.
type sentenceSignals struct {
	number bool // a digit, a number word or a CJK numeral
	date   bool // a year, a month name, 年/月/日 with a number
	name   bool // a capitalized word or CJK text the question does not contain
	// kinds are the kinds of figure the sentence holds (years and dates
	// apart); amount is set when it holds any figure that is not a year or
	// a date, number words and CJK numerals included.
	kinds  figureKind
	amount bool
}

// figureKind is what a figure measures, as far as its unit tells: a figure
// question that asks how many people is not answered by a percentage.
type figureKind uint8

const (
	kindCount figureKind = 1 << iota // a plain count or amount: 576 million, 3,000
	kindPercent
	kindMoney // yuan, dollars
	kindFold  // 185-fold, 3倍
)

func kindOf(unit string) figureKind {
	switch unit {
	case text.UnitNone:
		return kindCount
	case text.UnitPercent:
		return kindPercent
	case text.UnitCNY, text.UnitUSD:
		return kindMoney
	case text.UnitFold:
		return kindFold
	}
	return 0
}

var (
	askPercent = regexp.MustCompile(`(?i)\b(what|which) (share|percentage|percent|proportion|fraction)\b|\bhow (large|big) (a|is the) (share|proportion)\b|\bwhat per ?cent\b|比例|占比|百分之|百分比|几成|份额`)
	askFold    = regexp.MustCompile(`(?i)\bhow many times\b|\bby what (factor|multiple)\b|\bwhat (growth )?multiple\b|多少倍|几倍`)
	askMoney   = regexp.MustCompile(`(?i)\bhow (big|large) .{0,30}\bmarket\b|\bmarket (size|value)\b|\bsize of .{0,30}\bmarket\b|市场规模|规模有?多大|多大规模|\bhow much (money|revenue|income|did .{1,40} (earn|make|spend|cost|take|bring|gross|raise|invest|pay)|does .{1,40} (earn|make|spend|cost|take|bring|pay)|do .{1,40} (earn|make|spend|cost|pay)|is .{1,40} worth|was .{1,40} worth|are .{1,40} worth|were .{1,40} worth)\b|\bhow much .{0,40}\b(revenue|income|earn\w*|spen[dt]\w*|cost\w*|budget|worth|invest\w*|pa(y|id))\b|多少钱|收入多少|营收|花了多少|投入多少|成本多少|赚了多少|票房多少`)
	askGrowth  = regexp.MustCompile(`(?i)\bhow (fast|quickly|rapidly|much) (did|does|has|have|is|was|were|will)\b.{0,60}\b(grow|grown|expand|expanded|rise|risen|increase|increased|climb|climbed|jump|jumped|surge|surged)\b|\b(growth|expansion) rate\b|\bby how much\b|增长了?多少|增速|增幅|涨了?多少|翻了?几番`)
	askCount   = regexp.MustCompile(`(?i)\bhow many\b|多少(个|人|部|家|集|次|名|位|款|万人|亿人|用户)|几(个|部|家|集|名|位|款)`)
)

// askedKind reads what kind of figure a figure question wants; 0 when the
// wording does not say.
func askedKind(q string) figureKind {
	switch {
	case askPercent.MatchString(q):
		return kindPercent
	case askFold.MatchString(q):
		return kindFold
	case askGrowth.MatchString(q):
		return kindPercent | kindFold | kindCount
	case askMoney.MatchString(q):
		return kindMoney
	case askCount.MatchString(q):
		return kindCount
	}
	return 0
}

var cjkNumeral = regexp.MustCompile(`[0-9０-９一二三四五六七八九十百千万亿两零〇][0-9０-９一二三四五六七八九十百千万亿两零〇.]*[个位名年次倍万亿千百种项家部集岁天月日号%％人元]`)
var cjkDate = regexp.MustCompile(`[0-9０-９一二三四五六七八九十〇零]+\s*(年|月|日|世纪|世紀|年代)`)

// signals reads the cues off a sentence; qLower is the question in lower
// case.
func signals(sentence string, qLower string) sentenceSignals {
	var s sentenceSignals
	for _, f := range text.ExtractFigures(sentence) {
		s.number = true
		if f.Unit == text.UnitYear || f.Unit == text.UnitDate {
			s.date = true
		}
		s.kinds |= kindOf(f.Unit)
	}
	if strings.ContainsFunc(sentence, text.IsCJK) {
		for _, m := range cjkNumeral.FindAllString(sentence, -1) {
			s.number = true
			if last, _ := utf8.DecodeLastRuneInString(m); !strings.ContainsRune("年月日号", last) {
				s.amount = true
			}
		}
		if !s.date && cjkDate.MatchString(sentence) {
			s.date = true
		}
	}
	words := strings.FieldsFunc(sentence, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' })
	for i, w := range words {
		lw := strings.ToLower(w)
		if numberWords[lw] {
			s.number, s.amount = true, true
		}
		if monthWords[lw] {
			s.date = true
		}
		r := []rune(w)
		if len(r) > 1 && unicode.IsUpper(r[0]) && !text.IsCJK(r[0]) && i > 0 && !strings.Contains(qLower, lw) {
			s.name = true
		}
	}
	s.amount = s.amount || s.kinds != 0
	return s
}

var (
	enFocus = regexp.MustCompile(`(?i)\bhow (?:many|much)\s+((?:[a-z][a-z'-]*\s+){0,2}[a-z][a-z'-]*)|\b(?:number|amount|percentage|share|proportion) of\s+(?:the\s+)?((?:[a-z][a-z'-]*\s+){0,2}[a-z][a-z'-]*)`)
	zhFocus = regexp.MustCompile(`(?:多少|几|幾)(?:个|個|位|名|家|部|项|項|种|種|次|倍)?([\p{Han}]{2,4})`)
)

// focusTerms returns the terms of what a figure question counts: "jobs" in
// "How many jobs…", "就业岗位" in "…多少就业岗位". The sentence that answers
// it names that thing next to its figure.
func focusTerms(q string) []string {
	var counted string
	if m := enFocus.FindStringSubmatch(q); m != nil {
		counted = headNoun(m[1] + m[2])
	} else if m := zhFocus.FindStringSubmatch(q); m != nil {
		counted = m[1]
	}
	if counted == "" {
		return nil
	}
	var out []string
	for _, t := range text.QueryTerms(counted) {
		if t.Kind != text.TermCJK {
			out = append(out, t.Text)
		}
	}
	return out
}

// focusStop ends the noun phrase after "how many": "how many micro-drama
// users were there" counts users.
var focusStop = map[string]bool{
	"were": true, "are": true, "was": true, "is": true, "did": true, "does": true, "do": true, "have": true,
	"has": true, "had": true, "will": true, "would": true, "can": true, "could": true, "in": true, "on": true,
	"of": true, "at": true, "for": true, "there": true, "per": true, "by": true, "from": true, "to": true,
	"the": true, "a": true, "an": true, "and": true, "or": true, "that": true, "which": true, "who": true,
}

// headNoun returns the last word of the noun phrase that starts phrase.
func headNoun(phrase string) string {
	var last string
	for i, w := range strings.Fields(phrase) {
		if i == 0 && strings.EqualFold(w, "times") {
			return "" // "how many times larger": a multiple, not a thing counted
		}
		if focusStop[strings.ToLower(w)] {
			break
		}
		last = w
	}
	return last
}
