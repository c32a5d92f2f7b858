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
	return t.get(name).limiter.Wait(ctx)
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
