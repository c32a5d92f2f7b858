//go:build reliability

package reliability

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"dramabot/bot/discord/discordtest"
	"dramabot/bot/telegram/telegramtest"
)

// TestFaultTelegramOutage makes the Bot API answer every call with 500,
// then (a second outage) with 429, for the outage time. Questions asked
// just before (taken by the bot, whose answers then fail) and during the
// outage (queued by Telegram) must all be answered once it recovers.
func TestFaultTelegramOutage(t *testing.T) {
	sz := scale()
	for _, o := range []struct {
		name  string
		fault telegramtest.Fault
	}{
		{"500", telegramtest.ServerError(http.StatusInternalServerError)},
		{"429", telegramtest.TooManyRequests(sz.retryAfter)},
	} {
		t.Run(o.name, func(t *testing.T) {
			r := record(t, "fault", fmt.Sprintf("Telegram Bot API answering %s for %s", o.name, sz.outage))
			tg := newTelegram(t)
			srv := startServe(t, serveOptions{env: map[string]string{
				"DRAMABOT_RATE_LIMIT": "-1", "DRAMABOT_DATA": t.TempDir(),
				"TELEGRAM_TOKEN": tg.fake.Token, "TELEGRAM_API_URL": tg.URL,
			}})
			// Fewer questions before the outage than the bot handles at
			// once (8), so that it keeps polling, and sees the outage.
			const before, during = 6, 12
			user := func(i int) telegramtest.User {
				return telegramtest.User{ID: 3_000_000 + int64(i), FirstName: "Journalist", Username: fmt.Sprintf("j%d", i)}
			}
			// Answers start failing first, so the questions asked now are
			// taken by the bot and then held: accepted before the outage.
			tg.fake.FailFor("sendMessage", sz.outage, o.fault)
			tg.fake.FailFor("sendChatAction", sz.outage, o.fault)
			for i := range before {
				tg.fake.Push(telegramtest.Private(user(i), loadQuestions[i%len(loadQuestions)]))
			}
			tg.fake.WaitFor(t, "a failed answer", func() bool { return failedCalls(tg, "sendMessage") > 0 })
			// Now everything fails, getUpdates included.
			tg.fake.FailFor("*", sz.outage, o.fault)
			outageStart := time.Now()
			for i := range during {
				time.Sleep(sz.outage / (during + 1))
				tg.fake.Push(telegramtest.Private(user(before+i), loadQuestions[i%len(loadQuestions)]))
			}
			time.Sleep(time.Until(outageStart.Add(sz.outage / 2)))
			readyCode, _ := srv.get("/readyz")

			lost := 0
			var last time.Time
			for i := range before + during {
				at, ok := tg.waitReply(user(i).ID, 1, sz.outage+2*time.Minute)
				if !ok {
					lost++
					continue
				}
				if at[0].After(last) {
					last = at[0]
				}
			}
			recovered := last.Sub(outageStart.Add(sz.outage))
			time.Sleep(time.Second) // a late duplicate would show now
			srv.waitReady(30 * time.Second)
			failed := failedCalls(tg, "")
			srv.stop()
			dups := tg.duplicates()
			r.set(before+during, lost, "%d questions taken before the outage, %d asked during it: %d answered, %d lost, %d duplicated; last answer %s after the outage ended; %d Bot API calls failed meanwhile; /readyz during the outage: %d",
				before, during, before+during-lost, lost, dups, recovered.Round(100*time.Millisecond), failed, readyCode)
			if lost > 0 || dups > 0 {
				t.Errorf("%d questions lost, %d answered twice; bad requests: %v", lost, dups, tg.badRequests())
			}
			if readyCode != http.StatusServiceUnavailable {
				t.Errorf("/readyz during the outage = %d, want 503", readyCode)
			}
		})
	}
}

func failedCalls(tg *tgHarness, method string) int {
	n := 0
	for _, c := range tg.fake.Calls(method) {
		if c.Status >= 429 {
			n++
		}
	}
	return n
}

