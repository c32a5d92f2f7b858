package bot

import (
	"sync"
	"time"
)

// limiter is a per-key token bucket: each key may spend rate tokens per
// window, refilled continuously.
type limiter struct {
	rate   float64 // tokens per window; <= 0 disables the limit
	window time.Duration

	mu      sync.Mutex
	buckets map[string]bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate int, window time.Duration) *limiter {
	return &limiter{rate: float64(rate), window: window, buckets: map[string]bucket{}}
}

// take spends one token for key and returns 0, or how long to wait until a
// token is available (spending nothing).
func (l *limiter) take(key string, now time.Time) time.Duration {
	if l.rate <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = bucket{tokens: l.rate, at: now}
	}
	perToken := l.window / time.Duration(l.rate)
	b.tokens = min(l.rate, b.tokens+float64(now.Sub(b.at))/float64(perToken))
	b.at = now
	if b.tokens < 1 {
		l.buckets[key] = b
		return time.Duration((1 - b.tokens) * float64(perToken))
	}
	b.tokens--
	l.buckets[key] = b
	return 0
}

// sweep forgets full buckets once a window, so memory stays bounded by the
// number of recently active users.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < l.window {
		return
	}
	l.swept = now
	for k, b := range l.buckets {
		if now.Sub(b.at) >= l.window {
			delete(l.buckets, k)
		}
	}
}
