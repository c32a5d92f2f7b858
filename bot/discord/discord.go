// Package discord is dramabot's Discord surface: slash commands, mentions and
// direct messages answered through bot.Core, on github.com/bwmarrin/discordgo.
// It is the only package that imports discordgo.
//
// discordgo leaves much to its users; this package handles:
//   - reconnects: discordgo's own loop ignores close codes and retries a
//     revoked token forever, so the session never reconnects by itself here;
//     Run reconnects (RESUME), with back-off, and stops with a
//     *FatalCloseError on 4004 and 4010-4014;
//   - panics: discordgo runs handlers without recover, and hands them an
//     empty Message when a payload has a component type it does not know;
//   - REST: every send carries AllowedMentions with an empty Parse list;
//     429s are retried here, within the caller's context, instead of with
//     discordgo's uncancellable sleep; rate-limit buckets for per-interaction
//     URLs are pooled, because discordgo keys them by URL and never frees
//     them;
//   - limits: Discord's message and embed limits are checked before sending.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"dramabot/bot"
)

// Defaults for Config.
const (
	DefaultAnswerCacheSize = 1000
	DefaultHandlerTimeout  = 2 * time.Minute
	DefaultShutdownTimeout = 10 * time.Second
)

// Config configures a Bot. Token and Core are required.
type Config struct {
	// Token is the bot token (DISCORD_TOKEN), with or without the "Bot "
	// prefix. It is never logged.
	Token string
	// GuildID registers the slash commands for one guild, where changes
	// show at once, instead of globally (DISCORD_GUILD_ID).
	GuildID string
	// ShardID and ShardCount split the guilds over several processes with
	// Discord's gateway sharding (DISCORD_SHARD_ID, DISCORD_SHARD_COUNT).
	// ShardCount 0 means 1. Only shard 0 registers the slash commands.
	ShardID, ShardCount int
	// APIURL sends REST calls through a Discord REST proxy such as
	// nirn-proxy (DISCORD_API_URL): the base URL that replaces
	// https://discord.com, e.g. http://nirn-proxy:8080. The gateway URL then
	// comes from that API's /gateway.
	APIURL string
	// MessageContent requests the privileged Message Content intent, which
	// must be enabled in the Developer Portal (Discord closes the gateway
	// with 4014 otherwise). Without it a mention that arrives without text
	// gets a hint to use /ask.
	MessageContent bool
	// Threads answers a mention in a guild channel in a new thread on the
	// message (DISCORD_THREADS), where follow-ups need no mention. Needs
	// the Create Public Threads permission; without it the bot answers in
	// the channel.
	Threads bool
	Core    *bot.Core
	Logger  *slog.Logger
	// HTTPClient is used for REST calls; nil means a client with a 20 s
	// timeout. Its transport is wrapped, not changed, for APIURL.
	HTTPClient *http.Client

	// AnswerCacheSize bounds how many recent answers the Sources and
	// feedback buttons can reach; 0 means DefaultAnswerCacheSize.
	AnswerCacheSize int
	// HandlerTimeout bounds the work for one event; 0 means
	// DefaultHandlerTimeout.
	HandlerTimeout time.Duration
	// ShutdownTimeout bounds how long Run waits for answers in progress
	// after ctx is done; 0 means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
}

// String describes the configuration without the token, so that printing
// or logging a Config cannot leak it.
func (c Config) String() string {
	token := "(empty)"
	if strings.TrimSpace(c.Token) != "" {
		token = "(set)"
	}
	return fmt.Sprintf("discord.Config{Token:%s GuildID:%q ShardID:%d ShardCount:%d APIURL:%q MessageContent:%v Threads:%v}",
		token, c.GuildID, c.ShardID, c.ShardCount, c.APIURL, c.MessageContent, c.Threads)
}

