// Package webpage finds the main text of an HTML page (the article, not its
// navigation, ads, related links, comments and footer) and what the page
// says about itself: title, site name, publication date and language.
//
// The article is found by readeck's go-readability (a port of Mozilla's
// Readability); this is the only package that imports it. It was chosen
// over go-trafilatura on the labelled pages in testdata: both find all of
// the article text, trafilatura leaves a little less boilerplate, but it
// adds about three times as much to the binary, and its regular expression
// engine (re2 in WebAssembly) costs a quarter of a second and 50 MB at
// start. The metadata that trafilatura finds and readability does not (a
// date printed under the headline, a title without the site's suffix) is
// read here. When the extractor finds too little, the visible text that
// knowledge/ingest reads from HTML files is used instead.
package webpage

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"dramabot/knowledge/ingest"
)

// Page is the readable content of a web page.
type Page struct {
	Title    string
	SiteName string
	Date     string // YYYY-MM-DD, empty when the page gives none
	Lang     string // as the page declares it ("zh-CN"), or guessed ("zh", "en")
	Author   string
	// Canonical is the page's own preferred URL, if it names one.
	Canonical string
	// Text is the main text: paragraphs separated by blank lines, headings
	// as Markdown "## " lines, the form knowledge/ingest chunks.
	Text string
	// Charset is the charset the page was decoded from.
	Charset string
	// Extractor is "readability", or "visible text" when the extractor found
	// too little and the page's whole visible text was used.
	Extractor string
}

// minTextRunes is the main text, in letters and digits, under which the
// extractor's result is compared with the page's whole visible text.
const minTextRunes = 120

// cjkCharThreshold replaces readability's default of 500 characters as the
// length a candidate article must reach: a Chinese article of 400
// characters says as much as an English one of 1,000, and with 500 the
// extractor gave up on short Chinese articles and returned the whole page
// column, related links and comments included.
const cjkCharThreshold = 200

// ErrNoText reports a page in which no text was found at all.
var ErrNoText = errors.New("no text found on the page")

// Extract reads an HTML page. contentType is the response's Content-Type
// header (for the charset); pageURL resolves relative links and may be nil.
func Extract(body []byte, contentType string, pageURL *url.URL) (Page, error) {
	if bytes.IndexByte(body, 0) >= 0 && !utf16(body) {
		return Page{}, errors.New("not an HTML page (binary data)")
	}
	text, cs, err := Decode(body, contentType)
	if err != nil {
		return Page{}, err
	}
	doc, err := html.Parse(strings.NewReader(text))
	if err != nil {
		return Page{}, fmt.Errorf("html: %w", err)
	}
	m := readMeta(doc)
	p := Page{Charset: cs, Author: m.author, Date: m.date, Lang: m.lang}
	p.Title, p.SiteName = m.titleAndSite()
	if m.canonical != "" && pageURL != nil {
		if u, err := pageURL.Parse(m.canonical); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			p.Canonical = u.String()
		}
	} else if m.canonical != "" {
		p.Canonical = m.canonical
	}

	parser := readability.NewParser()
	parser.CharThresholds = cjkCharThreshold
	art, err := parser.ParseAndMutate(doc, pageURL)
	if err == nil && art.Node != nil {
		p.Text = render(art.Node, p.Title)
		p.Extractor = "readability"
		if p.Title == "" {
			p.Title = squash(art.Title())
		}
		if p.SiteName == "" {
			p.SiteName = squash(art.SiteName())
		}
		if p.Lang == "" {
			p.Lang = art.Language()
		}
		if p.Date == "" {
			if t, err := art.PublishedTime(); err == nil && !t.IsZero() && t.Before(time.Now().AddDate(1, 0, 0)) {
				p.Date = t.Format("2006-01-02")
			}
		}
		if p.Author == "" {
			p.Author = squash(art.Byline())
		}
	}
	if got := letters(p.Text); got < minTextRunes {
		// A short article is still an article; only when the page's
		// visible text is several times longer did the extractor miss it.
		if vis, src := visibleText(text); letters(vis) > 3*got {
			p.Text, p.Extractor = vis, "visible text"
			if p.Title == "" {
				p.Title = src.Title
			}
			if p.SiteName == "" {
				p.SiteName = src.Publisher
			}
			if p.Date == "" {
				p.Date = src.Date
			}
		}
	}
	if p.Lang == "" {
		p.Lang = guessLang(p.Text)
	}
	if strings.TrimSpace(p.Text) == "" {
		return p, ErrNoText
	}
	return p, nil
}

