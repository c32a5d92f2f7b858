package knowledge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"dramabot/knowledge/knowledgetest"

	"dramabot/knowledge"
	"dramabot/knowledge/llm"
	"dramabot/knowledge/llm/llmtest"
)

// The generated path is tested over a fixed retrieval (three passages, in
// this order, for every question) so that [1]..[3] are known, and over
// real HTTP to the fake OpenAI-compatible server.

var (
	srcEN = knowledge.Source{ID: "cri", Title: "185-Fold Boom in 4 Years", Publisher: "CRI Online", Date: "2025-08-05"}
	srcZH = knowledge.Source{ID: "xinhua", Title: "短剧市场", Publisher: "新华网", Date: "2025-01-10", Lang: "zh"}
	hits  = []knowledge.Hit{
		{Passage: knowledge.Passage{ID: "cri#1", SourceID: "cri", Ordinal: 1, Text: "Mini series generated 647,000 jobs in just four years, expanding nearly 185-fold."}, Source: srcEN, Score: 0.9, Lexical: 3},
		{Passage: knowledge.Passage{ID: "xinhua#2", SourceID: "xinhua", Ordinal: 2, Text: "短剧行业四年间带动了64.7万个就业岗位，市场规模达到505亿元。"}, Source: srcZH, Score: 0.7, Lexical: 2},
		{Passage: knowledge.Passage{ID: "cri#9", SourceID: "cri", Ordinal: 9, Text: "More than 80 performers have fan bases exceeding 100,000."}, Source: srcEN, Score: 0.5, Lexical: 1},
		{Passage: knowledge.Passage{ID: "cri#4", SourceID: "cri", Ordinal: 4, Text: "Platforms such as Hongguo grew quickly in 2024."}, Source: srcEN, Score: 0.2, Lexical: 1},
	}
)

// fixedRetriever returns the same passages for every question, and none
// for questions about the weather (so that the engine abstains).
type fixedRetriever struct{}

func (fixedRetriever) Search(_ context.Context, q string, k int) (knowledge.Retrieval, error) {
	if strings.Contains(strings.ToLower(q), "weather") {
		return knowledge.Retrieval{Passages: len(hits)}, nil
	}
	return knowledge.Retrieval{Hits: slices.Clone(hits[:min(k, len(hits))]), IDF: map[string]float64{}, MaxIDF: 1, Passages: len(hits)}, nil
}

func (fixedRetriever) Sources() []knowledge.SourceStat {
	return []knowledge.SourceStat{{Source: srcEN, Passages: 3}, {Source: srcZH, Passages: 1}}
}

func (fixedRetriever) Passages(limit int) []knowledge.Hit { return hits[:min(limit, len(hits))] }

type metrics struct {
	mu                          sync.Mutex
	generated, checked, rejects int
	fallbacks                   map[string]int
}

func (m *metrics) ObserveGenerated() { m.mu.Lock(); m.generated++; m.mu.Unlock() }
func (m *metrics) ObserveFigures(c, r int) {
	m.mu.Lock()
	m.checked += c
	m.rejects += r
	m.mu.Unlock()
}
func (m *metrics) ObserveFallback(reason string) {
	m.mu.Lock()
	if m.fallbacks == nil {
		m.fallbacks = map[string]int{}
	}
	m.fallbacks[reason]++
	m.mu.Unlock()
}

const (
	model    = "fake-model"
	apiKey   = "sk-generative-test-key"
	question = "How many jobs has the mini series boom created?"
	questZH  = "短剧创造了多少就业岗位？"
)

type rig struct {
	engine  *knowledge.Engine
	gen     *knowledge.Generative
	metrics *metrics
	logs    *knowledgetest.SyncBuffer
}

func newRig(t *testing.T, client *llm.Client) *rig {
	t.Helper()
	r := &rig{engine: knowledge.NewEngine(fixedRetriever{}, knowledge.EngineOptions{}), metrics: &metrics{}, logs: &knowledgetest.SyncBuffer{}}
	log := slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The model reads the top three of the four passages.
	r.gen = knowledge.NewGenerative(r.engine, client, knowledge.GenerativeOptions{Passages: 3, Logger: log, Metrics: r.metrics})
	t.Cleanup(func() {
		if strings.Contains(r.logs.String(), apiKey) {
			t.Error("the API key was logged")
		}
	})
	return r
}

