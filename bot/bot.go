// Package bot is dramabot's platform-neutral conversation core: it parses
// commands, checks and rate-limits questions, asks the knowledge engine and
// returns a Reply that each surface (bot/telegram, bot/discord, bot/httpapi)
// renders in its own format. Every surface goes through Core, so the same
// question gets the same answer everywhere.
package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"dramabot/knowledge"
)

// Knowledge is what the core needs from the knowledge engine.
type Knowledge interface {
	Answer(ctx context.Context, question string) (knowledge.Answer, error)
	Figures(ctx context.Context, topic string) (knowledge.Answer, error)
	Sources() []knowledge.SourceStat
	About() knowledge.About
}

// Metrics receives one observation per question and per feedback vote.
// bot/httpapi implements it with Prometheus.
type Metrics interface {
	ObserveQuestion(platform string, outcome Outcome, d time.Duration)
	ObserveFeedback(platform, vote string)
}

// Outcome classifies how a question ended, for metrics and logs.
type Outcome string

// Outcomes of a question.
const (
	OutcomeAnswered    Outcome = "answered"
	OutcomeAbstained   Outcome = "abstained"
	OutcomeRateLimited Outcome = "rate_limited"
	OutcomeInvalid     Outcome = "invalid"
	OutcomeError       Outcome = "error"
)

// Platforms, as used in metrics, logs and admin ids ("telegram:123").
const (
	PlatformTelegram = "telegram"
	PlatformDiscord  = "discord"
	PlatformHTTP     = "http"
	PlatformCLI      = "cli"
)

// Defaults for Config.
const (
	DefaultRateLimit        = 10 // questions per user per minute
	DefaultMaxQuestionRunes = 1000
)

// Config configures a Core. Knowledge is required.
type Config struct {
	Knowledge Knowledge
	Logger    *slog.Logger
	Metrics   Metrics // optional
	// RateLimit is questions per user per minute; 0 means DefaultRateLimit,
	// a negative value turns the limit off.
	RateLimit        int
	MaxQuestionRunes int // 0 means DefaultMaxQuestionRunes
	// Admins lists who may run /reindex, as "platform:user-id".
	Admins []string
	// Reindex rebuilds the index from the sources and returns a one-line
	// summary of what was added, changed and removed. Optional.
	Reindex func(ctx context.Context) (string, error)
	// Sources adds web sources and uploaded documents (/add, a file in a
	// private chat, POST /v1/sources). Optional.
	Sources SourceAdder
	// Version is shown by /about.
	Version string
	// DataDir holds the feedback log and the subscriptions; "" or "-"
	// keeps them in memory only.
	DataDir string
	// ConversationTTL is how long a reply to an answer continues its
	// conversation; 0 means DefaultConversationTTL.
	ConversationTTL time.Duration
	// MaxSubscriptions bounds a chat's subscriptions unless an admin set
	// another limit for it; 0 means DefaultMaxSubscriptions.
	MaxSubscriptions int
	// AlertsPerHour bounds the alert posts to one chat an hour; what comes
	// beyond waits for one digest. 0 means DefaultAlertsPerHour.
	AlertsPerHour int
}

// Core is safe for concurrent use.
type Core struct {
	k       Knowledge
	log     *slog.Logger
	metrics Metrics
	limiter *limiter
	notices *notices
	maxLen  int
	admins  map[string]bool
	reindex func(ctx context.Context) (string, error)
	sources SourceAdder
	version string
	turns   *turns

	feedbackMu  sync.Mutex
	feedback    map[string]int        // "up"/"down" -> current count
	votes       map[voteKey]voteState // the current vote of each voter
	feedbackLog *FeedbackLog          // nil: memory only

	alerts *alerts

	notesMu sync.Mutex
	notes   map[string]*knowledge.NoteInfo // see noteIndex
	notesAt time.Time
}

