package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	tgbot "github.com/go-telegram/bot"

	"dramabot/bot"
)

// MaxDocumentBytes is the largest document the bot downloads: the Bot
// API's own limit on getFile.
const MaxDocumentBytes = 20 << 20

// addDocument hands a document an administrator sent in a private chat to
// the core as a new source. Others are refused before anything is
// downloaded.
func (b *Bot) addDocument(ctx context.Context, in incoming) bot.Reply {
	d := in.document
	if !b.core.IsAdmin(bot.PlatformTelegram, in.req.UserID) {
		return b.core.AddFile(ctx, in.req, d.FileName, nil, false)
	}
	if d.FileSize > MaxDocumentBytes {
		return bot.Reply{Kind: bot.KindInvalid, RequestID: bot.NewRequestID(),
			Message: fmt.Sprintf("Could not add %s: the file is larger than %d MiB, the most a bot can download from Telegram.", d.FileName, MaxDocumentBytes>>20)}
	}
	data, err := b.download(ctx, d.FileID)
	if err != nil {
		id := bot.NewRequestID()
		b.log.Warn("document download failed", "request_id", id, "file", d.FileName, "err", err)
		return bot.Reply{Kind: bot.KindError, RequestID: id, Message: "Could not add " + d.FileName + ": the download from Telegram failed; please send it again."}
	}
	return b.core.AddFile(ctx, in.req, d.FileName, data, false)
}

// errTooLarge is a download beyond MaxDocumentBytes.
var errTooLarge = errors.New("file too large")

// download fetches a file through getFile and the file link. Errors never
// hold the link, which holds the token.
func (b *Bot) download(ctx context.Context, fileID string) ([]byte, error) {
	f, err := b.tg.GetFile(ctx, &tgbot.GetFileParams{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("getFile: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.tg.FileDownloadLink(f), nil)
	if err != nil {
		return nil, errors.New("bad file link")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL holds the token
		}
		return nil, fmt.Errorf("download: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	if len(data) > MaxDocumentBytes {
		return nil, errTooLarge
	}
	return data, nil
}
