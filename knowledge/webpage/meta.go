package webpage

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// meta is what a page says about itself, read from the whole document
// before the extractor prunes it.
type meta struct {
	title, ogTitle, ldHeadline, h1 string
	site, ldPublisher              string
	date                           string // YYYY-MM-DD
	author                         string
	lang                           string
	canonical                      string
}

// dateMetaNames are the <meta> names and properties that carry a
// publication date, best first.
var dateMetaNames = []string{
	"article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
	"publish-date", "publication_date", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.created",
	"date", "sailthru.date", "parsely-pub-date", "weibo: article:create_at",
}

func readMeta(doc *html.Node) meta {
	var m meta
	metas := map[string]string{}
	var timeAttr string
	var h1Node *html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Html:
				m.lang = strings.TrimSpace(attr(n, "lang"))
				if m.lang == "" {
					m.lang = strings.TrimSpace(attr(n, "xml:lang"))
				}
			case atom.Title:
				if m.title == "" {
					m.title = squash(textOf(n))
				}
				return
			case atom.Meta:
				key := strings.ToLower(strings.TrimSpace(attr(n, "property")))
				if key == "" {
					key = strings.ToLower(strings.TrimSpace(attr(n, "name")))
				}
				if key == "" {
					key = strings.ToLower(strings.TrimSpace(attr(n, "itemprop")))
				}
				if key == "" && strings.EqualFold(attr(n, "http-equiv"), "content-language") {
					key = "content-language"
				}
				if v := strings.TrimSpace(attr(n, "content")); key != "" && v != "" {
					if _, seen := metas[key]; !seen {
						metas[key] = v
					}
				}
				return
			case atom.Link:
				if strings.EqualFold(attr(n, "rel"), "canonical") && m.canonical == "" {
					m.canonical = strings.TrimSpace(attr(n, "href"))
				}
				return
			case atom.Script:
				if strings.EqualFold(strings.TrimSpace(attr(n, "type")), "application/ld+json") {
					m.readJSONLD(textOf(n))
				}
				return
			case atom.Style, atom.Noscript, atom.Template:
				return
			case atom.Time:
				if timeAttr == "" {
					timeAttr = attr(n, "datetime")
				}
			case atom.H1:
				if h1Node == nil {
					h1Node = n
					m.h1 = squash(textOf(n))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)

	m.ogTitle = metas["og:title"]
	m.site = firstNonEmpty(metas["og:site_name"], m.ldPublisher, metas["application-name"])
	m.author = firstNonEmpty(metas["author"], metas["article:author"])
	if m.lang == "" {
		m.lang = metas["content-language"]
	}
	if m.date == "" {
		for _, k := range dateMetaNames {
			if d := normalizeDate(metas[k]); d != "" {
				m.date = d
				break
			}
		}
	}
	if m.date == "" {
		m.date = normalizeDate(timeAttr)
	}
	if m.date == "" {
		anchor := h1Node
		if anchor == nil {
			// No <h1>: the headline is the element whose text is the title
			// (old CMS pages style a <div class="title">).
			title, _ := m.titleAndSite()
			anchor = findText(doc, title)
		}
		if anchor != nil {
			m.date = dateAfter(anchor)
		}
	}
	return m
}

// findText returns the first element in the body whose whole text is s.
func findText(doc *html.Node, s string) *html.Node {
	if s == "" {
		return nil
	}
	for n := doc; n != nil; n = next(n, false) {
		if n.Type == html.ElementNode && (n.DataAtom == atom.Head || n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			n = skipTo(n)
			if n == nil {
				return nil
			}
		}
		if n.Type == html.TextNode && squash(n.Data) == s {
			return n.Parent
		}
	}
	return nil
}

// skipTo steps over n's subtree and returns the node before the next one,
// so that the walk's next step lands on it.
func skipTo(n *html.Node) *html.Node {
	if n.LastChild == nil {
		return n
	}
	l := n.LastChild
	for l.LastChild != nil {
		l = l.LastChild
	}
	return l
}

func (m *meta) readJSONLD(s string) {
	var v any
	if json.Unmarshal([]byte(strings.TrimSpace(s)), &v) != nil {
		return
	}
	var visit func(v any, depth int)
	visit = func(v any, depth int) {
		if depth > 6 {
			return
		}
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				visit(e, depth+1)
			}
		case map[string]any:
			if d, ok := x["datePublished"].(string); ok && m.date == "" {
				m.date = normalizeDate(d)
			}
			if h, ok := x["headline"].(string); ok && m.ldHeadline == "" {
				m.ldHeadline = squash(h)
			}
			if p, ok := x["publisher"].(map[string]any); ok && m.ldPublisher == "" {
				if name, ok := p["name"].(string); ok {
					m.ldPublisher = squash(name)
				}
			}
			if g, ok := x["@graph"]; ok {
				visit(g, depth+1)
			}
		}
	}
	visit(v, 0)
}

// visibleDate matches the dates Chinese and English pages print near the
// headline: 2026-10-12, 2026/9/19, 2026年09月03日, 2026.1.14.
var visibleDate = regexp.MustCompile(`((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})`)

