// Package telegram is dramabot's Telegram surface, on go-telegram/bot (the
// only package that imports it). Journalists ask in private chats (any
// text), in groups (/ask, /ask@BotName, a mention of the bot, or a reply to
// one of its messages) and inline (@BotName question, answered with cited
// cards). Answers come from bot.Core, like on every other surface, rendered
// as escaped HTML and split under Telegram's 4096-character limit.
//
// Around the library it adds what it lacks: /cmd@BotName matching, panic
// recovery, message splitting, retries of 429 (after retry_after) and 5xx
// (with backoff), a webhook handler that answers 401 to a wrong secret and
// limits bodies, handlers that outlive the polling context so answers in
// flight finish on shutdown, and logs that never carry the token or a URL.
package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dramabot/bot"
)

// Defaults for Config.
const (
	DefaultPollTimeout     = time.Minute
	DefaultShutdownTimeout = 10 * time.Second
	DefaultAnswerTimeout   = 3 * time.Minute
	DefaultRetryTimeout    = 2 * time.Minute
	DefaultMaxInFlight     = 8
	DefaultMaxWebhookBody  = 1 << 20

	// pollHeadroom is how much longer than a long poll the default HTTP
	// client waits: the library's 60 s client against a 59 s poll causes
	// spurious timeouts.
	pollHeadroom = 30 * time.Second
	// startupTimeout bounds getMe and setMyCommands retries in New.
	startupTimeout = 30 * time.Second
)

const defaultAPIURL = "https://api.telegram.org"

// SecretHeader carries the webhook secret token on Telegram's requests.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Config configures a Bot. Token and Core are required.
type Config struct {
	// Token is the bot token (TELEGRAM_TOKEN). It is part of every request
	// URL, so neither it nor a URL is ever logged.
	Token string
	// APIURL points the client at another Bot API server
	// (TELEGRAM_API_URL): a self-hosted telegram-bot-api, or a test server.
	// Default https://api.telegram.org.
	APIURL string
	// WebhookURL switches from long polling to webhook mode
	// (TELEGRAM_WEBHOOK_URL): Run registers it with setWebhook, and the
	// caller serves WebhookHandler at WebhookPath.
	WebhookURL string
	// WebhookSecret is required in webhook mode (TELEGRAM_WEBHOOK_SECRET):
	// 1-256 characters of A-Z, a-z, 0-9, _ and -.
	WebhookSecret string
	Core          *bot.Core
	Logger        *slog.Logger
	// HTTPClient is optional; the default's timeout is PollTimeout + 30 s.
	// A client whose timeout is not above PollTimeout lowers PollTimeout.
	HTTPClient *http.Client
	// ShutdownTimeout bounds how long Run waits for answers in flight
	// once its context is done; then they are cancelled. Default 10 s.
	ShutdownTimeout time.Duration
	// PollTimeout is the long-poll duration (getUpdates waits one second
	// less). Default 60 s.
	PollTimeout time.Duration
	// AnswerTimeout bounds the handling of one update: the answer and its
	// delivery, retries included. Default 3 min.
	AnswerTimeout time.Duration
	// RetryTimeout bounds the retries of one Bot API call on 429 and 5xx
	// answers and network errors. Default 2 min.
	RetryTimeout time.Duration
	// MaxInFlight bounds the updates handled at once; when all slots are
	// busy, polling waits (or webhook requests wait). Default 8.
	MaxInFlight int
	// MaxWebhookBody bounds a webhook request body. Default 1 MiB.
	MaxWebhookBody int64
}