// New returns a Core.
func New(cfg Config) *Core {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	rate := cfg.RateLimit
	if rate == 0 {
		rate = DefaultRateLimit
	}
	maxLen := cfg.MaxQuestionRunes
	if maxLen <= 0 {
		maxLen = DefaultMaxQuestionRunes
	}
	admins := map[string]bool{}
	for _, a := range cfg.Admins {
		if a = strings.TrimSpace(a); a != "" {
			admins[a] = true
		}
	}
	ttl := cfg.ConversationTTL
	if ttl <= 0 {
		ttl = DefaultConversationTTL
	}
	c := &Core{
		k:        cfg.Knowledge,
		log:      cfg.Logger,
		metrics:  cfg.Metrics,
		limiter:  newLimiter(rate, time.Minute),
		notices:  newNotices(),
		maxLen:   maxLen,
		admins:   admins,
		reindex:  cfg.Reindex,
		sources:  cfg.Sources,
		version:  cfg.Version,
		turns:    newTurns(defaultTurns, ttl),
		feedback: map[string]int{},
		votes:    map[voteKey]voteState{},
	}
	dir := cfg.DataDir
	if dir == "-" {
		dir = ""
	}
	if dir != "" {
		c.feedbackLog = NewFeedbackLog(filepath.Join(dir, FeedbackFile))
	}
	c.alerts = newAlerts(c, dir, cfg.MaxSubscriptions, cfg.AlertsPerHour)
	return c
}

// Request is one incoming message, after the adapter removed what belongs
// to the platform (the bot mention, the /command@BotName prefix).
type Request struct {
	Platform string
	UserID   string
	ChatID   string
	Text     string
	// ReplyTo is the surface's id of the bot message this one replies to
	// (a Telegram or Discord message id): the message continues the turn
	// that message showed.
	ReplyTo string
	// Conversation continues a running conversation at its latest turn: a
	// Discord thread the bot started, or the id POST /v1/ask returned.
	Conversation string
	// Group is set for messages in a group or guild channel, where
	// notices for one user must not flood the others.
	Group bool
	// Locale is the client's language ("zh-CN"), for commands that carry
	// no text to tell the language from. Optional.
	Locale string
	// Progress, if set, receives status texts (ProgressText) while an
	// engine that reports progress (ProgressAnswerer) works on the answer.
	// It is called on the answering goroutine and must not block: surfaces
	// pass a Pacer's Update.
	Progress func(status string)
}

// Kind says what a Reply carries.
type Kind int

// Kinds of Reply.
const (
	// KindAnswer: Answer is set; it may be an abstention.
	KindAnswer Kind = iota
	// KindFigures: Answer holds key figures (Figures and Citations).
	KindFigures
	// KindSources: Sources is set.
	KindSources
	// KindAbout: About is set, Message summarizes it.
	KindAbout
	// KindInfo: Message is informational text (help, start, reindex done).
	KindInfo
	// KindRateLimited: Message says when to retry; RetryAfter is set.
	KindRateLimited
	// KindInvalid: the input was not a usable question; Message says why.
	KindInvalid
	// KindRefused: the user may not do this (e.g. /reindex).
	KindRefused
	// KindError: something failed on our side; Message apologizes.
	KindError
	// KindTimeline: Timeline holds a metric's figures across sources,
	// Chart its chart when it has two figures or more.
	KindTimeline
)

// Reply is the platform-neutral result that adapters render.
type Reply struct {
	Kind      Kind
	RequestID string
	// Lang is the language of the frame the surfaces put around the reply.
	Lang   Lang
	Answer knowledge.Answer
	// Timeline and Chart answer /figures TOPIC for a metric.
	Timeline knowledge.FigureTimeline
	Chart    *knowledge.FigureChart
	Sources  []knowledge.SourceStat
	About    knowledge.About
	Message  string
	// Understood is the question as it was answered, when a follow-up
	// ("what about 2023?") was merged with the question before it.
	Understood string
	// Conversation is the id that continues this conversation (HTTP).
	Conversation string
	RetryAfter   time.Duration
	// Added is what /add or an uploaded file brought in (KindInfo), or
	// the part that could be read when adding failed (KindError).
	Added *Added
	// Repeat marks a rate-limit notice already given to this user in this
	// cool-down: in group chats surfaces acknowledge the message quietly
	// instead of posting the notice again.
	Repeat bool
}

