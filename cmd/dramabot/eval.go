package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"dramabot/knowledge"
	"dramabot/knowledge/dict"
	"dramabot/knowledge/glossary"
	"dramabot/knowledge/ingest"
	"dramabot/knowledge/store"
	"dramabot/knowledge/wordnet"
)

// evalQuestion is one line of a questions file (the format is in the
// README's section on measuring quality).
type evalQuestion struct {
	ID        string   `json:"id"`
	Question  string   `json:"question"`
	Answers   []string `json:"answers"`
	PassageID string   `json:"passage_id"`
	Lang      string   `json:"lang"`
}

// evalResult is the summary; its JSON keys are the contract other tools read.
type evalResult struct {
	Questions               int     `json:"questions"`
	Answerable              int     `json:"answerable"`
	Unanswerable            int     `json:"unanswerable"`
	Passages                int     `json:"passages"`
	HitAt1                  float64 `json:"hit_at_1"`
	HitAt5                  float64 `json:"hit_at_5"`
	MRRAt10                 float64 `json:"mrr_at_10"`
	AnswerAccuracy          float64 `json:"answer_accuracy"`
	AbstainRateUnanswerable float64 `json:"abstain_rate_unanswerable"`
	FalseAbstainRate        float64 `json:"false_abstain_rate"`
	AnswerCharsMean         float64 `json:"answer_chars_mean"`
	LatencyMsP50            float64 `json:"latency_ms_p50"`
	LatencyMsP95            float64 `json:"latency_ms_p95"`
	IndexSeconds            float64 `json:"index_seconds"`

	// With --llm only: what the generated path did. figures_checked counts
	// the figures in the model's replies (both tries), figures_rejected
	// those not found in a passage their sentence cites, fallbacks the
	// questions answered extractively because the model failed.
	LLMModel        string         `json:"llm_model,omitempty"`
	Generated       *int           `json:"generated,omitempty"`
	FiguresChecked  *int           `json:"figures_checked,omitempty"`
	FiguresRejected *int           `json:"figures_rejected,omitempty"`
	Fallbacks       *int           `json:"fallbacks,omitempty"`
	FallbackReasons map[string]int `json:"fallback_reasons,omitempty"`
}

// perQuestion is one line of --per-question output, for error analysis.
type perQuestion struct {
	ID        string   `json:"id"`
	Question  string   `json:"question"`
	Gold      []string `json:"gold"`
	GoldID    string   `json:"gold_passage_id,omitempty"`
	Retrieved []string `json:"retrieved"`
	HitRank   int      `json:"hit_rank"` // 1-based; 0 when not in the top 10
	Answer    string   `json:"answer"`
	Abstained bool     `json:"abstained"`
	Reason    string   `json:"reason,omitempty"`
	Correct   bool     `json:"correct"`
	// With --llm.
	GeneratedBy     string   `json:"generated_by,omitempty"`
	Fallback        string   `json:"fallback,omitempty"`
	FiguresRejected int      `json:"figures_rejected,omitempty"`
	Failures        []string `json:"failures,omitempty"`
}

// answerFunc answers a question as ask and the bots do, and returns the
// ranked passages and what the generated path did.
type answerFunc func(ctx context.Context, q string) (knowledge.Answer, []knowledge.Hit, knowledge.Report, error)

