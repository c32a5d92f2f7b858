// Package fetch is dramabot's polite and safe HTTP client for source
// documents on the web. It names itself in the User-Agent, honours
// robots.txt (Disallow and Crawl-delay), waits between requests to the same
// host, makes conditional requests from the caller's previous validators,
// bounds body size, redirects and time, and by default refuses to connect to
// loopback, private, link-local and other non-public addresses (checked on
// the address actually dialled, so redirects and DNS answers cannot get
// around it).
//
// It is the only package that imports github.com/temoto/robotstxt and
// golang.org/x/time/rate.
package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults for the zero values of Options.
const (
	// DefaultUserAgent names the bot but no page about it: the project has
	// no public URL yet, and a made-up one would mislead site owners.
	// Deployments set Options.UserAgent to "dramabot/1.0 (+THEIR-URL)".
	DefaultUserAgent    = "dramabot/1.0"
	DefaultMaxBodyBytes = 20 << 20
	DefaultTimeout      = 30 * time.Second
	DefaultMaxRedirects = 5
	DefaultMinInterval  = time.Second
	// MaxCrawlDelay caps a robots.txt Crawl-delay: a site asking for an hour
	// between requests is treated as asking for this.
	MaxCrawlDelay = time.Minute
	// robotsTTL is how long a host's robots.txt is trusted (RFC 9309 asks
	// crawlers not to cache it for more than 24 hours).
	robotsTTL = 24 * time.Hour
	// robotsErrorTTL is how long an unreachable robots.txt blocks a host
	// before it is tried again.
	robotsErrorTTL = time.Minute
	// maxRobotsBytes is what RFC 9309 requires crawlers to read at least.
	maxRobotsBytes = 512 << 10
)

// Options configure a Client. The zero value is safe: public addresses
// only, robots.txt honoured, one request per second per host.
type Options struct {
	// UserAgent names the bot and where to read about it. Its first word
	// (up to "/") is the agent matched against robots.txt groups.
	UserAgent string
	// MaxBodyBytes bounds a response body after decompression.
	MaxBodyBytes int64
	// Timeout bounds one fetch: connecting, redirects and reading the body,
	// but not the wait for the host's rate limit.
	Timeout time.Duration
	// MaxRedirects bounds a redirect chain (a loop hits it too).
	MaxRedirects int
	// MinInterval is the least time between two requests to one host; a
	// longer robots.txt Crawl-delay wins. A negative value means no wait
	// (for tests and benchmarks against local servers).
	MinInterval time.Duration
	// AllowPrivate lifts the refusal of loopback, private, link-local and
	// other non-public addresses.
	AllowPrivate bool
	// AllowAddrs lists non-public addresses that may be fetched anyway (an
	// intranet server), without lifting the refusal for the others.
	AllowAddrs []netip.Prefix
	// Resolver resolves host names; nil means the system resolver.
	Resolver Resolver
	// TLSConfig, when set, is used for https (tests trust their own CA).
	TLSConfig *tls.Config
	Logger    *slog.Logger
}

// Validators are what a previous fetch of a URL returned, sent back so the
// server can answer 304 Not Modified.
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// Response is a fetched resource.
type Response struct {
	// URL is the final URL, after redirects.
	URL *url.URL
	// NotModified is set when the server answered 304 to a conditional
	// request; Body is then empty and the caller keeps what it had.
	NotModified bool
	Status      int
	// ContentType is the media type without parameters ("text/html"), and
	// Charset the charset parameter, if any.
	ContentType string
	Charset     string
	Header      http.Header
	Body        []byte
	// Validators to store for the next conditional request.
	Validators Validators
}

// Client fetches URLs. It is safe for concurrent use.
type Client struct {
	opts   Options
	agent  string // the robots.txt product token
	http   *http.Client
	hosts  *hostTable
	logger *slog.Logger
}

// New returns a Client with opts, zero fields set to their defaults.
func New(opts Options) *Client {
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.MinInterval == 0 {
		opts.MinInterval = DefaultMinInterval
	}
	if opts.MinInterval < 0 {
		opts.MinInterval = 0
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := newDialer(opts.Resolver, opts.AllowPrivate, opts.AllowAddrs)
	tr := &http.Transport{
		// No proxy from the environment: the address check must see the
		// server's own address, not a proxy's.
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSClientConfig:       opts.TLSConfig,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	c := &Client{
		opts:   opts,
		agent:  productToken(opts.UserAgent),
		hosts:  newHostTable(opts.MinInterval),
		logger: logger,
	}
	c.http = &http.Client{Transport: tr, CheckRedirect: c.checkRedirect}
	return c
}

func productToken(ua string) string {
	t := ua
	if i := strings.IndexAny(t, "/ "); i >= 0 {
		t = t[:i]
	}
	return strings.ToLower(t)
}

// Get fetches rawURL, sending prev's validators. A 304 answer gives a
// Response with NotModified set. Any other status than 2xx is a
// *StatusError. Errors are the types in this package where the cause is
// one of theirs, so each prints as one line.
func (c *Client) Get(ctx context.Context, rawURL string, prev Validators) (*Response, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if err := c.allowed(ctx, u); err != nil {
		return nil, err
	}
	if err := c.hosts.wait(ctx, u.Host); err != nil {
		return nil, err
	}
	return c.get(ctx, u, prev, c.opts.MaxBodyBytes, "")
}

// ParseURL parses an absolute http or https URL.
func ParseURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, fmt.Errorf("bad URL: %w", err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return nil, &SchemeError{Scheme: u.Scheme}
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("bad URL %q: no host", rawURL)
	}
	u.Fragment = ""
	return u, nil
}

// get makes one request, with the time limit around everything but the
// rate-limit wait the caller already did.
func (c *Client) get(ctx context.Context, u *url.URL, prev Validators, limit int64, accept string) (*Response, error) {
	tctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("bad URL: %w", err)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if accept == "" {
		accept = "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml,application/atom+xml,*/*;q=0.8"
	}
	req.Header.Set("Accept", accept)
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.clean(ctx, tctx, err)
	}
	defer resp.Body.Close()
	out := &Response{
		URL:    resp.Request.URL,
		Status: resp.StatusCode,
		Header: resp.Header,
		Validators: Validators{
			ETag:         resp.Header.Get("ETag"),
			LastModified: resp.Header.Get("Last-Modified"),
		},
	}
	if mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil {
		out.ContentType, out.Charset = strings.ToLower(mt), params["charset"]
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		if out.Validators == (Validators{}) {
			out.Validators = prev
		}
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// Drain a little so the connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		se := &StatusError{Code: resp.StatusCode}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				se.RetryAfter = d
				c.hosts.pause(u.Host, d)
			}
		}
		return nil, se
	}
	if resp.ContentLength > limit {
		return nil, &TooLargeError{Limit: limit}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, c.clean(ctx, tctx, err)
	}
	if int64(len(body)) > limit {
		return nil, &TooLargeError{Limit: limit}
	}
	out.Body = body
	return out, nil
}

