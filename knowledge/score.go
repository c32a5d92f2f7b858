package knowledge

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"dramabot/knowledge/text"
)

// How sentences are scored to choose the answer. Every weight here was
// measured with `dramabot eval` on development question sets (SQuAD, CMRC
// 2018, DRCD, TAT-QA and the corpus's own seed questions); held-out sets
// were only used to report, never to tune.

// questionTerms weighs each question term by its IDF; terms the index has
// never seen weigh as much as the rarest ones, so a question about
// something absent from the sources covers little of itself. A term may
// have alternatives (the English glosses of a Chinese word): it is found
// when any of them is.
type questionTerms []qterm

type qterm struct {
	alts []string
	// phrases are other ways to say the term (a glossary synonym, a
	// related word): each is found when all its terms are, and earns its
	// credit of the weight.
	phrases []phrase
	weight  float64
	kind    text.TermKind
	// salient marks a name the answer must mention: without it a passage
	// is about something else ("the capital of France"). entity marks a
	// name from the glossary, which is spelled as the sources spell it.
	salient bool
	entity  bool
	label   string // the question's words, for saying what is missing
}

type phrase struct {
	terms  []string
	credit float64
}

// found is the share of t's weight that set earns: all of it for the term
// or one of its alternatives, a phrase's credit for a phrase.
func (t qterm) found(set map[string]bool) float64 {
	if anyIn(t.alts, set) {
		return 1
	}
	best := 0.0
	for i, p := range t.phrases {
		switch {
		case p.credit > best && allIn(p.terms, set):
			best = p.credit
		case i == 0 && t.alts == nil:
			// The question's own words, in part: as much as each word
			// would earn alone.
			best = max(best, p.credit*shareIn(p.terms, set))
		}
	}
	return best
}

func shareIn(terms []string, set map[string]bool) float64 {
	n := 0
	for _, t := range terms {
		if set[t] {
			n++
		}
	}
	return float64(n) / float64(max(len(terms), 1))
}

func allIn(terms []string, set map[string]bool) bool {
	for _, t := range terms {
		if !set[t] {
			return false
		}
	}
	return len(terms) > 0
}

// cjkCharWeight scales single CJK characters against bigrams, which say
// more.
const cjkCharWeight = 0.5

// newQuestionTerms weighs the question's terms. The words of an expansion
// (a glossary term and its synonyms, or an unknown word and its relatives)
// become one term, found when any of its phrases is.
func newQuestionTerms(q string, ret Retrieval, exps []Expansion) questionTerms {
	var qt questionTerms
	absorbed := map[string]bool{}
	for _, x := range exps {
		t, ok := expansionTerm(x, ret)
		if !ok {
			continue
		}
		for _, w := range text.QueryTermTexts(x.Text) {
			absorbed[w] = true
		}
		qt = append(qt, t)
	}
	seen := map[string]bool{}
	for _, t := range text.QueryTerms(q) {
		if seen[t.Text] || absorbed[t.Text] {
			continue
		}
		seen[t.Text] = true
		w := termWeight(ret, t.Text)
		if t.Kind == text.TermCJK {
			w *= cjkCharWeight
		}
		qt = append(qt, qterm{alts: []string{t.Text}, weight: w, kind: t.Kind, label: t.Text})
	}
	return qt
}

// expansionTerm makes one question term of an expansion. It weighs as much
// as the question's own wording of it, the rarest of its words: lowering it
// to the most common alternative the index holds was measured and lost
// answers on the seed questions.
func expansionTerm(x Expansion, ret Retrieval) (qterm, bool) {
	own := text.QueryTermTexts(x.Text)
	if len(own) == 0 {
		return qterm{}, false
	}
	t := qterm{phrases: []phrase{{terms: phraseTerms(own), credit: 1}}, kind: text.TermWord, salient: x.Entity, entity: x.Entity, label: x.Text}
	w := 0.0
	for _, o := range own {
		w = max(w, termWeight(ret, o))
	}
	for _, alt := range x.Alts {
		ts := phraseTerms(text.QueryTermTexts(alt))
		if len(ts) == 0 {
			continue
		}
		t.phrases = append(t.phrases, phrase{terms: ts, credit: x.Credit})
	}
	t.weight = w
	if t.entity && w < commonEntityShare*max(ret.MaxIDF, 1) {
		t.entity, t.salient = false, false
	}
	return t, true
}

