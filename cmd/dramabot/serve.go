package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"dramabot/bot"
	"dramabot/bot/discord"
	"dramabot/bot/httpapi"
	"dramabot/bot/telegram"
	"dramabot/knowledge/dict"
)

// shutdownTimeout bounds the HTTP server's drain on SIGTERM.
const shutdownTimeout = 15 * time.Second

var serveSettings = []setting{
	{"addr", "DRAMABOT_ADDR", "127.0.0.1:8080", "HTTP listen address (API, web page, probes, metrics)"},
	{"rate-limit", "DRAMABOT_RATE_LIMIT", "10", "questions per user per minute on every surface (negative: no limit)"},
	{"admins", "DRAMABOT_ADMINS", "", "who may /reindex, as platform:user-id, comma-separated (telegram:123,discord:456)"},
	{"telegram-api-url", "TELEGRAM_API_URL", "https://api.telegram.org", "Telegram Bot API server"},
	{"telegram-webhook-url", "TELEGRAM_WEBHOOK_URL", "", "public URL for webhook mode (default: long polling); needs TELEGRAM_WEBHOOK_SECRET"},
	{"discord-guild-id", "DISCORD_GUILD_ID", "", "register slash commands for this guild only (they show at once)"},
	{"discord-shard-id", "DISCORD_SHARD_ID", "0", "this process's gateway shard"},
	{"discord-shard-count", "DISCORD_SHARD_COUNT", "1", "number of gateway shards across processes"},
	{"discord-api-url", "DISCORD_API_URL", "https://discord.com", "Discord REST base, e.g. a nirn-proxy; the gateway URL comes from its /gateway/bot"},
	{"discord-message-content", "DISCORD_MESSAGE_CONTENT", "true", "request the privileged MessageContent intent (enable it in the Developer Portal)"},
}

func addServeFlags(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
	BoolVar(*bool, string, bool, string)
}, cfg *config, getenv func(string) string) {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	s := serveSettings
	fs.StringVar(&cfg.Addr, s[0].flag, env(s[0].env, s[0].def), s[0].help)
	fs.IntVar(&cfg.RateLimit, s[1].flag, envInt(getenv(s[1].env), bot.DefaultRateLimit), s[1].help)
	cfg.Admins = splitList(getenv(s[2].env))
	fs.StringVar(&cfg.TelegramAPIURL, s[3].flag, env(s[3].env, ""), s[3].help)
	fs.StringVar(&cfg.TelegramWebhook, s[4].flag, env(s[4].env, ""), s[4].help)
	fs.StringVar(&cfg.DiscordGuildID, s[5].flag, env(s[5].env, ""), s[5].help)
	fs.IntVar(&cfg.DiscordShardID, s[6].flag, envInt(getenv(s[6].env), 0), s[6].help)
	fs.IntVar(&cfg.DiscordShards, s[7].flag, envInt(getenv(s[7].env), 1), s[7].help)
	fs.StringVar(&cfg.DiscordAPIURL, s[8].flag, env(s[8].env, ""), s[8].help)
	noContent := getenv(s[9].env) != "" && !envBool(getenv(s[9].env))
	fs.BoolVar(&cfg.DiscordNoContent, "discord-no-message-content", noContent, "do not request the MessageContent intent (DISCORD_MESSAGE_CONTENT=false)")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("serve", "Usage: dramabot serve [flags]\n\nRuns the HTTP API and web page, and the Telegram and Discord bots when their tokens are set.\nSIGHUP rebuilds the index from the sources without downtime; SIGTERM shuts down cleanly.", getenv, stderr, &cfg)
	addServeFlags(fs, &cfg, getenv)
	addLLMFlags(fs, &cfg.LLM, getenv)
	var admins stringList
	fs.Var(&admins, "admin", "an admin as platform:user-id (repeatable; adds to DRAMABOT_ADMINS)")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	cfg.Admins = append(cfg.Admins, admins...)
	log, err := cfg.start(getenv, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, &cfg, log, stdout)
}

