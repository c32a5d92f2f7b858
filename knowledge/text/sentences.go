package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span is a byte range of a text.
type Span struct{ Start, End int }

// SentenceSpans splits text into sentences and returns their byte ranges,
// trimmed of surrounding white space. A line break always ends a sentence
// (lists and table rows are one sentence a line); so do 。！？ and, before
// white space and a capital letter, digit or quote, . ! ? — except after
// common abbreviations and initials ("Mr.", "U.S.", "J. K.").
func SentenceSpans(text string) []Span {
	var spans []Span
	start := 0
	emit := func(end int) {
		s, e := trimSpan(text, start, end)
		if e > s {
			spans = append(spans, Span{s, e})
		}
		start = end
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch r {
		case '\n':
			emit(i)
		case '。', '！', '？', '!', '?', '.', '．':
			j := i + size
			// Swallow repeated terminators and closing quotes/brackets.
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if strings.ContainsRune("。！？!?.…\"'”’」』）)]》", r2) {
					j += s2
					continue
				}
				break
			}
			if r == '。' || r == '！' || r == '？' {
				emit(j)
				i = j
				continue
			}
			if sentenceBreak(text, i, j) {
				emit(j)
				i = j
				continue
			}
			i = j
			continue
		}
		i += size
	}
	emit(len(text))
	return spans
}

// sentenceBreak decides whether a Latin terminator at text[i] (with closers
// up to j) ends a sentence.
func sentenceBreak(text string, i, j int) bool {
	if j >= len(text) {
		return true
	}
	next, _ := utf8.DecodeRuneInString(text[j:])
	if IsCJK(next) {
		return true
	}
	if !unicode.IsSpace(next) {
		return false
	}
	// Look at the first non-space character after the break.
	k := j
	for k < len(text) {
		r, s := utf8.DecodeRuneInString(text[k:])
		if r == '\n' {
			return true
		}
		if !unicode.IsSpace(r) {
			break
		}
		k += s
	}
	if k >= len(text) {
		return true
	}
	after, _ := utf8.DecodeRuneInString(text[k:])
	if !(unicode.IsUpper(after) || unicode.IsDigit(after) || IsCJK(after) || strings.ContainsRune("\"'“‘(「『[", after)) {
		return false
	}
	if text[i] != '.' {
		return true
	}
	// The word before the period: an abbreviation or an initial?
	w := i
	for w > 0 {
		r, s := utf8.DecodeLastRuneInString(text[:w])
		if !unicode.IsLetter(r) && r != '.' {
			break
		}
		w -= s
	}
	word := text[w:i]
	if utf8.RuneCountInString(word) == 1 {
		r, _ := utf8.DecodeRuneInString(word)
		return !unicode.IsUpper(r)
	}
	if strings.Contains(word, ".") { // "U.S." "e.g."
		return false
	}
	return !abbreviations[strings.ToLower(word)]
}

var abbreviations = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`mr mrs ms dr prof sr jr st vs etc inc ltd co corp no nos fig figs
		jan feb mar apr jun jul aug sep sept oct nov dec gen gov sen rep mt ft approx dept est vol pp rev
		lt col capt sgt messrs mme mlle cf al`) {
		m[w] = true
	}
	return m
}()

func trimSpan(text string, s, e int) (int, int) {
	for s < e {
		r, size := utf8.DecodeRuneInString(text[s:])
		if !unicode.IsSpace(r) {
			break
		}
		s += size
	}
	for e > s {
		r, size := utf8.DecodeLastRuneInString(text[:e])
		if !unicode.IsSpace(r) {
			break
		}
		e -= size
	}
	return s, e
}

// SplitLong cuts text longer than max runes at sentence boundaries into
// pieces of about equal length, each at most max runes where the sentences
// allow (a single longer sentence is cut at clause, then word, boundaries).
// Pieces are verbatim substrings of text.
func SplitLong(text string, max int) []string {
	total := utf8.RuneCountInString(text)
	if total <= max {
		return []string{text}
	}
	var units []Span
	for _, sp := range SentenceSpans(text) {
		units = append(units, cutSpan(text, sp, max)...)
	}
	pieces := (total + max - 1) / max
	target := total / pieces
	var out []string
	first, curLen := -1, 0
	for i, u := range units {
		n := utf8.RuneCountInString(text[u.Start:u.End])
		if first >= 0 && (curLen+1+n > max || curLen >= target) {
			out = append(out, text[units[first].Start:units[i-1].End])
			first, curLen = -1, 0
		}
		if first < 0 {
			first = i
		} else {
			curLen++
		}
		curLen += n
	}
	if first >= 0 {
		out = append(out, text[units[first].Start:units[len(units)-1].End])
	}
	return out
}

// cutSpan cuts one over-long sentence at clause boundaries, then at
// spaces, then anywhere, into spans of at most max runes.
func cutSpan(text string, sp Span, max int) []Span {
	var out []Span
	// Counted once and kept up to date: recounting the rest of the span at
	// every cut made a long line quadratic (a 4 MB line took 7 s, a 64 MB
	// file would take half an hour).
	remaining := utf8.RuneCountInString(text[sp.Start:sp.End])
	for remaining > max {
		// Byte offset just after the max-th rune.
		limit := sp.Start
		for i := 0; i < max; i++ {
			_, size := utf8.DecodeRuneInString(text[limit:])
			limit += size
		}
		cut := -1
		for _, set := range []string{"；;，,、", " "} {
			for i := limit; i > sp.Start+(limit-sp.Start)/2; {
				r, size := utf8.DecodeLastRuneInString(text[:i])
				if strings.ContainsRune(set, r) {
					cut = i
					break
				}
				i -= size
			}
			if cut > 0 {
				break
			}
		}
		if cut < 0 {
			cut = limit
		}
		if s, e := trimSpan(text, sp.Start, cut); e > s {
			out = append(out, Span{s, e})
		}
		next, _ := trimSpan(text, cut, sp.End)
		remaining -= utf8.RuneCountInString(text[sp.Start:next])
		sp.Start = next
	}
	if sp.End > sp.Start {
		out = append(out, sp)
	}
	return out
}
