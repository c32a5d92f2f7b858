package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"dramabot/bot"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/fetch"
	"dramabot/knowledge/llm"
	"dramabot/knowledge/websource"
)

// commands is a set of subcommands: which ones read a setting.
type commands uint

const (
	onAsk commands = 1 << iota
	onIndex
	onSources
	onEval
	onServe
	onHealthcheck
	onFeedback
	onFigures

	// onAll is for `dramabot config`, which shows every setting.
	onAll = ^commands(0)
	// onCorpus are the commands that load the documents and build an index.
	onCorpus = onAsk | onIndex | onSources | onEval | onServe | onFigures
	// onLLM are the commands that answer, and so may have a model write.
	onLLM = onAsk | onEval | onServe
)

// discordAPI is Discord's own REST base: the default of --discord-api-url,
// which needs no rewriting proxy in front of it.
const discordAPI = "https://discord.com"

// setting is one configuration value. Its row is the only place its name,
// variable, default and meaning are written: flag registration, the
// environment, `dramabot config`, --help and the README's table (checked by
// a test) all come from it.
type setting struct {
	// name is the flag (without dashes); empty for a secret, which is read
	// only from the environment so that it never shows in a process list.
	name string
	env  string
	// def is the default, as text: it is parsed like a value from the
	// environment. When dynamic is set, def only describes the default
	// (for --help and the README) and dynamic computes it.
	def     string
	dynamic func() string
	help    string
	// want says what a valid value is, for the error when one does not
	// parse; empty means the kind's own description.
	want string
	// unset is how `dramabot config` shows an empty value ("(none)" when
	// empty).
	unset string
	on    commands
	// secret: environment only (or a file named by ENV_FILE), redacted by
	// `dramabot config`, never logged.
	secret bool
	// redact shows the value in `dramabot config` without the secret it
	// may hold (a connection string's password); such a value may also be
	// read from the file named by ENV_FILE.
	redact func(string) string
	// oldNegative is a deprecated flag that still works: given alone it
	// sets this boolean setting to false.
	oldNegative string
	// bind returns the parser of the setting, writing into cfg.
	bind func(cfg *config) value
}