// Bot is a running Telegram surface. Create it with New, then call Run.
type Bot struct {
	tg   *tgbot.Bot
	core *bot.Core
	log  *slog.Logger
	me   models.User

	token           string
	webhookURL      string
	webhookSecret   string
	webhookPath     string
	shutdownTimeout time.Duration
	answerTimeout   time.Duration
	retryTimeout    time.Duration
	maxBody         int64

	ready   atomic.Bool
	running atomic.Bool

	apiURL         string
	client         *observedClient
	lastDispatched atomic.Int64 // the last update handed to a handler, in polling mode

	// Handlers run on base, not on the polling context the library passes
	// them, so that answers in flight outlive a shutdown request; stop
	// cancels it when the shutdown timeout is over.
	base  context.Context
	stop  context.CancelFunc
	slots chan struct{}

	mu       sync.Mutex
	closing  bool
	inflight sync.WaitGroup

	chatMu    sync.Mutex
	chatLocks map[int64]*chatLock
}

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// New connects to the Bot API: it calls getMe (to learn the bot's user name,
// which group commands and mentions are matched against) and setMyCommands
// (so clients show the command menu; a failure there is only logged).
func New(ctx context.Context, cfg Config) (_ *Bot, err error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("telegram: no token")
	}
	if cfg.Core == nil {
		return nil, errors.New("telegram: no core")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Bot{
		core: cfg.Core, log: cfg.Logger.With("platform", bot.PlatformTelegram), token: cfg.Token,
		webhookURL: cfg.WebhookURL, webhookSecret: cfg.WebhookSecret,
		shutdownTimeout: orDefault(cfg.ShutdownTimeout, DefaultShutdownTimeout),
		answerTimeout:   orDefault(cfg.AnswerTimeout, DefaultAnswerTimeout),
		retryTimeout:    orDefault(cfg.RetryTimeout, DefaultRetryTimeout),
		maxBody:         cfg.MaxWebhookBody,
		chatLocks:       map[int64]*chatLock{},
	}
	if b.maxBody <= 0 {
		b.maxBody = DefaultMaxWebhookBody
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	b.slots = make(chan struct{}, cfg.MaxInFlight)
	if b.webhookURL != "" {
		u, err := url.Parse(b.webhookURL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, errors.New("telegram: webhook URL must be an absolute http(s) URL (Telegram requires https)")
		}
		if !secretRE.MatchString(b.webhookSecret) {
			return nil, errors.New("telegram: webhook mode needs a secret token of 1-256 characters A-Z, a-z, 0-9, _ or -")
		}
		b.webhookPath = u.EscapedPath()
		if b.webhookPath == "" {
			b.webhookPath = "/"
		}
	}

	poll := orDefault(cfg.PollTimeout, DefaultPollTimeout)
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: poll + pollHeadroom}
	} else if b.webhookURL == "" && client.Timeout > 0 && client.Timeout <= poll+time.Second {
		poll = max(client.Timeout*2/3, 2*time.Second)
		b.log.Warn("HTTP client timeout is not above the poll timeout: polling for less", "client_timeout", client.Timeout, "poll_timeout", poll)
	}

	b.base, b.stop = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			b.stop()
		}
	}()
	b.apiURL = strings.TrimRight(cfg.APIURL, "/")
	if b.apiURL == "" {
		b.apiURL = defaultAPIURL
	}
	b.client = &observedClient{next: client, bot: b}
	opts := []tgbot.Option{
		tgbot.WithSkipGetMe(), // called below, under ctx and with retries
		tgbot.WithServerURL(b.apiURL),
		tgbot.WithHTTPClient(poll, b.client),
		tgbot.WithDefaultHandler(b.onUpdate),
		// One worker hands each update to dispatch, which starts its own
		// goroutine; an unbuffered channel keeps the library from
		// confirming updates it has not handed over yet.
		tgbot.WithNotAsyncHandlers(),
		tgbot.WithWorkers(1),
		tgbot.WithUpdatesChannelCap(0),
		tgbot.WithAllowedUpdates(allowedUpdates),
		tgbot.WithErrorsHandler(b.logClientError),
		tgbot.WithDebugHandler(b.logClientDebug),
	}
	if b.log.Enabled(ctx, slog.LevelDebug) {
		opts = append(opts, tgbot.WithDebug())
	}
	b.tg, err = tgbot.New(cfg.Token, opts...)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", b.redactErr(err))
	}

	startCtx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	var me *models.User
	err = b.call(startCtx, "getMe", func(ctx context.Context) error {
		var err error
		me, err = b.tg.GetMe(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("telegram: getMe: %w", err)
	}
	if me.Username == "" {
		return nil, errors.New("telegram: getMe returned no user name")
	}
	b.me = *me
	b.log = b.log.With("bot", me.Username)
	b.ready.Store(true)
	cfg.Core.SetNotifier(bot.PlatformTelegram, b)

	err = b.call(startCtx, "setMyCommands", func(ctx context.Context) error {
		_, err := b.tg.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: menu})
		return err
	})
	if err != nil {
		b.log.Warn("could not set the command menu", "err", err)
	}
	err = b.call(startCtx, "setMyCommands", func(ctx context.Context) error {
		_, err := b.tg.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: menuZH, LanguageCode: "zh"})
		return err
	})
	if err != nil {
		b.log.Warn("could not set the Chinese command menu", "err", err)
	}
	b.log.Info("connected to the Bot API", "mode", b.mode())
	return b, nil
}

var allowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateInlineQuery, models.AllowedUpdateCallbackQuery}

// menu is the command menu clients show. /reindex is left out: admins only.
var menu = []models.BotCommand{
	{Command: "ask", Description: "Ask a question about the Chinese mini-series (短剧) market"},
	{Command: "figures", Description: "A metric's figures across sources, with a chart (e.g. market size)"},
	{Command: "sources", Description: "Who the sources are, by publisher"},
	{Command: "subscribe", Description: "Get new passages on a topic here, e.g. /subscribe Hongguo"},
	{Command: "unsubscribe", Description: "Stop the alerts on a topic"},
	{Command: "subscriptions", Description: "This chat's subscriptions"},
	{Command: "about", Description: "Corpus size, as-of date and version"},
	{Command: "help", Description: "How to ask, and what I can do"},
}

// menuZH is the menu Telegram shows users whose app is in Chinese.
var menuZH = []models.BotCommand{
	{Command: "ask", Description: "提问：关于中国短剧市场的问题"},
	{Command: "figures", Description: "各来源的数据及图表（如：市场规模）"},
	{Command: "sources", Description: "资料来源，按发布方"},
	{Command: "subscribe", Description: "订阅主题的新资料，例如 /subscribe 红果短剧"},
	{Command: "unsubscribe", Description: "取消订阅一个主题"},
	{Command: "subscriptions", Description: "本聊天的订阅"},
	{Command: "about", Description: "资料规模、截至日期和版本"},
	{Command: "help", Description: "怎么提问，我能做什么"},
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (b *Bot) mode() string {
	if b.webhookURL != "" {
		return "webhook"
	}
	return "polling"
}

// Username is the bot's user name, without "@".
func (b *Bot) Username() string { return b.me.Username }

// Ready reports whether the bot is connected: its last getUpdates (or
// setup call: getMe, deleteWebhook, setWebhook in webhook mode) succeeded.
func (b *Bot) Ready() bool { return b.ready.Load() }

// WebhookPath is the path part of the webhook URL, where the caller mounts
// WebhookHandler; empty in polling mode.
func (b *Bot) WebhookPath() string { return b.webhookPath }

// Run takes updates (long polling, or webhook requests) until ctx is done,
// then stops taking them, lets the answers in flight finish within the
// shutdown timeout and returns nil. It returns an error early only when
// Telegram refuses the setup for good (a bad token, a bad webhook URL).
func (b *Bot) Run(ctx context.Context) error {
	if !b.running.CompareAndSwap(false, true) {
		return errors.New("telegram: Run called twice")
	}
	defer b.ready.Store(false)
	// The library logs a spurious error when its context ends by deadline
	// rather than cancellation: hand it a context that is only cancelled.
	pollCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer context.AfterFunc(ctx, cancel)()
	defer cancel()

	var err error
	if b.webhookURL != "" {
		err = b.runWebhook(pollCtx)
	} else {
		err = b.runPolling(pollCtx)
	}
	b.drain()
	if err != nil && ctx.Err() == nil {
		return err
	}
	b.log.Info("telegram stopped")
	return nil
}

func (b *Bot) runPolling(ctx context.Context) error {
	// A webhook left by an earlier deployment would make every
	// getUpdates fail with 409 Conflict. Retried until it succeeds: a
	// Telegram outage at start is waited out, not fatal.
	err := b.callUntil(ctx, "deleteWebhook", func(ctx context.Context) error {
		_, err := b.tg.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{})
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("telegram: deleteWebhook: %w", err)
	}
	b.ready.Store(true)
	b.log.Info("long polling")
	b.tg.Start(ctx) // returns when ctx is done
	b.confirmDispatched()
	b.ready.Store(false)
	return nil
}

func (b *Bot) runWebhook(ctx context.Context) error {
	err := b.callUntil(ctx, "setWebhook", func(ctx context.Context) error {
		_, err := b.tg.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL: b.webhookURL, SecretToken: b.webhookSecret, AllowedUpdates: allowedUpdates,
		})
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("telegram: setWebhook: %w", err)
	}
	b.ready.Store(true)
	b.log.Info("webhook set", "path", b.webhookPath)
	<-ctx.Done()
	b.ready.Store(false)
	return nil
}

