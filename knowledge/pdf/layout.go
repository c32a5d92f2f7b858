package pdf

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pdftotext -bbox-layout prints XHTML: page > flow > block > line > word,
// each with its box (xMin, yMin, xMax, yMax in points, y growing down).

type box struct{ xMin, yMin, xMax, yMax float64 }

type word struct {
	text string
	box
}

type line struct {
	words []word
	box
}

type textBlock struct {
	lines []line
	box
}

// parseBBox reads pdftotext's -bbox-layout output into the document's
// title and its pages of paragraphs.
func parseBBox(r io.Reader) (Doc, error) {
	dec := xml.NewDecoder(r)
	// The output is XHTML with a DOCTYPE; entities beyond XML's own are
	// not used.
	dec.Strict = false
	var (
		pages   []Page
		cur     *Page
		blk     *textBlock
		ln      *line
		wd      *word
		text    strings.Builder
		title   strings.Builder
		inTitle bool
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Doc{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "title":
				inTitle = cur == nil
			case "page":
				pages = append(pages, Page{Number: len(pages) + 1})
				cur = &pages[len(pages)-1]
			case "block":
				blk = &textBlock{box: readBox(t)}
			case "line":
				if blk != nil {
					ln = &line{box: readBox(t)}
				}
			case "word":
				if ln != nil {
					wd = &word{box: readBox(t)}
					text.Reset()
				}
			}
		case xml.CharData:
			if wd != nil {
				text.Write(t)
			} else if inTitle {
				title.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "title":
				inTitle = false
			case "word":
				if wd != nil && ln != nil {
					wd.text = strings.TrimSpace(text.String())
					if wd.text != "" {
						ln.words = append(ln.words, *wd)
					}
				}
				wd = nil
			case "line":
				if ln != nil && blk != nil && len(ln.words) > 0 {
					blk.lines = append(blk.lines, *ln)
				}
				ln = nil
			case "block":
				if blk != nil && cur != nil {
					cur.Paragraphs = append(cur.Paragraphs, blockParagraphs(blk)...)
				}
				blk = nil
			case "page":
				cur = nil
			}
		}
	}
	if len(pages) == 0 {
		return Doc{}, errors.New("no pages")
	}
	return Doc{Title: cleanTitle(title.String()), Pages: pages}, nil
}

// cleanTitle drops what PDF writers put in the title when the author gave
// none: the program's prefix, the source file's name, a placeholder.
func cleanTitle(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for _, p := range []string{"Microsoft Word - ", "Microsoft PowerPoint - ", "Microsoft Excel - "} {
		s = strings.TrimPrefix(s, p)
	}
	lower := strings.ToLower(s)
	for _, ext := range []string{".docx", ".doc", ".wps", ".pptx", ".ppt", ".xlsx", ".pdf", ".html", ".htm"} {
		if strings.HasSuffix(lower, ext) {
			return ""
		}
	}
	switch lower {
	case "untitled", "无标题", "無標題", "title", "标题", "about:blank", "pdf":
		return ""
	}
	return s
}

func readBox(e xml.StartElement) box {
	var b box
	for _, a := range e.Attr {
		v, err := strconv.ParseFloat(a.Value, 64)
		if err != nil {
			continue
		}
		switch a.Name.Local {
		case "xMin":
			b.xMin = v
		case "yMin":
			b.yMin = v
		case "xMax":
			b.xMax = v
		case "yMax":
			b.yMax = v
		}
	}
	return b
}