// settings is every setting, in the order `dramabot config` and --help
// show them. To add one: a field in config, a row here, a row in the
// README's configuration table.
var settings = []setting{
	{name: "docs", env: "DRAMABOT_DOCS", on: onCorpus, unset: "(none)",
		help: "extra documents: a folder or a file (.md .txt .html .jsonl .pdf .docx); repeatable; the variable takes a " + string(os.PathListSeparator) + "-separated list",
		bind: paths(func(c *config) *[]string { return &c.Docs })},
	{name: "no-default-corpus", env: "DRAMABOT_NO_DEFAULT_CORPUS", def: "false", on: onCorpus,
		help: "leave out the embedded default corpus",
		bind: boolean(func(c *config) *bool { return &c.NoDefault })},
	{name: "data", env: "DRAMABOT_DATA", def: "(user cache dir)/dramabot", dynamic: defaultDataDir, on: onCorpus&^onEval | onFeedback,
		help: `data directory for the index snapshot, the feedback log, the subscriptions and the web sources' last content; "-" keeps them in memory only`,
		bind: text(func(c *config) *string { return &c.DataDir })},
	{name: "store", env: "DRAMABOT_STORE", on: onCorpus, unset: "(embedded: the index snapshot in the data dir)", redact: redactDSN,
		help: "where the index lives: empty for the embedded store in the data dir, or a PostgreSQL database with pgvector shared by one indexer and many replicas (postgres://user:password@host:5432/db); the password is never printed: give it in the variable, in a file named by DRAMABOT_STORE_FILE or in a .pgpass file rather than a flag, which shows in the process list",
		bind: text(func(c *config) *string { return &c.Store })},
	{name: "role", env: "DRAMABOT_ROLE", on: onServe, unset: "(replica with a PostgreSQL --store; none with the embedded store)",
		help: "with a PostgreSQL --store: indexer (fetches the web sources, embeds and writes the index: one per database) or replica (only reads, and follows each new version of the index without a restart); the embedded store has no roles and refuses this flag",
		bind: text(func(c *config) *string { return &c.Role })},
	{name: "source", env: "DRAMABOT_SOURCES", on: onIndex | onServe, unset: "(none)",
		help: "a web source to fetch and keep fresh: a page, an RSS/Atom feed, a sitemap, a PDF or DOCX URL; repeatable; the variable takes a comma- or space-separated list",
		bind: urls(func(c *config) *[]string { return &c.Sources })},
	{name: "sources-file", env: "DRAMABOT_SOURCES_FILE", on: onIndex | onServe, unset: "(none)",
		help: `a file of web sources, one a line: URL [refresh=6h] [scope=host|domain|any|URL-prefix] [pages=50] [name="..."]`,
		bind: text(func(c *config) *string { return &c.SourcesFile })},
	{name: "refresh", env: "DRAMABOT_REFRESH", def: websource.DefaultRefresh.String(), on: onIndex | onServe,
		help: "how often serve fetches each web source again (a source's refresh= wins); 0: serve never refetches",
		bind: duration(func(c *config) *time.Duration { return &c.Refresh })},
	{name: "allow-private-sources", env: "DRAMABOT_ALLOW_PRIVATE_SOURCES", def: "false", on: onIndex | onServe,
		help: "let web sources be on loopback, private and link-local addresses (refused by default)",
		bind: boolean(func(c *config) *bool { return &c.AllowPrivateSources })},
	{name: "user-agent", env: "DRAMABOT_USER_AGENT", def: fetch.DefaultUserAgent, on: onIndex | onServe,
		help: "User-Agent of web fetches; name a contact for site owners, e.g. \"dramabot/1.0 (+https://example.com/bot)\"",
		bind: text(func(c *config) *string { return &c.UserAgent })},
	{name: "embedder", env: "DRAMABOT_EMBEDDER", def: "local", on: onCorpus,
		help: "local (offline hashing), ollama or openai",
		bind: text(func(c *config) *string { return &c.Embedder })},
	{name: "embed-model", env: "DRAMABOT_EMBED_MODEL", on: onCorpus, unset: "(none)",
		help: "model name for ollama/openai (e.g. nomic-embed-text, text-embedding-3-small)",
		bind: text(func(c *config) *string { return &c.EmbedModel })},
	{name: "embed-url", env: "DRAMABOT_EMBED_URL", on: onCorpus, unset: "(the embedder's default)",
		help: "base URL of the embedding server (ollama: http://localhost:11434/api; openai: https://api.openai.com/v1)",
		bind: text(func(c *config) *string { return &c.EmbedURL })},
	{name: "embed-dim", env: "DRAMABOT_EMBED_DIM", def: strconv.Itoa(embed.DefaultDim), on: onCorpus,
		help: "vector size of the local embedder (8 to 4096)", want: "a whole number from 8 to 4096",
		bind: integer(func(c *config) *int { return &c.EmbedDim })},
	{name: "log-level", env: "DRAMABOT_LOG_LEVEL", def: "info", on: onCorpus,
		help: "debug, info, warn or error (debug logs full questions)",
		bind: text(func(c *config) *string { return &c.LogLevel })},
	{name: "log-format", env: "DRAMABOT_LOG_FORMAT", def: "text", on: onCorpus,
		help: "text or json (json: every line on stdout and stderr is a JSON object)",
		bind: text(func(c *config) *string { return &c.LogFormat })},

	{name: "addr", env: "DRAMABOT_ADDR", def: "127.0.0.1:8080", on: onServe | onHealthcheck,
		help: "HTTP listen address (API, web page, probes, metrics)",
		bind: text(func(c *config) *string { return &c.Addr })},
	{name: "rate-limit", env: "DRAMABOT_RATE_LIMIT", def: strconv.Itoa(bot.DefaultRateLimit), on: onServe,
		help: "questions per user per minute on every surface (negative: no limit)", want: "a whole number of questions per minute",
		bind: integer(func(c *config) *int { return &c.RateLimit })},
	{name: "trusted-proxies", env: "DRAMABOT_TRUSTED_PROXIES", on: onServe, unset: "(none: X-Forwarded-For is ignored)",
		help: "reverse proxies whose X-Forwarded-For names the client (for the per-user rate limit), as comma-separated CIDR prefixes or addresses, e.g. 10.0.0.0/8,127.0.0.1",
		bind: cidrs(func(c *config) *[]netip.Prefix { return &c.TrustedProxies })},
	{name: "admin", env: "DRAMABOT_ADMINS", on: onServe, unset: "(none)",
		help: "who may /reindex and /add sources, as platform:user-id, comma-separated (telegram:123,discord:456); repeatable",
		bind: list(func(c *config) *[]string { return &c.Admins })},
	{name: "telegram-api-url", env: "TELEGRAM_API_URL", def: "https://api.telegram.org", on: onServe,
		help: "Telegram Bot API server",
		bind: text(func(c *config) *string { return &c.TelegramAPIURL })},
	{name: "telegram-webhook-url", env: "TELEGRAM_WEBHOOK_URL", on: onServe, unset: "(long polling)",
		help: "public URL for webhook mode (default: long polling); needs TELEGRAM_WEBHOOK_SECRET",
		bind: text(func(c *config) *string { return &c.TelegramWebhook })},
	{name: "discord-guild-id", env: "DISCORD_GUILD_ID", on: onServe, unset: "(global commands)",
		help: "register slash commands for this guild only (they show at once)",
		bind: text(func(c *config) *string { return &c.DiscordGuildID })},
	{name: "discord-shard-id", env: "DISCORD_SHARD_ID", def: "0", on: onServe,
		help: "this process's gateway shard",
		bind: integer(func(c *config) *int { return &c.DiscordShardID })},
	{name: "discord-shard-count", env: "DISCORD_SHARD_COUNT", def: "1", on: onServe,
		help: "number of gateway shards across processes",
		bind: integer(func(c *config) *int { return &c.DiscordShards })},
	{name: "discord-api-url", env: "DISCORD_API_URL", def: discordAPI, on: onServe,
		help: "Discord REST base, e.g. a nirn-proxy; the gateway URL comes from its /gateway/bot",
		bind: text(func(c *config) *string { return &c.DiscordAPIURL })},
	{name: "discord-message-content", env: "DISCORD_MESSAGE_CONTENT", def: "true", on: onServe, oldNegative: "discord-no-message-content",
		help: "request the privileged MessageContent intent (enable it in the Developer Portal)",
		bind: boolean(func(c *config) *bool { return &c.DiscordMessageContent })},
	{name: "discord-threads", env: "DISCORD_THREADS", def: "false", on: onServe,
		help: "answer a mention in a guild channel in a new thread, where follow-ups need no mention (needs the Create Public Threads permission)",
		bind: boolean(func(c *config) *bool { return &c.DiscordThreads })},

	{name: "llm", env: "DRAMABOT_LLM", on: onLLM, unset: "(off: extractive answers)",
		help: "write answers with a language model: openai (any OpenAI-compatible chat completions server: OpenAI, Ollama, llama.cpp, vLLM); empty: extractive answers only",
		bind: text(func(c *config) *string { return &c.LLM.Provider })},
	{name: "llm-url", env: "DRAMABOT_LLM_URL", def: llm.DefaultBaseURL, on: onLLM,
		help: "base URL of the chat completions API (Ollama: http://localhost:11434/v1; llama.cpp, vLLM: http://HOST:PORT/v1)",
		bind: text(func(c *config) *string { return &c.LLM.URL })},
	{name: "llm-model", env: "DRAMABOT_LLM_MODEL", on: onLLM, unset: "(none)",
		help: "model name, e.g. gpt-4o-mini or qwen2.5:7b-instruct",
		bind: text(func(c *config) *string { return &c.LLM.Model })},
	{name: "llm-timeout", env: "DRAMABOT_LLM_TIMEOUT", def: llm.DefaultTimeout.String(), on: onLLM,
		help: "bound on one model call, the wait for a free slot included; then the extractive answer is sent",
		bind: duration(func(c *config) *time.Duration { return &c.LLM.Timeout })},
	{name: "llm-concurrency", env: "DRAMABOT_LLM_CONCURRENCY", def: strconv.Itoa(llm.DefaultMaxConcurrent), on: onLLM,
		help: "model calls at once; more wait for a slot (eval also runs this many questions at once)", want: "a whole number of model calls",
		bind: integer(func(c *config) *int { return &c.LLM.Concurrency })},

	{env: "TELEGRAM_TOKEN", secret: true, on: onServe, help: "runs the Telegram bot",
		bind: text(func(c *config) *string { return &c.secrets.TelegramToken })},
	{env: "TELEGRAM_WEBHOOK_SECRET", secret: true, on: onServe, help: "required in webhook mode",
		bind: text(func(c *config) *string { return &c.secrets.WebhookSecret })},
	{env: "DISCORD_TOKEN", secret: true, on: onServe, help: "runs the Discord bot",
		bind: text(func(c *config) *string { return &c.secrets.DiscordToken })},
	{env: "DRAMABOT_API_KEY", secret: true, on: onServe, help: "required on /v1/* when set",
		bind: text(func(c *config) *string { return &c.secrets.APIKey })},
	{env: "DRAMABOT_ADMIN_KEY", secret: true, on: onServe, help: "lets POST /v1/sources add a web source or a document (Authorization: Bearer KEY); unset: no such route",
		bind: text(func(c *config) *string { return &c.secrets.AdminKey })},
	{env: "DRAMABOT_EMBED_API_KEY", secret: true, on: onCorpus, help: "key for --embedder openai",
		bind: text(func(c *config) *string { return &c.secrets.EmbedAPIKey })},
	{env: "DRAMABOT_LLM_API_KEY", secret: true, on: onLLM, help: "key of the chat completions server for --llm openai",
		bind: text(func(c *config) *string { return &c.secrets.LLMAPIKey })},
}

