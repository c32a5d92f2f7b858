package knowledge

import (
	"context"
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Retriever finds passages for a query. knowledge/store implements it.
type Retriever interface {
	Search(ctx context.Context, query string, k int) (Retrieval, error)
	Sources() []SourceStat
	Passages(limit int) []Hit
}

// Answer limits.
const (
	MaxAnswerSentences = 2
	MaxAnswerRunes     = 400
	// answerBudget is the length the second sentence must fit in; it keeps
	// answers short to read on a phone.
	answerBudget = 400
)

// EngineOptions configure an Engine.
type EngineOptions struct {
	// TopK is how many passages the answer may quote from (default 5).
	TopK int
	// Related is how many other passages are listed (default 3).
	Related int
	// Embedder and Version are reported by About.
	Embedder string
	Version  string
}

// Engine answers questions extractively: it quotes at most two sentences
// from the best passages, cites each, and lists every figure in them with
// the passage that holds it verbatim. When no passage answers the question
// it abstains and lists the nearest passages.
type Engine struct {
	r    Retriever
	opts EngineOptions
}

// NewEngine returns an Engine over r.
func NewEngine(r Retriever, opts EngineOptions) *Engine {
	if opts.TopK <= 0 {
		opts.TopK = 5
	}
	if opts.Related <= 0 {
		opts.Related = 3
	}
	return &Engine{r: r, opts: opts}
}

// Sources lists the documents the engine answers from.
func (e *Engine) Sources() []SourceStat { return e.r.Sources() }

// About describes the corpus.
func (e *Engine) About() About {
	srcs := e.r.Sources()
	ab := About{Sources: len(srcs), Embedder: e.opts.Embedder, Version: e.opts.Version}
	for _, s := range srcs {
		ab.Passages += s.Passages
		if s.Date > ab.AsOf {
			ab.AsOf = s.Date
		}
	}
	return ab
}

// candidate is a sentence that might answer the question.
type candidate struct {
	hit      int // index into the hits
	span     Span
	text     string
	order    int // sentence number within its passage
	terms    map[string]bool
	seq      []string
	anaphor  bool // starts with a pronoun that points back ("It", "This", "他")
	feats    [numFeatures]float64
	coverage float64
	score    float64
	sig      sentenceSignals
}

// SearchDepth is how many passages a question retrieves: enough for the
// answer, the related list and evaluation's MRR@10.
const SearchDepth = 10

// Answer answers question from the retrieved passages. An abstention is an
// Answer with Abstained set, not an error.
func (e *Engine) Answer(ctx context.Context, question string) (Answer, error) {
	a, _, err := e.AnswerWithHits(ctx, question)
	return a, err
}

// AnswerWithHits is Answer that also returns the ranked passages it
// retrieved, for evaluation.
func (e *Engine) AnswerWithHits(ctx context.Context, question string) (Answer, []Hit, error) {
	q := strings.TrimSpace(question)
	if q == "" || !strings.ContainsFunc(q, isWordRune) {
		return Answer{}, nil, ErrEmptyQuestion
	}
	if utf8.RuneCountInString(q) > MaxQuestionRunes {
		return Answer{}, nil, ErrQuestionTooLong
	}
	ret, err := e.r.Search(ctx, q, max(SearchDepth, e.opts.TopK+e.opts.Related))
	if err != nil {
		return Answer{}, nil, fmt.Errorf("answer: %w", err)
	}
	a, hits := e.compose(q, ret)
	return a, hits, nil
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// questionTerms weighs each distinct question term by its IDF; terms the
// index has never seen weigh as much as the rarest ones.
type questionTerms struct {
	weight map[string]float64
	total  float64
	kinds  map[string]TermKind
}

func newQuestionTerms(q string, ret Retrieval) questionTerms {
	qt := questionTerms{weight: map[string]float64{}, kinds: map[string]TermKind{}}
	maxIDF := ret.MaxIDF
	if maxIDF <= 0 {
		maxIDF = 1
	}
	for _, t := range QueryTerms(q) {
		if _, ok := qt.weight[t.Text]; ok {
			continue
		}
		w, ok := ret.IDF[t.Text]
		if !ok {
			w = maxIDF
		}
		if t.Kind == TermCJK {
			w *= xuni // single characters say less than bigrams
		}
		qt.weight[t.Text] = w
		qt.kinds[t.Text] = t.Kind
		qt.total += w
	}
	return qt
}

// coverage is the IDF-weighted share of question terms found in terms. A
// word matches partly when one stem is a prefix of the other ("grow" and
// "growth"), which Porter's stemmer leaves apart.
func (qt questionTerms) coverage(terms map[string]bool) float64 {
	return qt.coverageExcept(terms, nil)
}

// countShare is the unweighted share of question terms found in terms.
func (qt questionTerms) countShare(terms map[string]bool) float64 {
	if len(qt.weight) == 0 {
		return 0
	}
	n := 0
	for t := range qt.weight {
		if terms[t] {
			n++
		}
	}
	return float64(n) / float64(len(qt.weight))
}

// coverageExcept is coverage counting only the terms not in seen, for
// choosing a second sentence that adds what the first lacks.
func (qt questionTerms) coverageExcept(terms, seen map[string]bool) float64 {
	return qt.coverageTopic(terms, seen, nil)
}

// topicWeight is how much a question term that names the topic of a
// source (a word of its title) counts when judging one of its sentences:
// the whole source is about it, and later sentences often leave it out
// ("罗保铭，天津人。…1992年4月，任…").
var topicWeight = envF("XTOPIC", 0.5)

// coverageTopic is coverageExcept with the terms in topic discounted.
func (qt questionTerms) coverageTopic(terms, seen, topic map[string]bool) float64 {
	if qt.total == 0 {
		return 0
	}
	var got, total float64
	for t, w := range qt.weight {
		if topic[t] {
			w *= topicWeight
		}
		total += w
		if seen[t] {
			continue
		}
		if terms[t] {
			got += w
		} else if qt.kinds[t] == TermWord && len(t) >= 4 && prefixMatch(t, terms) {
			got += 0.7 * w
		}
	}
	if total == 0 {
		return 0
	}
	return got / total
}

func prefixMatch(t string, terms map[string]bool) bool {
	for u := range terms {
		if len(u) < 4 || u == t {
			continue
		}
		if strings.HasPrefix(u, t) || strings.HasPrefix(t, u) {
			return true
		}
	}
	return false
}

// Abstention thresholds: a passage must hold at least this share of the
// question's weighted terms to be quoted.
var (
	minPassageCoverage  = envF("XMINP", 0.2)
	minSentenceCoverage = envF("XMINS", 0)
)

// compose answers from the retrieved passages. It returns the passages
// reranked by the evidence their best sentence gives.
func (e *Engine) compose(q string, ret Retrieval) (Answer, []Hit) {
	hits := ret.Hits
	ans := Answer{Question: q, Citations: []Citation{}, Figures: []Figure{}, Related: []Related{}}
	if len(hits) == 0 {
		return abstain(ans, q, hits, "no passage matches the question", e.opts.Related), hits
	}
	qt := newQuestionTerms(q, ret)
	want := AskedFor(q)
	qNumbers := questionNumbers(q)

	top := min(len(hits), e.opts.TopK)
	best := hits[0].Score
	if best <= 0 {
		best = 1
	}
	var cands []candidate
	passageCov := make([]float64, top)
	qSeq := seqTerms(QueryTerms(q))
	for h := 0; h < top; h++ {
		text := hits[h].Passage.Text
		pterms := termSet(embedTextOf(hits[h].Passage))
		passageCov[h] = qt.coverage(pterms)
		if missingNumber(qNumbers, pterms) {
			continue
		}
		for i, sp := range SentenceSpans(text) {
			st := text[sp.Start:sp.End]
			ts := Tokenize(st, false)
			terms := make(map[string]bool, len(ts))
			for _, t := range ts {
				terms[t.Text] = true
			}
			cands = append(cands, candidate{hit: h, span: sp, text: st, order: i, terms: terms, seq: seqTerms(ts), sig: signals(st, q), anaphor: startsWithAnaphor(st)})
		}
	}
	// Within the candidates, a question term found in most sentences (the
	// subject of the passage) says little about which sentence answers;
	// weigh terms by how few sentences hold them as well as by IDF.
	local := qt.localized(cands)
	topics := make([]map[string]bool, top)
	for h := range topics {
		topics[h] = termSet(hits[h].Source.Title)
	}
	for i := range cands {
		c := &cands[i]
		c.coverage = qt.coverage(c.terms)
		if xctx > 0 && c.anaphor && i > 0 && cands[i-1].hit == c.hit {
			// "This was crushed by British troops": the sentence is about
			// what the previous one names, so it is judged with it.
			c.coverage = qt.coverage(union(c.terms, cands[i-1].terms))
		}
		f := &c.feats
		f[fCoverage] = qt.coverageTopic(c.terms, nil, topics[c.hit])
		f[fLocal] = local.coverage(c.terms)
		f[fNumbers] = numberShare(qNumbers, c.terms)
		if xctx > 0 && c.anaphor && i > 0 && cands[i-1].hit == c.hit {
			f[fLocal] = local.coverage(union(c.terms, cands[i-1].terms))
		}
		f[fPassage] = passageCov[c.hit]
		f[fRetrieval] = hits[c.hit].Score / best
		if c.hit == 0 {
			f[fTopPassage] = 1
		}
		if want != AskOther {
			if typeMatch(want, c.sig) {
				f[fTypeMatch] = 1
			} else {
				f[fTypeMismatch] = 1
			}
		}
		f[fPairs] = pairShare(qSeq, c.seq)
		f[fRun] = longestRun(qSeq, c.seq)
		f[fLength] = logLength(c.text)
		if c.order == 0 {
			f[fFirstInPass] = 1
		}
		if c.sig.name {
			f[fName] = 1
		}
		f[fCount] = qt.countShare(c.terms)
	}
	for i := range cands {
		c := &cands[i]
		for _, j := range []int{i - 1, i + 1} {
			if j >= 0 && j < len(cands) && cands[j].hit == c.hit {
				c.feats[fNeighbor] = max(c.feats[fNeighbor], cands[j].coverage)
			}
		}
		for k, w := range featureWeights {
			c.score += w * c.feats[k]
		}
	}
	dumpFeatures(q, cands)
	hits, passageCov = rerank(hits, top, cands, passageCov)
	if len(cands) == 0 {
		return abstain(ans, q, hits, "the passages do not hold the figures the question names", e.opts.Related), hits
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	first := cands[0]
	if (want == AskNumber || want == AskDate) && !typeMatch(want, first.sig) {
		// A figure or a date was asked for: prefer the best sentence that
		// has one if it is nearly as good. When no relevant sentence holds
		// a figure at all, the sources lack it.
		anyFigure := false
		for _, c := range cands {
			if !typeMatch(want, c.sig) {
				continue
			}
			if c.coverage >= minSentenceCoverage && passageCov[c.hit] >= minPassageCoverage {
				anyFigure = true
			}
			if c.score >= first.score-xdelta {
				first = c
				break
			}
		}
		if want == AskNumber && !anyFigure {
			return abstain(ans, q, hits, "no passage holds the figure asked for", e.opts.Related), hits
		}
	}
	if passageCov[first.hit] < minPassageCoverage || first.coverage < minSentenceCoverage {
		return abstain(ans, q, hits, fmt.Sprintf("low relevance (passage coverage %.2f, sentence %.2f)", passageCov[first.hit], first.coverage), e.opts.Related), hits
	}
	chosen := []candidate{first}
	if second, ok := pickSecond(qt, want, cands, first); ok {
		chosen = append(chosen, second)
	}
	return e.render(ans, hits, chosen), hits
}

// pickSecond chooses a sentence to quote after the first: the one that adds
// most of what the first lacks (question terms it does not cover), with a
// bonus for continuing the first in the same passage, if it fits the
// length budget.
func pickSecond(qt questionTerms, want AnswerType, cands []candidate, first candidate) (candidate, bool) {
	budget := int(xbudget) - utf8.RuneCountInString(first.text)
	var best candidate
	bestScore := 0.0
	found := false
	for _, c := range cands {
		if c.hit == first.hit && c.order == first.order {
			continue
		}
		if utf8.RuneCountInString(c.text) > budget {
			continue
		}
		s := xw5*c.score + qt.coverageExcept(c.terms, first.terms)
		if c.hit == first.hit && (c.order == first.order+1 || c.order == first.order-1) {
			s += xw6
		}
		if c.hit == first.hit && (c.order == first.order-1 && first.anaphor || c.order == first.order+1 && c.anaphor) {
			s += xana // the two sentences read as one
		}
		if c.hit != first.hit {
			s -= xw7
		}
		if want == AskDate && c.hit == first.hit && c.order == 0 && first.order > 0 && isTableRow(first.text) {
			// Which year? A table row says it only with the header row
			// that names the columns ("| 2019 | 2018").
			s += tableHeaderBonus
		}
		if !found || s > bestScore {
			best, bestScore, found = c, s, true
		}
	}
	return best, found
}

func typeMatch(want AnswerType, sig sentenceSignals) bool {
	switch want {
	case AskNumber:
		return sig.number
	case AskDate:
		return sig.date
	case AskPerson, AskPlace:
		return sig.name
	}
	return false
}

// questionNumbers returns the numbers a question names ("in 2023"), but
// not thresholds it compares with ("more than 140 million", "超过2万").
func questionNumbers(q string) []string {
	var out []string
	for _, f := range ExtractFigures(q) {
		// Fold and lower only the text before the figure: both change byte
		// lengths ("９" becomes "9"), so f.Start is an offset into q alone.
		before := strings.TrimRight(strings.ToLower(Fold(q[:f.Start])), " $¥￥")
		if comparison.MatchString(before) {
			continue
		}
		for _, t := range Tokenize(f.Text, false) {
			if t.Kind == TermNumber {
				out = append(out, t.Text)
			}
		}
	}
	return out
}

var comparison = regexp.MustCompile(`(more than|less than|fewer than|greater than|larger than|smaller than|higher than|lower than|over|under|above|below|exceed|exceeds|exceeded|exceeding|at least|at most|up to|beyond|than|超过|超過|大于|大於|小于|小於|高于|高於|低于|低於|不到|以上|以下|至少|多于|多於|少于|少於)\s*$`)

// missingNumber reports whether a number the question names is absent
// from the passage: a question about 2023 is not answered by a passage
// about 2025.
func missingNumber(nums []string, terms map[string]bool) bool {
	for _, n := range nums {
		if !terms[n] {
			return true
		}
	}
	return false
}

func embedTextOf(p Passage) string {
	if p.Heading != "" {
		return p.Heading + "\n" + p.Text
	}
	return p.Text
}

// render quotes the chosen sentences in reading order, numbers citations by
// first use, and lists every figure that is verbatim in its passage.
func (e *Engine) render(ans Answer, hits []Hit, chosen []candidate) Answer {
	sort.SliceStable(chosen, func(i, j int) bool {
		if chosen[i].hit != chosen[j].hit {
			return chosen[i].hit < chosen[j].hit
		}
		return chosen[i].span.Start < chosen[j].span.Start
	})
	citeOf := map[int]int{}
	var parts []string
	for i, c := range chosen {
		n, ok := citeOf[c.hit]
		if !ok {
			n = len(ans.Citations) + 1
			citeOf[c.hit] = n
			ans.Citations = append(ans.Citations, citation(n, hits[c.hit]))
		}
		ans.Sentences = append(ans.Sentences, Sentence{Text: c.text, Citation: n})
		passage := hits[c.hit].Passage.Text
		if i+1 < len(chosen) && chosen[i+1].hit == c.hit && chosen[i+1].order == c.order+1 {
			// Adjacent sentences of one passage are quoted as one span,
			// exactly as written, under one marker.
			next := chosen[i+1]
			parts = append(parts, passage[c.span.Start:next.span.Start])
		} else {
			parts = append(parts, c.text+" "+Marker(n)+" ")
		}
		for _, f := range ExtractFigures(c.text) {
			fig := Figure{Text: f.Text, Label: FigureLabel(c.text, f), Unit: f.Unit, Value: f.Value, Citation: n}
			if !strings.Contains(passage, fig.Text) {
				continue // never show a figure its passage does not hold
			}
			if !strings.Contains(passage, fig.Label) {
				fig.Label = fig.Text
			}
			ans.Figures = append(ans.Figures, fig)
		}
	}
	ans.Text = strings.TrimSpace(strings.Join(parts, ""))
	for h := range hits {
		if _, cited := citeOf[h]; cited || len(ans.Related) >= e.opts.Related {
			continue
		}
		ans.Related = append(ans.Related, related(hits[h]))
	}
	return ans
}

func citation(n int, h Hit) Citation {
	return Citation{
		N: n, PassageID: h.Passage.ID, SourceID: h.Source.ID, Title: h.Source.Title, Publisher: h.Source.Publisher,
		Date: h.Source.Date, URL: h.Source.URL, Paragraph: h.Passage.Ordinal, Quote: h.Passage.Text, Score: h.Score,
	}
}

func related(h Hit) Related {
	return Related{
		PassageID: h.Passage.ID, SourceID: h.Source.ID, Title: h.Source.Title, Publisher: h.Source.Publisher,
		Date: h.Source.Date, URL: h.Source.URL, Paragraph: h.Passage.Ordinal, Text: h.Passage.Text, Score: h.Score,
	}
}

// Abstention texts, in the language of the question.
const (
	abstainEN = "The sources do not answer this question. The nearest passages are listed below."
	abstainZH = "资料中没有这个问题的答案。下面列出最接近的段落。"
)

func abstain(ans Answer, q string, hits []Hit, reason string, n int) Answer {
	ans.Abstained = true
	ans.Reason = reason
	ans.Text = abstainEN
	if strings.ContainsFunc(q, IsCJK) {
		ans.Text = abstainZH
	}
	for i := 0; i < len(hits) && i < n; i++ {
		ans.Related = append(ans.Related, related(hits[i]))
	}
	return ans
}

func termSet(text string) map[string]bool {
	m := map[string]bool{}
	for _, t := range Tokenize(text, false) {
		m[t.Text] = true
	}
	return m
}

// localized returns the question terms reweighted by inverse sentence
// frequency over the candidates.
func (qt questionTerms) localized(cands []candidate) questionTerms {
	n := float64(len(cands))
	out := questionTerms{weight: make(map[string]float64, len(qt.weight)), kinds: qt.kinds}
	for t, w := range qt.weight {
		sf := 0.0
		for _, c := range cands {
			if c.terms[t] {
				sf++
			}
		}
		f := 1.0
		if sf > 0 && n > 1 {
			f = math.Log(1+n/sf) / math.Log(1+n)
		}
		f = 1 - xisf + xisf*f
		out.weight[t] = w * f
		out.total += w * f
	}
	return out
}

var (
	xw1     = envF("XW1", 0.55)
	xw2     = envF("XW2", 0.25)
	xw3     = envF("XW3", 0.20)
	xw4     = envF("XW4", 0.12)
	xw5     = envF("XW5", 0.5)
	xw6     = envF("XW6", 0.15)
	xw7     = envF("XW7", 0.2)
	xisf    = envF("XISF", 0)
	xbudget = envF("XBUDGET", 360)
	xdelta  = envF("XDELTA", 0.1)
	xana    = envF("XANA", 0)
	xctx    = envF("XCTX", 0)
	xuni    = envF("XUNI", 0.5)
)

func envF(k string, d float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(k), 64); err == nil {
		return v
	}
	return d
}

func union(a, b map[string]bool) map[string]bool {
	m := make(map[string]bool, len(a)+len(b))
	for t := range a {
		m[t] = true
	}
	for t := range b {
		m[t] = true
	}
	return m
}

// anaphors are words that, opening a sentence, refer to something named
// before it.
var anaphors = map[string]bool{
	"it": true, "its": true, "this": true, "these": true, "that": true, "those": true, "he": true, "she": true,
	"they": true, "his": true, "her": true, "their": true, "such": true, "there": true, "here": true, "both": true,
	"however": true, "thus": true, "therefore": true, "also": true, "then": true, "later": true, "the latter": true,
}

func startsWithAnaphor(s string) bool {
	s = strings.TrimLeft(s, "\"'“‘(「『 ")
	if r, _ := utf8.DecodeRuneInString(s); IsCJK(r) {
		return strings.HasPrefix(s, "他") || strings.HasPrefix(s, "她") || strings.HasPrefix(s, "它") ||
			strings.HasPrefix(s, "其") || strings.HasPrefix(s, "这") || strings.HasPrefix(s, "這") ||
			strings.HasPrefix(s, "此") || strings.HasPrefix(s, "该") || strings.HasPrefix(s, "該") ||
			strings.HasPrefix(s, "但") || strings.HasPrefix(s, "因此") || strings.HasPrefix(s, "后来") || strings.HasPrefix(s, "後來")
	}
	end := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	if end < 0 {
		end = len(s)
	}
	return anaphors[strings.ToLower(s[:end])]
}

// numberShare is the share of the question's numbers found in terms.
func numberShare(nums []string, terms map[string]bool) float64 {
	if len(nums) == 0 {
		return 0
	}
	n := 0
	for _, x := range nums {
		if terms[x] {
			n++
		}
	}
	return float64(n) / float64(len(nums))
}

// rerankWeight is how much a passage's best sentence counts, against its
// retrieval score, when ordering the passages: a passage with a sentence
// that matches the question closely is the better source.
var rerankWeight = envF("XRERANK", 0.5)

// rerank reorders the first top hits by retrieval score and best sentence
// score, and renumbers the candidates' passages to match.
func rerank(hits []Hit, top int, cands []candidate, passageCov []float64) ([]Hit, []float64) {
	if rerankWeight == 0 || top < 2 {
		return hits, passageCov
	}
	best := make([]float64, top)
	for _, c := range cands {
		best[c.hit] = max(best[c.hit], c.score)
	}
	maxScore := hits[0].Score
	if maxScore <= 0 {
		maxScore = 1
	}
	order := make([]int, top)
	for i := range order {
		order[i] = i
	}
	key := func(h int) float64 { return (1-rerankWeight)*hits[h].Score/maxScore + rerankWeight*best[h] }
	sort.SliceStable(order, func(a, b int) bool { return key(order[a]) > key(order[b]) })
	pos := make([]int, top)
	out := make([]Hit, len(hits))
	cov := make([]float64, top)
	for newPos, old := range order {
		pos[old] = newPos
		out[newPos] = hits[old]
		cov[newPos] = passageCov[old]
	}
	copy(out[top:], hits[top:])
	for i := range cands {
		cands[i].hit = pos[cands[i].hit]
	}
	return out, cov
}

const tableHeaderBonus = 1.0

func isTableRow(s string) bool { return strings.Count(s, "|") >= 2 }
