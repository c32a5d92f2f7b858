package knowledge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"dramabot/knowledge/text"
)

// Generator completes a chat: system instructions, then turns that
// alternate user and assistant, starting and ending with the user.
// knowledge/llm's Client implements it.
type Generator interface {
	Complete(ctx context.Context, system string, turns []string) (string, error)
	Model() string
}

// GenerationMetrics counts what the generated path does. bot/httpapi's
// Metrics implements it.
type GenerationMetrics interface {
	// ObserveGenerated counts an answer written by the model and verified.
	ObserveGenerated()
	// ObserveFigures counts the figures of one model reply, and those of
	// them that were rejected (not in a passage their sentence cites).
	ObserveFigures(checked, rejected int)
	// ObserveFallback counts an extractive answer sent instead of a
	// generated one, by reason (one of FallbackReasons).
	ObserveFallback(reason string)
}

// Reasons for falling back to the extractive answer.
const (
	FallbackRejected    = "rejected"     // both replies failed verification
	FallbackTimeout     = "timeout"      // the model took too long
	FallbackServerError = "server_error" // 5xx
	FallbackRateLimited = "rate_limited" // 429
	FallbackClientError = "client_error" // other 4xx: a bad key, an unknown model
	FallbackConnection  = "connection"   // no connection to the model server
	FallbackBadReply    = "bad_reply"    // a reply without a usable message
	FallbackCanceled    = "canceled"     // the asker went away
)

// FallbackReasons lists every reason, for metrics that start at zero.
var FallbackReasons = []string{
	FallbackRejected, FallbackTimeout, FallbackServerError, FallbackRateLimited,
	FallbackClientError, FallbackConnection, FallbackBadReply, FallbackCanceled,
}

// Stage is a step of a generated answer, reported while the model works.
// Surfaces show their own fixed text for each stage, never model text.
type Stage int

// Stages of a generated answer.
const (
	// StageReading: the model reads the passages (Progress.Passages).
	StageReading Stage = iota + 1
	// StageChecking: the reply's figures and citations are being verified.
	StageChecking
	// StageRewriting: a check failed and the model writes again.
	StageRewriting
)

// Progress is one progress report.
type Progress struct {
	Stage    Stage
	Passages int
}

// Report says what the generated path did for one question, for eval and
// logs.
type Report struct {
	// Generated is true when the answer is the model's, verified.
	Generated bool
	// Attempts counts the model calls (0 when the extractive path
	// abstained or failed).
	Attempts int
	// FiguresChecked counts the figures in the model's replies, every
	// attempt included; FiguresRejected those that failed verification.
	FiguresChecked  int
	FiguresRejected int
	// Fallback is why the extractive answer was returned instead ("" when
	// generated, or when no model was asked).
	Fallback string
	// Failures are the failed checks of the last reply.
	Failures []string
}

// Generated answer limits: longer replies keep their first sentences.
const (
	maxGeneratedSentences = 4
	maxGeneratedRunes     = 600
	// modelAttempts: one reply, and one more naming what failed.
	modelAttempts = 2
)

// GenerativeOptions configure a Generative.
type GenerativeOptions struct {
	// Passages is how many of the top passages the model reads; default
	// the engine's TopK.
	Passages int
	Logger   *slog.Logger
	Metrics  GenerationMetrics // optional
}

// Generative answers with a language model over the engine's retrieval:
// the model reads the top passages, numbered, and writes an answer with a
// marker after each claim; the answer is verified before it is returned
// (see checkDraft), and when it fails twice, or the model fails, the
// extractive answer is returned instead. An abstention of the extractive
// path stands: the model is not asked.
//
// It has the methods bot.Core needs, so it replaces the Engine there.
type Generative struct {
	e        *Engine
	g        Generator
	passages int
	log      *slog.Logger
	metrics  GenerationMetrics
}

// NewGenerative returns a Generative over e and g.
func NewGenerative(e *Engine, g Generator, opts GenerativeOptions) *Generative {
	if opts.Passages <= 0 {
		opts.Passages = e.opts.TopK
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = noMetrics{}
	}
	return &Generative{e: e, g: g, passages: opts.Passages, log: opts.Logger, metrics: opts.Metrics}
}

type noMetrics struct{}

func (noMetrics) ObserveGenerated()       {}
func (noMetrics) ObserveFigures(int, int) {}
func (noMetrics) ObserveFallback(string)  {}

// Model is the name of the model that writes the answers.
func (g *Generative) Model() string { return g.g.Model() }

// Sources lists the documents.
func (g *Generative) Sources() []SourceStat { return g.e.Sources() }