// Messages shared by all surfaces, in English; T(lang) has both languages.
const (
	MsgEmpty    = "Please ask a question about the Chinese mini-series (短剧) market, for example: How many jobs has the mini series boom created?"
	MsgNotText  = "I can only read text questions. Please type your question."
	MsgApology  = "Sorry, something went wrong on my side while answering. Please try again in a moment."
	MsgRefused  = "Sorry, only the bot's administrators can do that."
	MsgNoTopic  = "No figures found for that topic in the sources."
	StartText   = "Hello! Ask me anything about the Chinese mini-series (短剧) market and I will answer from my sources, with citations. Try: How many jobs has the mini series boom created?\n\nType /help for the commands."
	idBytes     = 6
	adminPrefix = ":"
)

// DefaultConversationTTL is how long an answer can be followed up on.
const DefaultConversationTTL = time.Hour

// Ask answers a question, applying validation and the per-user rate limit.
// A question that follows up on an earlier answer (a reply to it, a message
// in its conversation, or a "what about 2023?" right after it in a private
// chat) is merged with the question before it.
func (c *Core) Ask(ctx context.Context, req Request) Reply {
	start := time.Now()
	id := NewRequestID()
	log := c.log.With("request_id", id, "platform", req.Platform)
	q, err := c.CleanQuestion(req.Text)
	prev := c.turns.previous(req, time.Now())
	lang := DetectLang(req.Text)
	if !hasWords(req.Text) {
		switch {
		case prev != nil:
			lang = prev.lang
		case req.Locale != "":
			lang = LangFromLocale(req.Locale)
		}
	}
	if err != nil {
		c.observe(req.Platform, OutcomeInvalid, time.Since(start))
		log.Info("question rejected", "reason", err.Error())
		return Reply{Kind: KindInvalid, RequestID: id, Lang: lang, Message: c.invalidMessage(lang, err)}
	}
	userKey := req.Platform + adminPrefix + req.UserID
	if wait := c.limiter.take(userKey, time.Now()); wait > 0 {
		c.observe(req.Platform, OutcomeRateLimited, time.Since(start))
		repeat := !c.notices.first(userKey, time.Now(), wait)
		log.Info("rate limited", "retry_after", wait.Round(time.Second), "repeat", repeat)
		return Reply{Kind: KindRateLimited, RequestID: id, Lang: lang, RetryAfter: wait, Message: RateLimitText(lang, wait), Repeat: repeat}
	}
	if msg, ok := smallTalk(q, lang); ok {
		c.observe(req.Platform, OutcomeAnswered, time.Since(start))
		return Reply{Kind: KindInfo, RequestID: id, Lang: lang, Message: msg}
	}
	fu := resolveFollowUp(prev, q)
	switch fu.kind {
	case followUnresolved:
		c.observe(req.Platform, OutcomeInvalid, time.Since(start))
		log.Info("follow-up not resolved", "has_previous", prev != nil)
		return Reply{Kind: KindInfo, RequestID: id, Lang: lang, Message: T(lang).FollowUpUnknown}
	case followWhoSaid:
		a := c.whoSaid(prev, q, lang)
		c.turns.add(&turn{id: id, chat: chatKey(req), user: req.UserID, at: time.Now(), question: q, resolved: prev.resolved, answer: a, lang: lang, parent: prev}, c.conversationID(req, id))
		c.observe(req.Platform, OutcomeAnswered, time.Since(start))
		log.Info("answered from the previous answer's citations", "citations", len(a.Citations))
		return Reply{Kind: KindAnswer, RequestID: id, Lang: lang, Answer: a, Conversation: c.conversationID(req, id)}
	}
	asked := q
	if fu.kind == followMerged {
		asked = fu.question
		log.Info("follow-up merged", "kind", "merged")
		log.Debug("follow-up", "text", q, "understood", asked)
	} else {
		prev = nil // a new question starts a new chain
	}
	log.Debug("question", "text", asked)
	a, err := c.answer(ctx, asked, q, req.Progress)
	d := time.Since(start)
	if err != nil {
		c.observe(req.Platform, OutcomeError, d)
		if errors.Is(err, context.Canceled) {
			// The asker went away (a closed connection, a shutdown):
			// nothing failed on our side.
			log.Info("question canceled", "err", err)
		} else {
			log.Error("answer failed", "err", err)
		}
		return Reply{Kind: KindError, RequestID: id, Lang: lang, Message: T(lang).Apology}
	}
	a = c.present(a, lang)
	outcome := OutcomeAnswered
	if a.Abstained {
		outcome = OutcomeAbstained
	}
	c.observe(req.Platform, outcome, d)
	c.turns.add(&turn{id: id, chat: chatKey(req), user: req.UserID, at: time.Now(), question: q, resolved: asked, answer: a, lang: lang, parent: prev}, c.conversationID(req, id))
	log.Info("answered", "outcome", string(outcome), "citations", len(a.Citations), "figures", len(a.Figures), "generated", a.Generated != "", "follow_up", fu.kind == followMerged, "latency", d)
	r := Reply{Kind: KindAnswer, RequestID: id, Lang: lang, Answer: a, Conversation: c.conversationID(req, id)}
	if fu.kind == followMerged {
		r.Understood = asked
	}
	return r
}