// blockParagraphs joins the lines of a block into paragraphs. pdftotext
// puts a paragraph's wrapped lines in one block, but also lines that are
// merely close together (a title above its first sentence, lines drawn one
// by one): a line that stops short of the block's right edge by more than
// the next line's first word (or first character, in Chinese) ends a
// paragraph, because the writer would have put that word on it.
func blockParagraphs(b *textBlock) []string {
	var out []string
	var cur strings.Builder
	for i, l := range b.lines {
		t := lineText(l)
		if i == 0 {
			cur.WriteString(t)
			continue
		}
		prev := b.lines[i-1]
		if endsParagraph(prev, l, b.xMax) || indented(b, i) {
			out = append(out, cur.String())
			cur.Reset()
			cur.WriteString(t)
			continue
		}
		prevText := cur.String()
		if needsSpace(prevText, t) {
			cur.WriteByte(' ')
		}
		cur.WriteString(t)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// endsParagraph reports whether prev is the last line of a paragraph, next
// the first of another.
func endsParagraph(prev, next line, right float64) bool {
	height := prev.yMax - prev.yMin
	if height <= 0 {
		height = 10
	}
	// A gap well over a line's height separates paragraphs.
	if next.yMin-prev.yMax > 0.8*height {
		return true
	}
	first := next.words[0]
	need := first.xMax - first.xMin
	if r, _ := utf8.DecodeRuneInString(first.text); isCJK(r) {
		// A Chinese line may break after any character.
		need /= float64(max(utf8.RuneCountInString(first.text), 1))
	}
	// Room for a space too; the small slack absorbs rounding of the boxes.
	return right-prev.xMax > need+0.3*height
}

// indented reports whether line i starts a paragraph with a first-line
// indent (Chinese text indents two characters): it starts right of the
// block's left edge while the line after it is back at the edge. A hanging
// indent, where every line after the first is indented, is not one.
func indented(b *textBlock, i int) bool {
	if i+1 >= len(b.lines) {
		return false
	}
	l := b.lines[i]
	height := l.yMax - l.yMin
	atEdge := func(x float64) bool { return x-b.xMin < 0.5*height }
	return !atEdge(l.xMin) && atEdge(b.lines[i+1].xMin) && atEdge(b.lines[i-1].xMin)
}

// lineText joins a line's words with a space, as pdftotext's own text
// output does, except across a narrow gap next to a Chinese character: a
// justified or letter-spaced Chinese line is cut into words at such gaps,
// while table cells are set far apart and stay apart.
func lineText(l line) string {
	var b strings.Builder
	height := l.yMax - l.yMin
	for i, w := range l.words {
		if i > 0 {
			gap := w.xMin - l.words[i-1].xMax
			if needsSpace(b.String(), w.text) || gap > 0.3*height {
				b.WriteByte(' ')
			}
		}
		b.WriteString(w.text)
	}
	return b.String()
}

// needsSpace says whether a space goes between text a and the text b that
// follows it on the next line or after a gap: none next to a Chinese
// character, none after a hyphen that ends a word ("185-" and "fold"), one
// between other words.
func needsSpace(a, b string) bool {
	last, _ := utf8.DecodeLastRuneInString(a)
	first, _ := utf8.DecodeRuneInString(b)
	if a == "" || b == "" || isCJK(last) || isCJK(first) {
		return false
	}
	if last == '-' && len(a) > 1 {
		before, _ := utf8.DecodeLastRuneInString(a[:len(a)-1])
		if (unicode.IsLetter(before) || unicode.IsDigit(before)) && unicode.IsLower(first) {
			return false
		}
	}
	return true
}

// isCJK reports Han characters, kana, hangul and the punctuation and
// full-width forms set with them, none of which take spaces around them.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		unicode.Is(unicode.Hangul, r) ||
		(r >= 0x3000 && r <= 0x303F) || // CJK symbols and punctuation
		(r >= 0xFF00 && r <= 0xFFEF) // full-width forms: ，（）：；
}

// pageNumber matches a paragraph that is only a page number: "12",
// "- 12 -", "第12页", "12 / 50", "Page 12 of 50".
var pageNumber = regexp.MustCompile(`(?i)^(?:[-–—\s]*\d{1,4}[-–—\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}|page\s+\d{1,4}(?:\s+of\s+\d{1,4})?)$`)

// cleanPages drops page numbers and running headers and footers at the top
// or bottom of a page. A running header or footer is a short
// paragraph that, digits aside, recurs there on most pages of a document of
// three pages or more.
func cleanPages(pages []Page) {
	running := map[string]bool{}
	if len(pages) >= 3 {
		count := map[string]int{}
		for _, p := range pages {
			seen := map[string]bool{}
			for _, para := range edges(p.Paragraphs) {
				if k := runningKey(para); k != "" && !seen[k] {
					seen[k] = true
					count[k]++
				}
			}
		}
		for k, n := range count {
			if n*5 >= len(pages)*3 { // on 60% of the pages or more
				running[k] = true
			}
		}
	}
	for i := range pages {
		paras := pages[i].Paragraphs[:0]
		last := len(pages[i].Paragraphs) - 1
		for j, para := range pages[i].Paragraphs {
			para = strings.TrimSpace(para)
			edge := j <= 1 || j >= last-1
			if para == "" || edge && (pageNumber.MatchString(para) || running[runningKey(para)]) {
				continue
			}
			paras = append(paras, para)
		}
		pages[i].Paragraphs = paras
	}
}

// edges returns the first two and last two paragraphs of a page, where
// running headers and footers sit.
func edges(paras []string) []string {
	if len(paras) <= 4 {
		return paras
	}
	return []string{paras[0], paras[1], paras[len(paras)-2], paras[len(paras)-1]}
}

// runningKey is a short paragraph with its digits masked, so "报告 3" and
// "报告 4" count as the same header; long paragraphs are never headers.
func runningKey(para string) string {
	para = strings.TrimSpace(para)
	if para == "" || utf8.RuneCountInString(para) > 60 {
		return ""
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return '#'
		}
		return r
	}, para)
}

// checkText refuses output that has no text, or text that is mostly
// characters no font map gave a meaning to (U+FFFD, private-use code
// points, control characters): such text would be indexed as garbage.
func checkText(pages []Page) error {
	total, bad := 0, 0
	for _, p := range pages {
		for _, para := range p.Paragraphs {
			for _, r := range para {
				if unicode.IsSpace(r) {
					continue
				}
				total++
				if r == utf8.RuneError || unicode.Is(unicode.Co, r) || unicode.IsControl(r) {
					bad++
				}
			}
		}
	}
	if total == 0 {
		return ErrNoText
	}
	if bad*10 > total {
		return fmt.Errorf("the PDF's fonts map %d of %d characters to nothing readable; its text cannot be trusted", bad, total)
	}
	return nil
}
