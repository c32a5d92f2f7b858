package knowledge

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dramabot/knowledge/text"
)

// Retriever finds passages for a query. knowledge/store implements it.
type Retriever interface {
	Search(ctx context.Context, query string, k int) (Retrieval, error)
	Sources() []SourceStat
	Passages(limit int) []Hit
}

// Answer limits: an answer quotes at most two sentences, in at most 400
// characters with its citation markers.
const (
	maxAnswerSentences = 2
	maxAnswerRunes     = 400
)

// EngineOptions configure an Engine.
type EngineOptions struct {
	// TopK is how many passages the answer may quote from (default 5).
	TopK int
	// Related is how many other passages are listed (default 3).
	Related int
	// Translator, if set, lets a question in Chinese find passages in
	// English when the Chinese sources do not answer it, and the reverse.
	Translator Translator
	// Expander, if set, gives synonyms of a question's terms in both
	// languages (a domain glossary); they count as the term itself.
	Expander Expander
	// Thesaurus, if set, gives relatives of English words the sources
	// never use; they count for less than the word.
	Thesaurus Thesaurus
	// Now tells the time, for questions about "last year" (default
	// time.Now).
	Now func() time.Time
	// Figures, if set, gives the figures every source reports for what a
	// question asks (the answer's FigureTable), timelines and charts.
	Figures FigureIndex
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
	if opts.Now == nil {
		opts.Now = time.Now
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
	if utf8.RuneCountInString(q) > maxQuestionRunes {
		return Answer{}, nil, ErrQuestionTooLong
	}
	q = cleanQuestion(q)
	depth := max(SearchDepth, e.opts.TopK+e.opts.Related)
	var exps []Expansion
	if e.opts.Expander != nil {
		exps = e.opts.Expander.Expand(q)
	}
	ret, err := e.r.Search(ctx, q, depth)
	if err != nil {
		return Answer{}, nil, fmt.Errorf("answer: %w", err)
	}
	// Words the sources never use may have synonyms or relatives they do
	// use: search again with those. Words they use are searched as asked,
	// since adding synonyms of common words only blurs the ranking.
	known := func(t string) bool { _, ok := ret.IDF[t]; return ok }
	var unknown []Expansion
	for _, x := range exps {
		if !allKnown(text.QueryTermTexts(x.Text), known) {
			unknown = append(unknown, x)
		}
	}
	// A period is searched in all its wordings: the question's own words
	// for it ("the first eight months") are common words.
	periods := periodExpansions(q, e.opts.Now())
	exps = append(exps, periods...)
	unknown = append(unknown, periods...)
	if e.opts.Thesaurus != nil {
		rel := relatedExpansions(e.opts.Thesaurus, q, known)
		exps = append(exps, rel...)
		unknown = append(unknown, rel...)
	}
	if alts := searchAlts(unknown); len(alts) > 0 {
		if ret, err = e.r.Search(ctx, q+" "+strings.Join(alts, " "), depth); err != nil {
			return Answer{}, nil, fmt.Errorf("answer: %w", err)
		}
	}
	a, hits, err := e.answerWithHits(ctx, q, exps, ret, depth)
	if err != nil {
		return Answer{}, nil, err
	}
	e.addFigureTable(&a)
	return a, hits, nil
}

// answerWithHits composes the answer from what the question retrieved,
// or from the passages in the other language when those answer it better.
func (e *Engine) answerWithHits(ctx context.Context, q string, exps []Expansion, ret Retrieval, depth int) (Answer, []Hit, error) {
	a, hits := e.compose(q, nil, exps, ret, false)
	if e.opts.Translator == nil || strings.HasPrefix(a.Reason, reasonMissingName) || !a.Abstained && a.coverage >= confidentNative {
		// A name no passage mentions is not found by translating the
		// question's other words either.
		return a, hits, nil
	}
	// The sources in the question's language do not answer it, or answer
	// only part of it; those in the other language may answer it better:
	// ask again with the glosses of its words (Chinese to English, or
	// English to Chinese).
	var groups [][]string
	if strings.ContainsFunc(q, text.IsCJK) {
		groups = e.opts.Translator.Translate(q)
	} else {
		groups = e.opts.Translator.TranslateEnglish(q)
	}
	if len(groups) == 0 {
		return a, hits, nil
	}
	var words []string
	for _, g := range groups {
		words = append(words, g...)
	}
	// Names a Chinese question writes in Latin letters (NFL, ReelShort) are
	// spelled the same way in English sources.
	words = append(words, questionNumbers(q)...)
	if strings.ContainsFunc(q, text.IsCJK) {
		words = append(words, latinWords(q)...)
	}
	ret2, err := e.r.Search(ctx, strings.Join(words, " "), depth)
	if err != nil {
		return Answer{}, nil, fmt.Errorf("answer: %w", err)
	}
	// When the question was answered as asked, only sources written in the
	// other language alone can answer it better.
	a2, hits2 := e.compose(q, groups, exps, ret2, !a.Abstained)
	switch {
	case !a2.Abstained && (a.Abstained || a2.coverage >= a.coverage+translatedBetter):
		return a2, hits2, nil
	case a.Abstained && a2.Abstained && a2.coverage > a.coverage:
		// Neither answers; the passages found through translation are
		// the nearer ones to list.
		return a2, hits2, nil
	}
	return a, hits, nil
}

// confidentNative: an answer from sources in the question's language whose
// best sentence holds this share of the question is not compared with one
// found through translation. translatedBetter is by how much a translated
// answer's share must exceed the native one's to be preferred.
const (
	confidentNative  = 0.6
	translatedBetter = 0.15
)

// Translator gives, for each word of a question, the words the sources
// may use for it in the other language (knowledge/dict: Chinese to English
// and English to Chinese).
type Translator interface {
	Translate(question string) [][]string
	TranslateEnglish(question string) [][]string
}

// salientCoverage: a missing name makes the engine abstain only when the
// best sentence holds less than this share of the question's weight.
const salientCoverage = 0.5

// minTranslatedCoverage is minPassageCoverage for a question searched
// through the glosses of its words: a dictionary gives several senses of
// each word, so a passage matches some of them by chance more often.
const minTranslatedCoverage = 0.35

// reasonMissingName starts the reason of an abstention for a name the
// passages do not mention.
const reasonMissingName = "the passages do not mention"

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// minPassageCoverage: the passage a first sentence comes from must hold
// at least this share of the question's weighted terms; below it the
// sources do not answer the question.
const minPassageCoverage = 0.2

// compose answers from the retrieved passages. It returns the passages
// reranked by the evidence their best sentence gives.
// With groups (the glosses of a translated question) the question's terms
// are those glosses.
func (e *Engine) compose(q string, groups [][]string, exps []Expansion, ret Retrieval, otherOnly bool) (Answer, []Hit) {
	hits := ret.Hits
	ans := Answer{Question: q, Citations: []Citation{}, Figures: []Figure{}, Related: []Related{}}
	if len(hits) == 0 {
		return abstain(ans, q, hits, "no passage matches the question", e.opts.Related), hits
	}
	qt := newQuestionTerms(q, ret, exps)
	markNames(qt, q, func(t string) bool { _, ok := ret.IDF[t]; return ok })
	var names questionTerms
	for _, t := range qt {
		if t.salient {
			names = append(names, t)
		}
	}
	want := askedFor(q)
	kind := askedKind(q)
	qNumbers := questionNumbers(q)
	focus := focusTerms(q)
	focusQT := qt.containing(focus)
	qSeq := seqTerms(text.QueryTerms(q))
	sc := scriptOf(q)
	if groups != nil {
		// The question's terms are now the English glosses of its words.
		qt, qSeq, sc = translatedTerms(q, groups, ret), nil, scriptOf(strings.Join(groups[0], ""))
		// The names asked about must still be found, in either language.
		qt = append(qt, names...)
	}

	top := min(len(hits), e.opts.TopK)
	best := hits[0].Score
	if best <= 0 {
		best = 1
	}
	var cands []candidate
	passageCov := make([]float64, top)
	passageTerms := make(map[string]map[string]bool, top) // by passage id: rerank reorders hits
	qLower := strings.ToLower(q)
	aboutDocument := documentCue.MatchString(q)
	lackedEntity := ""
	for h := 0; h < top; h++ {
		// Each sentence is analysed once; the passage's terms are theirs
		// and its heading's.
		ptext := hits[h].Passage.Text
		pterms := termSet(hits[h].Passage.Heading)
		var sents []candidate
		for i, sp := range text.SentenceSpans(ptext) {
			st := ptext[sp.Start:sp.End]
			ts := text.Tokenize(st, false)
			c := candidate{hit: h, span: sp, text: st, order: i, terms: make(map[string]bool, len(ts)), seq: seqTerms(ts)}
			for _, t := range ts {
				c.terms[t.Text] = true
				pterms[t.Text] = true
			}
			sents = append(sents, c)
		}
		passageCov[h] = qt.coverage(pterms, nil, nil)
		passageTerms[hits[h].Passage.ID] = pterms
		if missingNumber(qNumbers, pterms) {
			continue
		}
		if otherOnly && writtenIn(ptext, scriptOf(q)) {
			// Searching through translation is for sources written only
			// in the other language; this one was open to the question
			// as asked (a bilingual note).
			continue
		}
		if name, ok := missingEntity(qt, pterms); ok {
			// A passage that never names the company, platform or place
			// asked about is about something else.
			lackedEntity = name
			continue
		}
		topic := termSet(hits[h].Source.Title)
		titlePassage := hits[h].Passage.Ordinal == 0 && !aboutDocument
		for i := range sents {
			c := sents[i]
			c.sig = signals(c.text, qLower)
			c.coverage = qt.coverage(c.terms, nil, nil)
			f := &c.feats
			f[fCoverage] = qt.coverage(c.terms, nil, topic)
			f[fPassage] = passageCov[h]
			f[fRetrieval] = hits[h].Score / best
			if typeMatch(want, kind, c.sig) {
				f[fTypeMatch] = 1
			}
			f[fPairs] = pairShare(qSeq, c.seq)
			if c.order == 0 {
				f[fFirst] = 1
			}
			f[fCount] = qt.countShare(c.terms)
			f[fNumbers] = numberShare(qNumbers, c.terms)
			if len(focus) > 0 && (anyIn(focus, c.terms) || focusQT.found(c.terms)) {
				f[fFocus] = 1
			}
			if titlePassage {
				f[fTitle] = 1
			}
			if isQuestion(c.text) {
				f[fAsks] = 1
			}
			for k, w := range featureWeights[sc] {
				c.score += w * f[k]
			}
			cands = append(cands, c)
		}
	}
	hits, passageCov = rerank(hits, top, cands, passageCov)
	// How well the nearest passage matches, even when the engine abstains:
	// it decides which of two searches (as asked, or through translation)
	// lists the nearer passages.
	bestCov := 0.0
	for _, c := range passageCov {
		bestCov = max(bestCov, c)
	}
	abstainNear := func(reason string) (Answer, []Hit) {
		a := abstain(ans, q, hits, reason, e.opts.Related)
		a.coverage = bestCov
		return a, hits
	}
	if len(cands) == 0 && lackedEntity != "" {
		return abstainNear(fmt.Sprintf("%s %q", reasonMissingName, lackedEntity))
	}
	if len(cands) == 0 {
		return abstainNear("the passages do not hold the figures the question names")
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	first := cands[0]
	if (want == askNumber || want == askDate) && !typeMatch(want, kind, first.sig) {
		// A figure or a date was asked for: prefer the best sentence that
		// has one if it is nearly as good. When no relevant passage holds
		// a figure at all, the sources lack it.
		anyFigure := false
		for _, c := range cands {
			if !typeMatch(want, kind, c.sig) {
				continue
			}
			if passageCov[c.hit] >= minPassageCoverage {
				anyFigure = true
			}
			margin := typedSwitchMargin
			if kind != 0 {
				margin = kindSwitchMargin
			}
			if c.score >= first.score-margin {
				first = c
				break
			}
		}
		if want == askNumber && !anyFigure {
			return abstainNear("no passage holds the figure asked for")
		}
	}
	minCov := minPassageCoverage
	if groups != nil {
		minCov = minTranslatedCoverage
	}
	if passageCov[first.hit] < minCov {
		return abstainNear(fmt.Sprintf("low relevance (passage coverage %.2f, sentence %.2f)", passageCov[first.hit], first.coverage))
	}
	if name, ok := missingSalient(qt, passageTerms[hits[first.hit].Passage.ID], first.coverage); ok {
		// A name the sources never use, asked about with words they do
		// use ("the capital of France"): the passage is about something
		// else. A sentence that covers most of the question otherwise
		// answers it despite a misspelt or abbreviated name.
		return abstainNear(fmt.Sprintf("%s %q", reasonMissingName, name))
	}
	chosen := []candidate{first}
	if wantsSecond(want, kind, first) {
		if second, ok := pickSecond(qt, want, cands, first); ok {
			chosen = append(chosen, second)
		}
	}
	if utf8.RuneCountInString(first.text) > answerBudget {
		// One sentence longer than an answer may be (a long list or table
		// row): quote the part that matches the question.
		chosen[0].text = clipQuote(first.text, qt, answerBudget)
	}
	ans = e.render(ans, hits, chosen)
	ans.coverage = first.coverage
	return ans, hits
}

// questionNumbers returns the numbers a question names ("in 2023"), but
// not thresholds it compares with ("more than 140 million", "超过2万").
func questionNumbers(q string) []string {
	var out []string
	for _, f := range text.ExtractFigures(q) {
		// Fold and lower only the text before the figure: both change byte
		// lengths ("９" becomes "9"), so f.Start is an offset into q alone.
		before := strings.TrimRight(strings.ToLower(text.Fold(q[:f.Start])), " $¥￥")
		if comparison.MatchString(before) {
			continue
		}
		for _, t := range text.Tokenize(f.Text, false) {
			if t.Kind == text.TermNumber {
				out = append(out, t.Text)
			}
		}
	}
	return out
}

var comparison = regexp.MustCompile(`(more than|less than|fewer than|greater than|larger than|smaller than|higher than|lower than|over|under|above|below|exceed|exceeds|exceeded|exceeding|at least|at most|up to|beyond|than|超过|超過|大于|大於|小于|小於|高于|高於|低于|低於|不到|以上|以下|至少|多于|多於|少于|少於)\s*$`)

// missingNumber reports whether a question that names numbers finds none
// of them in the passage: a question about 2023 is not answered by a
// passage about 2025. One is enough ("1973-1974" against "1973–74").
func missingNumber(nums []string, terms map[string]bool) bool {
	for _, n := range nums {
		if terms[n] {
			return false
		}
	}
	return len(nums) > 0
}

// render quotes the chosen sentences (the best first), numbers citations by
// first use, and lists every figure that is verbatim in its passage.
func (e *Engine) render(ans Answer, hits []Hit, chosen []candidate) Answer {
	// The best sentence's passage comes first, each passage in reading
	// order.
	firstHit := chosen[0].hit
	sort.SliceStable(chosen, func(i, j int) bool {
		if chosen[i].hit != chosen[j].hit {
			return chosen[i].hit == firstHit
		}
		return chosen[i].span.Start < chosen[j].span.Start
	})
	cites := newCitations(hits)
	var parts []string
	for i, c := range chosen {
		n := cites.cite(c.hit)
		quoted := stripRefMarks(c.text)
		ans.Sentences = append(ans.Sentences, Sentence{Text: quoted, Citation: n})
		passage := hits[c.hit].Passage.Text
		if i+1 < len(chosen) && chosen[i+1].hit == c.hit && chosen[i+1].order == c.order+1 && c.text == passage[c.span.Start:c.span.End] {
			// Adjacent sentences of one passage are quoted as one span,
			// exactly as written, under one marker.
			next := chosen[i+1]
			parts = append(parts, stripRefMarks(passage[c.span.Start:next.span.Start]))
		} else {
			parts = append(parts, quoted+" "+Marker(n)+" ")
		}
		for _, f := range text.ExtractFigures(quoted) {
			if f.Unit == text.UnitYear || f.Unit == text.UnitDate {
				continue // when, not how much: the quote shows it
			}
			fig := Figure{Text: f.Text, Label: text.FigureLabel(quoted, f), Unit: f.Unit, Value: f.Value, Citation: n}
			if !strings.Contains(passage, fig.Text) {
				continue // never show a figure its passage does not hold
			}
			if !strings.Contains(passage, fig.Label) {
				fig.Label = fig.Text
			}
			if slices.ContainsFunc(ans.Figures, func(g Figure) bool { return g.Value == fig.Value && g.Unit == fig.Unit }) {
				continue // the same figure quoted twice is listed once
			}
			ans.Figures = append(ans.Figures, fig)
		}
	}
	ans.Text = strings.TrimSpace(strings.Join(parts, ""))
	ans.Citations = cites.all()
	for h := range hits {
		if cites.cited(h) || len(ans.Related) >= e.opts.Related {
			continue
		}
		ans.Related = append(ans.Related, related(hits[h]))
	}
	return ans
}

func citation(n int, h Hit) Citation {
	return Citation{
		N: n, PassageID: h.Passage.ID, SourceID: h.Source.ID, Title: h.Source.Title, Publisher: h.Source.Publisher,
		Date: h.Source.Date, URL: h.Source.URL, Paragraph: paragraph(h), Page: h.Passage.Page, Quote: h.Passage.Text, Score: h.Score,
		Note: h.Source.Note,
	}
}

func related(h Hit) Related {
	return Related{
		PassageID: h.Passage.ID, SourceID: h.Source.ID, Title: h.Source.Title, Publisher: h.Source.Publisher,
		Date: h.Source.Date, URL: h.Source.URL, Paragraph: paragraph(h), Page: h.Passage.Page, Text: h.Passage.Text, Score: h.Score,
		Note: h.Source.Note,
	}
}

// paragraph is the passage's position for a citation; a market note is one
// passage, so it has none.
func paragraph(h Hit) int {
	if h.Source.Note != nil {
		return 0
	}
	return h.Passage.Ordinal
}

// documentCue marks a question about a document itself (who published it,
// who wrote it), which its title and byline answer.
var documentCue = regexp.MustCompile(`(?i)\b(publish\w*|outlet|author\w*|editor\w*|wr[io]te|written|byline|headline|title[ds]?)\b|发布|发表|刊登|作者|编辑|标题|哪家媒体|出处`)

// isQuestion reports whether a sentence asks rather than states.
func isQuestion(s string) bool {
	s = strings.TrimRight(s, " \t\n\"'”’」』)）")
	return strings.HasSuffix(s, "?") || strings.HasSuffix(s, "？")
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
	if strings.ContainsFunc(q, text.IsCJK) {
		ans.Text = abstainZH
	}
	for i := 0; i < len(hits) && i < n; i++ {
		ans.Related = append(ans.Related, related(hits[i]))
	}
	return ans
}

func termSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, t := range text.Tokenize(s, false) {
		m[t.Text] = true
	}
	return m
}

// clipQuote cuts an over-long sentence to at most limit runes: the run of
// clauses that holds the most question weight, marked with ellipses where
// it was cut. What remains is verbatim.
func clipQuote(text string, qt questionTerms, limit int) string {
	limit -= 2 // room for the ellipses
	var starts []int
	for i, r := range text {
		if i > 0 && strings.ContainsRune("，,；;、：: |", r) {
			starts = append(starts, i+utf8.RuneLen(r))
		}
	}
	starts = append([]int{0}, starts...)
	bestStart, bestEnd, bestScore := 0, 0, -1.0
	for _, st := range starts {
		end := st
		n := 0
		for end < len(text) && n < limit {
			_, size := utf8.DecodeRuneInString(text[end:])
			end += size
			n++
		}
		if end < len(text) {
			// End at the last clause or word boundary inside the window.
			if cut := strings.LastIndexAny(text[st:end], "，,；;、 "); cut > (end-st)/2 {
				end = st + cut
			}
		}
		score := qt.coverage(termSet(text[st:end]), nil, nil)
		if score > bestScore {
			bestStart, bestEnd, bestScore = st, end, score
		}
	}
	out := strings.TrimSpace(text[bestStart:bestEnd])
	if bestStart > 0 {
		out = "…" + out
	}
	if bestEnd < len(text) {
		out += "…"
	}
	return out
}

// refMark matches the reference marks of encyclopedia text ("[12]",
// "[note 1]", "[citation needed]", "[a]"). Quoted in an answer they would
// read as dramabot's own citation markers, so quotes leave them out, as
// quotations usually do.
var refMark = regexp.MustCompile(`\[(?:\d{1,4}|[a-z]|note \d+|[a-z ]{0,30}(?:needed|given|whom\?|discuss)[a-z ]{0,10})\]|【\d{1,4}】`)

// stripRefMarks removes reference marks from quoted text.
func stripRefMarks(s string) string {
	if !strings.ContainsAny(s, "[【") {
		return s
	}
	return strings.TrimSpace(refMark.ReplaceAllString(s, ""))
}

// writtenIn reports whether s has a sentence's worth of text in sc: ten
// CJK characters, or forty Latin letters.
func writtenIn(s string, sc script) bool {
	n := 0
	for _, r := range s {
		switch {
		case sc == cjkScript && text.IsCJK(r):
			n++
		case sc == latinScript && r < 0x250 && unicode.IsLetter(r):
			n++
		}
	}
	if sc == cjkScript {
		return n >= 10
	}
	return n >= 40
}