// key is how the setting is named in `dramabot config`: its flag, or the
// variable of a secret.
func (s *setting) key() string {
	if s.name == "" {
		return s.env
	}
	return s.name
}

// expected is what a valid value looks like.
func (s *setting) expected(v value) string {
	if s.want != "" {
		return s.want
	}
	return v.want()
}

// value is the parser of one setting, bound to its field.
type value interface {
	flag.Value
	// IsBoolFlag lets a boolean flag stand alone (--no-default-corpus).
	IsBoolFlag() bool
	// load replaces the value with one from the default or the
	// environment; Set is for the command line, where a list flag can be
	// repeated.
	load(string) error
	// want says what a valid value looks like.
	want() string
	// kind names the type in --help.
	kind() string
}

// scalar is a setting with one value of type T.
type scalar[T any] struct {
	p      *T
	parse  func(string) (T, error)
	format func(T) string
	what   string
	name   string
}

func (v *scalar[T]) Set(s string) error {
	x, err := v.parse(strings.TrimSpace(s))
	if err != nil {
		return err
	}
	*v.p = x
	return nil
}

func (v *scalar[T]) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return v.format(*v.p)
}

func (v *scalar[T]) IsBoolFlag() bool    { return v.name == "bool" }
func (v *scalar[T]) load(s string) error { return v.Set(s) }
func (v *scalar[T]) want() string        { return v.what }
func (v *scalar[T]) kind() string        { return v.name }