// phraseTerms keeps what a phrase must hold: its words and numbers, and
// for CJK text its bigrams (single characters are implied by them, and a
// lone character says little); a one-character CJK phrase keeps it.
func phraseTerms(ts []string) []string {
	var out, chars []string
	for _, t := range ts {
		r := []rune(t)
		switch {
		case len(r) == 1 && text.IsCJK(r[0]):
			chars = append(chars, t)
		default:
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return chars
	}
	return out
}

// translatedTerms builds question terms from the glosses of a question's
// words, each word one term, plus the numbers the question names. A gloss
// in CJK script (English questions on Chinese sources) is found as a whole
// word, not by any one of its characters.
func translatedTerms(q string, groups [][]string, ret Retrieval) questionTerms {
	var qt questionTerms
	for _, n := range questionNumbers(q) {
		qt = append(qt, qterm{alts: []string{n}, weight: termWeight(ret, n), kind: text.TermNumber, label: n})
	}
	for _, g := range groups {
		var alts []string
		var phrases []phrase
		w := 0.0
		for _, gloss := range g {
			if text.IsCJKText(gloss) {
				ts := phraseTerms(text.QueryTermTexts(gloss))
				if aw, known := phraseWeight(ts, ret); known {
					phrases = append(phrases, phrase{terms: ts, credit: 1})
					w = max(w, aw)
				}
				continue
			}
			for _, t := range text.Tokenize(gloss, false) {
				if idf, ok := ret.IDF[t.Text]; ok {
					alts = append(alts, t.Text)
					w = max(w, idf)
				}
			}
		}
		if len(alts) == 0 && len(phrases) == 0 {
			w = termWeight(ret, "")
		}
		qt = append(qt, qterm{alts: alts, phrases: phrases, weight: w, kind: text.TermWord, label: strings.Join(g, "/")})
	}
	return qt
}

func termWeight(ret Retrieval, t string) float64 {
	if w, ok := ret.IDF[t]; ok {
		return w
	}
	return max(ret.MaxIDF, 1)
}

// topicWeight is how much a question term that names the topic of a
// source (a word of its title) counts when judging one of its sentences:
// the whole source is about it, and later sentences often leave it out
// ("罗保铭，天津人。…1992年4月，任…").
const topicWeight = 0.5

// prefixCredit is the partial credit for a word whose stem is a prefix of
// a sentence word's stem or the reverse ("grow" and "growth"), which
// Porter's stemmer leaves apart.
const prefixCredit = 0.7

// coverage is the IDF-weighted share of question terms found in terms,
// leaving out those in seen and discounting those in topic.
func (qt questionTerms) coverage(terms, seen, topic map[string]bool) float64 {
	var got, total float64
	for _, t := range qt {
		w := t.weight
		if t.found(topic) > 0 {
			w *= topicWeight
		}
		total += w
		if t.found(seen) > 0 {
			continue
		}
		if f := t.found(terms); f > 0 {
			got += f * w
		} else if t.kind == text.TermWord && prefixMatch(t.alts, terms) {
			got += prefixCredit * w
		}
	}
	if total == 0 {
		return 0
	}
	return got / total
}

func anyIn(alts []string, set map[string]bool) bool {
	for _, a := range alts {
		if set[a] {
			return true
		}
	}
	return false
}

func prefixMatch(alts []string, terms map[string]bool) bool {
	for _, t := range alts {
		if len(t) < 4 {
			continue
		}
		for u := range terms {
			if len(u) >= 4 && u != t && (strings.HasPrefix(u, t) || strings.HasPrefix(t, u)) {
				return true
			}
		}
	}
	return false
}

// countShare is the unweighted share of question terms found in terms.
func (qt questionTerms) countShare(terms map[string]bool) float64 {
	if len(qt) == 0 {
		return 0
	}
	n := 0
	for _, t := range qt {
		if t.found(terms) > 0 {
			n++
		}
	}
	return float64(n) / float64(len(qt))
}

// Features of a candidate sentence. Its score is their weighted sum.
const (
	fCoverage  = iota // IDF-weighted share of question terms (topic discounted)
	fPassage          // share of question terms in the whole passage
	fRetrieval        // the passage's retrieval score relative to the best
	fTypeMatch        // it holds the kind of answer asked (number, date, name)
	fPairs            // share of adjacent question term pairs it keeps adjacent
	fFirst            // it is its passage's first sentence
	fCount            // unweighted share of question terms it holds
	fNumbers          // share of the question's numbers it holds
	fFocus            // it names what a figure question counts ("jobs")
	fTitle            // it is a document's title or byline, and the question is not about the document
	fAsks             // it is itself a question (a rhetorical one, or a headline)
	numFeatures
)

// script is how a question is written, which decides how its candidate
// sentences are weighed.
type script int

const (
	latinScript script = iota // words separated by spaces (English)
	cjkScript                 // CJK characters without spaces (Chinese)
	numScripts
)

// scriptOf reads the script off a question: any CJK character makes it
// CJK.
func scriptOf(q string) script {
	if strings.ContainsFunc(q, text.IsCJK) {
		return cjkScript
	}
	return latinScript
}

// featureWeights by the script of the question: Chinese encyclopedia
// passages name their subject in the first sentence and leave it out
// after, and Chinese questions reuse the passage's characters more
// literally; English questions reuse its word order.
var featureWeights = [numScripts][numFeatures]float64{
	latinScript: {fCoverage: 0.55, fPassage: 0.25, fRetrieval: 0.20, fTypeMatch: 0.12, fNumbers: 0.2, fPairs: 0.2, fFocus: focusW, fTitle: titleW, fAsks: asksW},
	cjkScript:   {fCoverage: 0.55, fPassage: 0.25, fRetrieval: 0.20, fTypeMatch: 0.12, fNumbers: 0.2, fFirst: 0.05, fCount: 0.2, fFocus: focusW, fTitle: titleW, fAsks: asksW},
}

// A title, a byline or a question in the text states nothing: a
// declarative sentence that holds the same words is the better quote.
// Either may still be quoted when nothing else answers.
const (
	titleW = -0.4
	asksW  = -0.05
)

// candidate is a sentence that might answer the question.
type candidate struct {
	hit      int // index into the hits
	span     text.Span
	text     string
	order    int // sentence number within its passage
	terms    map[string]bool
	seq      []string
	sig      sentenceSignals
	coverage float64 // plain IDF-weighted coverage, for abstaining
	feats    [numFeatures]float64
	score    float64
}

// seqTerms returns the ordered terms used for phrase matching: words,
// numbers and single CJK characters (bigrams are implied by adjacency).
func seqTerms(ts []text.Term) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		if t.Kind != text.TermBigram {
			out = append(out, t.Text)
		}
	}
	return out
}

