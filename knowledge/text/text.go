// Package text turns text into what dramabot compares and checks: terms
// for ranking and scoring (Tokenize, QueryTerms), sentences (SentenceSpans,
// SplitLong) and figures (ExtractFigures). It is a leaf: the standard
// library only, no knowledge of passages or answers.
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terms are what lexical ranking, the local embedder and answer scoring
// compare: English words lower-cased, stop words dropped and Porter-stemmed;
// numbers kept whole ("647,000" is the term "647000", "1.2" stays "1.2");
// CJK text, which has no spaces, as single characters and character bigrams.

// AnalyzerVersion names the current way text becomes terms. Change it with
// any change to Tokenize, so that stores index their passages again.
const AnalyzerVersion = "terms-v3"

// TermKind says what a term was made from.
type TermKind uint8

// Kinds of Term.
const (
	TermWord   TermKind = iota // a stemmed Latin-script word
	TermNumber                 // digits, normalized
	TermCJK                    // one CJK character
	TermBigram                 // two adjacent CJK characters
)

// Term is one token of text.
type Term struct {
	Text string
	Kind TermKind
	// Pos is the ordinal of the word or CJK character the term starts at,
	// so callers can measure proximity.
	Pos int
}

// Fold maps full-width ASCII (Ａ-Ｚ, ０-９, ．，％) to ASCII and the ideographic
// space to a space, so that "６４．７万" and "64.7万" read alike.
func Fold(s string) string {
	if !strings.ContainsFunc(s, isWide) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFF01 + '!'
		case r == 0x3000:
			return ' '
		}
		return r
	}, s)
}

func isWide(r rune) bool { return r >= 0xFF01 && r <= 0xFF5E || r == 0x3000 }

// IsCJK reports whether r is written without spaces between words: Han,
// Hiragana, Katakana or Hangul.
func IsCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// IsCJKText reports whether text is written in a CJK language: it holds
// CJK characters, and at least a third as many as Latin letters, so that
// "What does 短剧 mean?" is English and "短剧在Douyin上很火" Chinese.
func IsCJKText(s string) bool {
	var cjk, latin int
	for _, r := range s {
		switch {
		case IsCJK(r):
			cjk++
		case isLatinLetter(r):
			latin++
		}
	}
	return cjk > 0 && cjk*3 >= latin
}

// Tokenize splits text into terms. Stop words are dropped unless keepStop.
func Tokenize(text string, keepStop bool) []Term {
	return appendTerms(nil, text, keepStop)
}