func clientFor(t *testing.T, srv *llmtest.Server, cfg llm.Config) *llm.Client {
	t.Helper()
	cfg.BaseURL, cfg.Model, cfg.APIKey = srv.URL, model, apiKey
	c, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	promptPassageRE = regexp.MustCompile(`(?m)^\[(\d+)\] (.*)$`)
	placeholderRE   = regexp.MustCompile(`\{([^{}]+#\d+)\}`)
)

// fill writes "{cri#1}" as the marker of that passage in the prompt the
// model was given: the engine ranks the passages, the tests do not assume
// an order. A passage not in the prompt becomes [0].
func fill(text string, r llmtest.Request) string {
	num := map[string]string{}
	for _, m := range promptPassageRE.FindAllStringSubmatch(r.Messages[1].Content, -1) {
		for _, h := range hits {
			if h.Passage.Text == m[2] {
				num[h.Passage.ID] = m[1]
			}
		}
	}
	return placeholderRE.ReplaceAllStringFunc(text, func(ph string) string {
		n, ok := num[ph[1:len(ph)-1]]
		if !ok {
			n = "0"
		}
		return "[" + n + "]"
	})
}

// scripted starts a fake model that gives these replies in order, with
// their placeholders filled from each request's prompt.
func scripted(t *testing.T, inMemory bool, replies ...llmtest.Reply) *llmtest.Server {
	t.Helper()
	srv := llmtest.NewInMemory(t)
	if !inMemory {
		srv = llmtest.New(t)
	}
	var mu sync.Mutex
	srv.Respond(func(r llmtest.Request) llmtest.Reply {
		mu.Lock()
		defer mu.Unlock()
		if len(replies) == 0 {
			t.Errorf("model call %d has no scripted reply", len(srv.Requests()))
			return llmtest.Reply{Status: 500}
		}
		reply := replies[0]
		replies = replies[1:]
		reply.Text = fill(reply.Text, r)
		return reply
	})
	return srv
}

// checkShown asserts what every answer must satisfy: each figure is
// verbatim in the passage of its citation, each marker and sentence points
// to a citation, citations are numbered 1..n.
func checkShown(t *testing.T, a knowledge.Answer) {
	t.Helper()
	for i, c := range a.Citations {
		if c.N != i+1 {
			t.Errorf("citation %d numbered %d", i+1, c.N)
		}
	}
	for _, f := range a.Figures {
		if f.Citation < 1 || f.Citation > len(a.Citations) {
			t.Errorf("figure %q cites [%d] of %d", f.Text, f.Citation, len(a.Citations))
			continue
		}
		q := a.Citations[f.Citation-1].Quote
		if !strings.Contains(q, f.Text) || !strings.Contains(q, f.Label) {
			t.Errorf("figure %q (%q) is not verbatim in its passage %q", f.Text, f.Label, q)
		}
	}
	for _, s := range a.Sentences {
		if s.Citation < 1 || s.Citation > len(a.Citations) {
			t.Errorf("sentence %q cites [%d] of %d", s.Text, s.Citation, len(a.Citations))
		}
	}
	for _, m := range markerRE.FindAllStringSubmatch(a.Text, -1) {
		var n int
		fmt.Sscan(m[1], &n)
		if n < 1 || n > len(a.Citations) {
			t.Errorf("marker %s in %q, with %d citations", m[0], a.Text, len(a.Citations))
		}
	}
}

var markerRE = regexp.MustCompile(`\[(\d+)\]`)

func figureList(a knowledge.Answer) []string {
	var out []string
	for _, f := range a.Figures {
		out = append(out, fmt.Sprintf("%s [%d] %s", f.Label, f.Citation, a.Citations[f.Citation-1].PassageID))
	}
	return out
}

