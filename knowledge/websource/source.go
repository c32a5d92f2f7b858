package websource

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"dramabot/knowledge/fetch"
)

// Defaults for the zero values of Source.
const (
	DefaultRefresh  = 24 * time.Hour
	DefaultMaxPages = 50
	// MaxMaxPages bounds what one source may ask for.
	MaxMaxPages = 5000
)

// Source is one configured web source: a page, a feed, or a sitemap.
type Source struct {
	URL string `json:"url"`
	// Name labels the source in reports and is the publisher of its pages
	// when they name none; the URL's host when empty.
	Name string `json:"name,omitempty"`
	// Refresh is the time between two fetches (DefaultRefresh when zero).
	Refresh time.Duration `json:"refresh,omitempty"`
	// Scope says which pages a feed or sitemap may lead to: "host" (the
	// source's host, the default), "domain" (the host and its subdomains),
	// "any", or a URL prefix such as "https://example.com/news/".
	Scope string `json:"scope,omitempty"`
	// MaxPages bounds the pages a feed or sitemap contributes
	// (DefaultMaxPages when zero).
	MaxPages int `json:"max_pages,omitempty"`
}

// Label is the source's name, or its URL's host.
func (s Source) Label() string {
	if s.Name != "" {
		return s.Name
	}
	if u, err := url.Parse(s.URL); err == nil && u.Host != "" {
		return u.Host
	}
	return s.URL
}

// Validate checks the source's URL and scope.
func (s Source) Validate() error {
	if _, err := fetch.ParseURL(s.URL); err != nil {
		return err
	}
	switch {
	case s.Scope == "", s.Scope == "host", s.Scope == "domain", s.Scope == "any":
	case strings.HasPrefix(s.Scope, "http://"), strings.HasPrefix(s.Scope, "https://"):
		if _, err := url.Parse(s.Scope); err != nil {
			return fmt.Errorf("scope: %w", err)
		}
	default:
		return fmt.Errorf("scope %q: want host, domain, any or a URL prefix", s.Scope)
	}
	if s.MaxPages < 0 || s.MaxPages > MaxMaxPages {
		return fmt.Errorf("max pages %d: want 1 to %d", s.MaxPages, MaxMaxPages)
	}
	if s.Refresh < 0 {
		return errors.New("refresh interval is negative")
	}
	return nil
}

func (s Source) refresh() time.Duration {
	if s.Refresh > 0 {
		return s.Refresh
	}
	return DefaultRefresh
}

func (s Source) maxPages() int {
	if s.MaxPages > 0 {
		return s.MaxPages
	}
	return DefaultMaxPages
}

// inScope reports whether a page that the source lists may be fetched.
func (s Source) inScope(base, u *url.URL) bool {
	if u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	own := strings.TrimPrefix(strings.ToLower(base.Hostname()), "www.")
	switch s.Scope {
	case "", "host":
		return host == own
	case "domain":
		return host == own || strings.HasSuffix(host, "."+own)
	case "any":
		return true
	}
	return strings.HasPrefix(u.String(), s.Scope)
}
