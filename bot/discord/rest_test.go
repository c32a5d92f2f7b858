package discord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"dramabot/bot"
	"dramabot/bot/discord/discordtest"
	"dramabot/knowledge/knowledgetest"
)

func TestJoinPath(t *testing.T) {
	for _, tc := range []struct{ base, path, want string }{
		{"", "/api/v9/gateway", "/api/v9/gateway"},
		{"/", "/api/v9/gateway", "/api/v9/gateway"},
		{"/discord", "/api/v9/gateway", "/discord/api/v9/gateway"},
		{"/api", "/api/v9/gateway", "/api/v9/gateway"},
		{"/api/v9/", "/api/v9/gateway", "/api/v9/gateway"},
		{"/proxy/api/v10", "/api/v9/gateway", "/proxy/api/v9/gateway"},
		{"/apiary", "/api/v9/gateway", "/apiary/api/v9/gateway"},
	} {
		if got := joinPath(tc.base, tc.path); got != tc.want {
			t.Errorf("joinPath(%q, %q) = %q, want %q", tc.base, tc.path, got, tc.want)
		}
	}
}

type recordingTransport struct{ got []*http.Request }

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = append(r.got, req)
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
}

func TestRewriteTransport(t *testing.T) {
	base, err := parseAPIURL("http://nirn-proxy:8080/")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingTransport{}
	client := &http.Client{Transport: &rewriteTransport{base: base, next: rec}}
	for _, u := range []string{
		discordgo.EndpointChannelMessages("123"),
		"https://cdn.discordapp.com/avatars/1/a.png",
	} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := rec.got[0].URL.String(); got != "http://nirn-proxy:8080/api/v9/channels/123/messages" {
		t.Errorf("REST call went to %s", got)
	}
	if got := rec.got[1].URL.String(); got != "https://cdn.discordapp.com/avatars/1/a.png" {
		t.Errorf("non-REST call rewritten to %s", got)
	}
	for _, bad := range []string{"", "nirn-proxy:8080", "ftp://x", "http://"} {
		if _, err := New(Config{Token: "t", Core: bot.New(bot.Config{Knowledge: &knowledgetest.Fake{}}), APIURL: bad}); bad != "" && err == nil {
			t.Errorf("APIURL %q accepted", bad)
		}
	}
}

