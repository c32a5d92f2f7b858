package fetch

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"
)

// The errors below each print as one short line that a caller can put after
// a source's name ("source X: robots.txt disallows /x"). Callers tell them
// apart with errors.As and errors.Is.

// RefusedError reports an address the fetcher will not connect to: a
// loopback, private, link-local or otherwise non-public address, unless the
// client was built with AllowPrivate.
type RefusedError struct {
	Addr   netip.Addr
	Reason string // "a loopback address", "a private address", ...
}

func (e *RefusedError) Error() string {
	return "refused: " + e.Addr.String() + " is " + e.Reason + " (set --allow-private-sources to allow)"
}

// RobotsError reports a path the site's robots.txt disallows for us, or a
// robots.txt that could not be read (which, per RFC 9309, disallows all).
type RobotsError struct {
	Path   string
	Reason string // empty when the file disallows Path
}

func (e *RobotsError) Error() string {
	if e.Reason != "" {
		return "robots.txt " + e.Reason + ": not fetching " + e.Path
	}
	return "robots.txt disallows " + e.Path
}

// StatusError reports a response status other than 2xx and 304.
type StatusError struct {
	Code int
	// RetryAfter is what a 429 or 503 answer asked us to wait; the client
	// holds further requests to the host that long (at most MaxCrawlDelay).
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	s := "HTTP " + strconv.Itoa(e.Code)
	if e.RetryAfter > 0 {
		s += " (retry after " + e.RetryAfter.String() + ")"
	}
	return s
}

// Gone reports whether the status says the resource no longer exists
// (404 Not Found or 410 Gone), as opposed to a temporary failure.
func (e *StatusError) Gone() bool { return e.Code == 404 || e.Code == 410 }

// TooLargeError reports a body over the client's size limit. The check
// applies to the decoded body, so a small compressed body that inflates past
// the limit is cut too.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string { return "body larger than " + formatBytes(e.Limit) }

// TimeoutError reports a fetch that did not finish within the client's
// time limit.
type TimeoutError struct {
	After time.Duration
}

func (e *TimeoutError) Error() string { return "timeout after " + e.After.String() }

// ErrTooManyRedirects reports a redirect chain longer than the limit, which
// includes redirect loops.
var ErrTooManyRedirects = errors.New("too many redirects")

// SchemeError reports a URL whose scheme is not http or https.
type SchemeError struct {
	Scheme string
}

func (e *SchemeError) Error() string {
	if e.Scheme == "" {
		return "not an http or https URL"
	}
	return "unsupported URL scheme " + strconv.Quote(e.Scheme) + " (only http and https)"
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return fmt.Sprintf("%d bytes", n)
}
