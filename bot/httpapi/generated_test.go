package httpapi_test

import (
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"dramabot/knowledge/knowledgetest"

	"dramabot/bot"
	"dramabot/bot/httpapi"
	"dramabot/knowledge"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/ingest"
	"dramabot/knowledge/llm"
	"dramabot/knowledge/llm/llmtest"
	"dramabot/knowledge/store"
)

var passageRE = regexp.MustCompile(`(?m)^\[(\d+)\] (.*)$`)

// citing answers like a model that read the passages: it cites the one
// holding 647,000, wherever retrieval ranked it.
func citing(figure, sentence string) func(llmtest.Request) llmtest.Reply {
	return func(r llmtest.Request) llmtest.Reply {
		for _, m := range passageRE.FindAllStringSubmatch(r.Messages[1].Content, -1) {
			if strings.Contains(m[2], figure) {
				return llmtest.Reply{Text: sentence + " [" + m[1] + "]."}
			}
		}
		return llmtest.Reply{Text: "The passages do not say."}
	}
}

// TestGeneratedAnswersOverHTTP runs the whole generated path: the embedded
// corpus in a real store, knowledge.Generative over the fake model server,
// bot.Core and the HTTP API, with metrics.
func TestGeneratedAnswersOverHTTP(t *testing.T) {
	loc := embed.NewLocal(embed.DefaultDim)
	st, err := store.Open(store.Options{Embedder: store.Embedder{Name: loc.Name(), Embed: loc.Embed}})
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := ingest.Default()
	if _, err := st.Sync(t.Context(), docs); err != nil {
		t.Fatal(err)
	}
	model := llmtest.New(t)
	client, err := llm.New(llm.Config{BaseURL: model.URL, Model: "fake-model"})
	if err != nil {
		t.Fatal(err)
	}
	metrics := httpapi.NewMetrics(nil)
	logs := &knowledgetest.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	engine := knowledge.NewEngine(st, knowledge.EngineOptions{})
	gen := knowledge.NewGenerative(engine, client, knowledge.GenerativeOptions{Logger: log, Metrics: metrics})
	core := bot.New(bot.Config{Knowledge: gen, Logger: log, Metrics: metrics, RateLimit: -1})
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Core: core, Logger: log, Metrics: metrics}))
	t.Cleanup(srv.Close)
	e := &testEnv{t: t, url: srv.URL, core: core, metrics: metrics, logs: logs}

	// A verified answer.
	model.Respond(citing("647,000", "The mini series boom created 647,000 jobs in four years"))
	a := decodeAnswer(t, e.ask(qJobs, nil))
	if a.Generated != "fake-model" || a.Text != "The mini series boom created 647,000 jobs in four years [1]." {
		t.Fatalf("answer %q by %q, want the model's, verified", a.Text, a.Generated)
	}
	if len(a.Figures) != 1 || a.Figures[0].Text != "647,000" || a.Figures[0].Citation != 1 ||
		!strings.Contains(a.Citations[0].Quote, a.Figures[0].Label) {
		t.Errorf("figures %+v, citations %+v", a.Figures, a.Citations)
	}

	// An invented figure, twice: the extractive answer, same as without a
	// model.
	model.Respond(citing("647,000", "The mini series boom created 700,000 jobs"))
	a = decodeAnswer(t, e.ask(qJobs, nil))
	want, _ := engine.Answer(t.Context(), qJobs)
	if a.Generated != "" || a.Text != want.Text || strings.Contains(a.Text, "700,000") {
		t.Errorf("answer %q by %q, want the extractive %q", a.Text, a.Generated, want.Text)
	}

	// The model server fails.
	model.Script(llmtest.Reply{Status: 503, Text: "overloaded"})
	if a = decodeAnswer(t, e.ask(qJobs, nil)); a.Generated != "" || a.Text != want.Text {
		t.Errorf("after a 503: %q by %q", a.Text, a.Generated)
	}

	fams := e.scrape()
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"dramabot_generated_answers_total", nil, 1},
		{"dramabot_generated_figures_checked_total", nil, 3},
		{"dramabot_generated_figures_rejected_total", nil, 2},
		{"dramabot_generated_fallbacks_total", []string{"reason", "rejected"}, 1},
		{"dramabot_generated_fallbacks_total", []string{"reason", "server_error"}, 1},
		{"dramabot_generated_fallbacks_total", []string{"reason", "timeout"}, 0},
		{"dramabot_questions_total", []string{"platform", "http", "outcome", "answered"}, 3},
	} {
		if got := metricValue(t, fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if n := len(model.Requests()); n != 4 {
		t.Errorf("%d model calls, want 4 (1 + 2 + 1)", n)
	}
	if !strings.Contains(logs.String(), "reason=server_error") || !strings.Contains(logs.String(), "failed verification twice") {
		t.Errorf("fallbacks not logged:\n%s", logs.String())
	}
}
