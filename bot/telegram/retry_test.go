package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	tgbot "github.com/go-telegram/bot"

	"dramabot/bot"
	"dramabot/bot/telegram/telegramtest"
	"dramabot/knowledge/knowledgetest"
)

// inBubble runs a bot against an in-memory fake inside a synctest bubble,
// where time is fake: retries and backoffs take no real time, and their
// timing is exact.
func inBubble(t *testing.T, cfg Config, test func(tg *telegramtest.Server, b *Bot)) {
	synctest.Test(t, func(t *testing.T) {
		tg := telegramtest.NewInMemory(t, telegramtest.Options{WaitTimeout: time.Hour})
		logs := &knowledgetest.SyncBuffer{}
		log := slog.New(slog.NewTextHandler(logs, nil))
		cfg.Token, cfg.APIURL, cfg.HTTPClient, cfg.Logger = tg.Token, tg.URL, tg.Client(), log
		cfg.Core = bot.New(bot.Config{Knowledge: &knowledgetest.Fake{}, Logger: log})
		b, err := New(t.Context(), cfg)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- b.Run(ctx) }()
		defer func() { // also when test calls t.Fatal: the bubble must end empty
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			if t.Failed() {
				t.Logf("logs:\n%s", logs.String())
			}
		}()
		test(tg, b)
	})
}

// attempts returns the times of the sendMessage calls, relative to the first.
func attempts(tg *telegramtest.Server) []time.Duration {
	var out []time.Duration
	calls := tg.Calls("sendMessage")
	for _, c := range calls {
		out = append(out, c.At.Sub(calls[0].At))
	}
	return out
}

func TestRetryTiming(t *testing.T) {
	tests := []struct {
		name   string
		faults []telegramtest.Fault
		want   []time.Duration // attempt times after the first
	}{
		{"429 waits retry_after", []telegramtest.Fault{telegramtest.TooManyRequests(7)}, []time.Duration{0, 7 * time.Second}},
		{"5xx backs off exponentially", []telegramtest.Fault{
			telegramtest.ServerError(500), {Status: 502, HTML: true}, telegramtest.ServerError(503), telegramtest.ServerError(504),
		}, []time.Duration{0, 500 * time.Millisecond, 1500 * time.Millisecond, 3500 * time.Millisecond, 7500 * time.Millisecond}},
		{"429 without retry_after still waits", []telegramtest.Fault{{Status: 429}}, []time.Duration{0, 1 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inBubble(t, Config{}, func(tg *telegramtest.Server, b *Bot) {
				for _, f := range tt.faults {
					tg.Fail("sendMessage", 1, f)
				}
				tg.Push(telegramtest.Private(telegramtest.Alice, question))
				synctest.Wait()
				if got := tg.Calls("sendMessage"); len(got) != 1 || got[0].Status == 200 {
					t.Fatalf("before any wait: %d attempts", len(got))
				}
				m := tg.WaitSent(t, telegramtest.Alice.ID, 1)[0]
				if !strings.Contains(m.Plain, "647,000 jobs") {
					t.Errorf("delivered %q", m.Plain)
				}
				if got := attempts(tg); fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("attempts at %v, want %v", got, tt.want)
				}
			})
		})
	}
}

