package websource

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"unicode"

	"dramabot/knowledge"
	"dramabot/knowledge/feed"
	"dramabot/knowledge/fetch"
	"dramabot/knowledge/ingest"
	"dramabot/knowledge/webpage"
)

// Kinds of source, as reports name them.
const (
	kindPage    = "page"
	kindFeed    = "feed"
	kindSitemap = "sitemap"
	kindPDF     = "pdf"
	kindDOCX    = "docx"
)

const docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// oleMagic starts an OLE compound file (an encrypted DOCX, a legacy .doc).
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// maxChildSitemaps bounds how many sitemaps of an index are read.
const maxChildSitemaps = 20

// detect says what a response is: its Content-Type first, then its bytes,
// which must agree with the type when it claims HTML (an image served as
// text/html is refused, not extracted as mojibake).
func detect(resp *fetch.Response) (string, error) {
	body := resp.Body
	sniffed := http.DetectContentType(body)
	isPDF := bytes.HasPrefix(body, []byte("%PDF-"))
	isZip := bytes.HasPrefix(body, []byte("PK\x03\x04"))
	ct := resp.ContentType
	switch {
	case ct == "application/pdf" || isPDF:
		if !isPDF {
			return "", errors.New("served as application/pdf but the body is not a PDF")
		}
		return kindPDF, nil
	case ct == docxType || (isZip && bytes.Contains(body[:min(len(body), 4096)], []byte("word/"))):
		// An OLE compound file is what Word writes for an encrypted
		// document: the DOCX reader says so, which is clearer than "not a
		// DOCX".
		if !isZip && !bytes.HasPrefix(body, oleMagic) {
			return "", errors.New("served as a DOCX document but the body is not one")
		}
		return kindDOCX, nil
	case strings.HasPrefix(ct, "image/"), strings.HasPrefix(ct, "video/"), strings.HasPrefix(ct, "audio/"), strings.HasPrefix(ct, "font/"):
		return "", fmt.Errorf("not a document (%s)", ct)
	}
	binary := strings.HasPrefix(sniffed, "image/") || strings.HasPrefix(sniffed, "video/") ||
		strings.HasPrefix(sniffed, "audio/") || sniffed == "application/zip" || sniffed == "application/x-gzip"
	switch ct {
	case "text/html", "application/xhtml+xml":
		if binary {
			return "", fmt.Errorf("served as %s but the body is %s", ct, sniffed)
		}
		// Some servers send feeds as text/html.
		if k := feed.Detect(body); k != feed.Unknown {
			return kindOf(k), nil
		}
		return kindPage, nil
	case "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json":
		if k := feed.Detect(body); k.IsFeed() {
			return kindFeed, nil
		}
		return "", fmt.Errorf("served as %s but the body is not a feed", ct)
	}
	if k := feed.Detect(body); k != feed.Unknown {
		return kindOf(k), nil
	}
	if binary {
		return "", fmt.Errorf("not a document (%s)", sniffed)
	}
	if strings.HasPrefix(sniffed, "text/html") || ct == "" || ct == "text/plain" || ct == "application/octet-stream" {
		if bytes.Contains(bytes.ToLower(body[:min(len(body), 4096)]), []byte("<html")) || strings.HasPrefix(sniffed, "text/html") {
			return kindPage, nil
		}
	}
	if ct == "" {
		ct = sniffed
	}
	return "", fmt.Errorf("not a web page, feed or sitemap (%s)", ct)
}

func kindOf(k feed.Kind) string {
	if k.IsSitemap() {
		return kindSitemap
	}
	return kindFeed
}