// LogValue keeps the token out of structured logs too.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Bot is a Discord bot. Run it once.
type Bot struct {
	cfg     Config
	core    *bot.Core
	log     *slog.Logger
	session *discordgo.Session
	answers *answerCache
	// sent and threads remember the bot's messages and the threads it
	// started, so that replies and thread messages reach it.
	sent, threads *idSet

	ready        atomic.Bool
	running      atomic.Bool
	disconnected chan struct{}

	handlerCtx   context.Context
	stopHandlers context.CancelFunc
	inflight     inflight

	// Reconnect back-off; tests shorten it.
	minBackoff, maxBackoff time.Duration
	// registered is closed once the command registration attempt is over.
	registered chan struct{}
}

// New returns a Bot; it does not connect.
func New(cfg Config) (*Bot, error) {
	if cfg.Core == nil {
		return nil, errors.New("discord: Config.Core is required")
	}
	token := strings.TrimSpace(cfg.Token)
	token = strings.TrimSpace(strings.TrimPrefix(token+" ", "Bot "))
	if token == "" {
		return nil, errors.New("discord: the bot token is empty")
	}
	if cfg.ShardCount <= 0 {
		cfg.ShardCount = 1
	}
	if cfg.ShardID < 0 || cfg.ShardID >= cfg.ShardCount {
		return nil, fmt.Errorf("discord: shard id %d is outside 0..%d", cfg.ShardID, cfg.ShardCount-1)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.AnswerCacheSize <= 0 {
		cfg.AnswerCacheSize = DefaultAnswerCacheSize
	}
	if cfg.HandlerTimeout <= 0 {
		cfg.HandlerTimeout = DefaultHandlerTimeout
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	client := &http.Client{Timeout: 20 * time.Second}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		client = &c
	}
	if cfg.APIURL != "" {
		base, err := parseAPIURL(cfg.APIURL)
		if err != nil {
			return nil, err
		}
		client.Transport = &rewriteTransport{base: base, next: client.Transport}
	}

	routeLibraryLog(cfg.Logger)
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, fmt.Errorf("discord: new session: %w", err)
	}
	s.Client = client
	// Run owns reconnection: discordgo's loop ignores fatal close codes.
	s.ShouldReconnectOnError = false
	s.ShouldRetryOnRateLimit = false
	// Only READY's user and application are needed; with state off discordgo
	// keeps just those instead of every guild, channel and member.
	s.StateEnabled = false
	s.ShardID, s.ShardCount = cfg.ShardID, cfg.ShardCount
	s.Identify.Intents = intents(cfg.MessageContent)

	hctx, stop := context.WithCancel(context.Background())
	b := &Bot{
		cfg:          cfg,
		core:         cfg.Core,
		log:          cfg.Logger.With("platform", bot.PlatformDiscord, "shard", cfg.ShardID),
		session:      s,
		answers:      newAnswerCache(cfg.AnswerCacheSize),
		sent:         newIDSet(10 * cfg.AnswerCacheSize),
		threads:      newIDSet(cfg.AnswerCacheSize),
		disconnected: make(chan struct{}, 1),
		handlerCtx:   hctx,
		stopHandlers: stop,
		minBackoff:   time.Second,
		maxBackoff:   2 * time.Minute,
		registered:   make(chan struct{}),
	}
	cfg.Core.SetNotifier(bot.PlatformDiscord, b)
	s.AddHandler(b.onMessageCreate)
	s.AddHandler(b.onInteractionCreate)
	s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
		b.ready.Store(false)
		select {
		case b.disconnected <- struct{}{}:
		default:
		}
	})
	return b, nil
}

func intents(messageContent bool) discordgo.Intent {
	i := discordgo.IntentGuilds | discordgo.IntentGuildMessages | discordgo.IntentDirectMessages
	if messageContent {
		i |= discordgo.IntentMessageContent
	}
	return i
}

func parseAPIURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("discord: API URL %q is not an http(s) base URL", raw)
	}
	return u, nil
}