// conversationID is the id a client sends back to continue: the one it
// sent, or this answer's.
func (c *Core) conversationID(req Request, id string) string {
	if req.Conversation != "" {
		return req.Conversation
	}
	return id
}

// answer asks the engine, with progress reports when both the engine and
// the surface support them.
// The statuses are in the language of what the user wrote (asked), which
// a follow-up merged into an English question does not change.
func (c *Core) answer(ctx context.Context, q, asked string, progress func(string)) (knowledge.Answer, error) {
	pa, ok := c.k.(ProgressAnswerer)
	if !ok || progress == nil {
		return c.k.Answer(ctx, q)
	}
	return pa.AnswerProgress(ctx, q, func(p knowledge.Progress) { progress(ProgressText(p, asked)) })
}

// Command runs a chat command by name (without the slash); arg is the rest
// of the message. Unknown commands get the help text.
func (c *Core) Command(ctx context.Context, req Request, name, arg string) Reply {
	lang := LangFromLocale(req.Locale)
	if hasWords(arg) {
		lang = DetectLang(arg)
	}
	switch strings.ToLower(name) {
	case "ask":
		req.Text = arg
		return c.Ask(ctx, req)
	case "start":
		return Reply{Kind: KindInfo, RequestID: NewRequestID(), Lang: lang, Message: T(lang).Welcome}
	case "sources":
		return Reply{Kind: KindSources, RequestID: NewRequestID(), Lang: lang, Sources: c.k.Sources()}
	case "figures":
		return c.figures(ctx, req, arg, lang)
	case "about":
		ab := c.About()
		return Reply{Kind: KindAbout, RequestID: NewRequestID(), Lang: lang, About: ab, Message: AboutTextLang(lang, ab)}
	case "reindex":
		return c.Reindex(ctx, req)
	case "add":
		return c.AddSource(ctx, req, arg, false)
	case "subscribe", "unsubscribe", "subscriptions", "sublimit":
		return c.alerts.command(req, strings.ToLower(name), arg, lang)
	default:
		return Reply{Kind: KindInfo, RequestID: NewRequestID(), Lang: lang, Message: HelpText(req.Platform, lang)}
	}
}

// About returns the corpus description with the bot's version.
func (c *Core) About() knowledge.About {
	ab := c.k.About()
	if c.version != "" {
		ab.Version = c.version
	}
	return ab
}

func (c *Core) figures(ctx context.Context, req Request, topic string, lang Lang) Reply {
	id := NewRequestID()
	topic = sanitize(topic)
	if utf8.RuneCountInString(topic) > c.maxLen {
		return Reply{Kind: KindInvalid, RequestID: id, Lang: lang, Message: c.invalidMessage(lang, knowledge.ErrQuestionTooLong)}
	}
	if r, ok := c.timeline(ctx, req, topic, lang, id); ok {
		return r
	}
	a, err := c.k.Figures(ctx, topic)
	if err != nil {
		c.log.Error("figures failed", "request_id", id, "platform", req.Platform, "err", err)
		return Reply{Kind: KindError, RequestID: id, Lang: lang, Message: T(lang).Apology}
	}
	if len(a.Figures) == 0 {
		return Reply{Kind: KindInfo, RequestID: id, Lang: lang, Message: T(lang).NoTopic}
	}
	a = c.present(a, lang)
	c.turns.add(&turn{id: id, chat: chatKey(req), user: req.UserID, at: time.Now(), question: topic, resolved: topic, answer: a, lang: lang}, "")
	return Reply{Kind: KindFigures, RequestID: id, Lang: lang, Answer: a}
}

