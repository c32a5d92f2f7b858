package ingest

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"dramabot/knowledge"
	"dramabot/knowledge/text"
)

// Chunking: a document's body becomes passages, the units that are
// retrieved and quoted.

// maxPassageRunes bounds a passage, in runes. A longer paragraph is cut
// at sentence boundaries into pieces of about equal size.
const maxPassageRunes = 1000

// block is a paragraph of a document, with the heading it falls under.
type block struct {
	Heading string
	Text    string
}

// paragraphs splits plain or Markdown text into blocks: paragraphs are
// separated by blank lines; a Markdown heading ("# Title") starts a new
// block and becomes the heading of the blocks under it. Lines inside a
// paragraph keep their line breaks (they may be list items or table rows).
func paragraphs(text string) []block {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	var blocks []block
	heading := ""
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			if t := strings.TrimSpace(strings.Join(cur, "\n")); t != "" {
				blocks = append(blocks, block{Heading: heading, Text: t})
			}
			cur = nil
		}
	}
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			flush()
		case isMarkdownHeading(trimmed):
			flush()
			heading = strings.TrimSpace(strings.TrimLeft(trimmed, "#"))
		default:
			cur = append(cur, strings.TrimRightFunc(line, unicode.IsSpace))
		}
	}
	flush()
	return blocks
}

func isMarkdownHeading(line string) bool {
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	return n >= 1 && n <= 6 && (len(line) == n || line[n] == ' ')
}

// ChunkDocument cuts a document's body into passages with stable ids
// ("SOURCEID#N", N counting from 1). When withTitle is set, passage 0 holds
// the title and a byline built from the source's metadata, so questions
// about the document itself ("who published it?") can be answered.
func ChunkDocument(src knowledge.Source, body string, withTitle bool) []knowledge.Passage {
	var out []knowledge.Passage
	if withTitle && strings.TrimSpace(src.Title) != "" {
		text := clip(strings.TrimSpace(src.Title), maxTitleRunes)
		if b := byline(src); b != "" {
			text += "\n" + b
		}
		text = strings.TrimSpace(clip(text, maxPassageRunes)) // a runaway publisher or editor
		out = append(out, knowledge.Passage{ID: src.ID + "#0", SourceID: src.ID, Ordinal: 0, Text: text})
	}
	n := 0
	for _, blk := range paragraphs(body) {
		for _, piece := range text.SplitLong(blk.Text, maxPassageRunes) {
			n++
			out = append(out, knowledge.Passage{
				ID: src.ID + "#" + strconv.Itoa(n), SourceID: src.ID, Ordinal: n,
				Heading: blk.Heading, Text: piece,
			})
		}
	}
	return out
}

// maxTitleRunes bounds the title in a document's title passage: answers
// quote passages whole, and a runaway title (a 100k-character front matter
// line) made a 100k-character answer.
const maxTitleRunes = 300

// clip cuts s to at most n runes, at a word boundary where there is one,
// and marks the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := string([]rune(s)[:n-1])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut) + "…"
}

// byline renders the source's publisher, editor and date as one line.
func byline(src knowledge.Source) string {
	var parts []string
	if src.Publisher != "" {
		parts = append(parts, "From: "+src.Publisher)
	}
	if src.Editor != "" {
		parts = append(parts, "Editor: "+src.Editor)
	}
	if src.Date != "" {
		parts = append(parts, "Published: "+src.Date)
	}
	return strings.Join(parts, " · ")
}