func TestGenerated(t *testing.T) {
	correct := llmtest.Reply{Text: "Mini series created 647,000 jobs in four years, growing nearly 185-fold {cri#1}."}
	invented := llmtest.Reply{Text: "Mini series created 650,000 jobs in four years {cri#1}."}
	tests := []struct {
		name     string
		question string
		replies  []llmtest.Reply
		// want: a generated answer with this text and these figures, or
		// (text "") the extractive answer.
		text     string
		figures  []string
		cited    []string // passage ids of the citations, in order
		report   knowledge.Report
		retryHas []string // the second request names the failure
	}{
		{
			name: "correct answer is verified and shown with citations", question: question, replies: []llmtest.Reply{correct},
			text:    "Mini series created 647,000 jobs in four years, growing nearly 185-fold [1].",
			figures: []string{"647,000 jobs [1] cri#1", "185-fold [1] cri#1"}, cited: []string{"cri#1"},
			report: knowledge.Report{Generated: true, Attempts: 1, FiguresChecked: 2},
		},
		{
			name: "invented figure is caught and the retry fixes it", question: question, replies: []llmtest.Reply{invented, correct},
			text:    "Mini series created 647,000 jobs in four years, growing nearly 185-fold [1].",
			figures: []string{"647,000 jobs [1] cri#1", "185-fold [1] cri#1"}, cited: []string{"cri#1"},
			report:   knowledge.Report{Generated: true, Attempts: 2, FiguresChecked: 3, FiguresRejected: 1},
			retryHas: []string{`the figure "650,000" is not in any passage`},
		},
		{
			name: "invented figure twice: the extractive answer, never the figure", question: question, replies: []llmtest.Reply{invented, invented},
			report:   knowledge.Report{Attempts: 2, FiguresChecked: 2, FiguresRejected: 2, Fallback: knowledge.FallbackRejected},
			retryHas: []string{`"650,000"`},
		},
		{
			name: "cites [7] of 3 passages, then answers right", question: question,
			replies: []llmtest.Reply{{Text: "Mini series created 647,000 jobs [7]."}, {Text: "Mini series created 647,000 jobs {cri#1}."}},
			text:    "Mini series created 647,000 jobs [1].", figures: []string{"647,000 jobs [1] cri#1"}, cited: []string{"cri#1"},
			report:   knowledge.Report{Generated: true, Attempts: 2, FiguresChecked: 2, FiguresRejected: 1},
			retryHas: []string{"marker [7] points to no passage: there are passages [1] to [3] only"},
		},
		{
			name: "cites [7] twice: the extractive answer", question: question,
			replies: []llmtest.Reply{{Text: "Mini series created jobs [7]."}, {Text: "Mini series created jobs {cri#1}[7]."}},
			report:  knowledge.Report{Attempts: 2, Fallback: knowledge.FallbackRejected},
		},
		{
			name: "wrong language twice: the extractive answer", question: question,
			replies:  []llmtest.Reply{{Text: "短剧四年间带动了64.7万个就业岗位{xinhua#2}。"}, {Text: "短剧带动了64.7万个就业岗位{xinhua#2}。"}},
			report:   knowledge.Report{Attempts: 2, FiguresChecked: 2, Fallback: knowledge.FallbackRejected},
			retryHas: []string{"the answer is in Chinese, but the question is in English: answer in English"},
		},
		{
			name: "Chinese answer: 64.7万 verified against 647,000", question: questZH,
			replies: []llmtest.Reply{{Text: "短剧行业在四年间创造了64.7万个就业岗位{cri#1}。"}},
			text:    "短剧行业在四年间创造了64.7万个就业岗位[1]。", figures: []string{"647,000 jobs [1] cri#1"}, cited: []string{"cri#1"},
			report: knowledge.Report{Generated: true, Attempts: 1, FiguresChecked: 1},
		},
		{
			name: "English answer: 647,000 verified against 64.7万", question: question,
			replies: []llmtest.Reply{{Text: "The industry created 647,000 jobs and a market of 50.5 billion yuan {xinhua#2}."}},
			text:    "The industry created 647,000 jobs and a market of 50.5 billion yuan [1].",
			figures: []string{"64.7万个就业岗位 [1] xinhua#2", "505亿元 [1] xinhua#2"}, cited: []string{"xinhua#2"},
			report: knowledge.Report{Generated: true, Attempts: 1, FiguresChecked: 2},
		},
		{
			name: "a figure without a marker is dropped with its sentence", question: question,
			replies: []llmtest.Reply{{Text: "Mini series created 647,000 jobs {cri#1}. They grew 185-fold in four years."}},
			text:    "Mini series created 647,000 jobs [1].", figures: []string{"647,000 jobs [1] cri#1"}, cited: []string{"cri#1"},
			report: knowledge.Report{Generated: true, Attempts: 1, FiguresChecked: 2, FiguresRejected: 1},
		},
		{
			name: "markers are renumbered to the passages cited", question: question,
			replies: []llmtest.Reply{{Text: "Over 80 performers have more than 100,000 fans {cri#9}. The boom created 647,000 jobs {cri#1}."}},
			text:    "Over 80 performers have more than 100,000 fans [1]. The boom created 647,000 jobs [2].",
			figures: []string{"80 performers [1] cri#9", "100,000 [1] cri#9", "647,000 jobs [2] cri#1"}, cited: []string{"cri#9", "cri#1"},
			report: knowledge.Report{Generated: true, Attempts: 1, FiguresChecked: 3},
		},
		{
			name: "markdown, a list and markers after the period", question: question,
			replies: []llmtest.Reply{{Text: "Answer: **647,000 jobs** were created. {cri#1}\n- Growth was nearly 185-fold.{cri#1}{xinhua#2}"}},
			text:    "647,000 jobs were created. [1] Growth was nearly 185-fold. [1][2]",
			figures: []string{"647,000 jobs [1] cri#1", "185-fold [1] cri#1"}, cited: []string{"cri#1", "xinhua#2"},
			report: knowledge.Report{Generated: true, Attempts: 1, FiguresChecked: 2},
		},
		{
			name: "a figure from another passage than the one cited", question: question,
			replies:  []llmtest.Reply{{Text: "Performers created 647,000 jobs {cri#9}."}, {Text: "Performers created 647,000 jobs {cri#9}."}},
			report:   knowledge.Report{Attempts: 2, FiguresChecked: 2, FiguresRejected: 2, Fallback: knowledge.FallbackRejected},
			retryHas: []string{`the figure "647,000" is in passage `, `, not in {cri#9}, which its sentence cites`},
		},
		{
			name: "185% is not 185-fold", question: question,
			replies: []llmtest.Reply{{Text: "Jobs grew 185% {cri#1}."}, {Text: "Jobs grew 185% {cri#1}."}},
			report:  knowledge.Report{Attempts: 2, FiguresChecked: 2, FiguresRejected: 2, Fallback: knowledge.FallbackRejected},
		},
		{
			name: "no marker at all", question: question,
			replies:  []llmtest.Reply{{Text: "The passages say the boom created many jobs."}, {Text: "Many jobs were created."}},
			report:   knowledge.Report{Attempts: 2, Fallback: knowledge.FallbackRejected},
			retryHas: []string{"no sentence cites a passage"},
		},
		{
			name: "500", question: question, replies: []llmtest.Reply{{Status: 500}},
			report: knowledge.Report{Attempts: 1, Fallback: knowledge.FallbackServerError},
		},
		{
			name: "429", question: question, replies: []llmtest.Reply{{Status: 429, Text: "Rate limit reached"}},
			report: knowledge.Report{Attempts: 1, Fallback: knowledge.FallbackRateLimited},
		},
		{
			name: "401", question: question, replies: []llmtest.Reply{{Status: 401, Text: "Incorrect API key provided: " + apiKey}},
			report: knowledge.Report{Attempts: 1, Fallback: knowledge.FallbackClientError},
		},
		{
			name: "no choices", question: question, replies: []llmtest.Reply{{Raw: `{"choices": []}`}},
			report: knowledge.Report{Attempts: 1, Fallback: knowledge.FallbackBadReply},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := scripted(t, false, tt.replies...)
			r := newRig(t, clientFor(t, srv, llm.Config{}))
			ext, err := r.engine.Answer(t.Context(), tt.question)
			if err != nil || ext.Abstained {
				t.Fatalf("extractive: %+v, %v", ext, err)
			}
			var stages []knowledge.Stage
			a, _, rep, err := r.gen.AnswerReport(t.Context(), tt.question, func(p knowledge.Progress) { stages = append(stages, p.Stage) })
			if err != nil {
				t.Fatal(err)
			}
			checkShown(t, a)
			rep.Failures = nil
			if fmt.Sprintf("%+v", rep) != fmt.Sprintf("%+v", tt.report) {
				t.Errorf("report %+v, want %+v", rep, tt.report)
			}
			reqs := srv.Requests()
			if len(reqs) != tt.report.Attempts {
				t.Errorf("%d model calls, want %d", len(reqs), tt.report.Attempts)
			}
			if tt.text == "" {
				// The extractive answer, exactly; nothing of the model's.
				if a.Generated != "" || !equalJSON(t, a, ext) {
					t.Errorf("want the extractive answer\n got %+v\nwant %+v", a, ext)
				}
				for _, f := range a.Figures {
					if f.Value == 650000 {
						t.Error("the invented figure is shown")
					}
				}
			} else {
				if a.Generated != model {
					t.Errorf("Generated %q, want %q", a.Generated, model)
				}
				if a.Text != tt.text {
					t.Errorf("text\n got %q\nwant %q", a.Text, tt.text)
				}
				if got := figureList(a); !slices.Equal(got, tt.figures) {
					t.Errorf("figures\n got %q\nwant %q", got, tt.figures)
				}
				var cited []string
				for _, c := range a.Citations {
					cited = append(cited, c.PassageID)
				}
				if !slices.Equal(cited, tt.cited) {
					t.Errorf("citations %q, want %q", cited, tt.cited)
				}
				for _, rel := range a.Related {
					if slices.Contains(cited, rel.PassageID) {
						t.Errorf("cited passage %s also listed as related", rel.PassageID)
					}
				}
			}
			if len(tt.retryHas) > 0 {
				if len(reqs) < 2 {
					t.Fatal("no second request")
				}
				second := reqs[1]
				if len(second.Messages) != 4 || second.Messages[2].Role != "assistant" || second.Messages[2].Content != strings.TrimSpace(fill(tt.replies[0].Text, reqs[0])) {
					t.Errorf("second request messages %+v", second.Messages)
				}
				for _, s := range tt.retryHas {
					if s = fill(s, reqs[0]); !strings.Contains(second.LastUser(), s) {
						t.Errorf("second request does not name the failure %q:\n%s", s, second.LastUser())
					}
				}
			}
			wantStages := []knowledge.Stage{knowledge.StageReading}
			for i := range len(reqs) {
				if i > 0 {
					wantStages = append(wantStages, knowledge.StageRewriting)
				}
				if i < len(reqs)-1 || tt.report.Fallback == "" || tt.report.Fallback == knowledge.FallbackRejected {
					wantStages = append(wantStages, knowledge.StageChecking)
				}
			}
			if !slices.Equal(stages, wantStages) {
				t.Errorf("progress %v, want %v", stages, wantStages)
			}
			// Metrics.
			m := r.metrics
			wantFallbacks := map[string]int{}
			if tt.report.Fallback != "" {
				wantFallbacks[tt.report.Fallback] = 1
			}
			if m.generated != btoi(tt.report.Generated) || m.checked != tt.report.FiguresChecked || m.rejects != tt.report.FiguresRejected ||
				!maps.Equal(m.fallbacks, wantFallbacks) {
				t.Errorf("metrics %+v, want report %+v", m, tt.report)
			}
		})
	}
}

