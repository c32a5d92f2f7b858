package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"dramabot/knowledge"
	"dramabot/knowledge/dict"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/figures"
	"dramabot/knowledge/glossary"
	"dramabot/knowledge/ingest"
	"dramabot/knowledge/pgstore"
	"dramabot/knowledge/store"
	"dramabot/knowledge/wordnet"
)

// config is every setting: the table in settings.go fills it from the
// defaults, the environment and the flags.
type config struct {
	Docs      []string
	NoDefault bool
	// Web sources (websources.go).
	Sources             []string
	SourcesFile         string
	Refresh             time.Duration
	AllowPrivateSources bool
	UserAgent           string
	// web is serve's refresher, whose documents the index reads; nil
	// elsewhere, where they are read from the data dir.
	web *webRefresher
	// strictIndex makes a failed index refresh an error even when an
	// older index could be served (the index command).
	strictIndex bool
	// writer: this process writes a PostgreSQL index (the index command,
	// serve --role indexer); the embedded store is always written.
	writer  bool
	DataDir string
	// Store is a PostgreSQL connection string, or "" for the embedded
	// store; Role is the process's part with PostgreSQL (stores.go).
	Store      string
	Role       string
	Embedder   string
	EmbedModel string
	EmbedURL   string
	EmbedDim   int
	LogLevel   string
	LogFormat  string

	// serve
	Addr                  string
	RateLimit             int
	TrustedProxies        []netip.Prefix
	Admins                []string
	TelegramAPIURL        string
	TelegramWebhook       string
	DiscordGuildID        string
	DiscordShardID        int
	DiscordShards         int
	DiscordAPIURL         string
	DiscordMessageContent bool
	DiscordThreads        bool

	// LLM configures generated answers (ask, serve, eval); see llm.go.
	LLM llmConfig

	secrets secrets
	// notes are warnings about the configuration (a deprecated flag),
	// logged once the logger exists.
	notes []string
}

type secrets struct {
	EmbedAPIKey   string
	TelegramToken string
	WebhookSecret string
	DiscordToken  string
	APIKey        string
	AdminKey      string
	LLMAPIKey     string
}

func defaultDataDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "dramabot")
	}
	return filepath.Join(dir, "dramabot")
}

// start finishes the configuration once the flags are parsed: it builds
// the logger and logs the notes about the configuration.
func (cfg *config) start(stderr io.Writer) (*slog.Logger, error) {
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return nil, err
	}
	for _, n := range cfg.notes {
		log.Warn(n)
	}
	return log, nil
}

// newLogger builds the program's logger on stderr.
func newLogger(cfg *config, stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", cfg.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch cfg.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", cfg.LogFormat)
}

// embedder builds the configured embedder.
func (cfg *config) embedder() (store.Embedder, error) {
	switch cfg.Embedder {
	case "local", "":
		if cfg.EmbedDim < 8 || cfg.EmbedDim > 4096 {
			return store.Embedder{}, fmt.Errorf("--embed-dim %d: use 8 to 4096", cfg.EmbedDim)
		}
		l := embed.NewLocal(cfg.EmbedDim)
		return store.Embedder{Name: l.Name(), Embed: l.Embed}, nil
	case "ollama":
		if cfg.EmbedModel == "" {
			return store.Embedder{}, errors.New("--embedder ollama needs --embed-model (e.g. nomic-embed-text)")
		}
		return store.Ollama(cfg.EmbedModel, cfg.EmbedURL), nil
	case "openai":
		if cfg.EmbedModel == "" {
			return store.Embedder{}, errors.New("--embedder openai needs --embed-model (e.g. text-embedding-3-small)")
		}
		url := cfg.EmbedURL
		if url == "" {
			url = "https://api.openai.com/v1"
		}
		return store.OpenAI(cfg.EmbedModel, url, cfg.secrets.EmbedAPIKey), nil
	}
	return store.Embedder{}, fmt.Errorf("--embedder %q: use local, ollama or openai", cfg.Embedder)
}

// library is the loaded knowledge: documents, the index and the engine.
type library struct {
	store passageStore
	// pg is the store when it is PostgreSQL, and records its figure
	// records (the embedded store keeps its own); both nil otherwise.
	pg       *pgstore.Store
	records  *pgRecords
	clock    *searchClock
	engine   *knowledge.Engine
	problems []ingest.Problem
	changes  store.Changes
	log      *slog.Logger
	cfg      *config
	// recovered says why the snapshot on disk was not used, if it was not
	// (the store forgets it once Sync has rebuilt the index).
	recovered string
	// persistErr says why the index could not be saved (a read-only or
	// full data dir): it is then in memory only.
	persistErr error
}