var (
	discordGuildUser = discordtest.From{UserID: "500000000000000001", Username: "ann", GuildID: "600000000000000001", ChannelID: "700000000000000001"}
	discordDMUser    = discordtest.From{UserID: "500000000000000002", Username: "bo", ChannelID: "700000000000000002"}
)

// startDiscord runs dramabot serve against a fake Discord.
func startDiscord(t *testing.T, docs string) (*discordtest.Server, *server) {
	fake := discordtest.New(t, discordtest.Options{})
	e := map[string]string{
		"DRAMABOT_RATE_LIMIT": "-1", "DRAMABOT_DATA": t.TempDir(),
		"DISCORD_TOKEN": discordtest.Token, "DISCORD_API_URL": fake.URL,
	}
	if docs != "" {
		e["DRAMABOT_DOCS"] = docs
	}
	srv := startServe(t, serveOptions{env: e})
	fake.AwaitSession(t, 1)
	return fake, srv
}

// TestFaultDiscordGatewayDrop cuts the gateway connection while an answer
// is on its way (its REST call held by a rate limit), for a slash command
// and for a direct message: the session must resume (RESUME, not a new
// IDENTIFY) and the answer be delivered.
func TestFaultDiscordGatewayDrop(t *testing.T) {
	r := record(t, "fault", "Discord gateway dropped mid-answer")
	fake, srv := startDiscord(t, "")
	hold := 2 * time.Second

	// /ask: deferred at once; the edit with the answer is rate limited.
	fake.RateLimitNext(discordtest.RouteEditOriginal, 1, hold)
	it := fake.SendCommand(t, discordGuildUser, "ask", map[string]string{"question": "How many jobs has the mini series boom created?"})
	fake.AwaitCalls(t, 1, func(c discordtest.Call) bool {
		return c.Interaction == it.ID && c.Route == discordtest.RouteEditOriginal && c.Status == http.StatusTooManyRequests
	})
	fake.Drop()
	fake.AwaitSession(t, 2)
	edits := fake.AwaitCalls(t, 1, func(c discordtest.Call) bool {
		return c.Interaction == it.ID && c.Route == discordtest.RouteEditOriginal && c.Status == http.StatusOK
	})
	lost := 0
	if m, ok := decodeDiscord(edits[0]); !ok || len(m.Embeds) == 0 || !strings.Contains(m.Embeds[0].Description, `\[1\]`) {
		t.Errorf("the edited answer has no citation: %s", edits[0].Body)
		lost++
	}

	// A direct message: the reply is rate limited, the gateway drops.
	fake.RateLimitNext(discordtest.RouteMessage, 1, hold)
	fake.SendMessage(t, discordDMUser, "短剧行业创造了多少就业岗位？", false)
	fake.AwaitCalls(t, 1, func(c discordtest.Call) bool {
		return c.Route == discordtest.RouteMessage && c.Status == http.StatusTooManyRequests
	})
	fake.Drop()
	fake.AwaitSession(t, 3)
	fake.AwaitCalls(t, 1, func(c discordtest.Call) bool {
		return c.Route == discordtest.RouteMessage && c.ChannelID == discordDMUser.ChannelID && c.Status == http.StatusOK
	})

	// And the resumed session still takes questions.
	fake.SendMessage(t, discordDMUser, "How big is the mini series market?", false)
	fake.AwaitCalls(t, 2, func(c discordtest.Call) bool {
		return c.Route == discordtest.RouteMessage && c.ChannelID == discordDMUser.ChannelID && c.Status == http.StatusOK
	})
	ids, res := fake.Identifies(), fake.Resumes()
	srv.waitReady(10 * time.Second)
	srv.stop()
	checkDiscordSends(t, fake.Calls())
	r.set(2, lost, "slash command and direct message, each answer held %s by a REST rate limit while the gateway dropped: %d RESUME, %d IDENTIFY; both answers delivered after the resume, and a new question answered", hold, len(res), len(ids))
	if len(ids) != 1 || len(res) != 2 {
		t.Errorf("identifies %d, resumes %d; want 1 identify and 2 resumes", len(ids), len(res))
	}
}
