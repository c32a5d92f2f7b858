package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"dramabot/knowledge"
	"dramabot/knowledge/dict"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/ingest"
	"dramabot/knowledge/store"
)

// config is every setting, from flags with environment fallbacks. Secrets
// come only from the environment (or NAME_FILE files), never from flags.
type config struct {
	Docs      []string
	NoDefault bool
	// strictIndex makes a failed index refresh an error even when an
	// older index could be served (the index command).
	strictIndex bool
	DataDir     string
	Embedder    string
	EmbedModel  string
	EmbedURL    string
	EmbedDim    int
	LogLevel    string
	LogFormat   string

	// serve
	Addr             string
	RateLimit        int
	MaxQuestion      int
	Admins           []string
	TelegramAPIURL   string
	TelegramWebhook  string
	DiscordGuildID   string
	DiscordShardID   int
	DiscordShards    int
	DiscordAPIURL    string
	DiscordNoContent bool

	// LLM configures generated answers (ask, serve, eval); see llm.go.
	LLM llmConfig

	secrets secrets
}

type secrets struct {
	EmbedAPIKey   string
	TelegramToken string
	WebhookSecret string
	DiscordToken  string
	APIKey        string
	LLMAPIKey     string
}

// setting describes one flag and its environment variable (the README's
// configuration table lists the same).
type setting struct {
	flag, env, def, help string
}

var commonSettings = []setting{
	{"docs", "DRAMABOT_DOCS", "", "extra documents: a folder or a file (.md .txt .html .jsonl); repeatable; the variable takes a " + string(os.PathListSeparator) + "-separated list"},
	{"no-default-corpus", "DRAMABOT_NO_DEFAULT_CORPUS", "false", "leave out the embedded default corpus"},
	{"data", "DRAMABOT_DATA", "(user cache dir)/dramabot", "data directory for the index snapshot; \"-\" keeps the index in memory only"},
	{"embedder", "DRAMABOT_EMBEDDER", "local", "local (offline hashing), ollama or openai"},
	{"embed-model", "DRAMABOT_EMBED_MODEL", "", "model name for ollama/openai (e.g. nomic-embed-text, text-embedding-3-small)"},
	{"embed-url", "DRAMABOT_EMBED_URL", "", "base URL of the embedding server (ollama: http://localhost:11434/api; openai: https://api.openai.com/v1)"},
	{"embed-dim", "DRAMABOT_EMBED_DIM", strconv.Itoa(embed.DefaultDim), "vector size of the local embedder"},
	{"log-level", "DRAMABOT_LOG_LEVEL", "info", "debug, info, warn or error (debug logs full questions)"},
	{"log-format", "DRAMABOT_LOG_FORMAT", "text", "text or json"},
}

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// newFlagSet registers the common flags, with defaults from the
// environment, into a flag set for one command.
func newFlagSet(name, summary string, getenv func(string) string, stderr io.Writer, cfg *config) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "%s\n\nFlags (each has an environment variable; see README.md):\n", summary)
		fs.PrintDefaults()
	}
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	if v := getenv("DRAMABOT_DOCS"); v != "" {
		cfg.Docs = filepath.SplitList(v)
	}
	fs.Var((*stringList)(&cfg.Docs), "docs", commonSettings[0].help)
	fs.BoolVar(&cfg.NoDefault, "no-default-corpus", envBool(getenv("DRAMABOT_NO_DEFAULT_CORPUS")), commonSettings[1].help)
	fs.StringVar(&cfg.DataDir, "data", env("DRAMABOT_DATA", defaultDataDir()), commonSettings[2].help)
	fs.StringVar(&cfg.Embedder, "embedder", env("DRAMABOT_EMBEDDER", "local"), commonSettings[3].help)
	fs.StringVar(&cfg.EmbedModel, "embed-model", env("DRAMABOT_EMBED_MODEL", ""), commonSettings[4].help)
	fs.StringVar(&cfg.EmbedURL, "embed-url", env("DRAMABOT_EMBED_URL", ""), commonSettings[5].help)
	fs.IntVar(&cfg.EmbedDim, "embed-dim", envInt(getenv("DRAMABOT_EMBED_DIM"), embed.DefaultDim), commonSettings[6].help)
	fs.StringVar(&cfg.LogLevel, "log-level", env("DRAMABOT_LOG_LEVEL", "info"), commonSettings[7].help)
	fs.StringVar(&cfg.LogFormat, "log-format", env("DRAMABOT_LOG_FORMAT", "text"), commonSettings[8].help)
	return fs
}