// About describes the corpus.
func (g *Generative) About() About {
	ab := g.e.About()
	ab.Model = g.Model()
	return ab
}

// Timeline returns a metric's figures across sources: records, not words,
// so the extractive engine's.
func (g *Generative) Timeline(ctx context.Context, topic string) (FigureTimeline, error) {
	return g.e.Timeline(ctx, topic)
}

// Chart draws a metric's figures over time (the extractive engine's).
func (g *Generative) Chart(ctx context.Context, topic string) (FigureChart, error) {
	return g.e.Chart(ctx, topic)
}

// Figures lists key figures; they come from the passages, not the model.
func (g *Generative) Figures(ctx context.Context, topic string) (Answer, error) {
	return g.e.Figures(ctx, topic)
}

// Answer answers a question; see Generative.
func (g *Generative) Answer(ctx context.Context, question string) (Answer, error) {
	a, _, _, err := g.AnswerReport(ctx, question, nil)
	return a, err
}

// AnswerProgress is Answer that reports its progress while the model
// works. progress is called on the caller's goroutine.
func (g *Generative) AnswerProgress(ctx context.Context, question string, progress func(Progress)) (Answer, error) {
	a, _, _, err := g.AnswerReport(ctx, question, progress)
	return a, err
}

// AnswerReport is AnswerProgress that also returns the ranked passages and
// what the generated path did, for evaluation.
func (g *Generative) AnswerReport(ctx context.Context, question string, progress func(Progress)) (Answer, []Hit, Report, error) {
	ext, hits, err := g.e.AnswerWithHits(ctx, question)
	if err != nil || ext.Abstained {
		return ext, hits, Report{}, err
	}
	if progress == nil {
		progress = func(Progress) {}
	}
	given := hits[:min(len(hits), g.passages)]
	wantCJK := text.IsCJKText(ext.Question)
	system := systemPrompt(wantCJK)
	turns := []string{userPrompt(ext.Question, given, wantCJK)}
	var rep Report
	progress(Progress{Stage: StageReading, Passages: len(given)})
	for {
		reply, err := g.complete(ctx, system, turns)
		rep.Attempts++
		if err != nil {
			rep.Fallback = fallbackReason(ctx, err)
			g.log.Warn("model failed: sending the extractive answer", "model", g.g.Model(), "reason", rep.Fallback, "attempt", rep.Attempts, "err", err)
			g.metrics.ObserveFallback(rep.Fallback)
			return ext, hits, rep, nil
		}
		progress(Progress{Stage: StageChecking, Passages: len(given)})
		d := checkDraft(reply, given, wantCJK)
		rep.FiguresChecked += d.checked
		rep.FiguresRejected += d.rejected
		rep.Failures = d.failures
		g.metrics.ObserveFigures(d.checked, d.rejected)
		if len(d.failures) == 0 {
			a := g.compose(ext, hits, given, d, wantCJK)
			rep.Generated = true
			g.metrics.ObserveGenerated()
			g.log.Debug("generated answer verified", "model", g.g.Model(), "attempts", rep.Attempts,
				"figures", len(a.Figures), "figures_rejected", d.rejected)
			return a, hits, rep, nil
		}
		g.log.Info("model answer failed verification", "model", g.g.Model(), "attempt", rep.Attempts,
			"failures", strings.Join(d.failures, "; "), "figures_rejected", d.rejected)
		if rep.Attempts >= modelAttempts {
			rep.Fallback = FallbackRejected
			g.log.Warn("model answer failed verification twice: sending the extractive answer", "model", g.g.Model())
			g.metrics.ObserveFallback(rep.Fallback)
			return ext, hits, rep, nil
		}
		progress(Progress{Stage: StageRewriting, Passages: len(given)})
		turns = append(turns, reply, retryPrompt(d.failures, len(given), wantCJK))
	}
}

// complete calls the model, leaving a fifth of the caller's remaining time
// for sending the answer (or the extractive one) when the caller has a
// deadline: Telegram's inline queries allow 10 s in all.
func (g *Generative) complete(ctx context.Context, system string, turns []string) (string, error) {
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-time.Until(dl)/5))
		defer cancel()
	}
	return g.g.Complete(ctx, system, turns)
}

// statusError is an HTTP error answer of the model server, such as
// knowledge/llm's StatusError.
type statusError interface {
	error
	HTTPStatus() int
}