func text(field func(*config) *string) func(*config) value {
	return func(c *config) value {
		return &scalar[string]{p: field(c), name: "string", what: "text",
			parse: func(s string) (string, error) { return s, nil }, format: func(s string) string { return s }}
	}
}

func boolean(field func(*config) *bool) func(*config) value {
	return func(c *config) value {
		return &scalar[bool]{p: field(c), name: "bool", what: "true or false (or 1/0, yes/no, on/off)",
			parse: parseBool, format: strconv.FormatBool}
	}
}

// parseBool takes what people write in environment files, in any case.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

func integer(field func(*config) *int) func(*config) value {
	return func(c *config) value {
		return &scalar[int]{p: field(c), name: "int", what: "a whole number", parse: strconv.Atoi, format: strconv.Itoa}
	}
}

func duration(field func(*config) *time.Duration) func(*config) value {
	return func(c *config) value {
		return &scalar[time.Duration]{p: field(c), name: "duration", what: "a duration such as 20s or 1m30s",
			parse: time.ParseDuration, format: time.Duration.String}
	}
}

// listOf is a setting with a list of values. In the environment it is one
// text with a separator; on the command line the flag can be repeated,
// and the first use replaces what the environment said.
type listOf[T any] struct {
	p        *[]T
	sep      string
	oneAFlag bool // each flag is one item (paths may hold the separator)
	spaces   bool // white space separates items too
	item     func(string) (T, error)
	format   func(T) string
	what     string
	name     string
	fromFlag bool
}

