package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// REST retry policy for 429 answers.
const (
	maxRateLimitAttempts = 5
	// maxRateLimitWait is the longest retry_after worth waiting for; a
	// longer one fails the call rather than hold an answer for minutes.
	maxRateLimitWait = 30 * time.Second
	// tokenBuckets pools the rate-limit buckets of per-interaction URLs
	// (discordgo would add two buckets per interaction and never free them).
	tokenBuckets = 32
)

// call sends one REST request through discordgo's rate limiter and decodes
// the answer into out (if not nil). route names the endpoint in logs and
// errors: URLs are never logged, because interaction and webhook URLs carry
// tokens.
func (b *Bot) call(ctx context.Context, route, method, endpoint, bucket string, body, out any) error {
	// A message with files goes as multipart/form-data, encoded once for
	// every attempt.
	var contentType string
	var multipart []byte
	if files := filesOf(body); len(files) > 0 {
		var err error
		if contentType, multipart, err = discordgo.MultipartBodyWithJSON(body, files); err != nil {
			return fmt.Errorf("discord %s: encode: %w", route, err)
		}
	}
	for attempt := 1; ; attempt++ {
		var resp []byte
		var err error
		if multipart != nil {
			resp, err = b.session.RequestRaw(method, endpoint, contentType, multipart, bucket, 0,
				discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
		} else {
			resp, err = b.session.RequestWithBucketID(method, endpoint, body, bucket,
				discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
		}
		var rl *discordgo.RateLimitError
		if errors.As(err, &rl) {
			wait := time.Duration(0)
			if rl.RateLimit != nil && rl.TooManyRequests != nil {
				wait = rl.RetryAfter
			}
			if attempt >= maxRateLimitAttempts || wait > maxRateLimitWait {
				return fmt.Errorf("discord %s: rate limited, retry after %s", route, wait)
			}
			b.log.Warn("discord rate limited; retrying", "route", route, "retry_after", wait, "attempt", attempt)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("discord %s: %w", route, ctx.Err())
			case <-t.C:
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("discord %s: %w", route, redact(err))
		}
		if out != nil && len(resp) > 0 {
			if err := json.Unmarshal(resp, out); err != nil {
				return fmt.Errorf("discord %s: decode: %w", route, err)
			}
		}
		return nil
	}
}

// redact removes the URL from transport errors: interaction and webhook
// URLs contain tokens.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s request: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// tokenBucket names a pooled rate-limit bucket for a per-token URL.
func tokenBucket(kind, token string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(token))
	return kind + "#" + strconv.Itoa(int(h.Sum32()%tokenBuckets))
}

// rewriteTransport sends requests for discord.com to a REST proxy. It
// rewrites in the transport because discordgo's Endpoint* variables are
// computed at package init.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.EqualFold(req.URL.Hostname(), "discord.com") {
		return t.transport().RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.URL.Scheme = t.base.Scheme
	r.URL.Host = t.base.Host
	r.URL.Path = joinPath(t.base.Path, req.URL.Path)
	r.URL.RawPath = ""
	r.Host = ""
	return t.transport().RoundTrip(r)
}

func (t *rewriteTransport) transport() http.RoundTripper {
	if t.next != nil {
		return t.next
	}
	return http.DefaultTransport
}

// joinPath puts a request path ("/api/v9/...") under the proxy's base path.
// A base that already ends in "/api" or "/api/vN" loses that suffix, so a
// proxy given as "http://proxy/api/v9" still gets "/api/v9/...", not
// "/api/v9/api/v9/...".
func joinPath(base, path string) string {
	base = strings.TrimRight(base, "/")
	if i := strings.LastIndex(base, "/api"); i >= 0 && (base[i:] == "/api" || isVersion(base[i+len("/api"):])) {
		base = base[:i]
	}
	return base + path
}

func isVersion(s string) bool {
	n, ok := strings.CutPrefix(s, "/v")
	if !ok || n == "" {
		return false
	}
	_, err := strconv.Atoi(n)
	return err == nil
}