// fallbackReason classifies a model error.
func fallbackReason(ctx context.Context, err error) string {
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return FallbackCanceled
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return FallbackTimeout
	}
	if se, ok := errors.AsType[statusError](err); ok {
		switch s := se.HTTPStatus(); {
		case s >= 500:
			return FallbackServerError
		case s == 429:
			return FallbackRateLimited
		}
		return FallbackClientError
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return FallbackConnection
	}
	if errors.Is(err, context.Canceled) {
		return FallbackCanceled
	}
	return FallbackBadReply
}

// compose builds the Answer from a verified draft: the sentences with
// their markers renumbered to the passages actually cited (by first use),
// each figure as the passage writes it with its citation, and the other
// retrieved passages as related.
func (g *Generative) compose(ext Answer, hits, given []Hit, d draft, cjk bool) Answer {
	// The figure table is the records' for the question, whoever words
	// the answer.
	ans := Answer{
		Question: ext.Question, Citations: []Citation{}, Figures: []Figure{}, Related: []Related{},
		Generated: g.g.Model(), FigureTable: ext.FigureTable, SourcesDiffer: ext.SourcesDiffer,
		FigureMetric: ext.FigureMetric, FigurePeriod: ext.FigurePeriod,
	}
	cites := newCitations(given) // indexed by passage number - 1
	lookup := func(n int) int {
		if n < 1 || n > len(given) {
			return 0
		}
		return cites.cite(n - 1)
	}
	type figKey struct{ passage, start int }
	seen := map[figKey]bool{}
	var parts []string
	runes := 0
	for i, s := range d.sentences {
		n := runeLen(s.raw)
		if i > 0 && (i >= maxGeneratedSentences || runes+n > maxGeneratedRunes) {
			break
		}
		runes += n
		marked := renumberMarkers(s.raw, lookup)
		parts = append(parts, spaceRE.ReplaceAllString(marked, " "))
		ans.Sentences = append(ans.Sentences, Sentence{Text: s.plain, Citation: cites.number(s.cites[0] - 1)})
		for _, f := range s.figures {
			k := figKey{f.passage, f.span.Start}
			if seen[k] {
				continue
			}
			seen[k] = true
			passage := given[f.passage].Passage.Text
			ans.Figures = append(ans.Figures, Figure{
				Text: f.span.Text, Label: text.FigureLabel(passage, f.span), Unit: f.span.Unit, Value: f.span.Value,
				Citation: cites.cite(f.passage),
			})
		}
	}
	sep := " "
	if cjk {
		sep = ""
	}
	ans.Text = strings.TrimSpace(strings.Join(parts, sep))
	ans.Citations = cites.all()
	for h := range hits {
		if len(ans.Related) >= g.e.opts.Related {
			break
		}
		if h < len(given) && cites.cited(h) {
			continue
		}
		ans.Related = append(ans.Related, related(hits[h]))
	}
	return ans
}

// systemPrompt states the rules the answer is checked against.
func systemPrompt(cjk bool) string {
	lang := languageName(cjk)
	return "You answer questions using only the numbered source passages the user gives you.\n" +
		"Rules:\n" +
		"1. Use only what the passages say. Add nothing from elsewhere, and do not guess.\n" +
		"2. After each sentence, put the number of the passage it comes from in square brackets, like [1] or [1][2]. Cite only passages that you were given.\n" +
		"3. Every number you write must be in the passage you cite, with the same value and unit. Do not round, convert or calculate numbers. (You may write 647,000 as 64.7万 or the other way round.)\n" +
		"4. Write in " + lang + ", the language of the question.\n" +
		"5. Answer in one to three short sentences: no lists, headings or introductions, and do not mention the passages themselves."
}

// userPrompt gives the passages, numbered [1]..[n], and the question.
func userPrompt(q string, given []Hit, cjk bool) string {
	var b strings.Builder
	b.WriteString("Passages:\n")
	for i, h := range given {
		fmt.Fprintf(&b, "\n%s %s\n", Marker(i+1), strings.TrimSpace(h.Passage.Text))
	}
	fmt.Fprintf(&b, "\nQuestion: %s\n\nAnswer in %s from passages [1] to [%d], with the passage number in brackets after each sentence.",
		q, languageName(cjk), len(given))
	return b.String()
}

// retryPrompt names what failed, for the model's second try.
func retryPrompt(failures []string, n int, cjk bool) string {
	var b strings.Builder
	b.WriteString("Your answer did not pass the check:\n")
	for _, f := range failures {
		b.WriteString("- " + f + "\n")
	}
	b.WriteString("\nAnswer again following the rules: cite only passages [1] to [" + strconv.Itoa(n) +
		"], write only figures that are in the passage you cite, and write in " + languageName(cjk) + ".")
	return b.String()
}