func (v *listOf[T]) add(s, sep string) error {
	parts := []string{s}
	if sep != "" {
		parts = strings.Split(s, sep)
	}
	if v.spaces {
		parts = strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	}
	for _, part := range parts {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		x, err := v.item(part)
		if err != nil {
			return err
		}
		*v.p = append(*v.p, x)
	}
	return nil
}

func (v *listOf[T]) load(s string) error {
	*v.p = nil
	return v.add(s, v.sep)
}

func (v *listOf[T]) Set(s string) error {
	if !v.fromFlag {
		*v.p, v.fromFlag = nil, true
	}
	if v.oneAFlag {
		return v.add(s, "")
	}
	return v.add(s, v.sep)
}

func (v *listOf[T]) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	parts := make([]string, len(*v.p))
	for i, x := range *v.p {
		parts[i] = v.format(x)
	}
	return strings.Join(parts, ", ")
}

func (v *listOf[T]) IsBoolFlag() bool { return false }
func (v *listOf[T]) want() string     { return v.what }
func (v *listOf[T]) kind() string     { return v.name }

func same(s string) (string, error) { return s, nil }
func self(s string) string          { return s }

// list is a comma-separated list of words.
func list(field func(*config) *[]string) func(*config) value {
	return func(c *config) value {
		return &listOf[string]{p: field(c), sep: ",", item: same, format: self, what: "a comma-separated list", name: "list"}
	}
}

// paths is a list of files and folders: the system's path list separator
// in the environment, one path a flag.
func paths(field func(*config) *[]string) func(*config) value {
	return func(c *config) value {
		return &listOf[string]{p: field(c), sep: string(os.PathListSeparator), oneAFlag: true, item: same, format: self,
			what: "paths separated by " + string(os.PathListSeparator), name: "path"}
	}
}

// urls is a list of URLs separated by commas or spaces.
func urls(field func(*config) *[]string) func(*config) value {
	return func(c *config) value {
		return &listOf[string]{p: field(c), sep: ",", spaces: true, item: same, format: self, what: "URLs separated by commas or spaces", name: "url"}
	}
}

// cidrs is a comma-separated list of CIDR prefixes; a bare address is a
// prefix of its own length.
func cidrs(field func(*config) *[]netip.Prefix) func(*config) value {
	return func(c *config) value {
		return &listOf[netip.Prefix]{p: field(c), sep: ",", item: parsePrefix, format: netip.Prefix.String,
			what: "CIDR prefixes or IP addresses such as 10.0.0.0/8,127.0.0.1, comma-separated", name: "cidrs"}
	}
}

func parsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// usageError is a value that does not parse: it stops the program before
// it does anything, with exit status 2 and this one line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// cli is one command's flags, bound to the settings that command reads.
type cli struct {
	fs     *flag.FlagSet
	cfg    *config
	getenv func(string) string
	// bound are the command's settings and their parsers.
	bound []boundSetting
	// envErr is the first value from the environment that did not parse,
	// by flag name; reported unless the flag replaces it.
	envErr map[string]error
	oldNeg map[string]*bool
	stderr io.Writer
}

type boundSetting struct {
	s *setting
	v value
}

// newCLI binds the settings of the command on to cfg: defaults, then the
// environment; the flags are parsed by parse. summary starts --help.
func newCLI(name string, on commands, summary string, getenv func(string) string, stderr io.Writer, cfg *config) *cli {
	c := &cli{fs: flag.NewFlagSet(name, flag.ContinueOnError), cfg: cfg, getenv: getenv, envErr: map[string]error{}, oldNeg: map[string]*bool{}, stderr: stderr}
	for i := range settings {
		s := &settings[i]
		if s.on&on == 0 {
			continue
		}
		v := s.bind(cfg)
		def := s.def
		if s.dynamic != nil {
			def = s.dynamic()
		}
		if err := v.load(def); err != nil {
			panic(fmt.Sprintf("setting %s: default %q: %v", s.key(), def, err)) // a test checks every default
		}
		c.bound = append(c.bound, boundSetting{s, v})
		if s.secret {
			continue // read in parse: a file may have to be read
		}
		ev := getenv(s.env)
		if ev == "" && s.redact != nil {
			// A value that may hold a secret may come from a file too, as
			// secrets do (Docker and Kubernetes secrets).
			var err error
			if ev, err = readSecret(getenv, s.env); err != nil {
				c.envErr[s.name] = err
			}
		}
		if ev != "" {
			if err := v.load(ev); err != nil {
				c.envErr[s.name] = &usageError{fmt.Sprintf("%s=%q: want %s", s.env, ev, s.expected(v))}
			}
		}
		c.fs.Var(wantValue{v, s.expected(v)}, s.name, s.help)
		if s.oldNegative != "" {
			c.oldNeg[s.oldNegative] = c.fs.Bool(s.oldNegative, false, "deprecated: use --"+s.name+"=false")
		}
	}
	c.fs.Usage = func() { c.usage(c.fs.Output(), summary) }
	return c
}

