package knowledge

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"dramabot/knowledge/text"
)

// Verification of a generated answer. A language model's reply is read as
// sentences with citation markers; every figure in a sentence must be in a
// passage the sentence cites (by normalized value and unit, with the same
// extractor the extractive path uses), every marker must point to a passage
// given, and the reply must be in the question's language. A sentence
// without a marker is dropped: nothing in it could be checked.

// draft is a model's reply read against the passages it was given.
type draft struct {
	sentences []draftSentence
	// failures are the checks that failed, worded for the model's second
	// try and for the log.
	failures []string
	// checked counts the figures in the reply; rejected those not shown
	// because no cited passage holds them (or their sentence cites none).
	checked, rejected int
}

type draftSentence struct {
	raw     string // as written, markers included
	plain   string // without markers
	cites   []int  // passage numbers (1-based) in order of appearance, valid ones only
	figures []verifiedFigure
}

// verifiedFigure is a figure of the reply found in a passage: span is the
// figure as the passage writes it.
type verifiedFigure struct {
	passage int // 0-based
	span    text.FigureSpan
}

var (
	// markerRE matches one citation marker: [1], [1, 2], [1-3], [1、2].
	markerRE = regexp.MustCompile(`\[\s*(\d{1,3}(?:\s*(?:[,，、;；]|-|–)\s*\d{1,3})*)\s*\]`)
	// leadingMarkersRE matches markers that open a sentence; they belong to
	// the sentence before ("…jobs. [1] The market…").
	leadingMarkersRE = regexp.MustCompile(`^(?:\s*\[\s*\d{1,3}(?:\s*(?:[,，、;；]|-|–)\s*\d{1,3})*\s*\])+`)
	markerListRE     = regexp.MustCompile(`\s*[,，、;；]\s*`)
	bulletRE         = regexp.MustCompile(`(?m)^[ \t]*(?:[-*•·]|\d{1,2}[.)、])[ \t]+`)
	headingRE        = regexp.MustCompile(`(?m)^[ \t]*#{1,6}[ \t]+`)
	preambleRE       = regexp.MustCompile(`(?i)^\s*(?:answer|答案|回答)\s*[:：]\s*`)
	terminatorMarker = regexp.MustCompile(`([.!?])\[`)
	spaceRE          = regexp.MustCompile(`[ \t]+`)
	spaceBeforePunct = regexp.MustCompile(`\s+([.,;:!?。，；：！？、）)])`)
)

// cleanReply removes the markdown and list syntax models add, and writes
// full-width brackets as ASCII so that markers read alike.
func cleanReply(s string) string {
	s = strings.NewReplacer("【", "[", "】", "]", "［", "[", "］", "]", "**", "", "__", "", "`", "").Replace(s)
	s = headingRE.ReplaceAllString(s, "")
	s = bulletRE.ReplaceAllString(s, "")
	s = preambleRE.ReplaceAllString(s, "")
	// "jobs.[1] The" would read as one sentence.
	s = terminatorMarker.ReplaceAllString(s, "$1 [")
	return strings.TrimSpace(s)
}

// markerNumbers parses the passage numbers of one marker's inside.
func markerNumbers(inner string) []int {
	var out []int
	for _, part := range markerListRE.Split(inner, -1) {
		lo, hi, isRange := strings.Cut(strings.ReplaceAll(part, "–", "-"), "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil || b < a || b-a > 10 {
				b = a
			}
		}
		for n := a; n <= b; n++ {
			out = append(out, n)
		}
	}
	return out
}

// stripMarkers removes the markers of a sentence and tidies the spaces they
// leave.
func stripMarkers(s string) string {
	s = markerRE.ReplaceAllString(s, "")
	s = spaceRE.ReplaceAllString(s, " ")
	s = spaceBeforePunct.ReplaceAllString(s, "$1")
	return strings.TrimSpace(s)
}

// readDraft splits a reply into sentences with their markers, moving
// markers that open a sentence to the sentence before.
func readDraft(reply string) []draftSentence {
	cleaned := cleanReply(reply)
	var out []draftSentence
	for _, sp := range text.SentenceSpans(cleaned) {
		raw := cleaned[sp.Start:sp.End]
		if lead := leadingMarkersRE.FindString(raw); lead != "" && len(out) > 0 {
			out[len(out)-1].raw += " " + strings.TrimSpace(lead)
			raw = strings.TrimSpace(raw[len(lead):])
		}
		if raw != "" {
			out = append(out, draftSentence{raw: raw})
		}
	}
	kept := out[:0]
	for _, s := range out {
		s.plain = stripMarkers(s.raw)
		if strings.ContainsFunc(s.plain, isWordRune) {
			kept = append(kept, s)
		}
	}
	return kept
}