// discordgo logs through one package-level function. It is set once, before
// any session exists, and forwards to the logger of the most recent Bot.
var (
	libraryLogOnce sync.Once
	libraryLog     atomic.Pointer[slog.Logger]
)

func routeLibraryLog(l *slog.Logger) {
	libraryLog.Store(l.With("source", "discordgo"))
	libraryLogOnce.Do(func() {
		discordgo.Logger = func(level, _ int, format string, a ...any) {
			lvl := slog.LevelDebug
			switch level {
			case discordgo.LogError:
				lvl = slog.LevelError
			case discordgo.LogWarning:
				lvl = slog.LevelWarn
			case discordgo.LogInformational:
				lvl = slog.LevelInfo
			}
			libraryLog.Load().Log(context.Background(), lvl, fmt.Sprintf(format, a...))
		}
	})
}

// Ready reports whether the gateway is connected.
func (b *Bot) Ready() bool { return b.ready.Load() }

// Run connects to the gateway, registers the slash commands and serves
// until ctx is done, then disconnects, waits up to ShutdownTimeout for
// answers in progress and returns nil. It returns an error when Discord
// refuses the bot for good: a rejected token (HTTP 401, close code 4004) or
// another fatal close code (*FatalCloseError).
func (b *Bot) Run(ctx context.Context) error {
	if !b.running.CompareAndSwap(false, true) {
		return errors.New("discord: Run called twice")
	}
	defer b.stopHandlers()
	if err := b.checkGateway(ctx); err != nil {
		return err
	}
	if err := b.connect(ctx, b.session.Open); err != nil {
		b.shutdown()
		return err
	}
	if ctx.Err() == nil {
		b.log.Info("discord gateway connected", "bot_user_id", b.botUserID(), "guild_commands", b.cfg.GuildID != "")
		b.inflight.add()
		go func() {
			defer b.inflight.done()
			defer close(b.registered)
			b.registerCommands(b.handlerCtx)
		}()
	}
	for {
		select {
		case <-ctx.Done():
			b.shutdown()
			return nil
		case <-b.disconnected:
			if ctx.Err() != nil {
				continue
			}
			b.log.Warn("discord gateway disconnected; reconnecting")
			if err := b.connect(ctx, b.session.Open); err != nil {
				b.shutdown()
				return err
			}
			if ctx.Err() == nil {
				b.log.Info("discord gateway reconnected")
			}
		}
	}
}

// connect calls open until it succeeds, returns a fatal error, or ctx is
// done (which is not an error: Run then shuts down). Transient failures are
// retried with exponential back-off.
func (b *Bot) connect(ctx context.Context, open func() error) error {
	var delay time.Duration
	for {
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		err := open()
		if err == nil || errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			b.ready.Store(true)
			return nil
		}
		if fatal := asFatal(err); fatal != nil {
			b.log.Error("discord gateway refused the bot", "code", fatal.Code, "err", fatal)
			return fatal
		}
		delay = min(max(2*delay, b.minBackoff), b.maxBackoff)
		b.log.Warn("discord gateway connection failed", "err", redact(err), "retry_in", delay)
	}
}

// shutdown stops intake first, then lets answers in progress finish.
func (b *Bot) shutdown() {
	// Already false since New (Run owns reconnects); written only if someone
	// turned it on, because discordgo reads it without the lock.
	b.session.Lock()
	if b.session.ShouldReconnectOnError {
		b.session.ShouldReconnectOnError = false
	}
	b.session.Unlock()
	if err := b.session.Close(); err != nil {
		b.log.Warn("discord close", "err", err)
	}
	b.ready.Store(false)
	if !b.inflight.wait(b.cfg.ShutdownTimeout) {
		b.log.Warn("discord shutdown: answers still in progress were cancelled", "timeout", b.cfg.ShutdownTimeout)
	}
	b.log.Info("discord bot stopped")
}

