package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
)

// Retry policy for Bot API calls. The library retries nothing and ignores
// retry_after. With backoff capped at 10 s, RetryTimeout (2 min by
// default) rather than maxAttempts is what usually ends retries.
const (
	maxAttempts    = 20
	attemptTimeout = 30 * time.Second
	firstBackoff   = 500 * time.Millisecond
	maxBackoff     = 10 * time.Second
)

type statusKey struct{}

// observedClient wraps the HTTP client to see what the library's errors do
// not tell: the HTTP status of each call (for the retry decision), and
// whether polling works (for Ready).
type observedClient struct {
	next *http.Client
	bot  *Bot
}

func (c *observedClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	if p, ok := req.Context().Value(statusKey{}).(*int); ok {
		*p = status // same goroutine as the caller of call
	}
	if connectionMethods[path.Base(req.URL.Path)] && req.Context().Err() == nil {
		c.bot.ready.Store(status == http.StatusOK)
	}
	return resp, err
}

// connectionMethods are the calls whose outcome says whether the bot is
// connected: setup, then polling.
var connectionMethods = map[string]bool{"getMe": true, "deleteWebhook": true, "setWebhook": true, "getUpdates": true}

// call runs one Bot API call, retrying a 429 after its retry_after, and a
// 5xx or a network failure with exponential backoff, for at most
// maxAttempts attempts and RetryTimeout. Other errors are final.
func (b *Bot) call(ctx context.Context, method string, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, b.retryTimeout)
	defer cancel()
	return b.retry(ctx, method, maxAttempts, fn)
}

// callUntil is call without bounds other than ctx, for setup calls that
// must eventually succeed.
func (b *Bot) callUntil(ctx context.Context, method string, fn func(context.Context) error) error {
	return b.retry(ctx, method, 0, fn)
}

func (b *Bot) retry(ctx context.Context, method string, attempts int, fn func(context.Context) error) error {
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		status := 0
		actx, cancel := context.WithTimeout(context.WithValue(ctx, statusKey{}, &status), attemptTimeout)
		err := fn(actx)
		cancel()
		if err == nil {
			return nil
		}
		err = b.redactErr(err)
		if ctx.Err() != nil {
			return err
		}
		wait, ok := retryDelay(err, status, &backoff)
		if !ok {
			return err
		}
		if attempts > 0 && attempt >= attempts {
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return fmt.Errorf("%w (a retry in %s would pass the deadline)", err, wait)
		}
		b.log.Warn("Bot API call failed; retrying", "method", method, "attempt", attempt, "status", status, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// retryDelay says whether a failed call is worth another attempt, and when.
func retryDelay(err error, status int, backoff *time.Duration) (time.Duration, bool) {
	if tm, ok := errors.AsType[*tgbot.TooManyRequestsError](err); ok {
		return time.Duration(max(tm.RetryAfter, 1)) * time.Second, true
	}
	// 0: no answer at all (connection refused or reset, attempt timeout).
	if status == http.StatusTooManyRequests || status >= 500 || status == 0 {
		d := *backoff
		*backoff = min(*backoff*2, maxBackoff)
		return d, true
	}
	return 0, false
}

// redactedError hides the token and URLs in an error's text but keeps the
// error chain for errors.Is and errors.As.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func (b *Bot) redactErr(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*redactedError); ok {
		return err
	}
	return &redactedError{err: err, msg: b.redact(err.Error())}
}

var urlRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)

const maxLogText = 1000

// redact removes the token (also in its escaped forms) and every URL from a
// text bound for a log, and bounds its length (the library quotes whole
// response bodies in its errors).
func (b *Bot) redact(s string) string {
	for _, tok := range []string{b.token, url.PathEscape(b.token), url.QueryEscape(b.token)} {
		if tok != "" {
			s = strings.ReplaceAll(s, tok, "***")
		}
	}
	s = urlRE.ReplaceAllString(s, "<url>")
	if len(s) > maxLogText {
		s = strings.ToValidUTF8(s[:maxLogText], "") + "…"
	}
	return s
}

// logClientError bridges the library's error log (polling failures, mostly).
func (b *Bot) logClientError(err error) {
	msg := b.redact(err.Error())
	level := slog.LevelWarn
	if strings.Contains(msg, "ctx done") {
		level = slog.LevelInfo // updates left unconfirmed at shutdown
	}
	b.log.Log(context.Background(), level, "telegram client", "err", msg)
}

// logClientDebug bridges the library's debug log (requests and responses,
// enabled when the logger is at debug level).
func (b *Bot) logClientDebug(format string, args ...any) {
	b.log.Debug("telegram client", "msg", b.redact(fmt.Sprintf(format, args...)))
}
