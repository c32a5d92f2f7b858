package discord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/bwmarrin/discordgo"

	"dramabot/bot"
)

// MaxAttachmentBytes is the largest document the bot downloads: what
// Discord lets anyone upload without Nitro.
const MaxAttachmentBytes = 25 << 20

// attachmentHosts are where Discord serves attachments; the host of
// Config.APIURL (a proxy, or the test fake) is trusted too.
var attachmentHosts = []string{"cdn.discordapp.com", "media.discordapp.net"}

// documentAttachment is the first PDF or DOCX attached, or nil.
func documentAttachment(as []*discordgo.MessageAttachment) *discordgo.MessageAttachment {
	for _, a := range as {
		if a == nil {
			continue
		}
		switch strings.ToLower(path.Ext(a.Filename)) {
		case ".pdf", ".docx":
			return a
		}
	}
	return nil
}

// addAttachment hands a document an administrator sent in a direct
// message to the core as a new source. Others are refused before
// anything is downloaded.
func (b *Bot) addAttachment(ctx context.Context, req bot.Request, a *discordgo.MessageAttachment) bot.Reply {
	if !b.core.IsAdmin(bot.PlatformDiscord, req.UserID) {
		return b.core.AddFile(ctx, req, a.Filename, nil, false)
	}
	if a.Size > MaxAttachmentBytes {
		return bot.Reply{Kind: bot.KindInvalid, RequestID: bot.NewRequestID(),
			Message: fmt.Sprintf("Could not add %s: the file is larger than %d MiB.", a.Filename, MaxAttachmentBytes>>20)}
	}
	data, err := b.downloadAttachment(ctx, a.URL)
	if err != nil {
		id := bot.NewRequestID()
		b.log.Warn("attachment download failed", "request_id", id, "file", a.Filename, "err", err)
		return bot.Reply{Kind: bot.KindError, RequestID: id, Message: "Could not add " + a.Filename + ": the download from Discord failed (" + err.Error() + ")."}
	}
	return b.core.AddFile(ctx, req, a.Filename, data, false)
}

// downloadAttachment fetches an attachment from Discord's CDN (or the
// configured API host), at most MaxAttachmentBytes.
func (b *Bot) downloadAttachment(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, errors.New("not an attachment URL")
	}
	if !b.attachmentHost(u.Host) {
		return nil, fmt.Errorf("attachment on %s, not on Discord", u.Hostname())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := b.session.Client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL's signature is not for the log
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxAttachmentBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxAttachmentBytes {
		return nil, fmt.Errorf("larger than %d MiB", MaxAttachmentBytes>>20)
	}
	return data, nil
}

func (b *Bot) attachmentHost(host string) bool {
	for _, h := range attachmentHosts {
		if strings.EqualFold(host, h) {
			return true
		}
	}
	if b.cfg.APIURL != "" {
		if api, err := url.Parse(b.cfg.APIURL); err == nil && strings.EqualFold(api.Host, host) {
			return true
		}
	}
	return false
}
