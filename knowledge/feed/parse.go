package feed

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Feed is a parsed RSS, RDF or Atom feed.
type Feed struct {
	Kind  Kind
	Title string
	Link  string // the site the feed belongs to
	Lang  string
	Items []Item
	// Truncated is set when the feed had more items than the limit; Items
	// holds the first ones, which feeds put newest first.
	Truncated bool
}

// Item is one entry of a feed.
type Item struct {
	Title     string
	Link      string
	ID        string
	Summary   string
	Published time.Time // zero when the feed gives no date
}

type rawLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Text string `xml:",chardata"`
}

type rawItem struct {
	Title       string    `xml:"title"`
	Links       []rawLink `xml:"link"`
	GUID        string    `xml:"guid"`
	ID          string    `xml:"id"`
	About       string    `xml:"about,attr"`
	PubDate     string    `xml:"pubDate"`
	Published   string    `xml:"published"`
	Updated     string    `xml:"updated"`
	Date        string    `xml:"date"`
	Description string    `xml:"description"`
	Summary     string    `xml:"summary"`
}

// link picks an entry's page: Atom's rel="alternate" (or a link without
// rel), RSS's element text, then a permalink guid or an RDF about.
func (r rawItem) link() string {
	for _, l := range r.Links {
		if h := strings.TrimSpace(l.Href); h != "" && (l.Rel == "" || l.Rel == "alternate") {
			return h
		}
	}
	for _, l := range r.Links {
		if t := strings.TrimSpace(l.Text); t != "" {
			return t
		}
	}
	for _, s := range []string{r.GUID, r.About, r.ID} {
		if s = strings.TrimSpace(s); strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
			return s
		}
	}
	return ""
}

// Parse reads an RSS 2.0, RSS 1.0 (RDF) or Atom feed, keeping at most
// maxItems items (maxItems <= 0 means no limit).
func Parse(data []byte, maxItems int) (*Feed, error) {
	kind := Detect(data)
	if !kind.IsFeed() {
		return nil, fmt.Errorf("%w (root element is not rss, feed or rdf:RDF)", ErrNotXML)
	}
	f := &Feed{Kind: kind}
	d := newDecoder(data)
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(f.Items) > 0 {
				// Keep what came before a syntax error near the end.
				break
			}
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			if len(stack) == 0 {
				for _, a := range t.Attr {
					if a.Name.Local == "lang" {
						f.Lang = a.Value
					}
				}
			}
			switch {
			case name == "item" || name == "entry":
				if maxItems > 0 && len(f.Items) >= maxItems {
					f.Truncated = true
					return f, nil
				}
				var r rawItem
				if err := d.DecodeElement(&r, &t); err != nil {
					return nil, fmt.Errorf("%s item %d: %w", kind, len(f.Items)+1, err)
				}
				f.Items = append(f.Items, r.item())
				continue
			case parent == "channel" || (parent == "feed" && len(stack) == 1):
				if name == "title" || name == "link" || name == "language" {
					var l rawLink
					if err := d.DecodeElement(&l, &t); err != nil {
						return nil, fmt.Errorf("%s %s: %w", kind, name, err)
					}
					switch name {
					case "title":
						f.Title = clean(l.Text)
					case "language":
						f.Lang = clean(l.Text)
					case "link":
						if f.Link == "" && (l.Rel == "" || l.Rel == "alternate") {
							f.Link = strings.TrimSpace(l.Href + l.Text)
						}
					}
					continue
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	return f, nil
}

func (r rawItem) item() Item {
	it := Item{Title: clean(r.Title), Link: r.link(), ID: strings.TrimSpace(r.GUID + r.ID)}
	if it.ID == "" {
		it.ID = r.About
	}
	it.Summary = clean(r.Description)
	if it.Summary == "" {
		it.Summary = clean(r.Summary)
	}
	for _, s := range []string{r.PubDate, r.Published, r.Date, r.Updated} {
		if t := ParseDate(s); !t.IsZero() {
			it.Published = t
			break
		}
	}
	return it
}

func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// Sitemap is a parsed urlset or sitemap index.
type Sitemap struct {
	Kind Kind // URLSet or SitemapIndex
	// URLs are the pages of a urlset, or the sitemaps of an index.
	URLs      []URL
	Truncated bool
}

// URL is one <url> of a urlset or one <sitemap> of an index.
type URL struct {
	Loc     string
	LastMod time.Time
	// Published and Title come from the Google News extension
	// (news:publication_date, news:title).
	Published time.Time
	Title     string
}

type rawURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod"`
	News    struct {
		Date  string `xml:"publication_date"`
		Title string `xml:"title"`
	} `xml:"news"`
}

// ParseSitemap reads a sitemap (urlset) or sitemap index, gzipped or not,
// keeping at most maxURLs entries (maxURLs <= 0 means no limit).
func ParseSitemap(data []byte, maxURLs int) (*Sitemap, error) {
	data, err := gunzip(data)
	if err != nil {
		return nil, err
	}
	kind := Detect(data)
	if !kind.IsSitemap() {
		return nil, fmt.Errorf("%w (root element is not urlset or sitemapindex)", ErrNotXML)
	}
	sm := &Sitemap{Kind: kind}
	entry := "url"
	if kind == SitemapIndex {
		entry = "sitemap"
	}
	d := newDecoder(data)
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(sm.URLs) > 0 {
				break
			}
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 1 && strings.ToLower(t.Name.Local) == entry {
				if maxURLs > 0 && len(sm.URLs) >= maxURLs {
					sm.Truncated = true
					return sm, nil
				}
				var r rawURL
				if err := d.DecodeElement(&r, &t); err != nil {
					return nil, fmt.Errorf("%s entry %d: %w", kind, len(sm.URLs)+1, err)
				}
				if loc := strings.TrimSpace(r.Loc); loc != "" {
					sm.URLs = append(sm.URLs, URL{
						Loc: loc, LastMod: ParseDate(r.LastMod),
						Published: ParseDate(r.News.Date), Title: clean(r.News.Title),
					})
				}
				continue
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return sm, nil
}