// loadDocs reads the default corpus (unless turned off) and --docs.
func loadDocs(cfg *config) ([]knowledge.Document, []ingest.Problem, error) {
	var docs []knowledge.Document
	var problems []ingest.Problem
	if !cfg.NoDefault {
		d, p := ingest.Default()
		docs, problems = append(docs, d...), append(problems, p...)
	}
	if len(cfg.Docs) > 0 {
		d, p, err := ingest.Load(cfg.Docs)
		if err != nil {
			return nil, nil, err
		}
		docs, problems = append(docs, d...), append(problems, p...)
	}
	// Documents administrators sent in a chat.
	if dir := cfg.dataDir(); dir != "" {
		up := filepath.Join(dir, uploadsDir)
		if _, err := os.Stat(up); err == nil {
			d, p, err := ingest.Load([]string{up})
			if err != nil {
				return nil, nil, err
			}
			docs, problems = append(docs, d...), append(problems, p...)
		}
	}
	web, err := cfg.webDocs()
	if err != nil {
		return nil, nil, err
	}
	docs = append(docs, web...)
	if len(docs) == 0 {
		return nil, problems, errors.New("no documents to answer from (check --docs)")
	}
	return docs, problems, nil
}

// openLibrary loads the documents, opens the store in the data dir and
// brings it up to date with the documents. With a PostgreSQL store only
// the indexer (cfg.writer) loads documents and writes; the others answer
// from what it wrote.
func openLibrary(ctx context.Context, cfg *config, log *slog.Logger) (*library, error) {
	emb, err := cfg.embedder()
	if err != nil {
		return nil, err
	}
	if cfg.usesPostgres() && !cfg.writer {
		return openReader(ctx, cfg, emb, log)
	}
	docs, problems, err := loadDocs(cfg)
	if err != nil {
		return nil, err
	}
	for _, p := range problems {
		log.Warn("document skipped", "path", p.Path, "reason", p.Err.Error())
	}
	lib := &library{problems: problems, log: log, cfg: cfg}
	if cfg.usesPostgres() {
		pg, err := openPG(ctx, cfg, emb, log)
		if err != nil {
			return nil, err
		}
		lib.pg, lib.clock = pg, &searchClock{passageStore: pg}
		lib.store = lib.clock
	} else {
		dir := cfg.DataDir
		if dir == "-" {
			dir = ""
		}
		st, err := store.Open(store.Options{Dir: dir, Embedder: emb, Logger: log})
		if err != nil {
			return nil, err
		}
		lib.store = st
	}
	st := lib.store
	lib.recovered = st.Recovered()
	lib.changes, err = st.Sync(ctx, docs)
	switch {
	case errors.Is(err, store.ErrSnapshot):
		lib.persistErr = err
		log.Warn("index kept in memory only", "err", err)
	case err != nil && !cfg.strictIndex && st.Stats().Passages > 0:
		// The sources changed but cannot be indexed now (a remote
		// embedder is down): answer from the index on disk rather than
		// not at all. `dramabot index` and a reindex report the error.
		log.Error("index not refreshed; answering from the previous index", "err", err)
	case err != nil:
		lib.close()
		return nil, err
	}
	lib.newEngine(emb)
	return lib, nil
}

// openReader opens a PostgreSQL index to answer from, without writing.
func openReader(ctx context.Context, cfg *config, emb store.Embedder, log *slog.Logger) (*library, error) {
	pg, err := openPG(ctx, cfg, emb, log)
	if err != nil {
		return nil, err
	}
	lib := &library{pg: pg, clock: &searchClock{passageStore: pg}, log: log, cfg: cfg, recovered: pg.Recovered()}
	lib.store = lib.clock
	if lib.recovered != "" {
		log.Warn("answering lexically until the indexer rebuilds the index", "reason", lib.recovered)
	}
	lib.newEngine(emb)
	return lib, nil
}

// newEngine builds the engine over the library's store.
func (lib *library) newEngine(emb store.Embedder) {
	var recs figures.Records
	if lib.pg != nil {
		lib.records = newPGRecords(lib.pg)
		recs = lib.records
	} else {
		recs = lib.store.(*store.Store)
	}
	lib.engine = knowledge.NewEngine(lib.store, knowledge.EngineOptions{Embedder: emb.Name, Version: version, Translator: dict.Default(), Expander: glossary.Default(), Thesaurus: wordnet.Default(),
		Figures: figures.New(recs)})
}

// close releases the store's connections (PostgreSQL's; the embedded
// store holds none).
func (lib *library) close() {
	if lib.pg != nil {
		lib.pg.Close()
	}
}

// needIndex reports an empty PostgreSQL index to a command that only
// reads it: it has nothing to answer from until the indexer ran.
func (lib *library) needIndex() error {
	if lib.pg != nil && lib.store.Stats().Passages == 0 {
		return errEmptyIndex
	}
	return nil
}

// reindex reloads the documents and syncs the store; answers keep coming
// from the old index until the new one is swapped in.
func (lib *library) reindex(ctx context.Context) (string, error) {
	docs, problems, err := loadDocs(lib.cfg)
	if err != nil {
		return "", err
	}
	for _, p := range problems {
		lib.log.Warn("document skipped", "path", p.Path, "reason", p.Err.Error())
	}
	ch, err := lib.store.Sync(ctx, docs)
	if err != nil && !errors.Is(err, store.ErrSnapshot) {
		return "", err
	}
	if err != nil {
		lib.log.Warn("index kept in memory only", "err", err)
	}
	if lib.records != nil {
		lib.records.refresh()
	}
	lib.log.Info("reindexed", "changes", ch.String())
	return ch.String(), nil
}