func appendTerms(out []Term, text string, keepStop bool) []Term {
	// Traditional characters fold to Simplified, so that Taiwan and Hong
	// Kong sources and questions match mainland ones.
	text = FoldTraditional(Fold(text))
	pos := 0
	var prevCJK rune = -1
	prevCJKPos := 0
	var word strings.Builder
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case IsCJK(r):
			out = append(out, Term{Text: string(r), Kind: TermCJK, Pos: pos})
			if prevCJK >= 0 && prevCJKPos == pos-1 {
				out = append(out, Term{Text: string(prevCJK) + string(r), Kind: TermBigram, Pos: pos - 1})
			}
			prevCJK, prevCJKPos = r, pos
			pos++
			i += size
		case isDigit(r):
			n := numberEnd(text, i)
			out = append(out, Term{Text: normalizeNumber(text[i:n]), Kind: TermNumber, Pos: pos})
			pos++
			i = n
		case unicode.IsLetter(r) || unicode.IsMark(r):
			word.Reset()
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if unicode.IsLetter(r2) && !IsCJK(r2) || unicode.IsMark(r2) || isDigit(r2) {
					word.WriteRune(unicode.ToLower(r2))
					j += s2
					continue
				}
				// Keep "don't" and "O'Neil" whole; drop the possessive "'s".
				if (r2 == '\'' || r2 == '’') && j+s2 < len(text) {
					r3, _ := utf8.DecodeRuneInString(text[j+s2:])
					if unicode.IsLetter(r3) && !IsCJK(r3) {
						rest := strings.ToLower(text[j+s2:])
						if strings.HasPrefix(rest, "s") && (len(rest) == 1 || !isWordByte(rest[1])) {
							j += s2 + 1
							break
						}
						j += s2
						continue
					}
				}
				break
			}
			w := word.String()
			// "Disney+", "C++", "mini series+" are names of their own.
			if p := plusSuffix(text, j); p > j {
				w += text[j:p]
				j = p
			}
			if keepStop || !isStopWord(w) {
				if base, ok := irregular[w]; ok {
					w = base
				}
				if u, ok := unitWords[w]; ok {
					w = u
				}
				out = append(out, Term{Text: stem(w), Kind: TermWord, Pos: pos})
				if w == "times" {
					// "three times larger" asks for what "185-fold" says.
					out = append(out, Term{Text: "fold", Kind: TermWord, Pos: pos})
				}
			}
			pos++
			i = j
		default:
			if u, ok := unitSymbols[r]; ok {
				out = append(out, Term{Text: u, Kind: TermWord, Pos: pos})
				pos++
			}
			i += size
		}
		if r == '倍' {
			out = append(out, Term{Text: "fold", Kind: TermWord, Pos: pos - 1})
		}
		if !IsCJK(r) {
			prevCJK = -1
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// numberEnd returns the end of the number starting at text[i]: digits with
// thousands separators and one decimal point ("1,496.5", "64.7").
func numberEnd(text string, i int) int {
	j := i
	dot := false
	for j < len(text) {
		c := text[j]
		switch {
		case c >= '0' && c <= '9':
			j++
		case (c == ',' || c == '.') && j+1 < len(text) && text[j+1] >= '0' && text[j+1] <= '9':
			if c == '.' {
				if dot {
					return j
				}
				dot = true
			} else if !thousandsGroup(text, j) {
				return j
			}
			j++
		default:
			return j
		}
	}
	return j
}

// thousandsGroup reports whether the comma at text[j] is followed by
// exactly three digits (so "1,2" is two numbers and "647,000" one).
func thousandsGroup(text string, j int) bool {
	k := j + 1
	for k < len(text) && text[k] >= '0' && text[k] <= '9' {
		k++
	}
	return k-(j+1) == 3
}

// normalizeNumber drops thousands separators and a trailing ".0…".
func normalizeNumber(s string) string {
	s = strings.ReplaceAll(s, ",", "")
	if i := strings.IndexByte(s, '.'); i >= 0 {
		frac := strings.TrimRight(s[i+1:], "0")
		if frac == "" {
			return s[:i]
		}
		return s[:i+1] + frac
	}
	return s
}

// isStopWord reports whether an English word (lower case) carries too
// little meaning to match on: articles, pronouns, auxiliaries,
// prepositions and question words.
func isStopWord(w string) bool { return stopWords[w] }

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are aren't as at
		be because been before being below between both but by can can't cannot could couldn't did didn't do does
		doesn't doing don't down during each few for from further had hadn't has hasn't have haven't having he
		he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is
		isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only or other
		ought our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so some such
		than that that's the their theirs them themselves then there there's these they they'd they'll they're
		they've this those through to too under until up very was wasn't we we'd we'll we're we've were weren't
		what what's when when's where where's which while who who's whom why why's with won't would wouldn't you
		you'd you'll you're you've your yours yourself yourselves also just may might must shall will s t
		whose whatever whichever whoever whenever wherever upon onto per via within without among amongst
		many much thanks according kind type name named called`) {
		m[w] = true
	}
	return m
}()

// QueryTerms is Tokenize for questions: it also drops Chinese question
// words (什么, 哪, 谁, 多少, 怎么, 为什么, 吗...), which are rare in the
// passages that answer a question and would otherwise weigh the most.
func QueryTerms(q string) []Term {
	ts := Tokenize(q, false)
	out := ts[:0]
	for _, t := range ts {
		if (t.Kind == TermCJK || t.Kind == TermBigram) && isQuestionWord(t.Text) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// QueryTermTexts returns the texts of QueryTerms.
func QueryTermTexts(q string) []string {
	ts := QueryTerms(q)
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Text
	}
	return out
}

func isQuestionWord(s string) bool {
	if zhQuestionBigrams[s] {
		return true
	}
	for _, r := range s {
		if strings.ContainsRune(zhQuestionChars, r) {
			return true
		}
	}
	return false
}

// zhQuestionChars are characters that in a question almost always belong
// to an interrogative; a unigram or bigram containing one is dropped.
const zhQuestionChars = "什么麼甚哪谁誰吗嗎呢怎啥"

var zhQuestionBigrams = map[string]bool{
	"多少": true, "几个": true, "幾個": true, "几年": true, "幾年": true, "如何": true, "为何": true,
	"為何": true, "何时": true, "何時": true, "何处": true, "何處": true, "何人": true, "是否": true,
	"何种": true, "何種": true, "多久": true, "多长": true, "多長": true, "多大": true, "几": true, "幾": true,
}

// Units are written many ways; figures questions and passages meet on
// one spelling of each.
var unitWords = map[string]string{
	"percentage": "percent", "pct": "percent", "rmb": "yuan", "cny": "yuan", "renminbi": "yuan",
	"usd": "dollar", "dollars": "dollar", "folds": "fold",
}

var unitSymbols = map[rune]string{
	'%': "percent", '％': "percent", '$': "dollar", '¥': "yuan", '￥': "yuan",
}

// plusSuffix returns the end of a run of '+' after a word at text[j:], if
// the run ends the word ("series+ ecosystem"), else j.
func plusSuffix(text string, j int) int {
	p := j
	for p < len(text) && text[p] == '+' && p-j < 2 {
		p++
	}
	if p == j {
		return j
	}
	if p < len(text) {
		r, _ := utf8.DecodeRuneInString(text[p:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return j
		}
	}
	return p
}
