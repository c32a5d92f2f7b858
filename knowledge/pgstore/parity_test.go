package pgstore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"dramabot/knowledge"
	"dramabot/knowledge/dict"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/glossary"
	"dramabot/knowledge/ingest"
	"dramabot/knowledge/store"
	"dramabot/knowledge/wordnet"
)

// both opens an embedded store and a PostgreSQL store over docs, with the
// same embedder.
func both(t testing.TB, docs []knowledge.Document) (*store.Store, *Store) {
	t.Helper()
	l := embed.NewLocal(testDim)
	emb := store.Embedder{Name: l.Name(), Embed: l.Embed}
	mem, err := store.Open(store.Options{Embedder: emb})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Sync(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	pg := openTest(t, freshDSN(t), emb)
	if _, err := pg.Sync(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	return mem, pg
}

// parityQueries cover English and Chinese questions, figures, words the
// corpus lacks (so that the vector ranking joins in) and empty searches.
var parityQueries = []string{
	"How many jobs has the mini series boom created?",
	"How big is the micro-drama market in 2024?",
	"微短剧市场规模有多大？",
	"红果短剧的月活跃用户",
	"Who regulates short dramas?",
	"ReelShort overseas revenue",
	"185-fold",
	"647,000",
	"zzzz qqqq",
	"the",
	"短剧",
	"How did the format vault from the fringes to a mainstream economic unit?",
}

// TestRetrievalParity: on the default corpus, both stores return the same
// passages in the same order with the same scores, and the same IDF.
func TestRetrievalParity(t *testing.T) {
	docs, _ := ingest.Default()
	mem, pg := both(t, docs)
	queries := slices.Clone(parityQueries)
	for _, q := range readQuestions(t, "seed-dev.jsonl", "seed-paraphrase-dev.jsonl") {
		queries = append(queries, q.Question)
	}
	for _, q := range queries {
		for _, k := range []int{1, 10} {
			want := search(t, mem, q, k)
			got := search(t, pg, q, k)
			if !slices.Equal(ids(got), ids(want)) {
				t.Errorf("%q k=%d: hits %v, embedded store %v", q, k, ids(got), ids(want))
				continue
			}
			for i := range got.Hits {
				g, w := got.Hits[i], want.Hits[i]
				// The same arithmetic on both sides: BM25 summed in
				// float32, cosines as the embedded store and chromem-go
				// compute them.
				if g.Lexical != w.Lexical || g.Vector != w.Vector || g.Score != w.Score {
					t.Errorf("%q hit %d %s: lexical %v vector %v score %v, embedded store %v %v %v", q, i, g.Passage.ID, g.Lexical, g.Vector, g.Score, w.Lexical, w.Vector, w.Score)
				}
				if g.Source != w.Source && (g.Source.Note == nil || *g.Source.Note != *w.Source.Note || g.Source.ID != w.Source.ID) {
					t.Errorf("%q hit %d: source %+v, embedded store %+v", q, i, g.Source, w.Source)
				}
			}
			if len(got.IDF) != len(want.IDF) || got.MaxIDF != want.MaxIDF || got.Passages != want.Passages {
				t.Errorf("%q: IDF %v max %v n %d, embedded store %v %v %d", q, got.IDF, got.MaxIDF, got.Passages, want.IDF, want.MaxIDF, want.Passages)
			}
			for term, w := range want.IDF {
				if got.IDF[term] != w {
					t.Errorf("%q: IDF[%s] = %v, embedded store %v", q, term, got.IDF[term], w)
				}
			}
		}
	}
}

// evalQuestion is a line of a question file of the evaluation data.
type evalQuestion struct {
	ID        string   `json:"id"`
	Question  string   `json:"question"`
	Answers   []string `json:"answers"`
	PassageID string   `json:"passage_id"`
}

// evalDir is the shared evaluation data beside the repository, or
// DRAMABOT_EVAL_DIR.
func evalDir() string {
	if d := os.Getenv("DRAMABOT_EVAL_DIR"); d != "" {
		return d
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "eval")
}

// readQuestions reads question files of the evaluation data; a missing
// file gives none.
func readQuestions(t testing.TB, names ...string) []evalQuestion {
	t.Helper()
	var out []evalQuestion
	for _, name := range names {
		f, err := os.Open(filepath.Join(evalDir(), name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var q evalQuestion
			if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
				f.Close()
				t.Fatalf("%s: %v", name, err)
			}
			out = append(out, q)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// evalScores are the dev-set figures compared between the stores.
type evalScores struct {
	hit1, accuracy float64
}

// TestEngineParity runs dev-set questions through knowledge.Engine over
// both stores and compares hit@1 and answer accuracy (as `dramabot eval`
// measures them). It skips when the evaluation data is absent.
func TestEngineParity(t *testing.T) {
	sets := []struct {
		name      string
		questions []string
		passages  string // "" for the default corpus
		long      bool   // minutes on PGlite: only with DRAMABOT_PARITY_ALL=1
	}{
		{"seed", []string{"seed-dev.jsonl", "seed-paraphrase-dev.jsonl"}, "", false},
		{"expmrc-squad-dev", []string{"expmrc-squad-dev.questions.jsonl"}, "expmrc-squad-dev.passages.jsonl", false},
		{"cmrc2018-trial", []string{"cmrc2018-trial.questions.jsonl"}, "cmrc2018-trial.passages.jsonl", true},
		{"drcd-dev", []string{"drcd-dev.questions.jsonl"}, "drcd-dev.passages.jsonl", true},
		{"tatqa-dev", []string{"tatqa-dev.questions.jsonl"}, "tatqa-dev.passages.jsonl", true},
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) {
			if set.long && os.Getenv("DRAMABOT_PARITY_ALL") != "1" {
				t.Skip("a long set: DRAMABOT_PARITY_ALL=1 runs it")
			}
			qs := readQuestions(t, set.questions...)
			if len(qs) == 0 {
				t.Skipf("no evaluation data in %s (set DRAMABOT_EVAL_DIR)", evalDir())
			}
			docs, _ := ingest.Default()
			if set.passages != "" {
				var problems []ingest.Problem
				var err error
				docs, problems, err = ingest.Load([]string{filepath.Join(evalDir(), set.passages)})
				if err != nil || len(problems) > 0 {
					t.Fatalf("load %s: %v %v", set.passages, err, problems)
				}
			}
			mem, pg := both(t, docs)
			opts := knowledge.EngineOptions{Translator: dict.Default(), Expander: glossary.Default(), Thesaurus: wordnet.Default()}
			memScores, pgScores := evalScores{}, evalScores{}
			textOf := map[string]string{}
			for _, d := range docs {
				for _, p := range d.Passages {
					textOf[p.ID] = p.Text
				}
			}
			engines := []*knowledge.Engine{knowledge.NewEngine(mem, opts), knowledge.NewEngine(pg, opts)}
			differ := 0
			for _, q := range qs {
				var answers [2]knowledge.Answer
				var tops [2]string
				for i, e := range engines {
					a, hits, err := e.AnswerWithHits(context.Background(), q.Question)
					if err != nil && !errors.Is(err, knowledge.ErrEmptyQuestion) && !errors.Is(err, knowledge.ErrQuestionTooLong) {
						t.Fatalf("%s: %v", q.ID, err)
					}
					s := &memScores
					if i == 1 {
						s = &pgScores
					}
					hit, correct := judge(q, a, err, hits, textOf)
					if hit {
						s.hit1++
					}
					if correct {
						s.accuracy++
					}
					answers[i] = a
					if len(hits) > 0 {
						tops[i] = hits[0].Passage.ID
					}
				}
				if tops[0] != tops[1] || answers[0].Text != answers[1].Text {
					differ++
					if differ <= 5 {
						t.Logf("%s %q: embedded %s %q, postgres %s %q", q.ID, q.Question, tops[0], answers[0].Text, tops[1], answers[1].Text)
					}
				}
			}
			n := float64(len(qs))
			memScores.hit1 /= n
			memScores.accuracy /= n
			pgScores.hit1 /= n
			pgScores.accuracy /= n
			t.Logf("%s, %d questions: hit@1 %.4f (embedded %.4f), answer accuracy %.4f (embedded %.4f); %d questions with another top passage or answer",
				set.name, len(qs), pgScores.hit1, memScores.hit1, pgScores.accuracy, memScores.accuracy, differ)
			if math.Abs(pgScores.hit1-memScores.hit1) > 0.005 || math.Abs(pgScores.accuracy-memScores.accuracy) > 0.005 {
				t.Errorf("PostgreSQL store off by more than 0.005: hit@1 %.4f vs %.4f, accuracy %.4f vs %.4f", pgScores.hit1, memScores.hit1, pgScores.accuracy, memScores.accuracy)
			}
		})
	}
}

// judge scores one answer as `dramabot eval` does: the first hit is the
// gold passage (or one with its text, or, without a gold passage, one
// holding an answer), and the answer holds a gold answer, or abstains when
// there is none.
func judge(q evalQuestion, a knowledge.Answer, err error, hits []knowledge.Hit, textOf map[string]string) (hit, correct bool) {
	abstained := a.Abstained || err != nil
	if len(q.Answers) == 0 {
		return false, abstained
	}
	if len(hits) > 0 {
		h := hits[0].Passage
		base, _, _ := strings.Cut(h.ID, "#")
		switch {
		case q.PassageID != "":
			hit = h.ID == q.PassageID || base == q.PassageID || textOf[q.PassageID] != "" && textOf[q.PassageID] == h.Text
		default:
			hit = containsAny(h.Text, q.Answers)
		}
	}
	return hit, !abstained && containsAny(a.Text, q.Answers)
}

func containsAny(text string, golds []string) bool {
	norm := func(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }
	t := norm(text)
	for _, g := range golds {
		if g = norm(g); g != "" && strings.Contains(t, g) {
			return true
		}
	}
	return false
}
