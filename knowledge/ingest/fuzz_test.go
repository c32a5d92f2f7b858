package ingest

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"dramabot/knowledge"
)

// FuzzChunkDocument's seeds are in testdata/fuzz; CI runs it for a bounded
// number of inputs (.ci/run).

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

// FuzzChunkDocument: passages have unique, stable ids numbered in order,
// non-empty trimmed text of at most maxPassageRunes characters (the title
// passage too), and keep every character of the body outside headings.
func FuzzChunkDocument(f *testing.F) {
	f.Add("185-Fold Boom", "CRI Online", "# Heading\n\nFirst paragraph. Second sentence.\n\n## Sub\n\n"+strings.Repeat("Long paragraph sentence. ", 45), true)
	f.Add("", "", "", false)
	f.Add(strings.Repeat("Title ", 70), strings.Repeat("P", 900), "body", true)
	f.Add("t", "", "#\n#\n# \n####### not a heading\n\r\n\r\ntext\rmore", true)
	f.Fuzz(func(t *testing.T, title, publisher, body string, withTitle bool) {
		src := knowledge.Source{ID: "doc", Title: title, Publisher: publisher}
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
			if n := utf8.RuneCountInString(strings.Join(strings.Fields(p.Text), " ")); n > maxPassageRunes {
				t.Fatalf("passage %s has %d characters, over %d", p.ID, n, maxPassageRunes)
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
