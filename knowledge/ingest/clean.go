package ingest

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"dramabot/knowledge"
)

// Page residue that web copies of articles carry: image file names left
// where an image was, bylines glued into one line, and tag lists.
var (
	imageLine   = regexp.MustCompile(`(?i)(_fororder_|_compress\b|\.(jpe?g|png|gif|webp|bmp)\b|^\s*!\[[^\]]*\]\([^)]*\)\s*$)`)
	bylineLine  = regexp.MustCompile(`(?i)^\s*(\d{1,2}:\d{2}(:\d{2})?\s*)?(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4})?\s*(from|source|来源|來源)\s*[:：]\s*(.*?)\s*((editor|责任编辑|責任編輯|编辑|編輯)\s*[:：]\s*(.*))?$`)
	tagLine     = regexp.MustCompile(`^\s*(标签|標籤|关键词|關鍵詞|tags?|keywords?)\s*[:：]`)
	sentenceEnd = ".!?。！？…\"”'’)）"
)

// clean drops page residue from a document body and fills metadata the
// residue carried (publisher, editor) when the source has none.
func clean(body string, src *knowledge.Source) string {
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n"), "\n")
	var out []string
	afterImage := false
	seenText := false
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if t == "" {
			out = append(out, "")
			continue
		}
		switch {
		case !seenText && src.Title != "" && strings.EqualFold(strings.TrimLeft(t, "# "), src.Title):
			continue // the title repeated as the first line
		case !seenText && src.Title == "" && strings.HasPrefix(t, "# "):
			src.Title = strings.TrimSpace(strings.TrimLeft(t, "#"))
			continue
		case !seenText && bylineLine.MatchString(t):
			m := bylineLine.FindStringSubmatch(t)
			if src.Publisher == "" {
				src.Publisher = strings.TrimSpace(m[5])
			}
			if src.Editor == "" {
				src.Editor = strings.TrimSpace(m[8])
			}
			continue
		case imageLine.MatchString(t) && !strings.ContainsAny(lastRune(t), sentenceEnd):
			afterImage = true
			continue
		case afterImage && utf8.RuneCountInString(t) <= 80 && !strings.ContainsAny(lastRune(t), sentenceEnd):
			afterImage = false
			continue // the image's caption
		case tagLine.MatchString(t) && isTail(lines[i+1:]):
			continue
		}
		afterImage = false
		seenText = true
		out = append(out, line)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

func lastRune(s string) string {
	r, _ := utf8.DecodeLastRuneInString(s)
	return string(r)
}

// isTail reports whether only blank or tag lines follow.
func isTail(rest []string) bool {
	for _, l := range rest {
		if t := strings.TrimSpace(l); t != "" && !tagLine.MatchString(t) {
			return false
		}
	}
	return true
}