// wantValue reports a bad flag value as what a good one looks like.
type wantValue struct {
	value
	what string
}

func (w wantValue) Set(s string) error {
	if err := w.value.Set(s); err != nil {
		return errors.New("want " + w.what)
	}
	return nil
}

// parse parses the command line, then reports a bad environment value the
// command line did not replace, reads the secrets and applies deprecated
// flags.
func (c *cli) parse(args []string) error {
	// The flag package prints the whole usage after a bad flag: --help
	// gets it, a mistake gets one line.
	var out strings.Builder
	c.fs.SetOutput(&out)
	err := c.fs.Parse(args)
	c.fs.SetOutput(c.stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		io.WriteString(c.stderr, out.String())
		return err
	case err != nil:
		return &usageError{fmt.Sprintf("%v (see dramabot %s --help)", err, c.fs.Name())}
	}
	given := map[string]bool{}
	c.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, b := range c.bound {
		s := b.s
		if err := c.envErr[s.name]; err != nil && !given[s.name] {
			return err
		}
		if s.secret {
			v, err := readSecret(c.getenv, s.env)
			if err != nil {
				return err
			}
			if err := b.v.load(v); err != nil {
				return err
			}
		}
		if s.oldNegative != "" && given[s.oldNegative] {
			c.cfg.notes = append(c.cfg.notes, fmt.Sprintf("--%s is deprecated: use --%s=false", s.oldNegative, s.name))
			if !given[s.name] {
				if err := b.v.load(strconv.FormatBool(!*c.oldNeg[s.oldNegative])); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// readSecret reads a secret from the environment, or from the file named
// by NAME_FILE (Docker and Kubernetes secrets).
func readSecret(getenv func(string) string, name string) (string, error) {
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

// usage prints --help: the summary, the command's own flags, then its
// settings with their variables and defaults, then its secrets.
func (c *cli) usage(w io.Writer, summary string) {
	fmt.Fprintf(w, "%s\n", summary)
	isSetting := map[string]bool{}
	for _, b := range c.bound {
		isSetting[b.s.name] = true
	}
	for name := range c.oldNeg {
		isSetting[name] = true
	}
	first := true
	c.fs.VisitAll(func(f *flag.Flag) {
		if isSetting[f.Name] {
			return
		}
		if first {
			fmt.Fprintf(w, "\nFlags:\n")
			first = false
		}
		typ, help := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s", f.Name)
		if typ != "" {
			fmt.Fprintf(w, " %s", typ)
		}
		fmt.Fprintf(w, "\n    \t%s", help)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	var secrets []string
	first = true
	for _, b := range c.bound {
		s := b.s
		if s.secret {
			secrets = append(secrets, fmt.Sprintf("  %s\n    \t%s", s.env, s.help))
			continue
		}
		if first {
			fmt.Fprintf(w, "\nSettings (flag, or the environment variable in brackets; the flag wins):\n")
			first = false
		}
		typ := " " + b.v.kind()
		if b.v.IsBoolFlag() {
			typ = ""
		}
		fmt.Fprintf(w, "  --%s%s  [%s]\n    \t%s", s.name, typ, s.env, s.help)
		if s.def != "" && s.def != "false" {
			fmt.Fprintf(w, " (default %s)", s.def)
		}
		fmt.Fprintln(w)
		if s.oldNegative != "" {
			fmt.Fprintf(w, "  --%s\n    \tdeprecated: use --%s=false\n", s.oldNegative, s.name)
		}
	}
	if len(secrets) > 0 {
		fmt.Fprintf(w, "\nSecrets (environment only, or NAME_FILE naming a file that holds the value):\n%s\n", strings.Join(secrets, "\n"))
	}
}
