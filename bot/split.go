package bot

import (
	"strings"
	"unicode/utf8"
)

// SplitBlocks packs blocks (paragraphs of plain text) into messages whose
// rendered size is at most limit, joining blocks with a blank line. size
// measures a block as it will be sent (escaped HTML for Telegram, runes for
// Discord), so a message never ends inside a tag or an entity: each block is
// rendered on its own. A block too large for one message is cut at line,
// then sentence, then word, then rune boundaries.
func SplitBlocks(blocks []string, limit int, size func(string) int) [][]string {
	if size == nil {
		size = utf8.RuneCountInString
	}
	const sep = 2 // "\n\n"
	var msgs [][]string
	var cur []string
	curSize := 0
	flush := func() {
		if len(cur) > 0 {
			msgs = append(msgs, cur)
			cur, curSize = nil, 0
		}
	}
	for _, b := range blocks {
		if strings.TrimSpace(b) == "" {
			continue
		}
		for _, piece := range cutBlock(b, limit, size) {
			s := size(piece)
			if len(cur) > 0 && curSize+sep+s > limit {
				flush()
			}
			if len(cur) > 0 {
				curSize += sep
			}
			cur = append(cur, piece)
			curSize += s
		}
	}
	flush()
	return msgs
}

// cutBlock splits one block into pieces that each fit the limit.
func cutBlock(b string, limit int, size func(string) int) []string {
	if size(b) <= limit {
		return []string{b}
	}
	for _, sepr := range []string{"\n", "。", ". ", "; ", " "} {
		parts := splitKeep(b, sepr)
		if len(parts) < 2 {
			continue
		}
		var out []string
		cur := ""
		for _, p := range parts {
			if cur != "" && size(cur+p) > limit {
				out = append(out, cutBlock(strings.TrimSpace(cur), limit, size)...)
				cur = ""
			}
			cur += p
		}
		if strings.TrimSpace(cur) != "" {
			out = append(out, cutBlock(strings.TrimSpace(cur), limit, size)...)
		}
		return out
	}
	// One unbreakable run: cut on rune boundaries.
	var out []string
	runes := []rune(b)
	for len(runes) > 0 {
		n := len(runes)
		for n > 1 && size(string(runes[:n])) > limit {
			n = max(1, n*limit/max(size(string(runes[:n])), 1))
			for n > 1 && size(string(runes[:n])) > limit {
				n--
			}
		}
		out = append(out, string(runes[:n]))
		runes = runes[n:]
	}
	return out
}

// splitKeep splits s after each separator, keeping the separator.
func splitKeep(s, sep string) []string {
	var out []string
	for {
		i := strings.Index(s, sep)
		if i < 0 {
			if s != "" {
				out = append(out, s)
			}
			return out
		}
		out = append(out, s[:i+len(sep)])
		s = s[i+len(sep):]
	}
}