// clean turns what net/http returns (a *url.Error around the cause) into
// the cause alone, as one of this package's errors where possible.
func (c *Client) clean(ctx, tctx context.Context, err error) error {
	var (
		refused  *RefusedError
		robots   *RobotsError
		scheme   *SchemeError
		tooLarge *TooLargeError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		recordH  tls.RecordHeaderError
		dnsErr   *net.DNSError
	)
	switch {
	case errors.As(err, &refused):
		return refused
	case errors.As(err, &robots):
		return robots
	case errors.As(err, &scheme):
		return scheme
	case errors.As(err, &tooLarge):
		return tooLarge
	case errors.Is(err, ErrTooManyRedirects):
		return ErrTooManyRedirects
	case ctx.Err() != nil:
		// The caller gave up (shutdown); say so rather than "timeout".
		return ctx.Err()
	case errors.Is(tctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return &TimeoutError{After: c.opts.Timeout}
	case errors.As(err, &unknown), errors.As(err, &hostname), errors.As(err, &invalid):
		return fmt.Errorf("TLS: %w", unwrapURL(err))
	case errors.As(err, &verify):
		return fmt.Errorf("TLS: %w", verify.Err)
	case errors.As(err, &recordH):
		return fmt.Errorf("TLS: %w", recordH)
	case errors.As(err, &dnsErr):
		return dnsErr
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		return &TimeoutError{After: c.opts.Timeout}
	}
	return unwrapURL(err)
}

func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// checkRedirect bounds the chain and applies the same rules to every hop as
// to the first request: http(s) only, robots.txt, and the host's rate limit.
// The address check happens at dial time.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.opts.MaxRedirects {
		return ErrTooManyRedirects
	}
	switch req.URL.Scheme {
	case "http", "https":
	default:
		return &SchemeError{Scheme: req.URL.Scheme}
	}
	// A redirected robots.txt request must not consult robots.txt.
	if req.Context().Value(robotsKey{}) == nil {
		if err := c.allowed(req.Context(), req.URL); err != nil {
			return err
		}
	}
	// Conditional headers were for the first URL only.
	req.Header.Del("If-None-Match")
	req.Header.Del("If-Modified-Since")
	return c.hosts.wait(req.Context(), req.URL.Host)
}

// allowed consults the host's robots.txt, fetching it on first use.
func (c *Client) allowed(ctx context.Context, u *url.URL) error {
	h := c.hosts.get(u.Host)
	rules, err := h.robots(ctx, func(ctx context.Context) (*robotsRules, error) {
		return c.fetchRobots(ctx, u)
	})
	if err != nil {
		return err
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !rules.allow(path) {
		if rules.unreachable != "" {
			return &RobotsError{Path: path, Reason: rules.unreachable}
		}
		return &RobotsError{Path: path}
	}
	return nil
}

func (c *Client) fetchRobots(ctx context.Context, page *url.URL) (*robotsRules, error) {
	u := &url.URL{Scheme: page.Scheme, Host: page.Host, Path: "/robots.txt"}
	if err := c.hosts.wait(ctx, u.Host); err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, robotsKey{}, true)
	resp, err := c.get(ctx, u, Validators{}, maxRobotsBytes, "text/plain,*/*;q=0.5")
	var status *StatusError
	var tooLarge *TooLargeError
	switch {
	case err == nil:
		return parseRobots(c.agent, resp.Body, c.logger, u.String()), nil
	case errors.As(err, &status) && status.Code >= 400 && status.Code < 500:
		// No robots.txt: everything is allowed (RFC 9309 2.3.1.3).
		return allowAllRobots, nil
	case errors.As(err, &status):
		// A server error means "assume complete disallow" (RFC 9309 2.3.1.4).
		return unreachableRobots("unavailable (" + status.Error() + ")"), nil
	case errors.As(err, &tooLarge):
		return unreachableRobots("too large"), nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	}
	var refused *RefusedError
	if errors.As(err, &refused) {
		return nil, refused
	}
	return nil, err
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// robotsKey marks the context of a robots.txt request.
type robotsKey struct{}
