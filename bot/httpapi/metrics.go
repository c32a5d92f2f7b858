package httpapi

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"dramabot/bot"
	"dramabot/knowledge"
)

// Metrics records what /metrics exposes. It implements bot.Metrics: pass the
// same value to bot.Config.Metrics and to Config.Metrics. All methods are
// safe for concurrent use, and on a nil *Metrics they do nothing.
type Metrics struct {
	reg       *prometheus.Registry
	questions *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	feedback  *prometheus.CounterVec
	requests  *prometheus.CounterVec
	reindexes *prometheus.CounterVec
	info      *prometheus.GaugeVec
	index     *indexCollector

	generated       prometheus.Counter
	figuresChecked  prometheus.Counter
	figuresRejected prometheus.Counter
	fallbacks       *prometheus.CounterVec

	webFetches     *prometheus.CounterVec
	webPages       *prometheus.CounterVec
	webLastSuccess *prometheus.GaugeVec
	webPassages    *prometheus.GaugeVec
}

var (
	_ bot.Metrics                 = (*Metrics)(nil)
	_ knowledge.GenerationMetrics = (*Metrics)(nil)
)

// NewMetrics registers dramabot's metrics on reg. A nil reg means a new
// registry that also holds the Go runtime and process collectors.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &Metrics{
		reg: reg,
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dramabot_questions_total",
			Help: "Questions received, by platform and outcome (answered, abstained, rate_limited, invalid, error).",
		}, []string{"platform", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "dramabot_answer_duration_seconds",
			Help: "Time to answer a question that reached the knowledge engine (answered or abstained), by platform.",
			// Retrieval with a local embedder takes tens of milliseconds; a
			// generating model can take seconds.
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"platform"}),
		feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dramabot_feedback_total",
			Help: "Feedback votes on answers, by platform and vote (up, down).",
		}, []string{"platform", "vote"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dramabot_http_requests_total",
			Help: "HTTP requests served, by route and status code.",
		}, []string{"route", "code"}),
		reindexes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dramabot_reindex_total",
			Help: "Index rebuilds, by result (ok, error).",
		}, []string{"result"}),
		info: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dramabot_build_info",
			Help: "Always 1; the labels say which version runs with which embedder.",
		}, []string{"version", "embedder"}),
		index: &indexCollector{
			passages: prometheus.NewDesc("dramabot_index_passages", "Passages in the loaded index.", nil, nil),
			builtAt:  prometheus.NewDesc("dramabot_index_built_timestamp_seconds", "When the loaded index was built, in Unix seconds.", nil, nil),
			age:      prometheus.NewDesc("dramabot_index_age_seconds", "Seconds since the loaded index was built.", nil, nil),
			now:      time.Now,
		},
		generated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dramabot_generated_answers_total",
			Help: "Answers written by the language model whose figures and citations all checked out.",
		}),
		figuresChecked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dramabot_generated_figures_checked_total",
			Help: "Figures in the language model's replies, checked against the passages their sentences cite.",
		}),
		figuresRejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dramabot_generated_figures_rejected_total",
			Help: "Figures in the language model's replies not found in a passage their sentence cites; never shown.",
		}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dramabot_generated_fallbacks_total",
			Help: "Extractive answers sent instead of the language model's, by reason (rejected: failed verification twice; timeout, server_error, rate_limited, client_error, connection, bad_reply, canceled).",
		}, []string{"reason"}),
		webFetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dramabot_web_fetches_total",
			Help: "Fetches of a web source, by source and result (ok: every page read; error: at least one problem, the last good content kept).",
		}, []string{"source", "result"}),
		webPages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dramabot_web_pages_total",
			Help: "Pages of web sources by what a refresh found (added, changed, removed), by source.",
		}, []string{"source", "change"}),
		webLastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dramabot_web_last_success_timestamp_seconds",
			Help: "When a web source was last fetched without a problem, in Unix seconds.",
		}, []string{"source"}),
		webPassages: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dramabot_web_source_passages",
			Help: "Passages a web source contributes to the index.",
		}, []string{"source"}),
	}
	reg.MustRegister(m.questions, m.latency, m.feedback, m.requests, m.reindexes, m.info, m.index,
		m.generated, m.figuresChecked, m.figuresRejected, m.fallbacks,
		m.webFetches, m.webPages, m.webLastSuccess, m.webPassages)
	for _, r := range knowledge.FallbackReasons {
		m.fallbacks.WithLabelValues(r)
	}
	// Start the series at zero so that rate() and alerts see the first event.
	for _, p := range []string{bot.PlatformHTTP, bot.PlatformTelegram, bot.PlatformDiscord} {
		for _, o := range []bot.Outcome{bot.OutcomeAnswered, bot.OutcomeAbstained, bot.OutcomeRateLimited, bot.OutcomeInvalid, bot.OutcomeError} {
			m.questions.WithLabelValues(p, string(o))
		}
		m.feedback.WithLabelValues(p, "up")
		m.feedback.WithLabelValues(p, "down")
	}
	m.reindexes.WithLabelValues("ok")
	m.reindexes.WithLabelValues("error")
	return m
}