// parseFlags parses args; the docs from the environment are replaced, not
// extended, when --docs is given.
func parseFlags(fs *flag.FlagSet, args []string, cfg *config) error {
	envDocs := append([]string(nil), cfg.Docs...)
	cfg.Docs = nil
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if len(cfg.Docs) == 0 {
		cfg.Docs = envDocs
	}
	return nil
}

func envBool(v string) bool {
	b, _ := strconv.ParseBool(v)
	return b
}

func envInt(v string, def int) int {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		return n
	}
	return def
}

func defaultDataDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "dramabot")
	}
	return filepath.Join(dir, "dramabot")
}

// readSecrets reads the secrets from the environment or NAME_FILE files.
func readSecrets(getenv func(string) string) (secrets, error) {
	get := func(name string) (string, error) {
		if v := getenv(name); v != "" {
			return strings.TrimSpace(v), nil
		}
		if path := getenv(name + "_FILE"); path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				return "", fmt.Errorf("read %s_FILE: %w", name, err)
			}
			return strings.TrimSpace(string(b)), nil
		}
		return "", nil
	}
	var s secrets
	var err error
	for _, f := range []struct {
		dst  *string
		name string
	}{
		{&s.EmbedAPIKey, "DRAMABOT_EMBED_API_KEY"}, {&s.TelegramToken, "TELEGRAM_TOKEN"},
		{&s.WebhookSecret, "TELEGRAM_WEBHOOK_SECRET"}, {&s.DiscordToken, "DISCORD_TOKEN"}, {&s.APIKey, "DRAMABOT_API_KEY"},
		{&s.LLMAPIKey, "DRAMABOT_LLM_API_KEY"},
	} {
		if *f.dst, err = get(f.name); err != nil {
			return s, err
		}
	}
	return s, nil
}

// start finishes the configuration once the flags are parsed: it builds
// the logger and reads the secrets.
func (cfg *config) start(getenv func(string) string, stderr io.Writer) (*slog.Logger, error) {
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return nil, err
	}
	if cfg.secrets, err = readSecrets(getenv); err != nil {
		return nil, err
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
	store    *store.Store
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
	if len(docs) == 0 {
		return nil, problems, errors.New("no documents to answer from (check --docs)")
	}
	return docs, problems, nil
}

// openLibrary loads the documents, opens the store in the data dir and
// brings it up to date with the documents.
func openLibrary(ctx context.Context, cfg *config, log *slog.Logger) (*library, error) {
	emb, err := cfg.embedder()
	if err != nil {
		return nil, err
	}
	docs, problems, err := loadDocs(cfg)
	if err != nil {
		return nil, err
	}
	for _, p := range problems {
		log.Warn("document skipped", "path", p.Path, "reason", p.Err.Error())
	}
	dir := cfg.DataDir
	if dir == "-" {
		dir = ""
	}
	st, err := store.Open(store.Options{Dir: dir, Embedder: emb, Logger: log})
	if err != nil {
		return nil, err
	}
	lib := &library{store: st, problems: problems, log: log, cfg: cfg, recovered: st.Recovered()}
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
		return nil, err
	}
	lib.engine = knowledge.NewEngine(st, knowledge.EngineOptions{Embedder: emb.Name, Version: version, Translator: dict.Default()})
	return lib, nil
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
	lib.log.Info("reindexed", "changes", ch.String())
	return ch.String(), nil
}
