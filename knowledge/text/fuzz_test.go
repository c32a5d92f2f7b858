package text

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Fuzz targets for sentence splitting (FuzzExtractFigures, for figure
// parsing, is in figures_test.go). Seeds are in testdata/fuzz; CI runs each
// target for a few seconds (.ci/run).

// nonSpace returns s without white space, to compare what text a split
// kept.
func nonSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// FuzzSentenceSpans: spans are in order, do not overlap, are trimmed and
// non-empty, and together hold every non-space character of the text.
func FuzzSentenceSpans(f *testing.F) {
	for _, s := range []string{
		"Mr. Smith went to Washington. He saw 3.5 million people! Did he? Yes.",
		"短剧市场规模达504.4亿元。同比增长34.9%！真的吗？",
		"U.S. sales rose 12%. J. K. Rowling wrote \"Harry Potter.\" (Really.) Done",
		"line one\nline two\r\n\n  indented. Next",
		"...!!!???。。。", "", " ", "a", "\xff\xfe. \xc0\x80",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		spans := SentenceSpans(text)
		prev := 0
		var kept strings.Builder
		for i, sp := range spans {
			if sp.Start < prev || sp.End <= sp.Start || sp.End > len(text) {
				t.Fatalf("span %d = %v after %d, text length %d", i, sp, prev, len(text))
			}
			s := text[sp.Start:sp.End]
			if r, _ := utf8.DecodeRuneInString(s); unicode.IsSpace(r) {
				t.Fatalf("span %d = %q starts with white space", i, s)
			}
			if r, _ := utf8.DecodeLastRuneInString(s); unicode.IsSpace(r) {
				t.Fatalf("span %d = %q ends with white space", i, s)
			}
			kept.WriteString(nonSpace(s))
			prev = sp.End
		}
		if got, want := kept.String(), nonSpace(text); got != want {
			t.Fatalf("spans of %q lost text: kept %q", text, got)
		}
	})
}

// FuzzSplitLong: pieces are verbatim substrings of the text, in order,
// together hold all its text, and each is at most max characters (a
// piece's white space between sentences counts as one).
func FuzzSplitLong(f *testing.F) {
	// Small texts and limits: the splitting does not depend on scale, and
	// small inputs keep the fuzzer fast (it minimizes every new input).
	for _, s := range []string{
		"Mini series created 647,000 jobs. In four years! Did they? Yes: Mr. Li said so.",
		"短剧市场规模持续扩大，增长34.9%。就业岗位达64.7万个；收入1.2亿元、",
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		"a, b; c，d、e y y y y y y y y y y y y y y y y y y y y y y y y y y y y y y y y y",
		"one.   \n\n\t  Two.   Three.",
	} {
		f.Add(s, uint16(12))
	}
	f.Add("short", uint16(300))
	f.Fuzz(func(t *testing.T, text string, max uint16) {
		limit := int(max%100) + 1
		pieces := SplitLong(text, limit)
		if utf8.RuneCountInString(text) <= limit {
			if len(pieces) != 1 || pieces[0] != text {
				t.Fatalf("SplitLong(%q, %d) = %q, want the text whole", text, limit, pieces)
			}
			return
		}
		at := 0
		var kept strings.Builder
		for i, p := range pieces {
			j := strings.Index(text[at:], p)
			if p == "" || j < 0 {
				t.Fatalf("piece %d = %q is empty or not found after offset %d", i, p, at)
			}
			at += j + len(p)
			if n := utf8.RuneCountInString(strings.Join(strings.Fields(p), " ")); n > limit {
				t.Fatalf("piece %d has %d characters, over %d: %q", i, n, limit, p)
			}
			kept.WriteString(nonSpace(p))
		}
		if got, want := kept.String(), nonSpace(text); got != want {
			t.Fatalf("SplitLong(%q, %d) lost text: kept %q", text, limit, got)
		}
	})
}
