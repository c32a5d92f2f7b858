package discordtest

import (
	"regexp"
	"strings"
)

// ownLinkRE matches the masked links dramabot writes around source titles:
// [escaped text](http(s) URL without parentheses, spaces or angle brackets).
var ownLinkRE = regexp.MustCompile(`(^|[^\\])\[((?:\\.|[^\\\]])*)\]\(https?://[^()\s<>]*\)`)

// ownBoldRE matches the bold dramabot writes around figures and headers:
// **text** whose text has no Markdown character that is not escaped.
var ownBoldRE = regexp.MustCompile(`(^|[^\\*])\*\*((?:\\.|[^\\*_~` + "`" + `|\[\]<\n])+)\*\*`)

// ownNoteRE matches a whole line in italics, as dramabot writes its
// notices under a table ("*Sources differ.*").
var ownNoteRE = regexp.MustCompile(`(?m)^\*((?:\\.|[^\\*_~` + "`" + `|\[\]<\n])+)\*$`)

// ownQuoteRE matches the "> " quote lines dramabot writes around passages.
var ownQuoteRE = regexp.MustCompile(`(?m)^> (.*)$`)

// UnescapedMarkdown returns the first character of s that Discord would
// render as Markdown, or 0: any of * _ ~ ` | [ ] < not escaped with a
// backslash, or > # - + at the start of a line (after blanks). A line
// starting with "-" is a list item, or small print with "-#", and "+" starts
// a list item too, so both count. dramabot's own masked links around titles
// are allowed; the link text is checked.
func UnescapedMarkdown(s string) rune {
	s = ownLinkRE.ReplaceAllString(s, "$1$2")
	s = ownBoldRE.ReplaceAllString(s, "$1$2")
	return unescaped(ownNoteRE.ReplaceAllString(s, "$1"))
}

// UnescapedMarkdownQuoted is UnescapedMarkdown for text that may also hold
// dramabot's own "> " quote lines (embed fields with quoted passages); the
// quoted text is checked.
func UnescapedMarkdownQuoted(s string) rune {
	return UnescapedMarkdown(ownQuoteRE.ReplaceAllString(s, "$1"))
}

func unescaped(s string) rune {
	lineStart, escaped := true, false
	for _, r := range s {
		switch {
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
		case strings.ContainsRune("*_~`|[]<", r):
			return r
		case lineStart && strings.ContainsRune(">#-+", r):
			return r
		}
		lineStart = r == '\n' || (lineStart && (r == ' ' || r == '\t'))
	}
	return 0
}