// ObserveQuestion implements bot.Metrics.
func (m *Metrics) ObserveQuestion(platform string, o bot.Outcome, d time.Duration) {
	if m == nil {
		return
	}
	m.questions.WithLabelValues(platform, string(o)).Inc()
	// Rejected and rate-limited questions never reach the engine; their
	// near-zero times would hide slow answers.
	if o == bot.OutcomeAnswered || o == bot.OutcomeAbstained {
		m.latency.WithLabelValues(platform).Observe(d.Seconds())
	}
}

// ObserveFeedback implements bot.Metrics.
func (m *Metrics) ObserveFeedback(platform, vote string) {
	if m == nil {
		return
	}
	m.feedback.WithLabelValues(platform, vote).Inc()
}

// ObserveGenerated implements knowledge.GenerationMetrics.
func (m *Metrics) ObserveGenerated() {
	if m == nil {
		return
	}
	m.generated.Inc()
}

// ObserveFigures implements knowledge.GenerationMetrics.
func (m *Metrics) ObserveFigures(checked, rejected int) {
	if m == nil {
		return
	}
	m.figuresChecked.Add(float64(checked))
	m.figuresRejected.Add(float64(rejected))
}

// ObserveFallback implements knowledge.GenerationMetrics.
func (m *Metrics) ObserveFallback(reason string) {
	if m == nil {
		return
	}
	m.fallbacks.WithLabelValues(reason).Inc()
}

// SetIndex records the size of the loaded index and when it was built. Call
// it after loading the index and after every reindex. Until the first call
// the index metrics are absent rather than zero.
func (m *Metrics) SetIndex(passages int, builtAt time.Time) {
	if m == nil {
		return
	}
	m.index.set(passages, builtAt)
}

// ObserveReindex counts an index rebuild; err is its result.
func (m *Metrics) ObserveReindex(err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.reindexes.WithLabelValues(result).Inc()
}

// WebFetch is what one refresh of a web source did, for ObserveWebFetch.
type WebFetch struct {
	Source                  string // its name
	OK                      bool   // no problem
	Added, Changed, Removed int    // pages
	Passages                int    // what it contributes after the fetch
	At                      time.Time
}

// ObserveWebFetch counts a refresh of a web source.
func (m *Metrics) ObserveWebFetch(f WebFetch) {
	if m == nil {
		return
	}
	result := "ok"
	if !f.OK {
		result = "error"
	}
	m.webFetches.WithLabelValues(f.Source, result).Inc()
	m.webPages.WithLabelValues(f.Source, "added").Add(float64(f.Added))
	m.webPages.WithLabelValues(f.Source, "changed").Add(float64(f.Changed))
	m.webPages.WithLabelValues(f.Source, "removed").Add(float64(f.Removed))
	if f.OK {
		m.webLastSuccess.WithLabelValues(f.Source).Set(float64(f.At.UnixNano()) / 1e9)
	}
	m.webPassages.WithLabelValues(f.Source).Set(float64(f.Passages))
}

// SetWebPassages sets the passages a web source contributes, as loaded
// at start or after it was dropped.
func (m *Metrics) SetWebPassages(source string, passages int) {
	if m == nil {
		return
	}
	m.webPassages.WithLabelValues(source).Set(float64(passages))
}

// SetBuildInfo sets dramabot_build_info{version, embedder} to 1.
func (m *Metrics) SetBuildInfo(version, embedder string) {
	if m == nil {
		return
	}
	m.info.Reset()
	m.info.WithLabelValues(version, embedder).Set(1)
}

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func (m *Metrics) observeRequest(route string, status int) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
}

// indexCollector computes the index age at scrape time.
type indexCollector struct {
	passages, builtAt, age *prometheus.Desc
	now                    func() time.Time

	mu    sync.Mutex
	known bool
	count int
	at    time.Time
}

func (c *indexCollector) set(passages int, builtAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.known, c.count, c.at = true, passages, builtAt
}

func (c *indexCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.passages
	ch <- c.builtAt
	ch <- c.age
}

func (c *indexCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	ok, count, at := c.known, c.count, c.at
	c.mu.Unlock()
	if !ok {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.passages, prometheus.GaugeValue, float64(count))
	if at.IsZero() {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.builtAt, prometheus.GaugeValue, float64(at.UnixNano())/1e9)
	ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, max(0, c.now().Sub(at).Seconds()))
}
