package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"dramabot/bot/telegram/telegramtest"
)

// TestSubscriptionAfterReindex runs serve with Telegram (the fake Bot API on
// 127.0.0.1): a chat subscribes to a topic, a document is added and SIGHUP
// reindexes, and the chat gets the new passage on its topic, and nothing for
// a new passage on another topic.
func TestSubscriptionAfterReindex(t *testing.T) {
	tg := telegramtest.New(t, telegramtest.Options{})
	env := testEnv(t)
	docs := t.TempDir()
	env["DRAMABOT_DOCS"] = docs
	env["DRAMABOT_RATE_LIMIT"] = "-1"
	env["TELEGRAM_TOKEN"] = tg.Token
	env["TELEGRAM_API_URL"] = tg.URL
	_, stop := startServe(t, env)
	defer stop()

	alice := telegramtest.Alice
	tg.Push(telegramtest.Private(alice, "/subscribe Zorblax"))
	if m := tg.WaitSent(t, alice.ID, 1)[0]; !strings.Contains(m.Plain, "Subscribed") {
		t.Fatalf("subscribe: %q", m.Plain)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(docs, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("zorblax.md", "---\ntitle: Studio report\npublisher: Test Wire\ndate: 2026-06-01\nurl: https://example.org/zorblax\n---\nZorblax Studios produced 37 mini series in 2026.\n")
	write("other.md", "---\ntitle: Weather report\npublisher: Test Wire\ndate: 2026-06-01\n---\nIt rained 12 days in June.\n")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	m := tg.WaitSent(t, alice.ID, 2)[1]
	for _, want := range []string{"New in the sources on “Zorblax”", "Studio report — Test Wire, 2026-06-01", "37 mini series"} {
		if !strings.Contains(m.Plain, want) {
			t.Errorf("alert lacks %q:\n%s", want, m.Plain)
		}
	}
	if strings.Contains(m.Plain, "rained") {
		t.Errorf("the other passage was posted:\n%s", m.Plain)
	}
	// The subscription is in the data dir.
	if b, err := os.ReadFile(filepath.Join(env["DRAMABOT_DATA"], "subscriptions.json")); err != nil || !strings.Contains(string(b), "Zorblax") {
		t.Errorf("subscriptions.json: %v %s", err, b)
	}
}