// WebhookHandler serves Telegram's webhook requests in webhook mode (404 in
// polling mode). A wrong or missing secret token gets 401, a body over the
// limit 413, a malformed update 400, and a request during shutdown 503, so
// Telegram delivers it again later.
func (b *Bot) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b.webhookURL == "" {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get(SecretHeader)), []byte(b.webhookSecret)) != 1 {
			b.log.Warn("webhook request with a wrong secret token", "remote_addr", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var upd models.Update
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, b.maxBody)).Decode(&upd); err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "malformed update", http.StatusBadRequest)
			return
		}
		if !b.dispatch(r.Context(), &upd) {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// onUpdate is the library's handler for every update in polling mode.
func (b *Bot) onUpdate(ctx context.Context, _ *tgbot.Bot, upd *models.Update) {
	if !b.dispatch(ctx, upd) {
		// Not confirmed to Telegram yet (no later getUpdates was sent),
		// so the next start receives it again.
		b.log.Info("update left for the next start", "update_id", upd.ID)
		return
	}
	b.lastDispatched.Store(upd.ID)
}

// confirmDispatched tells Telegram, at shutdown, that the updates handed to
// handlers are done with. The library confirms an update only with its
// next poll, so an update taken just before shutdown would otherwise come
// again at the next start and be answered twice. The library has no public
// getUpdates, hence the plain request; the updates it returns are not
// confirmed by it and stay for the next start.
func (b *Bot) confirmDispatched() {
	last := b.lastDispatched.Load()
	if last == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	form := url.Values{"offset": {strconv.FormatInt(last+1, 10)}, "limit": {"1"}, "timeout": {"0"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.apiURL+"/bot"+b.token+"/getUpdates", strings.NewReader(form.Encode()))
	if err != nil {
		b.log.Warn("could not confirm the last updates", "err", b.redactErr(err))
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.client.Do(req)
	if err != nil {
		b.log.Warn("could not confirm the last updates: they may be answered again at the next start", "update_id", last, "err", b.redactErr(err))
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.log.Warn("could not confirm the last updates: they may be answered again at the next start", "update_id", last, "status", resp.StatusCode)
	}
}

// dispatch starts handling upd in its own goroutine, waiting (until wait is
// done) for one of the MaxInFlight slots. It returns false, handling
// nothing, when wait ends first or the bot is shutting down.
func (b *Bot) dispatch(wait context.Context, upd *models.Update) bool {
	select {
	case b.slots <- struct{}{}:
	case <-wait.Done():
		return false
	}
	b.mu.Lock()
	if b.closing {
		b.mu.Unlock()
		<-b.slots
		return false
	}
	b.inflight.Add(1)
	b.mu.Unlock()
	go func() {
		defer b.inflight.Done()
		defer func() { <-b.slots }()
		ctx, cancel := context.WithTimeout(b.base, b.answerTimeout)
		defer cancel()
		b.handle(ctx, upd)
	}()
	return true
}

// drain stops dispatching and waits for the handlers in flight, cancelling
// them when the shutdown timeout is over.
func (b *Bot) drain() {
	b.mu.Lock()
	b.closing = true
	b.mu.Unlock()
	done := make(chan struct{})
	go func() {
		b.inflight.Wait()
		close(done)
	}()
	timer := time.NewTimer(b.shutdownTimeout)
	defer timer.Stop()
	select {
	case <-done:
		b.stop()
		return
	case <-timer.C:
	}
	b.log.Warn("answers still in flight at the shutdown timeout: cancelling them", "timeout", b.shutdownTimeout)
	b.stop()
	grace := time.NewTimer(2 * time.Second)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
		b.log.Error("answers in flight ignored cancellation; giving up on them")
	}
}

// chatLock keeps the parts of one reply together when several replies go
// to the same chat at once.
type chatLock struct {
	mu   sync.Mutex
	refs int
}

func (b *Bot) lockChat(id int64) func() {
	b.chatMu.Lock()
	l := b.chatLocks[id]
	if l == nil {
		l = &chatLock{}
		b.chatLocks[id] = l
	}
	l.refs++
	b.chatMu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		b.chatMu.Lock()
		if l.refs--; l.refs == 0 {
			delete(b.chatLocks, id)
		}
		b.chatMu.Unlock()
	}
}
