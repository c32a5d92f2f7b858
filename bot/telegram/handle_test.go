package telegram

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"
)

func TestRoute(t *testing.T) {
	b := &Bot{me: models.User{ID: 42, IsBot: true, Username: "DramaBot"}}
	alice := &models.User{ID: 7, FirstName: "Alice"}
	private := models.Chat{ID: 7, Type: models.ChatTypePrivate}
	group := models.Chat{ID: -100, Type: models.ChatTypeSupergroup}
	fromBot := &models.Message{ID: 3, From: &b.me, Chat: group, Text: "an answer"}
	tests := []struct {
		name    string
		msg     models.Message
		ok      bool
		text    string // the question, for questions
		command string // the command name, for commands
		notText bool
		replyTo int
		thread  int
		userID  string
	}{
		{name: "private text", msg: models.Message{ID: 1, From: alice, Chat: private, Text: "How big is 短剧?"}, ok: true, text: "How big is 短剧?", userID: "7"},
		{name: "private mention stripped", msg: models.Message{ID: 1, From: alice, Chat: private, Text: "@dramabot  revenue?"}, ok: true, text: "revenue?", userID: "7"},
		{name: "private command", msg: models.Message{ID: 1, From: alice, Chat: private, Text: "/figures revenue"}, ok: true, command: "figures", userID: "7"},
		{name: "private photo", msg: models.Message{ID: 1, From: alice, Chat: private, Photo: []models.PhotoSize{{FileID: "x"}}}, ok: true, notText: true, userID: "7"},
		{name: "private service message", msg: models.Message{ID: 1, From: alice, Chat: private}, ok: false},
		{name: "group /ask@DramaBot", msg: models.Message{ID: 9, From: alice, Chat: group, Text: "/ask@DramaBot q"}, ok: true, command: "ask", replyTo: 9, userID: "7"},
		{name: "group /help", msg: models.Message{ID: 9, From: alice, Chat: group, Text: "/help"}, ok: true, command: "help", replyTo: 9, userID: "7"},
		{name: "group unknown command for us", msg: models.Message{ID: 9, From: alice, Chat: group, Text: "/weather@DramaBot"}, ok: true, command: "weather", replyTo: 9, userID: "7"},
		{name: "group command for another bot", msg: models.Message{ID: 9, From: alice, Chat: group, Text: "/ask@OtherBot q"}, ok: false},
		{name: "group mention", msg: models.Message{ID: 9, From: alice, Chat: group, Text: "hey @DramaBot, revenue?"}, ok: true, text: "hey , revenue?", replyTo: 9, userID: "7"},
		{name: "group mention of a longer name", msg: models.Message{ID: 9, From: alice, Chat: group, Text: "hey @DramaBotX"}, ok: false},
		{name: "group e-mail address", msg: models.Message{ID: 9, From: alice, Chat: group, Text: "write to news@DramaBot"}, ok: false},
		{name: "group reply to the bot", msg: models.Message{ID: 9, From: alice, Chat: group, Text: "and 2023?", ReplyToMessage: fromBot}, ok: true, text: "and 2023?", replyTo: 9, userID: "7"},
		{name: "group reply to someone else", msg: models.Message{ID: 9, From: alice, Chat: group, Text: "agreed", ReplyToMessage: &models.Message{ID: 2, From: alice}}, ok: false},
		{name: "group photo captioned with a mention", msg: models.Message{ID: 9, From: alice, Chat: group, Photo: []models.PhotoSize{{FileID: "x"}}, Caption: "@DramaBot what is this"}, ok: true, notText: true, replyTo: 9, userID: "7"},
		{name: "group photo", msg: models.Message{ID: 9, From: alice, Chat: group, Photo: []models.PhotoSize{{FileID: "x"}}}, ok: false},
		{name: "forum topic", msg: models.Message{ID: 9, MessageThreadID: 5, IsTopicMessage: true, From: alice, Chat: group, Text: "/ask q"}, ok: true, command: "ask", replyTo: 9, thread: 5, userID: "7"},
		{name: "anonymous admin", msg: models.Message{ID: 9, From: &models.User{ID: 1087968824, IsBot: true, Username: "GroupAnonymousBot"}, SenderChat: &group, Chat: group, Text: "/ask q"}, ok: true, command: "ask", replyTo: 9, userID: "-100"},
		{name: "another bot", msg: models.Message{ID: 9, From: &models.User{ID: 8, IsBot: true}, Chat: group, Text: "@DramaBot hi"}, ok: false},
		{name: "channel post", msg: models.Message{ID: 9, Chat: models.Chat{ID: -5, Type: models.ChatTypeChannel}, Text: "@DramaBot hi"}, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, ok := b.route(&tt.msg)
			if ok != tt.ok {
				t.Fatalf("routed = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			cmd := ""
			if in.command != nil {
				cmd = in.command.Name
			}
			got := fmt.Sprintf("text=%q command=%q notText=%v replyTo=%d thread=%d user=%q", in.req.Text, cmd, in.notText, in.replyTo, in.threadID, in.req.UserID)
			want := fmt.Sprintf("text=%q command=%q notText=%v replyTo=%d thread=%d user=%q", tt.text, tt.command, tt.notText, tt.replyTo, tt.thread, tt.userID)
			if got != want || in.chatID != tt.msg.Chat.ID || in.req.Platform != "telegram" {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	b := &Bot{token: "123:AbC/d+e"}
	for _, in := range []string{
		`Post "https://api.telegram.org/bot123:AbC/d+e/sendMessage": dial tcp: i/o timeout`,
		`error: bot123:AbC/d+e failed`,
		`escaped ` + url.PathEscape(b.token) + ` and ` + url.QueryEscape(b.token),
		`see http://127.0.0.1:8080/x?y=1 for details`,
	} {
		out := b.redact(in)
		if strings.Contains(out, "AbC") || strings.Contains(out, "://") {
			t.Errorf("redact(%q) = %q", in, out)
		}
	}
	if got := b.redact(strings.Repeat("é", 2000)); len(got) > maxLogText+len("…") {
		t.Errorf("long text kept at %d bytes", len(got))
	}
	err := b.redactErr(fmt.Errorf("wrapped: %w", errBoom))
	if !errors.Is(err, errBoom) {
		t.Error("redactErr broke the error chain")
	}
}

var errBoom = errors.New("boom")