func TestNewValidates(t *testing.T) {
	core := bot.New(bot.Config{Knowledge: &knowledgetest.Fake{}})
	for name, cfg := range map[string]Config{
		"no core":       {Token: "t"},
		"no token":      {Core: core, Token: " Bot  "},
		"shard too big": {Core: core, Token: "t", ShardID: 2, ShardCount: 2},
		"negative":      {Core: core, Token: "t", ShardID: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
	cfg := Config{Core: core, Token: "Bot abc"}
	if s := fmt.Sprintf("%v %+v %s", cfg, cfg, cfg); strings.Contains(s, "abc") {
		t.Errorf("printing a Config shows the token: %s", s)
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if b.session.Token != "Bot abc" || b.session.ShardCount != 1 {
		t.Errorf("token %q, shard count %d", b.session.Token, b.session.ShardCount)
	}
}

func TestRedactKeepsTokensOutOfErrors(t *testing.T) {
	err := redact(&url.Error{Op: "Post", URL: "https://discord.com/api/v9/interactions/1/secret-token/callback", Err: context.DeadlineExceeded})
	if strings.Contains(err.Error(), "secret-token") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("redact = %v", err)
	}
}

func TestTokenBucketsArePooled(t *testing.T) {
	seen := map[string]bool{}
	for i := range 5000 {
		seen[tokenBucket("interaction-callback", bot.NewRequestID()+string(rune(i)))] = true
	}
	if len(seen) > tokenBuckets {
		t.Errorf("%d buckets for 5000 tokens, want at most %d", len(seen), tokenBuckets)
	}
}

// restBot is a Bot pointed at the fake for REST calls only.
func restBot(t *testing.T, fake *discordtest.Server) *Bot {
	t.Helper()
	b, err := New(Config{Token: discordtest.Token, APIURL: fake.URL, Core: bot.New(bot.Config{Knowledge: &knowledgetest.Fake{}}), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRateLimitTooLongFailsFast(t *testing.T) {
	fake := discordtest.New(t, discordtest.Options{})
	b := restBot(t, fake)
	fake.RateLimitNext(discordtest.RouteMessage, 1, time.Minute)
	start := time.Now()
	_, err := b.sendChannel(context.Background(), "1", newPayload(outMessage{Content: "hi"}, false))
	if err == nil || !strings.Contains(err.Error(), "rate limited") {
		t.Fatalf("err = %v, want a rate-limit error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestRateLimitWaitStopsWithContext(t *testing.T) {
	fake := discordtest.New(t, discordtest.Options{})
	b := restBot(t, fake)
	fake.RateLimitNext(discordtest.RouteMessage, 1, 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.sendChannel(ctx, "1", newPayload(outMessage{Content: "hi"}, false))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("waited %s after the context ended", d)
	}
}

func TestRESTErrorsSurface(t *testing.T) {
	fake := discordtest.New(t, discordtest.Options{})
	b := restBot(t, fake)
	fake.FailNext(discordtest.RouteMessage, 1, 403, `{"message": "Missing Permissions", "code": 50013}`)
	_, err := b.sendChannel(context.Background(), "1", newPayload(outMessage{Content: "hi"}, false))
	var rest *discordgo.RESTError
	if !errors.As(err, &rest) || rest.Message == nil || rest.Message.Code != 50013 {
		t.Errorf("err = %v, want the RESTError", err)
	}
	// Messages over 2000 characters are refused by Discord (and the fake).
	_, err = b.sendChannel(context.Background(), "1", newPayload(outMessage{Content: strings.Repeat("x", 2001)}, false))
	if !errors.As(err, &rest) || rest.Message.Code != 50035 {
		t.Errorf("err = %v, want 50035", err)
	}
}

func TestAsFatal(t *testing.T) {
	for code, fatal := range map[int]bool{4004: true, 4010: true, 4011: true, 4012: true, 4013: true, 4014: true, 4000: false, 4009: false, 1000: false, 1006: false} {
		err := error(&websocket.CloseError{Code: code})
		if got := asFatal(err) != nil; got != fatal {
			t.Errorf("close %d: fatal = %v, want %v", code, got, fatal)
		}
	}
	if asFatal(errors.New("dial tcp: refused")) != nil {
		t.Error("a network error is not fatal")
	}
}

// TestConnectBackoff checks the reconnect schedule on a fake clock.
func TestConnectBackoff(t *testing.T) {
	newBot := func() *Bot {
		return &Bot{log: slog.New(slog.DiscardHandler), minBackoff: time.Second, maxBackoff: 8 * time.Second}
	}
	t.Run("retries then connects", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			b := newBot()
			start := time.Now()
			var at []time.Duration
			err := b.connect(context.Background(), func() error {
				at = append(at, time.Since(start))
				if len(at) < 7 {
					return errors.New("dial tcp: connection refused")
				}
				return nil
			})
			if err != nil || !b.Ready() {
				t.Fatalf("connect = %v, ready %v", err, b.Ready())
			}
			want := []time.Duration{0, 1, 3, 7, 15, 23, 31} // waits 1, 2, 4, 8, 8, 8 s
			for i := range want {
				if at[i] != want[i]*time.Second {
					t.Fatalf("attempts at %v, want %v seconds", at, want)
				}
			}
		})
	})
	t.Run("fatal close stops at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			b := newBot()
			calls := 0
			err := b.connect(context.Background(), func() error {
				calls++
				if calls == 1 {
					return errors.New("temporary")
				}
				return &websocket.CloseError{Code: 4014, Text: "Disallowed intent(s)."}
			})
			var fe *FatalCloseError
			if !errors.As(err, &fe) || fe.Code != 4014 || calls != 2 {
				t.Fatalf("connect = %v after %d calls", err, calls)
			}
		})
	})
	t.Run("cancel during back-off", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			b := newBot()
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			start := time.Now()
			err := b.connect(ctx, func() error { return errors.New("down") })
			if err != nil || time.Since(start) != 90*time.Second || b.Ready() {
				t.Fatalf("connect = %v after %s, ready %v; want nil at the deadline", err, time.Since(start), b.Ready())
			}
		})
	})
}

func TestInflightWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f inflight
		if !f.wait(time.Second) {
			t.Fatal("idle wait failed")
		}
		f.add()
		go func() {
			time.Sleep(3 * time.Second)
			f.done()
		}()
		if f.wait(time.Second) {
			t.Fatal("wait returned true with a handler running")
		}
		if !f.wait(5 * time.Second) {
			t.Fatal("wait did not see the handler finish")
		}
	})
}

func TestAnswerCache(t *testing.T) {
	c := newAnswerCache(2)
	c.put("a", knowledgetest.Sample("a"))
	c.put("b", knowledgetest.Sample("b"))
	c.get("a") // a is now the most recent
	c.put("c", knowledgetest.Sample("c"))
	if _, ok := c.get("b"); ok {
		t.Error("b should have been evicted")
	}
	if a, ok := c.get("a"); !ok || a.Question != "a" {
		t.Error("a should be kept")
	}
	if c.len() != 2 {
		t.Errorf("len = %d", c.len())
	}
	if !c.vote("a", "u1", "up") || c.vote("a", "u1", "down") || !c.vote("a", "u2", "down") {
		t.Error("one vote per user and answer")
	}
	if !c.vote("gone", "u1", "up") {
		t.Error("a vote on a forgotten answer is still accepted")
	}
}
