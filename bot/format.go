package bot

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"dramabot/knowledge"
)

// Plain-text rendering, used by the command line and as the shape the chat
// surfaces follow with their own markup.

// PlainText renders an answer for a terminal, with an English frame.
func PlainText(a knowledge.Answer) string {
	return strings.Join(PlainBlocks(a), "\n") + "\n"
}

// PlainBlocks renders an answer as blocks: the answer, the figures line,
// then one block per source (or per related passage for an abstention).
func PlainBlocks(a knowledge.Answer) []string { return PlainBlocksLang(LangEN, a) }

// PlainBlocksLang is PlainBlocks with the frame in the asker's language.
func PlainBlocksLang(l Lang, a knowledge.Answer) []string {
	t := T(l)
	blocks := []string{a.Text}
	if len(a.Figures) > 0 {
		blocks = append(blocks, t.Figures+t.Colon+FiguresLineLang(l, a.Figures))
	}
	// A terminal shows the whole table; the chats, MaxTableRows of it.
	if table := PlainTable(l, a, len(a.FigureTable)); len(table) > 0 {
		blocks = append(blocks, strings.Join(table, "\n"))
	}
	for _, c := range a.Citations {
		line := CitationSource(l, c)
		if c.URL != "" {
			line += sepOf(l) + c.URL
		}
		blocks = append(blocks, line+"\n    "+Excerpt(c.Quote, 300))
	}
	if len(a.Related) > 0 {
		if a.Abstained {
			blocks = append(blocks, t.Nearest+strings.TrimSpace(t.Colon))
		} else {
			blocks = append(blocks, t.Related+strings.TrimSpace(t.Colon))
		}
		for i, r := range a.Related {
			blocks = append(blocks, fmt.Sprintf("  %d. %s\n     %s", i+1, RelatedSourceLang(l, r), Excerpt(r.Text, 240)))
		}
	}
	return blocks
}

// RelatedSource describes where a related passage comes from.
func RelatedSource(r knowledge.Related) string { return RelatedSourceLang(LangEN, r) }

// RelatedSourceLang is RelatedSource in the asker's language.
func RelatedSourceLang(l Lang, r knowledge.Related) string {
	return quoteTitle(r.Title) + sepOf(l) + CiteMeta(l, r.Publisher, r.Date, r.Paragraph, nil)
}

// Excerpt shortens text to at most n runes, cutting at a word boundary
// where there is one, and marks the cut with an ellipsis.
func Excerpt(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}