// utf16 reports a UTF-16 byte order mark, the one case where an HTML page
// legitimately holds NUL bytes.
func utf16(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xff, 0xfe}) || bytes.HasPrefix(b, []byte{0xfe, 0xff})
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// visibleText is the fallback: knowledge/ingest's reading of an HTML file,
// which keeps all visible text but navigation, forms and scripts.
func visibleText(page string) (string, ingestSource) {
	docs, _ := ingest.LoadFS(oneFile(page), "page.html", "web:")
	if len(docs) == 0 {
		return "", ingestSource{}
	}
	d := docs[0]
	var b strings.Builder
	heading := ""
	for _, p := range d.Passages {
		if p.Ordinal == 0 {
			continue // the title passage that ingest builds from metadata
		}
		if p.Heading != heading && p.Heading != "" {
			b.WriteString("## " + p.Heading + "\n\n")
		}
		heading = p.Heading
		b.WriteString(p.Text + "\n\n")
	}
	return strings.TrimSpace(b.String()), ingestSource{Title: d.Source.Title, Publisher: d.Source.Publisher, Date: d.Source.Date}
}

type ingestSource struct{ Title, Publisher, Date string }

// render writes the extracted article as paragraphs separated by blank
// lines, headings as "## " lines. A first paragraph that repeats the title
// is left out: the title is kept apart.
func render(n *html.Node, title string) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Ul, atom.Ol, atom.Div, atom.Table, atom.Section, atom.Aside, atom.Nav:
				// Readability keeps a column's lists of links (hot
				// stories, related articles) when they sit next to the
				// article; text that is mostly link text is not article.
				if linkDense(n) {
					return
				}
			}
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Button, atom.Select, atom.Textarea, atom.Svg:
				return
			case atom.Br:
				b.WriteString("\n")
				return

			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				b.WriteString("\n\n## ")
				defer b.WriteString("\n\n")
			case atom.P, atom.Div, atom.Section, atom.Article, atom.Blockquote, atom.Pre, atom.Ul, atom.Ol,
				atom.Table, atom.Figure, atom.Header, atom.Footer, atom.Main, atom.Aside, atom.Dl, atom.Tr:
				b.WriteString("\n\n")
				defer b.WriteString("\n\n")
			case atom.Li, atom.Dt, atom.Dd, atom.Figcaption:
				b.WriteString("\n")
				defer b.WriteString("\n")
			case atom.Td, atom.Th:
				b.WriteString(" ")
				defer b.WriteString(" ")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	var paras []string
	for _, para := range strings.Split(b.String(), "\n\n") {
		var lines []string
		for _, l := range strings.Split(para, "\n") {
			if l = squashLine(l); l != "" && l != "##" {
				lines = append(lines, l)
			}
		}
		if len(lines) == 0 {
			continue
		}
		p := strings.Join(lines, "\n")
		if isByline(p) {
			continue
		}
		if len(paras) == 0 && title != "" && strings.TrimPrefix(p, "## ") == title {
			continue
		}
		paras = append(paras, p)
	}
	return strings.Join(paras, "\n\n")
}

// squashLine collapses runs of white space, including the ideographic
// space that Chinese pages indent paragraphs with.
func squashLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\u3000' }), " ")
}

// oneFile is a file system holding one file, page.html, for ingest.LoadFS.
type oneFile string

func (f oneFile) Open(name string) (fs.File, error) {
	if name != "page.html" {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &openFile{Reader: strings.NewReader(string(f)), size: int64(len(f))}, nil
}

type openFile struct {
	*strings.Reader
	size int64
}

func (f *openFile) Stat() (fs.FileInfo, error) { return fileInfo(f.size), nil }
func (f *openFile) Close() error               { return nil }

type fileInfo int64

func (fi fileInfo) Name() string       { return "page.html" }
func (fi fileInfo) Size() int64        { return int64(fi) }
func (fi fileInfo) Mode() fs.FileMode  { return 0o444 }
func (fi fileInfo) ModTime() time.Time { return time.Time{} }
func (fi fileInfo) IsDir() bool        { return false }
func (fi fileInfo) Sys() any           { return nil }

// linkDense reports an element whose text is mostly the text of links.
func linkDense(n *html.Node) bool {
	all, linked := 0, 0
	var walk func(n *html.Node, inLink bool)
	walk = func(n *html.Node, inLink bool) {
		if n.Type == html.TextNode {
			k := letters(n.Data)
			all += k
			if inLink {
				linked += k
			}
			return
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.A {
			inLink = true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLink)
		}
	}
	walk(n, false)
	return all >= 8 && linked*10 >= all*6
}

// bylineLine matches the short lines around an article that name its
// source, author or editor rather than say anything: "2026-10-12 09:30
// 来源：某报 作者：某某", "（责任编辑：某某）", "By Jane Doe · 4 min read".
var bylineLine = regexp.MustCompile(`(?i)^[(（【\[]?\s*(责任编辑|責任編輯|编辑|編輯|来源|來源|作者|记者|記者|by)\s*[:：\s]|^(发布时间|發布時間|发表于|發表於|posted on|published)\s*[:：]?\s*\d|^\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}日?\s*(\d{1,2}:\d{2}(:\d{2})?)?\s*(来源|來源|作者|记者|記者)\s*[:：]`)

func isByline(p string) bool {
	return len([]rune(p)) <= 80 && !strings.Contains(p, "\n") && bylineLine.MatchString(p)
}
