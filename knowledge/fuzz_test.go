package knowledge

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Fuzz targets for chunking (FuzzExtractFigures, for figure parsing, is in
// figures_test.go). Seeds are in testdata/fuzz; CI runs each target for a
// few seconds (.ci/run).

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

// FuzzChunkDocument: passages have unique, stable ids numbered in order,
// non-empty trimmed text of at most MaxPassageRunes characters (the title
// passage too), and keep every character of the body outside headings.
func FuzzChunkDocument(f *testing.F) {
	f.Add("185-Fold Boom", "CRI Online", "# Heading\n\nFirst paragraph. Second sentence.\n\n## Sub\n\n"+strings.Repeat("Long paragraph sentence. ", 45), true)
	f.Add("", "", "", false)
	f.Add(strings.Repeat("Title ", 70), strings.Repeat("P", 900), "body", true)
	f.Add("t", "", "#\n#\n# \n####### not a heading\n\r\n\r\ntext\rmore", true)
	f.Fuzz(func(t *testing.T, title, publisher, body string, withTitle bool) {
		src := Source{ID: "doc", Title: title, Publisher: publisher}
		passages := ChunkDocument(src, body, withTitle)
		seen := map[string]bool{}
		next := 1
		var kept strings.Builder
		for i, p := range passages {
			if seen[p.ID] || p.SourceID != "doc" {
				t.Fatalf("passage %d: id %q repeated or source %q", i, p.ID, p.SourceID)
			}
			seen[p.ID] = true
			if p.Ordinal == 0 {
				if i != 0 || !withTitle || p.ID != "doc#0" {
					t.Fatalf("passage %d: a title passage %q out of place", i, p.ID)
				}
			} else {
				if p.Ordinal != next || p.ID != "doc#"+strconv.Itoa(next) {
					t.Fatalf("passage %d: ordinal %d id %q, want %d", i, p.Ordinal, p.ID, next)
				}
				next++
				kept.WriteString(nonSpace(p.Text))
			}
			if strings.TrimSpace(p.Text) != p.Text || p.Text == "" {
				t.Fatalf("passage %s: text %q empty or not trimmed", p.ID, p.Text)
			}
			if n := utf8.RuneCountInString(strings.Join(strings.Fields(p.Text), " ")); n > MaxPassageRunes {
				t.Fatalf("passage %s has %d characters, over %d", p.ID, n, MaxPassageRunes)
			}
		}
		var want strings.Builder
		for _, line := range strings.Split(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n"), "\n") {
			if !isMarkdownHeading(strings.TrimSpace(line)) {
				want.WriteString(nonSpace(line))
			}
		}
		if got := kept.String(); got != want.String() {
			t.Fatalf("passages of %q lost text: kept %q, want %q", body, got, want.String())
		}
	})
}
