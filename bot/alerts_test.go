package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

// notifier records alerts.
type notifier struct {
	mu     sync.Mutex
	alerts map[string][]Alert
}

func (n *notifier) Notify(_ context.Context, chatID string, a Alert) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.alerts == nil {
		n.alerts = map[string][]Alert{}
	}
	n.alerts[chatID] = append(n.alerts[chatID], a)
	return nil
}

func (n *notifier) get(chat string) []Alert {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Alert(nil), n.alerts[chat]...)
}

func hit(id, text string) knowledge.Hit {
	return knowledge.Hit{
		Passage: knowledge.Passage{ID: id, SourceID: id, Text: text},
		Source: knowledge.Source{ID: id, Title: "Page " + id, Publisher: "Yicai", Date: "2026-12-01", URL: "https://example.org/" + id,
			Note: &knowledge.NoteInfo{Producer: "QuestMobile", PageTitle: "Page title " + id}},
	}
}

func TestSubscriptionsFireOnMatchingPassages(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	c := New(Config{Knowledge: &knowledgetest.Fake{}, DataDir: dir, Admins: []string{"telegram:1"}})
	n := &notifier{}
	c.SetNotifier(PlatformTelegram, n)
	cmd := func(user, chat, name, arg string) Reply {
		return c.Command(ctx, Request{Platform: PlatformTelegram, UserID: user, ChatID: chat}, name, arg)
	}
	if r := cmd("9", "100", "subscribe", "Hongguo"); !strings.Contains(r.Message, "Subscribed to “Hongguo”") {
		t.Fatalf("subscribe: %q", r.Message)
	}
	if r := cmd("9", "100", "subscribe", "hongguo"); !strings.Contains(r.Message, "already") {
		t.Errorf("subscribing twice: %q", r.Message)
	}
	cmd("9", "200", "subscribe", "市场规模")
	if r := cmd("9", "100", "subscriptions", ""); !strings.Contains(r.Message, "• Hongguo") || strings.Contains(r.Message, "市场规模") {
		t.Errorf("subscriptions of chat 100: %q", r.Message)
	}

	c.PassagesAdded(ctx, []knowledge.Hit{
		hit("n1", "红果短剧 had 166 million monthly active users in March 2025, up 220% on the year."),
		hit("n2", "Hengdian hosted 1,000 micro-drama crews in 2024."),
		hit("n3", "The micro-drama market size reached 50.44 billion yuan in 2024."),
	})
	got := n.get("100")
	if len(got) != 1 || len(got[0].Items) != 1 || got[0].Items[0].URL != "https://example.org/n1" {
		t.Fatalf("chat 100 got %+v, want the Hongguo passage (glossary: 红果短剧 is Hongguo) only", got)
	}
	it := got[0].Items[0]
	if it.Title != "Page title n1" || it.Publisher != "Yicai" || it.Date != "2026-12-01" || !strings.Contains(it.Figure, "166 million") {
		t.Errorf("alert item %+v: want the page title, publisher, date and the figure", it)
	}
	if got := n.get("200"); len(got) != 1 || got[0].Items[0].URL != "https://example.org/n3" || got[0].Lang != LangZH {
		t.Errorf("chat 200 (市场规模) got %+v, want the market-size passage, in Chinese", got)
	}
	// Nothing matching: silence.
	c.PassagesAdded(ctx, []knowledge.Hit{hit("n4", "Hengdian hosted 1,000 micro-drama crews in 2024.")})
	if len(n.get("100")) != 1 || len(n.get("200")) != 1 {
		t.Error("an alert for a passage matching no subscription")
	}
	header, items := AlertText(got[0])
	if !strings.Contains(header, "Hongguo") || !strings.Contains(items[0], "note on Yicai, 2026-12-01, citing QuestMobile") {
		t.Errorf("alert text %q %q", header, items)
	}

	// They survive a restart.
	c2 := New(Config{Knowledge: &knowledgetest.Fake{}, DataDir: dir})
	if r := c2.Command(ctx, Request{Platform: PlatformTelegram, ChatID: "100"}, "subscriptions", ""); !strings.Contains(r.Message, "Hongguo") {
		t.Errorf("after a restart: %q", r.Message)
	}
	// Administrators limit them per chat.
	if r := cmd("9", "100", "sublimit", "1"); r.Kind != KindRefused {
		t.Errorf("sublimit by a user: %v", r.Kind)
	}
	if r := cmd("1", "100", "sublimit", "1"); !strings.Contains(r.Message, "at most 1") {
		t.Errorf("sublimit by an admin: %q", r.Message)
	}
	if r := cmd("9", "100", "subscribe", "ReelShort"); r.Kind != KindRefused || !strings.Contains(r.Message, "limit") {
		t.Errorf("over the limit: %v %q", r.Kind, r.Message)
	}
	if r := cmd("9", "100", "unsubscribe", "HONGGUO"); !strings.Contains(r.Message, "Unsubscribed from “Hongguo”") {
		t.Errorf("unsubscribe: %q", r.Message)
	}
	if r := c.Command(ctx, Request{Platform: PlatformHTTP}, "subscribe", "x"); r.Kind != KindInvalid {
		t.Errorf("subscribe over HTTP: %v", r.Kind)
	}
}