// payload is the message object of every send: channel messages, interaction
// responses, edits and follow-ups. AllowedMentions is never omitted, and
// newPayload always sets it to "parse nothing", so that @everyone, @here or
// <@id> in a question or a document pings nobody.
type payload struct {
	Content         string                            `json:"content,omitempty"`
	Embeds          []*discordgo.MessageEmbed         `json:"embeds,omitempty"`
	Components      []discordgo.MessageComponent      `json:"components,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	Flags           discordgo.MessageFlags            `json:"flags,omitempty"`
	Reference       *discordgo.MessageReference       `json:"message_reference,omitempty"`
	// files are uploaded with the message (a chart its embed shows).
	files []*discordgo.File
}

// filesOf returns the files a request body uploads.
func filesOf(body any) []*discordgo.File {
	switch b := body.(type) {
	case *payload:
		return b.files
	case replacement:
		return b.files
	case callback:
		if b.Data != nil {
			return b.Data.files
		}
	}
	return nil
}

// replacement is the payload of an edit that must clear what the message
// held (a status text): content, embeds and components are always written,
// empty or not.
type replacement struct {
	*payload
	Content    string                       `json:"content"`
	Embeds     []*discordgo.MessageEmbed    `json:"embeds"`
	Components []discordgo.MessageComponent `json:"components"`
}

func replacing(p *payload) replacement {
	r := replacement{payload: p, Content: p.Content, Embeds: p.Embeds, Components: p.Components}
	if r.Embeds == nil {
		r.Embeds = []*discordgo.MessageEmbed{}
	}
	if r.Components == nil {
		r.Components = []discordgo.MessageComponent{}
	}
	return r
}

func newPayload(m outMessage, ephemeral bool) *payload {
	p := &payload{
		Content:         m.Content,
		Embeds:          m.Embeds,
		Components:      m.Components,
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
	}
	if ephemeral {
		p.Flags = discordgo.MessageFlagsEphemeral
	}
	for _, f := range m.Files {
		p.files = append(p.files, &discordgo.File{Name: f.Name, ContentType: f.ContentType, Reader: bytes.NewReader(f.Data)})
	}
	return p
}

// callback is an interaction response.
type callback struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data *payload                          `json:"data"`
}

// sentMessage is the part of a created message the bot reads back.
type sentMessage struct {
	ID string `json:"id"`
}

// sendChannel posts a message in a channel (a reply when p.Reference is
// set) and returns its id.
func (b *Bot) sendChannel(ctx context.Context, channelID string, p *payload) (string, error) {
	endpoint := discordgo.EndpointChannelMessages(channelID)
	var m sentMessage
	err := b.call(ctx, "channel message", http.MethodPost, endpoint, endpoint, p, &m)
	return m.ID, err
}

// startThread opens a public thread on a message and returns its id.
func (b *Bot) startThread(ctx context.Context, m *discordgo.Message, question string) (string, error) {
	endpoint := discordgo.EndpointChannelMessageThread(m.ChannelID, m.ID)
	name := []rune(strings.Join(strings.Fields(question), " "))
	if len(name) > 90 {
		name = append(name[:89], '…')
	}
	body := map[string]any{"name": string(name), "auto_archive_duration": 1440}
	var ch struct {
		ID string `json:"id"`
	}
	if err := b.call(ctx, "thread start", http.MethodPost, endpoint, discordgo.EndpointChannelThreads(m.ChannelID), body, &ch); err != nil {
		return "", err
	}
	if ch.ID == "" {
		return "", fmt.Errorf("discord thread start: no channel id in the answer")
	}
	return ch.ID, nil
}

// react adds the bot's reaction to a message; a lost reaction is only
// logged.
func (b *Bot) react(ctx context.Context, channelID, messageID, emoji string) {
	endpoint := discordgo.EndpointMessageReaction(channelID, messageID, url.PathEscape(emoji), "@me")
	if err := b.call(ctx, "reaction", http.MethodPut, endpoint, discordgo.EndpointMessageReactions(channelID, "", ""), nil, nil); err != nil {
		b.log.Debug("discord reaction failed", "err", err)
	}
}

func (b *Bot) respond(ctx context.Context, i *discordgo.Interaction, typ discordgo.InteractionResponseType, p *payload) error {
	return b.call(ctx, "interaction callback", http.MethodPost,
		discordgo.EndpointInteractionResponse(i.ID, i.Token), tokenBucket("interaction-callback", i.Token),
		callback{Type: typ, Data: p}, nil)
}

// editOriginal edits the first response; body is a *payload or a
// replacement.
func (b *Bot) editOriginal(ctx context.Context, i *discordgo.Interaction, body any) error {
	_, err := b.editOriginalID(ctx, i, body)
	return err
}

// editOriginalID edits the first response and returns its message id.
func (b *Bot) editOriginalID(ctx context.Context, i *discordgo.Interaction, body any) (string, error) {
	var m sentMessage
	err := b.call(ctx, "interaction edit", http.MethodPatch,
		discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"), tokenBucket("interaction-original", i.Token), body, &m)
	return m.ID, err
}

func (b *Bot) deleteOriginal(ctx context.Context, i *discordgo.Interaction) error {
	return b.call(ctx, "interaction delete", http.MethodDelete,
		discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"), tokenBucket("interaction-original", i.Token), nil, nil)
}

// followupID sends a follow-up message and returns its id.
func (b *Bot) followupID(ctx context.Context, i *discordgo.Interaction, p *payload) (string, error) {
	var m sentMessage
	err := b.call(ctx, "interaction follow-up", http.MethodPost,
		discordgo.EndpointWebhookToken(i.AppID, i.Token)+"?wait=true", tokenBucket("interaction-followup", i.Token), p, &m)
	return m.ID, err
}