// listing reads a feed or sitemap (following a sitemap index one level)
// into the in-scope page URLs, at most the source's page limit.
func (r *Refresher) listing(ctx context.Context, s Source, resp *fetch.Response, kind string) (*listed, error) {
	base := resp.URL
	srcURL, _ := url.Parse(s.URL)
	limit := s.maxPages()
	l := &listed{dates: map[string]string{}}
	seen := map[string]bool{}
	outOfScope := 0
	add := func(raw, date string) {
		u, err := base.Parse(strings.TrimSpace(raw))
		if err != nil || raw == "" {
			return
		}
		u.Fragment = ""
		if !s.inScope(srcURL, u) {
			outOfScope++
			return
		}
		k := u.String()
		if seen[k] || len(l.urls) >= limit {
			return
		}
		seen[k] = true
		l.urls = append(l.urls, k)
		if date != "" {
			l.dates[k] = date
		}
	}
	if kind == kindFeed {
		f, err := feed.Parse(resp.Body, limit*2)
		if err != nil {
			return nil, err
		}
		for _, it := range f.Items {
			date := ""
			if !it.Published.IsZero() {
				date = it.Published.Format("2006-01-02")
			}
			add(it.Link, date)
		}
	} else {
		sm, err := feed.ParseSitemap(resp.Body, 0)
		if err != nil {
			return nil, err
		}
		entries := sm.URLs
		if sm.Kind == feed.SitemapIndex {
			entries = nil
			children := sm.URLs
			// Newest sitemaps first: an archive's recent pages matter most.
			sort.SliceStable(children, func(i, j int) bool { return children[i].LastMod.After(children[j].LastMod) })
			for i, c := range children {
				if i >= maxChildSitemaps || len(entries) >= limit*2 || ctx.Err() != nil {
					break
				}
				cu, err := base.Parse(c.Loc)
				if err != nil || !s.inScope(srcURL, cu) {
					continue
				}
				cresp, err := r.opts.Fetcher.Get(ctx, cu.String(), fetch.Validators{})
				if err != nil {
					return nil, fmt.Errorf("sitemap %s: %w", cu, err)
				}
				csm, err := feed.ParseSitemap(cresp.Body, limit*2)
				if err != nil {
					return nil, fmt.Errorf("sitemap %s: %w", cu, err)
				}
				entries = append(entries, csm.URLs...)
			}
		}
		sort.SliceStable(entries, func(i, j int) bool { return newer(entries[i], entries[j]) })
		for _, e := range entries {
			date := ""
			if !e.Published.IsZero() {
				date = e.Published.Format("2006-01-02")
			}
			add(e.Loc, date)
		}
	}
	if len(l.urls) == 0 {
		if outOfScope > 0 {
			return nil, fmt.Errorf("%s lists no page within the source's scope (%d outside it)", kind, outOfScope)
		}
		return nil, fmt.Errorf("%s lists no pages", kind)
	}
	return l, nil
}

// newer orders sitemap entries newest first by publication date or
// lastmod; entries without dates keep their order.
func newer(a, b feed.URL) bool {
	da, db := a.Published, b.Published
	if da.IsZero() {
		da = a.LastMod
	}
	if db.IsZero() {
		db = b.LastMod
	}
	return da.After(db)
}

// extract turns a page response into a document and the hash of what it
// says.
func (r *Refresher) extract(ctx context.Context, s Source, resp *fetch.Response, listingDate string) (knowledge.Document, string, error) {
	kind, err := detect(resp)
	if err != nil {
		return knowledge.Document{}, "", err
	}
	final := resp.URL.String()
	src := knowledge.Source{ID: sourceID(resp.URL), URL: final, Origin: "web:" + s.URL}
	var text string
	switch kind {
	case kindPage:
		ctype := resp.ContentType
		if resp.Charset != "" {
			ctype += "; charset=" + resp.Charset
		}
		p, err := webpage.Extract(resp.Body, ctype, resp.URL)
		if err != nil {
			return knowledge.Document{}, "", err
		}
		src.Title, src.Publisher, src.Date, src.Lang, src.Editor = p.Title, p.SiteName, p.Date, p.Lang, p.Author
		text = p.Text
	case kindPDF, kindDOCX:
		reader := r.opts.PDF
		name := "PDF"
		if kind == kindDOCX {
			reader, name = r.opts.DOCX, "DOCX"
		}
		if reader == nil {
			return knowledge.Document{}, "", fmt.Errorf("%s documents are %w", name, ErrNotSupported)
		}
		t, err := reader.ReadText(ctx, resp.Body)
		if err != nil {
			return knowledge.Document{}, "", fmt.Errorf("%s: %w", name, err)
		}
		text = t
		src.Title = strings.TrimSuffix(path.Base(resp.URL.Path), path.Ext(resp.URL.Path))
	default:
		return knowledge.Document{}, "", fmt.Errorf("a %s where a page was expected", kind)
	}
	if strings.TrimSpace(text) == "" {
		return knowledge.Document{}, "", errors.New("no text found")
	}
	if src.Date == "" {
		src.Date = listingDate
	}
	if src.Publisher == "" {
		src.Publisher = s.Label()
	}
	if src.Title == "" {
		src.Title = final
	}
	h := sha256.New()
	for _, part := range []string{src.Title, src.Publisher, src.Date, src.Lang, text} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	var passages []knowledge.Passage
	if kind == kindPDF {
		// The PDF reader separates pages with form feeds; each passage
		// keeps its page for citations ("p. 12").
		passages = ingest.ChunkPages(src, strings.Split(text, "\f"), true)
	} else {
		passages = ingest.ChunkDocument(src, text, true)
	}
	return knowledge.Document{Source: src, Passages: passages}, hex.EncodeToString(h.Sum(nil)), nil
}

// sourceID makes a stable, readable id from a page URL: "web/HOST/PATH"
// with other characters than letters and digits as "-", and a short hash of
// the whole URL so that URLs differing only in their query stay apart.
func sourceID(u *url.URL) string {
	var b strings.Builder
	b.WriteString("web/")
	dash := false
	for _, r := range strings.ToLower(u.Hostname() + strings.TrimSuffix(u.Path, "/")) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '/' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	id := b.String()
	if r := []rune(id); len(r) > 100 {
		id = string(r[:100])
	}
	sum := sha256.Sum256([]byte(u.String()))
	return strings.TrimRight(id, "-/") + "-" + hex.EncodeToString(sum[:4])
}
