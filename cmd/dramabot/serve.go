package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
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
	"dramabot/knowledge"
	"dramabot/knowledge/dict"
	"dramabot/knowledge/docx"
	"dramabot/knowledge/pdf"
	"dramabot/knowledge/websource"
)

// shutdownTimeout bounds the HTTP server's drain on SIGTERM.
const shutdownTimeout = 15 * time.Second

// readyPingTimeout bounds /readyz's check of PostgreSQL: a probe must
// answer even when the database does not. readyRecent is how recent a
// successful search must be for /readyz to skip the ping.
const (
	readyPingTimeout = 2 * time.Second
	readyRecent      = 3 * time.Second
)

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	cl := newCLI("serve", onServe, "Usage: dramabot serve [flags]\n\nRuns the HTTP API and web page, and the Telegram and Discord bots when their tokens are set.\nSIGHUP rebuilds the index from the sources without downtime; SIGTERM shuts down cleanly.\n\nWith a PostgreSQL --store, one process is the indexer (--role indexer: it fetches, embeds and\nwrites, as dramabot index does) and the others are replicas (--role replica, the default: they\nonly read, and switch to each new version of the index without a restart; SIGHUP makes them\nlook at once). The embedded store has no roles.", getenv, stderr, &cfg)
	if err := cl.parse(args); err != nil {
		return err
	}
	log, err := cfg.start(stderr)
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
	role, err := cfg.role()
	if err != nil {
		return err
	}
	cfg.writer = role == roleIndexer
	var ref *websource.Refresher
	if role != roleReplica {
		// The web sources answer from what was last fetched; the refresh
		// loop below fetches them again when they are due. A replica
		// fetches nothing: the indexer does.
		ref, err = websource.New(websource.Options{Fetcher: cfg.fetcher(log), DataDir: cfg.dataDir(), Logger: log,
			PDF: pdf.New(), DOCX: docx.Reader{}, Jitter: refreshJitter})
		if err != nil {
			return err
		}
		cfg.web = &webRefresher{ref: ref, cfg: cfg, log: log}
	}
	lib, err := openLibrary(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer lib.close()
	if role == roleReplica && cfg.secrets.TelegramToken != "" && cfg.TelegramWebhook == "" {
		// Telegram hands each update to one getUpdates caller: replicas
		// polling at once would take turns failing.
		log.Warn("several replicas need Telegram's webhook mode (TELEGRAM_WEBHOOK_URL behind one proxy); long polling works for one process only")
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
	if ref != nil {
		for _, ws := range ref.Statuses() {
			metrics.SetWebPassages(ws.Name, ws.Passages)
		}
	}
	if st.Passages == 0 && role == roleReplica {
		log.Warn("the index in PostgreSQL is empty: not ready until the indexer has written it")
	}
	log.Info("index ready", "role", role, "passages", st.Passages, "sources", st.Sources, "embedder", st.Embedder, "changes", lib.changes.String())

	var reindexMu sync.Mutex
	var core *bot.Core
	reindex := func(ctx context.Context) (string, error) {
		reindexMu.Lock()
		defer reindexMu.Unlock()
		before := map[string]bool{}
		for _, h := range lib.store.Passages(math.MaxInt) {
			before[h.Passage.ID] = true
		}
		summary, err := lib.reindex(ctx)
		metrics.ObserveReindex(err)
		st := lib.store.Stats()
		metrics.SetIndex(st.Passages, st.BuiltAt)
		if err == nil {
			// Subscriptions hear of the passages this reindex added; the
			// posts go out after the reindex has answered.
			var added []knowledge.Hit
			for _, h := range lib.store.Passages(math.MaxInt) {
				if !before[h.Passage.ID] {
					added = append(added, h)
				}
			}
			if len(added) > 0 {
				go func(l bot.ReindexListener) {
					actx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
					defer cancel()
					l.PassagesAdded(actx, added)
				}(core)
			}
		}
		return summary, err
	}
	// A replica neither reindexes nor adds sources: the chats say so.
	var sources bot.SourceAdder
	if cfg.web != nil {
		cfg.web.reindex = reindex
		sources = cfg.web
	} else {
		reindex = nil
	}
	core = bot.New(bot.Config{
		Knowledge: k, Logger: log, Metrics: metrics, RateLimit: cfg.RateLimit,
		Admins: cfg.Admins, Reindex: reindex, Sources: sources, Version: version, DataDir: cfg.DataDir,
	})
	// followed switches to a version of the PostgreSQL index another
	// process wrote. The store swaps its view atomically (searches read
	// the database and never pause); the figure records follow, and the
	// subscriptions hear of the added passages.
	followed := func(ctx context.Context, v int64) {
		added := lib.records.refresh()
		st := lib.store.Stats()
		metrics.SetIndex(st.Passages, st.BuiltAt)
		log.Info("switched to a new version of the index", "version", v, "passages", st.Passages, "added", len(added))
		// The indexer's own reindex tells the subscriptions itself.
		if len(added) > 0 && role == roleReplica {
			go func(l bot.ReindexListener) {
				actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
				defer cancel()
				l.PassagesAdded(actx, added)
			}(core)
		}
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// goRun runs one part of the server until ctx ends; a part that fails
	// ends the others, and its error is serve's.
	var wg sync.WaitGroup
	goRun := func(name string, run func(context.Context) error) {
		wg.Go(func() {
			if err := run(ctx); err != nil {
				cancel(fmt.Errorf("%s: %w", name, err))
			}
		})
	}

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
			ShardCount: cfg.DiscordShards, APIURL: discordProxy(cfg.DiscordAPIURL), MessageContent: cfg.DiscordMessageContent,
			Threads: cfg.DiscordThreads, Core: core, Logger: log.With("platform", bot.PlatformDiscord),
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
		if lib.pg != nil && !lib.clock.answeredWithin(readyRecent) {
			// Answers read PostgreSQL: without it there are none.
			pctx, cancel := context.WithTimeout(ctx, readyPingTimeout)
			defer cancel()
			if err := lib.pg.Ping(pctx); err != nil {
				return errors.New("database unreachable")
			}
		}
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
	srv := httpapi.New(httpapi.Config{Core: core, Logger: log, Metrics: metrics, APIKey: cfg.secrets.APIKey, AdminKey: cfg.secrets.AdminKey, Ready: ready, Mount: mount,
		TrustedProxies: cfg.TrustedProxies})
	hs := srv.HTTPServer(cfg.Addr)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	url := "http://" + ln.Addr().String()
	if cfg.LogFormat == "json" {
		// Log collectors read stdout too: in JSON mode no line may be plain.
		slog.New(slog.NewJSONHandler(stdout, nil)).Info("dramabot serving", "url", url)
	} else {
		fmt.Fprintf(stdout, "dramabot serving on %s\n", url)
	}
	log.Info("http listening", "addr", ln.Addr().String(), "telegram", tg != nil, "discord", dc != nil)

	goRun("http", func(context.Context) error {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	if tg != nil {
		goRun("telegram", tg.Run)
	}
	if dc != nil {
		goRun("discord", dc.Run)
	}

	if lib.pg != nil {
		goRun("index watch", func(ctx context.Context) error {
			return lib.pg.Watch(ctx, func(v int64) { followed(ctx, v) })
		})
	}
	if cfg.Refresh > 0 && cfg.web != nil {
		goRun("web sources", func(ctx context.Context) error {
			refreshLoop(ctx, cfg.web, reindex, metrics, log)
			return nil
		})
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for done := false; !done; {
		select {
		case <-hup:
			if reindex == nil {
				go func() {
					if moved, err := lib.pg.Reload(ctx); err != nil {
						log.Error("checking the index version on SIGHUP failed", "err", err)
					} else if moved {
						followed(ctx, lib.pg.Version())
					}
				}()
				continue
			}
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

// discordProxy is the REST base to give the Discord client: none for
// Discord's own, which needs no rewriting of the requests.
func discordProxy(apiURL string) string {
	if strings.TrimRight(apiURL, "/") == discordAPI {
		return ""
	}
	return apiURL
}