func languageName(cjk bool) string {
	if cjk {
		return "Chinese"
	}
	return "English"
}

// checkDraft verifies a reply against the passages it was given.
func checkDraft(reply string, passages []Hit, wantCJK bool) draft {
	d := draft{sentences: readDraft(reply)}
	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		for _, f := range d.failures {
			if f == msg {
				return
			}
		}
		d.failures = append(d.failures, msg)
	}
	var all []string
	for _, s := range d.sentences {
		all = append(all, s.plain)
	}
	if got := text.IsCJKText(strings.Join(all, " ")); got != wantCJK && len(all) > 0 {
		fail("the answer is in %s, but the question is in %s: answer in %s", languageName(got), languageName(wantCJK), languageName(wantCJK))
	}
	figs := make([][]text.FigureSpan, len(passages))
	for i, p := range passages {
		figs[i] = text.ExtractFigures(p.Passage.Text)
	}
	kept := d.sentences[:0]
	for _, s := range d.sentences {
		written := text.ExtractFigures(s.plain)
		d.checked += len(written)
		marked := false
		for _, m := range markerRE.FindAllStringSubmatch(s.raw, -1) {
			for _, n := range markerNumbers(m[1]) {
				marked = true
				if n < 1 || n > len(passages) {
					fail("marker [%d] points to no passage: there are passages [1] to [%d] only", n, len(passages))
					continue
				}
				if !containsInt(s.cites, n) {
					s.cites = append(s.cites, n)
				}
			}
		}
		if !marked || len(s.cites) == 0 {
			// Dropped: without a marker (or with only markers that point
			// nowhere) nothing in the sentence can be checked.
			d.rejected += len(written)
			continue
		}
		for _, f := range written {
			vf, ok := findFigure(f, s.cites, figs)
			if ok {
				s.figures = append(s.figures, vf)
				continue
			}
			d.rejected++
			if elsewhere := passagesWith(f, figs); len(elsewhere) > 0 {
				fail("the figure %q is in passage %s, not in %s, which its sentence cites", f.Text, markers(elsewhere), markers(s.cites))
			} else {
				fail("the figure %q is not in any passage", f.Text)
			}
		}
		kept = append(kept, s)
	}
	d.sentences = kept
	if len(kept) == 0 && len(d.failures) == 0 {
		fail("no sentence cites a passage: put the passage number in brackets, like [1], after each sentence")
	}
	return d
}

// findFigure looks for f in the cited passages (1-based numbers).
func findFigure(f text.FigureSpan, cites []int, figs [][]text.FigureSpan) (verifiedFigure, bool) {
	for _, n := range cites {
		for _, g := range figs[n-1] {
			if sameFigure(f, g) {
				return verifiedFigure{passage: n - 1, span: g}, true
			}
		}
	}
	return verifiedFigure{}, false
}

// passagesWith lists the passages (1-based) that hold f.
func passagesWith(f text.FigureSpan, figs [][]text.FigureSpan) []int {
	var out []int
	for i, fs := range figs {
		for _, g := range fs {
			if sameFigure(f, g) {
				out = append(out, i+1)
				break
			}
		}
	}
	return out
}

// sameFigure compares normalized figures: 64.7万 and 647,000 are the same
// number, 185-fold and 185倍 the same fold, but 12% is not 12.
func sameFigure(a, b text.FigureSpan) bool {
	if a.Unit != b.Unit {
		return false
	}
	return math.Abs(a.Value-b.Value) <= 1e-9*math.Max(math.Abs(a.Value), math.Abs(b.Value))
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func markers(ns []int) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(Marker(n))
	}
	return b.String()
}

// renumberMarkers rewrites the markers of a sentence with the citation
// numbers of the final answer; markers that point to no passage were
// failures and never reach here.
func renumberMarkers(raw string, citeOf func(passage int) int) string {
	return markerRE.ReplaceAllStringFunc(raw, func(m string) string {
		inner := markerRE.FindStringSubmatch(m)[1]
		var seen []int
		var b strings.Builder
		for _, n := range markerNumbers(inner) {
			c := citeOf(n)
			if c == 0 || containsInt(seen, c) {
				continue
			}
			seen = append(seen, c)
			b.WriteString(Marker(c))
		}
		return b.String()
	})
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