func TestRetriesAreBounded(t *testing.T) {
	t.Run("attempts", func(t *testing.T) {
		inBubble(t, Config{RetryTimeout: time.Hour, AnswerTimeout: time.Hour}, func(tg *telegramtest.Server, b *Bot) {
			tg.Fail("sendMessage", 100, telegramtest.ServerError(500))
			tg.Push(telegramtest.Private(telegramtest.Alice, question))
			time.Sleep(30 * time.Minute)
			synctest.Wait()
			if n := len(tg.Calls("sendMessage")); n != maxAttempts {
				t.Errorf("%d attempts, want %d", n, maxAttempts)
			}
		})
	})
	t.Run("time", func(t *testing.T) {
		inBubble(t, Config{}, func(tg *telegramtest.Server, b *Bot) {
			tg.Fail("sendMessage", 100, telegramtest.ServerError(500))
			tg.Push(telegramtest.Private(telegramtest.Alice, question))
			time.Sleep(30 * time.Minute)
			synctest.Wait()
			at := attempts(tg)
			if last := at[len(at)-1]; last > DefaultRetryTimeout || last < DefaultRetryTimeout-maxBackoff {
				t.Errorf("last attempt at %s, want just under the %s retry timeout", last, DefaultRetryTimeout)
			}
		})
	})
	t.Run("retry_after past the budget", func(t *testing.T) {
		inBubble(t, Config{RetryTimeout: time.Minute}, func(tg *telegramtest.Server, b *Bot) {
			tg.Fail("sendMessage", 1, telegramtest.TooManyRequests(3600))
			tg.Push(telegramtest.Private(telegramtest.Alice, question))
			time.Sleep(2 * time.Hour)
			synctest.Wait()
			if n := len(tg.Calls("sendMessage")); n != 1 {
				t.Errorf("%d attempts, want 1: a retry_after beyond RetryTimeout is not waited for", n)
			}
		})
	})
}

func TestOutageDoesNotLoseReplies(t *testing.T) {
	// Telegram answers 500 (or 429) to everything for 30 s, polling
	// included: questions asked before and during the outage are answered
	// after it.
	for _, f := range []telegramtest.Fault{telegramtest.ServerError(500), telegramtest.TooManyRequests(5)} {
		t.Run(fmt.Sprint(f.Status), func(t *testing.T) {
			inBubble(t, Config{}, func(tg *telegramtest.Server, b *Bot) {
				start := time.Now()
				tg.FailFor("*", 30*time.Second, f)
				tg.Push(telegramtest.Private(telegramtest.Alice, "before"))
				time.Sleep(10 * time.Second)
				if b.Ready() {
					t.Errorf("Ready during the outage; calls: %+v", tg.Calls(""))
				}
				tg.Push(telegramtest.Private(telegramtest.Bob, "during"))
				for _, u := range []telegramtest.User{telegramtest.Alice, telegramtest.Bob} {
					tg.WaitSent(t, u.ID, 1)
				}
				if d := time.Since(start); d < 30*time.Second {
					t.Errorf("answered after %s, during the outage", d)
				}
				synctest.Wait()
				if !b.Ready() {
					t.Error("not Ready after the outage")
				}
			})
		})
	}
}

func TestRetryDelay(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		want   time.Duration
		retry  bool
	}{
		{"429 typed", &tgbot.TooManyRequestsError{RetryAfter: 4}, 429, 4 * time.Second, true},
		{"429 wrapped", fmt.Errorf("send: %w", &tgbot.TooManyRequestsError{RetryAfter: 2}), 429, 2 * time.Second, true},
		{"502 HTML", errors.New("error decode response body"), 502, firstBackoff, true},
		{"no answer", errors.New("connection refused"), 0, firstBackoff, true},
		{"400", fmt.Errorf("%w, Bad Request: chat not found", tgbot.ErrorBadRequest), 400, 0, false},
		{"403", fmt.Errorf("%w, Forbidden", tgbot.ErrorForbidden), 403, 0, false},
		{"200 with a bad body", errors.New("error decode response result"), http.StatusOK, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backoff := firstBackoff
			got, retry := retryDelay(tt.err, tt.status, &backoff)
			if got != tt.want || retry != tt.retry {
				t.Errorf("got %s, %v; want %s, %v", got, retry, tt.want, tt.retry)
			}
		})
	}
	backoff := firstBackoff
	var seq []time.Duration
	for range 7 {
		d, _ := retryDelay(errors.New("x"), 500, &backoff)
		seq = append(seq, d)
	}
	if fmt.Sprint(seq) != "[500ms 1s 2s 4s 8s 10s 10s]" {
		t.Errorf("backoff sequence %v", seq)
	}
}