func TestAlertsAreBoundedPerHour(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		c := New(Config{Knowledge: &knowledgetest.Fake{}, AlertsPerHour: 3})
		n := &notifier{}
		c.SetNotifier(PlatformDiscord, n)
		c.Command(ctx, Request{Platform: PlatformDiscord, ChatID: "c"}, "subscribe", "ReelShort")
		var batch []knowledge.Hit
		for i := range 5 {
			batch = append(batch, hit(string(rune('a'+i)), "ReelShort earned US$ 10 million in a month."))
		}
		c.PassagesAdded(ctx, batch)
		got := n.get("c")
		if len(got) != 3 || got[0].Digest || got[1].Digest || !got[2].Digest || len(got[2].Items) != 3 {
			t.Fatalf("5 passages: %d posts, want 2 alone and a digest of 3", len(got))
		}
		// The hour's budget is spent: more waits for one digest.
		c.PassagesAdded(ctx, batch[:2])
		if len(n.get("c")) != 3 {
			t.Fatal("posted beyond the hourly budget")
		}
		time.Sleep(time.Hour + time.Second)
		synctest.Wait()
		got = n.get("c")
		if len(got) != 4 || !got[3].Digest || len(got[3].Items) != 2 {
			t.Errorf("after the hour: %d posts (last %+v), want one digest of the 2 that waited", len(got), got[len(got)-1])
		}
	})
}

// TestWaitingAlertsSurviveARestart: alerts held for the next hour are in
// the data dir, and a restarted bot posts them.
func TestWaitingAlertsSurviveARestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		ctx := context.Background()
		c := New(Config{Knowledge: &knowledgetest.Fake{}, AlertsPerHour: 1, DataDir: dir})
		n := &notifier{}
		c.SetNotifier(PlatformTelegram, n)
		c.Command(ctx, Request{Platform: PlatformTelegram, ChatID: "7"}, "subscribe", "ReelShort")
		c.PassagesAdded(ctx, []knowledge.Hit{hit("a", "ReelShort earned US$ 10 million.")})
		c.PassagesAdded(ctx, []knowledge.Hit{hit("b", "ReelShort earned US$ 20 million."), hit("c", "ReelShort earned US$ 30 million.")})
		if got := n.get("7"); len(got) != 1 {
			t.Fatalf("%d posts, want 1 within the budget", len(got))
		}
		// Restart: the two waiting passages come from the file.
		c2 := New(Config{Knowledge: &knowledgetest.Fake{}, AlertsPerHour: 1, DataDir: dir})
		n2 := &notifier{}
		c2.SetNotifier(PlatformTelegram, n2)
		c.alerts.mu.Lock()
		for _, tm := range c.alerts.timers {
			tm.Stop() // the first process is gone
		}
		c.alerts.mu.Unlock()
		time.Sleep(pendingAfterRestart + time.Second)
		synctest.Wait()
		got := n2.get("7")
		if len(got) != 1 || !got[0].Digest || len(got[0].Items) != 2 {
			t.Fatalf("after the restart: %+v, want one digest of the 2 waiting passages", got)
		}
		c3 := New(Config{Knowledge: &knowledgetest.Fake{}, DataDir: dir})
		c3.alerts.mu.Lock()
		defer c3.alerts.mu.Unlock()
		if len(c3.alerts.pending) != 0 {
			t.Errorf("posted alerts still in the file: %v", c3.alerts.pending)
		}
	})
}
