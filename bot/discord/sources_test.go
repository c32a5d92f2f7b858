package discord

import (
	"context"
	"strings"
	"sync"
	"testing"

	"dramabot/bot"
	"dramabot/bot/discord/discordtest"
)

// recordingAdder adds anything and records what it was given.
type recordingAdder struct {
	mu    sync.Mutex
	calls []string
}

func (a *recordingAdder) AddURL(_ context.Context, url string) (bot.Added, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "url "+url)
	return bot.Added{Source: url, Documents: []bot.AddedDocument{{Title: "Zorblax report", Publisher: "Test Wire", Date: "2026-11-02", Passages: 3}}}, nil
}

func (a *recordingAdder) AddFile(_ context.Context, name string, data []byte) (bot.Added, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "file "+name+" "+string(data))
	return bot.Added{Source: name, Documents: []bot.AddedDocument{{Title: "Annual report", Passages: 2}}}, nil
}

func (a *recordingAdder) got() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return strings.Join(a.calls, "; ")
}

// TestAddSources: /add and a document in a direct message add a source
// for an administrator; anyone else is refused, before any download.
func TestAddSources(t *testing.T) {
	t.Parallel()
	adder := &recordingAdder{}
	h := start(t, options{admins: []string{"discord:" + dmUser.UserID}, sources: adder})
	other := discordtest.From{UserID: "500000000000000003", Username: "cy", ChannelID: "700000000000000003"}

	// The slash command: deferred as a reply only the asker sees (an
	// edit of it, or a follow-up, then carries the text).
	slash := func(from discordtest.From) string {
		it := h.fake.SendCommand(t, from, "add", map[string]string{"url": "https://example.com/feed.xml"})
		calls := h.fake.AwaitCalls(t, 2, discordtest.For(it))
		if calls[0].CallbackType() != 5 || !strings.Contains(string(calls[0].Body), `"flags":64`) {
			t.Errorf("/add not deferred privately: %s", calls[0].Body)
		}
		waitFor(t, "the reply to /add", func() bool {
			c := filter(h.fake.Calls(), discordtest.For(it))
			return decode(t, c[len(c)-1]).text() != ""
		})
		c := filter(h.fake.Calls(), discordtest.For(it))
		return decode(t, c[len(c)-1]).text()
	}
	if got := slash(guildUser); !strings.Contains(got, "only the bot's administrators can add sources") {
		t.Errorf("a member's /add: %q", got)
	}
	if got := slash(dmUser); !strings.Contains(got, "Added https://example.com/feed.xml: 1 document, 3 passages.") ||
		!strings.Contains(got, "Zorblax report — Test Wire, 2026-11-02 (3 passages)") {
		t.Errorf("an administrator's /add: %q", got)
	}

	// Documents in direct messages.
	h.fake.SendAttachment(t, other, "", "theirs.pdf", "application/pdf", []byte("%PDF-1.7 theirs"), 0)
	m := decode(t, h.fake.AwaitCalls(t, 1, discordtest.InChannel(other.ChannelID))[0])
	if !strings.Contains(m.text(), "only the bot's administrators can add sources") {
		t.Errorf("a member's document: %q", m.text())
	}
	h.fake.SendAttachment(t, dmUser, "", "huge.pdf", "application/pdf", []byte("%PDF-1.7"), 30<<20)
	m = decode(t, h.fake.AwaitCalls(t, 1, discordtest.InChannel(dmUser.ChannelID))[0])
	if !strings.Contains(m.text(), "larger than 25 MiB") {
		t.Errorf("a 30 MiB document: %q", m.text())
	}
	h.fake.SendAttachment(t, dmUser, "", "report.pdf", "application/pdf", []byte("%PDF-1.7 report"), 0)
	m = decode(t, h.fake.AwaitCalls(t, 2, discordtest.InChannel(dmUser.ChannelID))[1])
	if !strings.Contains(m.text(), "Added report.pdf: 1 document, 2 passages.") {
		t.Errorf("an administrator's document: %q", m.text())
	}
	if n := h.fake.AttachmentDownloads("theirs.pdf") + h.fake.AttachmentDownloads("huge.pdf"); n != 0 {
		t.Errorf("refused documents downloaded %d times", n)
	}
	if got := adder.got(); got != "url https://example.com/feed.xml; file report.pdf %PDF-1.7 report" {
		t.Errorf("adder got %q", got)
	}
}

func TestAttachmentHosts(t *testing.T) {
	b := &Bot{cfg: Config{APIURL: "http://127.0.0.1:4321"}}
	for host, want := range map[string]bool{
		"cdn.discordapp.com": true, "media.discordapp.net": true, "127.0.0.1:4321": true,
		"127.0.0.1:9999": false, "example.com": false, "cdn.discordapp.com.evil.example": false,
	} {
		if got := b.attachmentHost(host); got != want {
			t.Errorf("attachmentHost(%q) = %v, want %v", host, got, want)
		}
	}
}
