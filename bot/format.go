package bot

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"dramabot/knowledge"
)

// Plain-text rendering, used by the command line and as the shape the chat
// surfaces follow with their own markup.

// PlainText renders an answer for a terminal.
func PlainText(a knowledge.Answer) string {
	return strings.Join(PlainBlocks(a), "\n") + "\n"
}

// PlainBlocks renders an answer as blocks: the answer, the figures line,
// then one block per source (or per related passage for an abstention).
func PlainBlocks(a knowledge.Answer) []string {
	blocks := []string{a.Text}
	if len(a.Figures) > 0 {
		blocks = append(blocks, "Figures: "+FiguresLine(a.Figures))
	}
	for _, c := range a.Citations {
		blocks = append(blocks, c.String()+"\n    "+Excerpt(c.Quote, 300))
	}
	if len(a.Related) > 0 {
		if a.Abstained {
			blocks = append(blocks, "Nearest passages:")
		} else {
			blocks = append(blocks, "Related:")
		}
		for i, r := range a.Related {
			blocks = append(blocks, fmt.Sprintf("  %d. %s\n     %s", i+1, RelatedSource(r), Excerpt(r.Text, 240)))
		}
	}
	return blocks
}

// FiguresLine lists figures with their citation markers.
func FiguresLine(figs []knowledge.Figure) string {
	parts := make([]string, len(figs))
	for i, f := range figs {
		parts[i] = f.Label + " " + knowledge.Marker(f.Citation)
	}
	return strings.Join(parts, " · ")
}

// RelatedSource describes where a related passage comes from.
func RelatedSource(r knowledge.Related) string {
	return knowledge.Citation{Title: r.Title, Publisher: r.Publisher, Date: r.Date, Paragraph: r.Paragraph}.Source()
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

// SourcesText lists the corpus documents, one per line.
func SourcesText(srcs []knowledge.SourceStat) string {
	var b strings.Builder
	for i, s := range srcs {
		fmt.Fprintf(&b, "%d. %s — %s", i+1, s.Title, orDash(s.Publisher))
		if s.Date != "" {
			b.WriteString(", " + s.Date)
		}
		fmt.Fprintf(&b, ", %d passages", s.Passages)
		if s.URL != "" {
			b.WriteString(", " + s.URL)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