// serve runs until ctx is cancelled or a platform fails for good.
func serve(ctx context.Context, cfg *config, log *slog.Logger, stdout io.Writer) error {
	if _, err := cfg.LLM.client(cfg.secrets.LLMAPIKey); err != nil {
		return err // before the index is built
	}
	lib, err := openLibrary(ctx, cfg, log)
	if err != nil {
		return err
	}
	// Read the dictionary for Chinese questions now rather than on the
	// first one (0.3 s).
	go dict.Default().Translate("短剧")
	metrics := httpapi.NewMetrics(nil)
	k, err := answerer(cfg, lib.engine, log, metrics)
	if err != nil {
		return err
	}
	st := lib.store.Stats()
	metrics.SetIndex(st.Passages, st.BuiltAt)
	metrics.SetBuildInfo(version, st.Embedder)
	log.Info("index ready", "passages", st.Passages, "sources", st.Sources, "embedder", st.Embedder, "changes", lib.changes.String())

	var reindexMu sync.Mutex
	reindex := func(ctx context.Context) (string, error) {
		reindexMu.Lock()
		defer reindexMu.Unlock()
		summary, err := lib.reindex(ctx)
		metrics.ObserveReindex(err)
		st := lib.store.Stats()
		metrics.SetIndex(st.Passages, st.BuiltAt)
		return summary, err
	}
	core := bot.New(bot.Config{
		Knowledge: k, Logger: log, Metrics: metrics, RateLimit: cfg.RateLimit,
		Admins: cfg.Admins, Reindex: reindex, Version: version,
	})

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	fail := func(err error) { cancel(err) }

	var tg *telegram.Bot
	if cfg.secrets.TelegramToken != "" {
		tg, err = telegram.New(ctx, telegram.Config{
			Token: cfg.secrets.TelegramToken, APIURL: cfg.TelegramAPIURL, WebhookURL: cfg.TelegramWebhook,
			WebhookSecret: cfg.secrets.WebhookSecret, Core: core, Logger: log.With("platform", bot.PlatformTelegram),
		})
		if err != nil {
			return fmt.Errorf("telegram: %w", err)
		}
	}
	var dc *discord.Bot
	if cfg.secrets.DiscordToken != "" {
		dc, err = discord.New(discord.Config{
			Token: cfg.secrets.DiscordToken, GuildID: cfg.DiscordGuildID, ShardID: cfg.DiscordShardID,
			ShardCount: cfg.DiscordShards, APIURL: cfg.DiscordAPIURL, MessageContent: !cfg.DiscordNoContent,
			Core: core, Logger: log.With("platform", bot.PlatformDiscord),
		})
		if err != nil {
			return fmt.Errorf("discord: %w", err)
		}
	}

	mount := map[string]http.Handler{}
	if tg != nil && tg.WebhookPath() != "" {
		mount["POST "+tg.WebhookPath()] = tg.WebhookHandler()
	}
	ready := func() error {
		if lib.store.Stats().Passages == 0 {
			return errors.New("index not loaded")
		}
		if tg != nil && !tg.Ready() {
			return errors.New("telegram not connected")
		}
		if dc != nil && !dc.Ready() {
			return errors.New("discord not connected")
		}
		return nil
	}
	srv := httpapi.New(httpapi.Config{Core: core, Logger: log, Metrics: metrics, APIKey: cfg.secrets.APIKey, Ready: ready, Mount: mount})
	hs := srv.HTTPServer(cfg.Addr)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	fmt.Fprintf(stdout, "dramabot serving on http://%s\n", ln.Addr())
	log.Info("http listening", "addr", ln.Addr().String(), "telegram", tg != nil, "discord", dc != nil)

	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fail(fmt.Errorf("http: %w", err))
		}
	}()
	if tg != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := tg.Run(ctx); err != nil {
				fail(fmt.Errorf("telegram: %w", err))
			}
		}()
	}
	if dc != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := dc.Run(ctx); err != nil {
				fail(fmt.Errorf("discord: %w", err))
			}
		}()
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for done := false; !done; {
		select {
		case <-hup:
			go func() {
				if summary, err := reindex(ctx); err != nil {
					log.Error("reindex on SIGHUP failed; still serving the previous index", "err", err)
				} else {
					log.Info("reindex on SIGHUP done", "summary", summary)
				}
			}()
		case <-ctx.Done():
			done = true
		}
	}
	log.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer scancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