func TestPromptHoldsPassagesAndRules(t *testing.T) {
	srv := scripted(t, false, llmtest.Reply{Text: "Mini series created 647,000 jobs {cri#1}."}, llmtest.Reply{Text: "短剧带动了64.7万个就业岗位{xinhua#2}。"})
	r := newRig(t, clientFor(t, srv, llm.Config{}))
	if _, err := r.gen.Answer(t.Context(), question); err != nil {
		t.Fatal(err)
	}
	if _, err := r.gen.Answer(t.Context(), questZH); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	en, zh := reqs[0], reqs[1]
	if en.Model != model || en.Authorization != "Bearer "+apiKey {
		t.Errorf("model %q auth %q", en.Model, en.Authorization)
	}
	// The top three passages as the engine ranked them, numbered [1]..[3].
	_, ranked, _ := r.engine.AnswerWithHits(t.Context(), question)
	user := en.LastUser()
	for i, h := range ranked[:3] {
		if !strings.Contains(user, fmt.Sprintf("\n[%d] %s\n", i+1, h.Passage.Text)) {
			t.Errorf("passage [%d] (%s) missing from the prompt:\n%s", i+1, h.Passage.ID, user)
		}
	}
	if strings.Contains(user, ranked[3].Passage.Text) || strings.Contains(user, "[4]") {
		t.Errorf("the prompt holds more than the top three passages:\n%s", user)
	}
	if !strings.Contains(user, "Question: "+question) {
		t.Errorf("question missing:\n%s", user)
	}
	for _, s := range []string{"only", "square brackets", "same value and unit", "English"} {
		if !strings.Contains(en.System(), s) {
			t.Errorf("system prompt lacks %q:\n%s", s, en.System())
		}
	}
	if !strings.Contains(zh.System(), "Write in Chinese") || !strings.Contains(zh.LastUser(), "Answer in Chinese") {
		t.Errorf("a Chinese question does not ask for Chinese:\n%s\n%s", zh.System(), zh.LastUser())
	}
}