// pairShare is the share of adjacent pairs of q that appear adjacent in s.
func pairShare(q, s []string) float64 {
	if len(q) < 2 {
		return 0
	}
	pairs := make(map[[2]string]bool, len(s))
	for i := 0; i+1 < len(s); i++ {
		pairs[[2]string{s[i], s[i+1]}] = true
	}
	n := 0
	for i := 0; i+1 < len(q); i++ {
		if pairs[[2]string{q[i], q[i+1]}] {
			n++
		}
	}
	return float64(n) / float64(len(q)-1)
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

func typeMatch(want answerType, kind figureKind, sig sentenceSignals) bool {
	switch want {
	case askNumber:
		if kind != 0 {
			// A sentence whose figures the extractor read must hold the
			// kind asked for; one with only number words or CJK numerals
			// ("三万人", "dozens") may; a year is not an amount.
			if sig.kinds != 0 {
				return sig.kinds&kind != 0
			}
			return sig.amount
		}
		return sig.number
	case askDate:
		return sig.date
	case askPerson, askPlace:
		return sig.name
	}
	return false
}

// Choosing the answer's sentences.
const (
	// typedSwitchMargin: when a figure or date is asked for and the best
	// sentence has none, the best sentence that has one is taken instead
	// if it scores within this margin.
	typedSwitchMargin = 0.1
	// kindSwitchMargin is typedSwitchMargin when the question says which
	// kind of figure it wants ("how many times", "what share"): a
	// sentence without one cannot answer it however well it matches.
	kindSwitchMargin = 0.2
	// answerBudget bounds the two sentences together, in runes; with the
	// citation markers the answer stays within maxAnswerRunes.
	answerBudget = 390
	// confidentCoverage: a first sentence that holds the kind of answer
	// asked and at least this share of the question is quoted alone.
	confidentCoverage = 0.9
	// Second sentence: its own score counts half; continuing the first
	// sentence earns a bonus, coming from another passage a penalty, and a
	// table row asked for a year brings its header row.
	secondOwnScore     = 0.5
	secondAdjacent     = 0.15
	secondOtherPassage = 0.2
	tableHeaderBonus   = 1.0
	// rerankWeight is how much a passage's best sentence counts against
	// its retrieval score when ordering passages.
	rerankWeight = 0.5
)

// wantsSecond reports whether the answer should quote a second sentence.
func wantsSecond(want answerType, kind figureKind, first candidate) bool {
	return !(typeMatch(want, kind, first.sig) && first.feats[fCoverage] >= confidentCoverage)
}

// pickSecond chooses a sentence to quote after the first: the one that adds
// most of what the first lacks (question terms it does not cover), with a
// bonus for continuing the first in the same passage, among those that fit
// the length budget.
func pickSecond(qt questionTerms, want answerType, cands []candidate, first candidate) (candidate, bool) {
	budget := answerBudget - utf8.RuneCountInString(first.text)
	var best candidate
	bestScore := 0.0
	found := false
	for _, c := range cands {
		if c.hit == first.hit && c.order == first.order || utf8.RuneCountInString(c.text) > budget {
			continue
		}
		if scriptOf(c.text) != scriptOf(first.text) {
			// A bilingual note says the same thing in both lines: quoting
			// the other line adds nothing the reader needs.
			continue
		}
		s := secondOwnScore*c.score + qt.coverage(c.terms, first.terms, nil)
		switch {
		case c.hit != first.hit:
			s -= secondOtherPassage
		case c.order == first.order+1 || c.order == first.order-1:
			s += secondAdjacent
		}
		if want == askDate && c.hit == first.hit && c.order == 0 && first.order > 0 && isTableRow(first.text) {
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

func isTableRow(s string) bool { return strings.Count(s, "|") >= 2 }

// rerank reorders the first top hits by retrieval score and best sentence
// score, and renumbers the candidates' passages to match: a passage with a
// sentence that matches the question closely is the better source.
func rerank(hits []Hit, top int, cands []candidate, passageCov []float64) ([]Hit, []float64) {
	if top < 2 {
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

// focusW rewards a sentence that names what a figure question counts.
const focusW = 0.2

// containing returns the terms of qt that hold one of words, as the term
// itself or in the question's own wording of an expansion: the focus of a
// figure question ("users") is found through its synonyms (用户, viewers).
func (qt questionTerms) containing(words []string) questionTerms {
	var out questionTerms
	for _, t := range qt {
		own := t.alts
		if len(t.phrases) > 0 && t.alts == nil {
			own = t.phrases[0].terms
		}
		for _, w := range words {
			if slices.Contains(own, w) {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// found reports whether set holds any of qt.
func (qt questionTerms) found(set map[string]bool) bool {
	for _, t := range qt {
		if t.found(set) > 0 {
			return true
		}
	}
	return false
}

// phraseWeight is the weight of a phrase the index holds whole: that of its
// rarest term. known is false when the index lacks any of its terms.
func phraseWeight(ts []string, ret Retrieval) (w float64, known bool) {
	for _, a := range ts {
		idf, ok := ret.IDF[a]
		if !ok {
			return 0, false
		}
		w = max(w, idf)
	}
	return w, len(ts) > 0
}
