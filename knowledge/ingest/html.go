package ingest

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"dramabot/knowledge"
)

// htmlText returns the visible text of an HTML page, with block elements as
// paragraphs and h1-h6 as Markdown headings, and the metadata the page
// declares (title, og:site_name, article:published_time, lang, canonical).
// Scripts, styles, templates and other invisible elements are dropped.
func htmlText(page string) (knowledge.Source, string, error) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return knowledge.Source{}, "", fmt.Errorf("html: %w", err)
	}
	var meta knowledge.Source
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(strings.Join(strings.Fields(n.Data), " "))
			if strings.HasSuffix(n.Data, " ") || strings.HasSuffix(n.Data, "\n") {
				b.WriteByte(' ')
			}
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Iframe, atom.Object, atom.Canvas, atom.Nav, atom.Button, atom.Select, atom.Form:
				return
			case atom.Title:
				if n.FirstChild != nil && meta.Title == "" {
					meta.Title = strings.TrimSpace(n.FirstChild.Data)
				}
				return
			case atom.Meta:
				readMeta(n, &meta)
				return
			case atom.Link:
				if attr(n, "rel") == "canonical" && meta.URL == "" {
					meta.URL = attr(n, "href")
				}
				return
			case atom.Html:
				meta.Lang = attr(n, "lang")
			case atom.Br:
				b.WriteByte('\n')
				return
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				b.WriteString("\n\n" + strings.Repeat("#", int(n.Data[1]-'0')) + " ")
				defer b.WriteString("\n\n")
			case atom.P, atom.Div, atom.Section, atom.Article, atom.Blockquote, atom.Pre, atom.Ul, atom.Ol, atom.Table, atom.Figure, atom.Header, atom.Footer, atom.Main, atom.Aside, atom.Dl:
				b.WriteString("\n\n")
				defer b.WriteString("\n\n")
			case atom.Li, atom.Tr, atom.Dt, atom.Dd, atom.Figcaption:
				b.WriteByte('\n')
				defer b.WriteByte('\n')
			case atom.Td, atom.Th:
				b.WriteString(" | ")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	// Tidy: trim each line, keep paragraph breaks.
	var lines []string
	for _, l := range strings.Split(b.String(), "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	text := strings.Join(lines, "\n")
	for strings.Contains(text, "\n\n\n") {
		text = strings.ReplaceAll(text, "\n\n\n", "\n\n")
	}
	if d, ok := NormalizeDate(meta.Date); ok {
		meta.Date = d
	} else {
		meta.Date = ""
	}
	return meta, strings.TrimSpace(text), nil
}

func readMeta(n *html.Node, meta *knowledge.Source) {
	key := strings.ToLower(attr(n, "property"))
	if key == "" {
		key = strings.ToLower(attr(n, "name"))
	}
	v := strings.TrimSpace(attr(n, "content"))
	switch key {
	case "og:title":
		if meta.Title == "" {
			meta.Title = v
		}
	case "og:site_name", "publisher", "dc.publisher":
		meta.Publisher = v
	case "article:published_time", "date", "pubdate", "publishdate", "dc.date":
		meta.Date = v
	case "author", "article:author":
		meta.Editor = v
	case "og:url":
		if meta.URL == "" {
			meta.URL = v
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}
