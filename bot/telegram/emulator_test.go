package telegram

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"dramabot/bot"
	"dramabot/bot/telegram/telegramtest"
	"dramabot/knowledge/knowledgetest"
)

// TestEmulatorSmoke runs the bot against telegram-test-api 4.2.1, the public
// Bot API emulator (npm), started on 127.0.0.1: a user's message goes in
// through the emulator's client API and the bot's cited answer comes back.
// It skips without node or node_modules, unless DRAMABOT_REQUIRE_EMULATOR=1.
func TestEmulatorSmoke(t *testing.T) {
	emu := telegramtest.StartEmulator(t)
	// The emulator keeps one queue per token: a fresh one per run.
	token := fmt.Sprintf("%d:emulator-smoke-token", time.Now().UnixNano()%1_000_000_000)
	logs := &knowledgetest.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if strings.Contains(logs.String(), token) {
			t.Error("the token was logged")
		}
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	core := bot.New(bot.Config{Knowledge: &knowledgetest.Fake{}, Logger: log})
	b, err := New(t.Context(), Config{
		Token: token, APIURL: emu.URL, HTTPClient: emu.HTTPClient(), Core: core, Logger: log,
		PollTimeout: 10 * time.Second, ShutdownTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if b.Username() != "TestNameBot" { // the emulator's fixed getMe
		t.Errorf("Username() = %q", b.Username())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return")
		}
	})

	alice := telegramtest.Alice
	emu.SendMessage(t, token, alice, telegramtest.Chat{ID: alice.ID, Type: "private", FirstName: alice.FirstName}, question)
	got := emu.WaitBotMessages(t, token, alice.ID, 1)[0]
	if got.ParseMode != "HTML" || got.ChatID != fmt.Sprint(alice.ID) {
		t.Errorf("parse mode %q to chat %q, want HTML to %d", got.ParseMode, got.ChatID, alice.ID)
	}
	plain, err := telegramtest.ParseHTML(got.Text)
	if err != nil {
		t.Fatalf("the answer is not valid Telegram HTML: %v", err)
	}
	for _, want := range []string{"647,000 jobs [1]", `[1] 185-Fold Boom in 4 Years!`, "CRI Online, 2025-05-08"} {
		if !strings.Contains(plain, want) {
			t.Errorf("answer lacks %q:\n%s", want, plain)
		}
	}

	// A follow-up in the private chat continues the question before it.
	emu.SendMessage(t, token, alice, telegramtest.Chat{ID: alice.ID, Type: "private", FirstName: alice.FirstName}, "what about 2023?")
	follow := emu.WaitBotMessages(t, token, alice.ID, 1)[0] // each call returns what came since the last
	if plain, _ := telegramtest.ParseHTML(follow.Text); !strings.HasPrefix(plain, "Understood as: "+question[:len(question)-1]+" in 2023?") {
		t.Errorf("follow-up through the emulator:\n%s", plain)
	}

	// A group command addressed to the bot by name.
	group := telegramtest.Chat{ID: -4242, Type: "group", Title: "Desk"}
	emu.SendMessage(t, token, alice, group, "/ask@TestNameBot How many jobs?")
	if m := emu.WaitBotMessages(t, token, group.ID, 1)[0]; !strings.Contains(m.Text, "647,000 jobs [1]") {
		t.Errorf("group answer %q", m.Text)
	}
}