// IsAdmin reports whether the user may run admin commands.
func (c *Core) IsAdmin(platform, userID string) bool {
	return userID != "" && c.admins[platform+adminPrefix+userID]
}

// Reindex rebuilds the index for an admin; anyone else is refused.
func (c *Core) Reindex(ctx context.Context, req Request) Reply {
	id := NewRequestID()
	if !c.IsAdmin(req.Platform, req.UserID) {
		c.log.Warn("reindex refused", "request_id", id, "platform", req.Platform, "user_id", req.UserID)
		return Reply{Kind: KindRefused, RequestID: id, Message: MsgRefused}
	}
	if c.reindex == nil {
		return Reply{Kind: KindInfo, RequestID: id, Message: "Reindexing is not available in this mode."}
	}
	summary, err := c.reindex(ctx)
	c.forgetNotes()
	if err != nil {
		c.log.Error("reindex failed", "request_id", id, "platform", req.Platform, "err", err)
		return Reply{Kind: KindError, RequestID: id, Message: "Reindexing failed; answers keep coming from the previous index. The log has the details."}
	}
	c.log.Info("reindexed", "request_id", id, "platform", req.Platform, "user_id", req.UserID, "summary", summary)
	return Reply{Kind: KindInfo, RequestID: id, Message: "Reindexed: " + summary}
}

// Recovered turns a recovered panic value into a logged error Reply. Adapters
// call it from a deferred recover, because neither chat library recovers
// panics in handlers.
func (c *Core) Recovered(platform string, v any) Reply {
	id := NewRequestID()
	c.log.Error("panic in handler", "request_id", id, "platform", platform, "panic", fmt.Sprint(v))
	c.observe(platform, OutcomeError, 0)
	return Reply{Kind: KindError, RequestID: id, Lang: LangEN, Message: MsgApology}
}

func (c *Core) observe(platform string, o Outcome, d time.Duration) {
	if c.metrics != nil {
		c.metrics.ObserveQuestion(platform, o, d)
	}
}

// CleanQuestion removes control and formatting characters (including
// bidirectional overrides and NUL), folds white space and checks the length.
func (c *Core) CleanQuestion(s string) (string, error) {
	q := sanitize(s)
	if q == "" {
		return "", knowledge.ErrEmptyQuestion
	}
	if utf8.RuneCountInString(q) > c.maxLen {
		return "", knowledge.ErrQuestionTooLong
	}
	return q, nil
}

func (c *Core) invalidMessage(lang Lang, err error) string {
	if errors.Is(err, knowledge.ErrQuestionTooLong) {
		return fmt.Sprintf(T(lang).TooLong, c.maxLen)
	}
	return T(lang).Empty
}

// sanitize drops invalid UTF-8, control and format characters (such as RTL
// overrides and zero-width marks) and folds runs of white space.
func sanitize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, " ") {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// RateLimitMessage tells the user, in English, when to ask again.
func RateLimitMessage(wait time.Duration) string { return RateLimitText(LangEN, wait) }

// AboutTextLang is AboutText in the asker's language.
func AboutTextLang(l Lang, ab knowledge.About) string {
	if l != LangZH {
		return AboutText(ab)
	}
	s := fmt.Sprintf("dramabot %s 根据 %d 份资料（%d 个段落）回答", orDash(ab.Version), ab.Sources, ab.Passages)
	if ab.AsOf != "" {
		s += "，资料截至 " + ab.AsOf
	}
	s += "。嵌入模型：" + orDash(ab.Embedder) + "。"
	if ab.Model != "" {
		s += "答案由 " + ab.Model + " 撰写，其中每个数字都与资料核对过。"
	}
	return s
}

// AboutText summarizes the corpus in one line.
func AboutText(ab knowledge.About) string {
	s := fmt.Sprintf("dramabot %s answers from %s (%s)", orDash(ab.Version), plural(ab.Sources, "source"), plural(ab.Passages, "passage"))
	if ab.AsOf != "" {
		s += ", as of " + ab.AsOf
	}
	s += ". Embedder: " + orDash(ab.Embedder) + "."
	if ab.Model != "" {
		s += " Answers are written by " + ab.Model + " and every figure in them is checked against the sources."
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// NewRequestID returns a short random id that ties logs, replies and
// feedback to one question.
func NewRequestID() string {
	b := make([]byte, idBytes)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