func TestAbstentionDoesNotCallTheModel(t *testing.T) {
	srv := llmtest.New(t)
	r := newRig(t, clientFor(t, srv, llm.Config{}))
	a, err := r.gen.Answer(t.Context(), "What is the weather in Paris?")
	if err != nil {
		t.Fatal(err)
	}
	if !a.Abstained || a.Generated != "" {
		t.Errorf("answer %+v, want the extractive abstention", a)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d model calls for an abstention", n)
	}
	if _, err := r.gen.Answer(t.Context(), "   "); err != knowledge.ErrEmptyQuestion {
		t.Errorf("empty question: %v", err)
	}
}

func TestModelUnreachable(t *testing.T) {
	srv := llmtest.New(t)
	srv.Close()
	r := newRig(t, clientFor(t, srv, llm.Config{}))
	a, _, rep, err := r.gen.AnswerReport(t.Context(), question, nil)
	if err != nil {
		t.Fatal(err)
	}
	ext, _ := r.engine.Answer(t.Context(), question)
	if rep.Fallback != knowledge.FallbackConnection || a.Generated != "" || a.Text != ext.Text {
		t.Errorf("report %+v, answer %q; want the extractive answer after a connection error", rep, a.Text)
	}
	if !strings.Contains(r.logs.String(), "reason=connection") {
		t.Errorf("fallback not logged:\n%s", r.logs.String())
	}
}