func cmdEval(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	cl := newCLI("eval", onEval, "Usage: dramabot eval --questions FILE [--docs PATH ...] [--k 5] [--json] [--per-question FILE]\n\nRuns every question through the same retrieve-and-answer code as ask and the bots, and\nreports retrieval (hit@1, hit@5, MRR@10) and answer quality. Without --docs it uses the\nembedded default corpus; with --docs, only those documents. The index is built in memory;\nwith --store it is the PostgreSQL index as dramabot index wrote it (index_seconds is then 0).", getenv, stderr, &cfg)
	questionsPath := cl.fs.String("questions", "", "questions file (JSONL: id, question, answers, passage_id)")
	k := cl.fs.Int("k", 5, "passages the answer may quote from")
	asJSON := cl.fs.Bool("json", false, "end the output with one JSON line of the metrics")
	perPath := cl.fs.String("per-question", "", "write one JSON line per question to this file")
	if err := cl.parse(args); err != nil {
		return err
	}
	if *questionsPath == "" {
		fmt.Fprintln(stderr, "eval: --questions FILE is required")
		return errUsage
	}
	if *k < 1 {
		return fmt.Errorf("eval: --k must be at least 1")
	}
	log, err := cfg.start(stderr)
	if err != nil {
		return err
	}
	if _, err := cfg.LLM.client(cfg.secrets.LLMAPIKey); err != nil {
		return err
	}
	questions, err := readQuestions(*questionsPath)
	if err != nil {
		return err
	}
	emb, err := cfg.embedder()
	if err != nil {
		return err
	}
	var st passageStore
	var docs []knowledge.Document
	var indexSeconds float64
	if cfg.usesPostgres() {
		// The index the indexer wrote, as the replicas answer from it:
		// eval never writes a shared index.
		if len(cfg.Docs) > 0 {
			return &usageError{"eval: --docs and --store: eval measures the index in PostgreSQL as dramabot index wrote it; index the documents there first, or leave out --store"}
		}
		pg, err := openPG(ctx, &cfg, emb, log)
		if err != nil {
			return err
		}
		defer pg.Close()
		if pg.Stats().Passages == 0 {
			return errEmptyIndex
		}
		st, docs = pg, storeDocs(pg)
	} else {
		cfg.NoDefault = len(cfg.Docs) > 0
		var problems []ingest.Problem
		docs, problems, err = loadDocs(&cfg)
		if err != nil {
			return err
		}
		for _, p := range problems {
			log.Warn("document skipped", "path", p.Path, "reason", p.Err.Error())
		}
		mem, err := store.Open(store.Options{Embedder: emb, Logger: log})
		if err != nil {
			return err
		}
		start := time.Now()
		if _, err := mem.Sync(ctx, docs); err != nil {
			return err
		}
		indexSeconds = time.Since(start).Seconds()
		st = mem
	}
	engine := knowledge.NewEngine(st, knowledge.EngineOptions{TopK: *k, Embedder: emb.Name, Version: version, Translator: dict.Default(), Expander: glossary.Default(), Thesaurus: wordnet.Default()})
	answer := func(ctx context.Context, q string) (knowledge.Answer, []knowledge.Hit, knowledge.Report, error) {
		a, hits, err := engine.AnswerWithHits(ctx, q)
		return a, hits, knowledge.Report{}, err
	}
	workers := 1
	gen, err := generative(&cfg, engine, log, nil)
	if err != nil {
		return err
	}
	if gen != nil {
		// The same code path as ask and the bots; model calls overlap up
		// to the concurrency limit, as they would in serve.
		answer = func(ctx context.Context, q string) (knowledge.Answer, []knowledge.Hit, knowledge.Report, error) {
			return gen.AnswerReport(ctx, q, nil)
		}
		workers = cfg.LLM.Concurrency
	}

	var per io.Writer
	if *perPath != "" {
		f, err := os.Create(*perPath)
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		defer f.Close()
		bw := bufio.NewWriter(f)
		defer bw.Flush()
		per = bw
	}
	res, err := evaluate(ctx, answer, workers, docs, questions, per)
	if err != nil {
		return err
	}
	if gen == nil {
		res.Generated, res.FiguresChecked, res.FiguresRejected, res.Fallbacks, res.FallbackReasons = nil, nil, nil, nil, nil
	} else {
		res.LLMModel = gen.Model()
	}
	res.IndexSeconds = round(indexSeconds, 3)
	res.Passages = st.Stats().Passages
	printEval(stdout, *questionsPath, res)
	if *asJSON {
		b, _ := json.Marshal(res)
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}

func readQuestions(path string) ([]evalQuestion, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	var qs []evalQuestion
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := strings.TrimSpace(sc.Text())
		if b == "" {
			continue
		}
		var q evalQuestion
		if err := json.Unmarshal([]byte(b), &q); err != nil {
			return nil, fmt.Errorf("eval: %s:%d: %w", path, line, err)
		}
		if q.ID == "" || q.Answers == nil {
			return nil, fmt.Errorf("eval: %s:%d: needs id and answers", path, line)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("eval: %s: %w", path, err)
	}
	if len(qs) == 0 {
		return nil, errors.New("eval: no questions")
	}
	return qs, nil
}

// normalizeAnswer folds case and white space, as the metric's definition says.
func normalizeAnswer(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

func containsAnswer(text string, golds []string) bool {
	t := normalizeAnswer(text)
	for _, g := range golds {
		if g = normalizeAnswer(g); g != "" && strings.Contains(t, g) {
			return true
		}
	}
	return false
}

// evalOutcome is one question's answer and how long it took.
type evalOutcome struct {
	a    knowledge.Answer
	hits []knowledge.Hit
	rep  knowledge.Report
	err  error
	ms   float64
}

// evaluate answers every question, judges each, writes the judgement of
// each to per (when not nil) and returns the totals.
func evaluate(ctx context.Context, answer answerFunc, workers int, docs []knowledge.Document, questions []evalQuestion, per io.Writer) (evalResult, error) {
	outs := answerAll(ctx, answer, workers, questions)
	gold := newGoldIndex(docs)
	enc := json.NewEncoder(io.Discard)
	if per != nil {
		enc = json.NewEncoder(per)
		enc.SetEscapeHTML(false)
	}
	t := newTally()
	for i, q := range questions {
		o := outs[i]
		if o.err != nil && !errors.Is(o.err, knowledge.ErrEmptyQuestion) && !errors.Is(o.err, knowledge.ErrQuestionTooLong) {
			return t.res, fmt.Errorf("eval: question %s: %w", q.ID, o.err)
		}
		pq := gold.score(q, o)
		t.add(q, pq, o)
		_ = enc.Encode(pq)
	}
	return t.result(), nil
}

// answerAll answers the questions, workers at a time; the outcomes are in
// the questions' order.
func answerAll(ctx context.Context, answer answerFunc, workers int, questions []evalQuestion) []evalOutcome {
	outs := make([]evalOutcome, len(questions))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Go(func() {
			for i := range next {
				t0 := time.Now()
				a, hits, rep, err := answer(ctx, questions[i].Question)
				outs[i] = evalOutcome{a: a, hits: hits, rep: rep, err: err, ms: float64(time.Since(t0).Microseconds()) / 1000}
			}
		})
	}
	for i := range questions {
		next <- i
	}
	close(next)
	wg.Wait()
	return outs
}

// goldIndex finds the gold passage among the retrieved ones: a passage
// with the gold passage's text counts as the gold passage.
type goldIndex struct {
	textOf    map[string]string
	idsOfText map[string][]string
}

func newGoldIndex(docs []knowledge.Document) goldIndex {
	g := goldIndex{textOf: map[string]string{}, idsOfText: map[string][]string{}}
	for _, d := range docs {
		for _, p := range d.Passages {
			g.textOf[p.ID] = p.Text
			g.idsOfText[p.Text] = append(g.idsOfText[p.Text], p.ID)
		}
	}
	return g
}

// score judges one question's outcome: where the gold passage ranked,
// whether the answer abstained and whether it holds a gold answer.
func (g goldIndex) score(q evalQuestion, o evalOutcome) perQuestion {
	a, rep := o.a, o.rep
	pq := perQuestion{ID: q.ID, Question: q.Question, Gold: q.Answers, GoldID: q.PassageID, Answer: a.Text, Abstained: a.Abstained || o.err != nil, Reason: a.Reason,
		GeneratedBy: a.Generated, Fallback: rep.Fallback, FiguresRejected: rep.FiguresRejected, Failures: rep.Failures}
	for _, h := range o.hits {
		pq.Retrieved = append(pq.Retrieved, h.Passage.ID)
	}
	if len(q.Answers) == 0 {
		pq.Correct = pq.Abstained
		return pq
	}
	gold := map[string]bool{}
	if q.PassageID != "" {
		gold[q.PassageID] = true
		for _, id := range g.idsOfText[g.textOf[q.PassageID]] {
			gold[id] = true
		}
	}
	for i, h := range o.hits {
		if i >= 10 {
			break
		}
		isGold := false
		if q.PassageID != "" {
			base, _, _ := strings.Cut(h.Passage.ID, "#")
			isGold = gold[h.Passage.ID] || gold[base]
		} else {
			isGold = containsAnswer(h.Passage.Text, q.Answers)
		}
		if isGold {
			pq.HitRank = i + 1
			break
		}
	}
	pq.Correct = !pq.Abstained && containsAnswer(a.Text, q.Answers)
	return pq
}

// tally adds up the judgements, in the questions' order.
type tally struct {
	res                                                    evalResult
	hit1, hit5, mrr, correct, abstainedUnans, falseAbstain float64
	chars                                                  float64
	answered, generated, checked, rejected, fallbacks      int
	reasons                                                map[string]int
	latencies                                              []float64
}

func newTally() *tally { return &tally{reasons: map[string]int{}} }

func (t *tally) add(q evalQuestion, pq perQuestion, o evalOutcome) {
	t.res.Questions++
	t.latencies = append(t.latencies, o.ms)
	t.checked += o.rep.FiguresChecked
	t.rejected += o.rep.FiguresRejected
	if o.rep.Generated {
		t.generated++
	}
	if o.rep.Fallback != "" {
		t.fallbacks++
		t.reasons[o.rep.Fallback]++
	}
	if !pq.Abstained {
		t.chars += float64(utf8.RuneCountInString(o.a.Text))
		t.answered++
	}
	if len(q.Answers) == 0 {
		t.res.Unanswerable++
		if pq.Abstained {
			t.abstainedUnans++
		}
		return
	}
	t.res.Answerable++
	if pq.HitRank == 1 {
		t.hit1++
	}
	if pq.HitRank >= 1 && pq.HitRank <= 5 {
		t.hit5++
	}
	if pq.HitRank > 0 {
		t.mrr += 1 / float64(pq.HitRank)
	}
	if pq.Abstained {
		t.falseAbstain++
	} else if pq.Correct {
		t.correct++
	}
}

// result is the summary: rates over the questions they are about.
func (t *tally) result() evalResult {
	res := t.res
	div := func(a float64, b int) float64 {
		if b == 0 {
			return 0
		}
		return round(a/float64(b), 4)
	}
	res.HitAt1 = div(t.hit1, res.Answerable)
	res.HitAt5 = div(t.hit5, res.Answerable)
	res.MRRAt10 = div(t.mrr, res.Answerable)
	res.AnswerAccuracy = div(t.correct, res.Answerable)
	res.FalseAbstainRate = div(t.falseAbstain, res.Answerable)
	res.AbstainRateUnanswerable = div(t.abstainedUnans, res.Unanswerable)
	res.AnswerCharsMean = round(div(t.chars, t.answered), 1)
	res.LatencyMsP50 = round(percentile(t.latencies, 0.50), 3)
	res.LatencyMsP95 = round(percentile(t.latencies, 0.95), 3)
	generated, checked, rejected, fallbacks := t.generated, t.checked, t.rejected, t.fallbacks
	res.Generated, res.FiguresChecked, res.FiguresRejected, res.Fallbacks = &generated, &checked, &rejected, &fallbacks
	if len(t.reasons) > 0 {
		res.FallbackReasons = t.reasons
	}
	return res
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

func printEval(w io.Writer, name string, r evalResult) {
	fmt.Fprintf(w, "eval %s: %d questions (%d answerable, %d unanswerable) over %d passages\n", name, r.Questions, r.Answerable, r.Unanswerable, r.Passages)
	fmt.Fprintf(w, "  retrieval  hit@1 %.3f  hit@5 %.3f  MRR@10 %.3f\n", r.HitAt1, r.HitAt5, r.MRRAt10)
	fmt.Fprintf(w, "  answers    accuracy %.3f  false abstain %.3f  abstain on unanswerable %.3f  mean %.0f chars\n", r.AnswerAccuracy, r.FalseAbstainRate, r.AbstainRateUnanswerable, r.AnswerCharsMean)
	fmt.Fprintf(w, "  speed      p50 %.2f ms  p95 %.2f ms  index built in %.2f s\n", r.LatencyMsP50, r.LatencyMsP95, r.IndexSeconds)
	if r.LLMModel != "" {
		fmt.Fprintf(w, "  generated  %d by %s, %d fallbacks %v; figures checked %d, rejected %d\n",
			deref(r.Generated), r.LLMModel, deref(r.Fallbacks), r.FallbackReasons, deref(r.FiguresChecked), deref(r.FiguresRejected))
	}
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