// checkGateway asks /gateway/bot, which needs a valid token: a rejected
// token is reported before connecting. It also logs the shard advice.
func (b *Bot) checkGateway(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var gb discordgo.GatewayBotResponse
	err := b.call(ctx, "gateway/bot", http.MethodGet, discordgo.EndpointGatewayBot, discordgo.EndpointGatewayBot, nil, &gb)
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusUnauthorized {
		return errors.New("discord rejected the bot token (HTTP 401 from /gateway/bot): check DISCORD_TOKEN")
	}
	if err != nil {
		// Not fatal: the connection attempt retries and reports.
		b.log.Warn("discord /gateway/bot failed", "err", err)
		return nil
	}
	b.log.Info("discord gateway", "recommended_shards", gb.Shards, "shard_count", b.cfg.ShardCount,
		"session_starts_remaining", gb.SessionStartLimit.Remaining)
	if gb.Shards > b.cfg.ShardCount {
		b.log.Warn("discord recommends more shards than configured", "recommended_shards", gb.Shards, "shard_count", b.cfg.ShardCount)
	}
	if gb.SessionStartLimit.Total > 0 && gb.SessionStartLimit.Remaining == 0 {
		b.log.Warn("discord session start limit reached; connecting will fail until it resets",
			"reset_after", time.Duration(gb.SessionStartLimit.ResetAfter)*time.Millisecond)
	}
	return nil
}

func (b *Bot) botUserID() string {
	st := b.session.State
	st.RLock()
	defer st.RUnlock()
	if st.User == nil {
		return ""
	}
	return st.User.ID
}

func (b *Bot) applicationID() string {
	st := b.session.State
	st.RLock()
	defer st.RUnlock()
	if st.Application == nil {
		return ""
	}
	return st.Application.ID
}

// FatalCloseError reports a gateway close code after which reconnecting
// cannot help: the configuration must change.
type FatalCloseError struct {
	Code int
	Text string // the reason Discord sent, if any
}

func (e *FatalCloseError) Error() string {
	hint := "check the bot configuration"
	switch e.Code {
	case 4004:
		hint = "authentication failed: check DISCORD_TOKEN"
	case 4010:
		hint = "invalid shard: check DISCORD_SHARD_ID and DISCORD_SHARD_COUNT"
	case 4011:
		hint = "sharding required: the bot is in too many guilds for one connection; set DISCORD_SHARD_COUNT"
	case 4012:
		hint = "invalid API version"
	case 4013:
		hint = "invalid intents"
	case 4014:
		hint = "disallowed intents: enable the Message Content intent for this bot in the Discord Developer Portal, or turn the bot's MessageContent setting off"
	}
	return fmt.Sprintf("discord gateway closed the connection with code %d (%s)", e.Code, hint)
}

// asFatal returns a *FatalCloseError when err is a fatal gateway close.
func asFatal(err error) *FatalCloseError {
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return nil
	}
	switch ce.Code {
	case 4004, 4010, 4011, 4012, 4013, 4014:
		return &FatalCloseError{Code: ce.Code, Text: ce.Text}
	}
	return nil
}

// inflight counts running handlers so that shutdown can wait for them.
// Unlike a WaitGroup it tolerates add after wait has started: discordgo may
// start a handler goroutine for an event read just before Close.
type inflight struct {
	mu    sync.Mutex
	n     int
	drain chan struct{}
}

func (f *inflight) add() {
	f.mu.Lock()
	f.n++
	f.mu.Unlock()
}

func (f *inflight) done() {
	f.mu.Lock()
	f.n--
	if f.n == 0 && f.drain != nil {
		close(f.drain)
		f.drain = nil
	}
	f.mu.Unlock()
}

// wait reports whether the count reached zero within timeout.
func (f *inflight) wait(timeout time.Duration) bool {
	f.mu.Lock()
	if f.n == 0 {
		f.mu.Unlock()
		return true
	}
	if f.drain == nil {
		f.drain = make(chan struct{})
	}
	ch := f.drain
	f.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}