// englishDate matches "July 27, 2026" and "27 July 2026".
var englishDate = regexp.MustCompile(`(?i)\b(?:(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2}),?\s+((?:19|20)\d\d)|(\d{1,2})\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+((?:19|20)\d\d))\b`)

// dateAfter looks for a printed date in the few text nodes that follow the
// headline, where bylines sit; dates further down belong to related links.
func dateAfter(h1 *html.Node) string {
	seen := 0
	for n := next(h1, true); n != nil && seen < 12; n = next(n, false) {
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			n = skip(n)
			if n == nil {
				break
			}
			continue
		}
		if n.Type != html.TextNode || strings.TrimSpace(n.Data) == "" {
			continue
		}
		seen++
		if d := findDate(n.Data); d != "" {
			return d
		}
	}
	return ""
}

// next walks the document in order; skipKids steps over n's subtree.
func next(n *html.Node, skipKids bool) *html.Node {
	if !skipKids && n.FirstChild != nil {
		return n.FirstChild
	}
	return skip(n)
}

func skip(n *html.Node) *html.Node {
	for ; n != nil; n = n.Parent {
		if n.NextSibling != nil {
			return n.NextSibling
		}
	}
	return nil
}

func findDate(s string) string {
	if m := visibleDate.FindStringSubmatch(s); m != nil {
		if d := ymd(m[1], m[2], m[3]); d != "" {
			return d
		}
	}
	if m := englishDate.FindStringSubmatch(s); m != nil {
		if m[1] != "" {
			return ymd(m[3], month(m[1]), m[2])
		}
		return ymd(m[6], month(m[5]), m[4])
	}
	return ""
}

func month(s string) string {
	i := strings.Index("janfebmaraprmayjunjulaugsepoctnovdec", strings.ToLower(s[:3]))
	return strconv.Itoa(i/3 + 1)
}

func ymd(y, mo, d string) string {
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(mo)
	di, _ := strconv.Atoi(d)
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Year() != yi || int(t.Month()) != mi || t.Day() != di || yi < 1990 || t.After(time.Now().AddDate(1, 0, 0)) {
		return ""
	}
	return t.Format("2006-01-02")
}

// normalizeDate reads a machine-written date (ISO 8601 and relatives) and
// keeps its calendar day as written, without converting time zones: a page
// dated 2026-10-12T01:00+08:00 was published on the 12th where it was
// written.
func normalizeDate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 8 {
		return ""
	}
	if m := visibleDate.FindStringSubmatch(s); m != nil && strings.Index(s, m[0]) == 0 {
		return ymd(m[1], m[2], m[3])
	}
	for _, l := range []string{time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.Format("2006-01-02")
		}
	}
	return findDate(s)
}

// titleAndSite picks the page's title without the site name that <title>
// usually carries ("Headline - Site", "Headline_Site"), and the site name
// when no metadata names it.
func (m meta) titleAndSite() (title, site string) {
	site = m.site
	title = firstNonEmpty(m.ogTitle, m.ldHeadline)
	if title == "" && m.h1 != "" && strings.Contains(m.title, m.h1) {
		title = m.h1
	}
	head, tail := splitTitle(m.title)
	if title == "" {
		title = head
		if tail == "" || (site != "" && !strings.Contains(tail, site) && !strings.Contains(site, tail)) {
			title = m.title
		}
	}
	if site == "" && tail != "" && strings.HasPrefix(m.title, title) {
		site = tail
	}
	if title == "" {
		title = m.h1
	}
	return title, site
}

var titleSeparators = []string{" | ", " - ", " – ", " — ", "｜", "_", " :: ", " · "}

// splitTitle splits "Headline - Section - Site" into the headline and the
// last part.
func splitTitle(t string) (head, tail string) {
	best := -1
	sep := ""
	for _, s := range titleSeparators {
		if i := strings.LastIndex(t, s); i > best {
			best, sep = i, s
		}
	}
	if best <= 0 {
		return t, ""
	}
	head, tail = strings.TrimSpace(t[:best]), strings.TrimSpace(t[best+len(sep):])
	if tail == "" || len([]rune(tail)) > len([]rune(head)) {
		return t, ""
	}
	// "Headline - Section - Site": the headline is the first part.
	for _, s := range titleSeparators {
		if i := strings.Index(head, s); i > 0 && len([]rune(head[:i])) > 2*len([]rune(head[i+len(s):])) {
			head = strings.TrimSpace(head[:i])
		}
	}
	return head, tail
}

// guessLang names the language of text from its script when the page does
// not say: "zh" when Han characters dominate, "en" for plain Latin text.
func guessLang(text string) string {
	han, latin, other := 0, 0, 0
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case r < 0x80 && unicode.IsLetter(r):
			latin++
		case unicode.IsLetter(r):
			other++
		}
	}
	switch {
	case han > 0 && han*3 >= latin:
		return "zh"
	case latin > 0 && other*20 < latin:
		return "en"
	}
	return ""
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