func TestTimeout(t *testing.T) {
	t.Run("default 20s", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := llmtest.NewInMemory(t, llmtest.Reply{Text: "Mini series created 647,000 jobs [1].", Delay: time.Hour})
			r := newRig(t, clientFor(t, srv, llm.Config{HTTPClient: srv.Client()}))
			start := time.Now()
			a, _, rep, err := r.gen.AnswerReport(t.Context(), question, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d != llm.DefaultTimeout {
				t.Errorf("fell back after %s, want %s", d, llm.DefaultTimeout)
			}
			if rep.Fallback != knowledge.FallbackTimeout || rep.Attempts != 1 || a.Generated != "" || a.Abstained || a.Text == "" {
				t.Errorf("report %+v, answer %+v", rep, a)
			}
			if r.metrics.fallbacks[knowledge.FallbackTimeout] != 1 {
				t.Errorf("fallback not counted: %+v", r.metrics.fallbacks)
			}
		})
	})
	t.Run("the caller's deadline leaves time to send", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := llmtest.NewInMemory(t, llmtest.Reply{Text: "late", Delay: time.Hour})
			r := newRig(t, clientFor(t, srv, llm.Config{HTTPClient: srv.Client()}))
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			start := time.Now()
			a, _, rep, err := r.gen.AnswerReport(ctx, question, nil)
			if err != nil || rep.Fallback != knowledge.FallbackTimeout || a.Text == "" {
				t.Fatalf("report %+v, err %v", rep, err)
			}
			if d := time.Since(start); d != 8*time.Second {
				t.Errorf("fell back after %s, want 8s of the caller's 10s", d)
			}
		})
	})
	t.Run("a slow second try", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := scripted(t, true, llmtest.Reply{Text: "Mini series created 650,000 jobs {cri#1}."}, llmtest.Reply{Text: "late", Delay: time.Hour})
			r := newRig(t, clientFor(t, srv, llm.Config{HTTPClient: srv.Client(), Timeout: 5 * time.Second}))
			a, _, rep, _ := r.gen.AnswerReport(t.Context(), question, nil)
			if rep.Fallback != knowledge.FallbackTimeout || rep.Attempts != 2 || a.Generated != "" || rep.FiguresRejected != 1 {
				t.Errorf("report %+v", rep)
			}
		})
	})
	t.Run("the asker goes away", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := llmtest.NewInMemory(t, llmtest.Reply{Text: "late", Delay: time.Hour})
			r := newRig(t, clientFor(t, srv, llm.Config{HTTPClient: srv.Client()}))
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(3*time.Second, cancel)
			_, _, rep, err := r.gen.AnswerReport(ctx, question, nil)
			if err != nil || rep.Fallback != knowledge.FallbackCanceled {
				t.Errorf("report %+v, err %v", rep, err)
			}
		})
	})
}

