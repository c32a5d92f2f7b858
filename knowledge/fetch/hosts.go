package fetch

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
	"golang.org/x/time/rate"
)

// hostTable keeps what the client knows per host: its rate limiter and its
// robots.txt rules.
type hostTable struct {
	floor time.Duration
	mu    sync.Mutex
	hosts map[string]*host
}

func newHostTable(floor time.Duration) *hostTable {
	return &hostTable{floor: floor, hosts: map[string]*host{}}
}

type host struct {
	floor   time.Duration
	limiter *rate.Limiter

	pauseMu sync.Mutex
	paused  time.Time // no request before this (a Retry-After)

	mu      sync.Mutex // held while robots.txt is fetched: one fetch per host
	rules   *robotsRules
	expires time.Time
}

func (t *hostTable) get(name string) *host {
	name = strings.ToLower(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.hosts[name]
	if h == nil {
		h = &host{floor: t.floor, limiter: rate.NewLimiter(every(t.floor), 1)}
		t.hosts[name] = h
	}
	return h
}

func every(d time.Duration) rate.Limit {
	if d <= 0 {
		return rate.Inf
	}
	return rate.Every(d)
}

// wait blocks until the host's rate limit lets one more request through.
func (t *hostTable) wait(ctx context.Context, name string) error {
	h := t.get(name)
	h.pauseMu.Lock()
	until := h.paused
	h.pauseMu.Unlock()
	if d := time.Until(until); d > 0 {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
	}
	return h.limiter.Wait(ctx)
}

// pause holds requests to the host for d (capped at MaxCrawlDelay), as a
// 429 or 503 answer's Retry-After asks.
func (t *hostTable) pause(name string, d time.Duration) {
	h := t.get(name)
	until := time.Now().Add(min(d, MaxCrawlDelay))
	h.pauseMu.Lock()
	if until.After(h.paused) {
		h.paused = until
	}
	h.pauseMu.Unlock()
}

// robots returns the host's rules, fetching them with load when they are
// missing or stale. An error from load is not cached.
func (h *host) robots(ctx context.Context, load func(context.Context) (*robotsRules, error)) (*robotsRules, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rules != nil && time.Now().Before(h.expires) {
		return h.rules, nil
	}
	r, err := load(ctx)
	if err != nil {
		return nil, err
	}
	h.rules = r
	ttl := robotsTTL
	if r.unreachable != "" {
		ttl = robotsErrorTTL
	}
	h.expires = time.Now().Add(ttl)
	interval := max(h.floor, min(r.crawlDelay, MaxCrawlDelay))
	h.limiter.SetLimit(every(interval))
	return r, nil
}

// robotsRules is the group of a robots.txt that applies to us.
type robotsRules struct {
	group       *robotstxt.Group // nil: allow all
	crawlDelay  time.Duration
	unreachable string // set: disallow all, with this reason
}

var allowAllRobots = &robotsRules{}

func unreachableRobots(reason string) *robotsRules {
	return &robotsRules{unreachable: reason}
}

func (r *robotsRules) allow(path string) bool {
	switch {
	case r.unreachable != "":
		return false
	case r.group == nil:
		return true
	}
	return r.group.Test(path)
}

// parseRobots reads a robots.txt body. A file that does not parse is
// treated as absent (allow all), the way major crawlers ignore lines they
// cannot read, and logged.
func parseRobots(agent string, body []byte, logger *slog.Logger, where string) *robotsRules {
	data, err := robotstxt.FromBytes(body)
	if err != nil {
		logger.Warn("robots.txt does not parse; treating it as absent", "url", where, "err", err)
		return allowAllRobots
	}
	g := data.FindGroup(agent)
	return &robotsRules{group: g, crawlDelay: g.CrawlDelay}
}
