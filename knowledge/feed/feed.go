// Package feed reads the lists of pages a web source publishes: RSS 2.0,
// RSS 1.0 (RDF) and Atom feeds, and XML sitemaps and sitemap indexes, plain
// or gzipped. It parses with encoding/xml, decodes declared charsets such as
// GBK and Big5 through golang.org/x/net/html/charset, and stops after a
// caller-given number of entries, so a feed of 10,000 items costs no more
// than one of 50.
package feed

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
)

// Kind is what a document turned out to be.
type Kind int

const (
	Unknown Kind = iota
	RSS
	Atom
	RDF
	URLSet       // a sitemap: a list of pages
	SitemapIndex // a list of sitemaps
)

func (k Kind) String() string {
	switch k {
	case RSS:
		return "RSS"
	case Atom:
		return "Atom"
	case RDF:
		return "RSS 1.0 (RDF)"
	case URLSet:
		return "sitemap"
	case SitemapIndex:
		return "sitemap index"
	}
	return "unknown"
}

// MarshalText writes the kind's name, for reports and golden files.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// IsFeed reports whether k is one of the feed formats.
func (k Kind) IsFeed() bool { return k == RSS || k == Atom || k == RDF }

// IsSitemap reports whether k is a sitemap or a sitemap index.
func (k Kind) IsSitemap() bool { return k == URLSet || k == SitemapIndex }

// MaxDecompressedBytes bounds a gunzipped sitemap: the sitemap protocol
// allows 50 MB uncompressed.
const MaxDecompressedBytes = 50 << 20

// ErrNotXML reports data that is neither a feed nor a sitemap.
var ErrNotXML = errors.New("not a feed or sitemap")

// Detect says what data is from its root element. Gzipped data is looked
// into. It reads only as far as the root element.
func Detect(data []byte) Kind {
	if isGzip(data) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return Unknown
		}
		head, _ := io.ReadAll(io.LimitReader(zr, 64<<10))
		return Detect(head)
	}
	d := newDecoder(data)
	for {
		tok, err := d.Token()
		if err != nil {
			return Unknown
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch strings.ToLower(se.Name.Local) {
			case "rss":
				return RSS
			case "feed":
				return Atom
			case "rdf":
				return RDF
			case "urlset":
				return URLSet
			case "sitemapindex":
				return SitemapIndex
			}
			return Unknown
		}
	}
}

func isGzip(data []byte) bool { return len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b }

// gunzip inflates data up to MaxDecompressedBytes; plain data is returned
// as it is.
func gunzip(data []byte) ([]byte, error) {
	if !isGzip(data) {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxDecompressedBytes+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if len(out) > MaxDecompressedBytes {
		return nil, fmt.Errorf("gzip: more than %d MiB uncompressed", MaxDecompressedBytes>>20)
	}
	return out, nil
}

// newDecoder reads real-world XML: any charset the document declares, HTML
// entities such as &nbsp;, and control characters, which XML forbids but
// feeds carry, dropped.
func newDecoder(data []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(dropControls(data)))
	d.CharsetReader = charset.NewReaderLabel
	d.Strict = false
	d.Entity = xml.HTMLEntity
	return d
}

// dropControls removes C0 control characters other than tab, CR and LF.
// Those bytes never occur inside a multi-byte character of UTF-8, GBK,
// GB18030 or Big5, so removing them before decoding is safe.
func dropControls(data []byte) []byte {
	clean := true
	for _, b := range data {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' {
			clean = false
			break
		}
	}
	if clean {
		return data
	}
	out := make([]byte, 0, len(data))
	for _, b := range data {
		if b >= 0x20 || b == '\t' || b == '\n' || b == '\r' {
			out = append(out, b)
		}
	}
	return out
}

// dateLayouts are the forms feeds and sitemaps write dates in.
var dateLayouts = []string{
	time.RFC1123Z, time.RFC1123, time.RFC3339, time.RFC3339Nano,
	"Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 02 Jan 2006 15:04 -0700", "2 Jan 2006 15:04:05 -0700",
	time.RFC822Z, time.RFC822, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05",
	"2006-01-02 15:04:05", "2006-01-02", "2006-01", "2006",
}

// ParseDate reads a feed or sitemap date; the zero time means none.
func ParseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