func TestSameJSONShape(t *testing.T) {
	srv := scripted(t, false, llmtest.Reply{Text: "Mini series created 647,000 jobs {cri#1}."})
	r := newRig(t, clientFor(t, srv, llm.Config{}))
	gen, _ := r.gen.Answer(t.Context(), question)
	ext, _ := r.engine.Answer(t.Context(), question)
	keys := func(a knowledge.Answer) []string {
		var m map[string]json.RawMessage
		b, _ := json.Marshal(a)
		_ = json.Unmarshal(b, &m)
		return slices.Sorted(maps.Keys(m))
	}
	want := append(keys(ext), "generated_by")
	slices.Sort(want)
	if got := keys(gen); !slices.Equal(got, want) {
		t.Errorf("generated answer keys %q, want the extractive ones plus generated_by: %q", got, want)
	}
	if gen.Sentences[0].Text != "Mini series created 647,000 jobs." || gen.Sentences[0].Citation != 1 {
		t.Errorf("sentence %+v", gen.Sentences[0])
	}
	if len(gen.Related) == 0 {
		t.Error("no related passages")
	}
}

func TestDelegates(t *testing.T) {
	srv := llmtest.New(t)
	r := newRig(t, clientFor(t, srv, llm.Config{}))
	want := r.engine.About()
	want.Model = model
	if r.gen.Model() != model || r.gen.About() != want || len(r.gen.Sources()) != 2 {
		t.Error("Model, About (with the model named) or Sources differ from the engine's")
	}
	f, err := r.gen.Figures(t.Context(), "")
	wantFigures, _ := r.engine.Figures(t.Context(), "")
	if err != nil || !equalJSON(t, f, wantFigures) {
		t.Errorf("Figures differ: %v", err)
	}
	if len(srv.Requests()) != 0 {
		t.Error("Figures called the model")
	}
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

type namedGenerator struct{ model string }

func (g namedGenerator) Complete(context.Context, string, []string) (string, error) { return "", nil }
func (g namedGenerator) Model() string                                              { return g.model }

func TestAboutNamesTheModel(t *testing.T) {
	g := knowledge.NewGenerative(newEngine(t, nil), namedGenerator{model: "test-model"}, knowledge.GenerativeOptions{})
	if ab := g.About(); ab.Model != "test-model" || ab.Passages == 0 {
		t.Errorf("About() = %+v", ab)
	}
}
