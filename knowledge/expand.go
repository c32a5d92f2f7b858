package knowledge

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"dramabot/knowledge/text"
)

// Expansion gives other words for words of a question: the synonyms of a
// glossary term in both languages, or the relatives of a word the sources
// never use.
type Expansion struct {
	// Text is the question's own words.
	Text string
	// Alts are other ways to say it, in any language.
	Alts []string
	// Credit is the share of the term's weight a sentence earns when it
	// holds only an alternative: 1 for true synonyms, less for looser
	// relatives.
	Credit float64
	// Entity marks a name (a company, a platform, a regulator, a place):
	// a passage that does not mention it does not answer the question.
	Entity bool
}

// Expander finds the words of a question that have synonyms
// (knowledge/glossary).
type Expander interface {
	Expand(question string) []Expansion
}

// Thesaurus gives words related to an English word: synonyms and
// derivations (knowledge/wordnet).
type Thesaurus interface {
	Related(word string) []string
}

// relatedCredit is what a related word (a WordNet synonym or derivation of
// a word the sources never use) earns of the word's weight: less than the
// word itself, since relatives are often another sense.
const relatedCredit = 0.6

// maxSearchAlts bounds the alternatives one expansion adds to the search
// query: the first ones a glossary lists are its usual wordings, and a
// dozen more would only add noise to the ranking.
const maxSearchAlts = 4

// searchAlts returns the alternatives of exps to add to a search query.
func searchAlts(exps []Expansion) []string {
	var out []string
	for _, x := range exps {
		var latin, cjk int
		for _, a := range x.Alts {
			if text.IsCJKText(a) {
				if cjk < maxSearchAlts {
					out = append(out, a)
				}
				cjk++
			} else {
				if latin < maxSearchAlts {
					out = append(out, a)
				}
				latin++
			}
		}
	}
	return out
}

// relatedExpansions gives, for each English word of q that the index does
// not hold, its relatives that it does hold.
func relatedExpansions(th Thesaurus, q string, known func(string) bool) []Expansion {
	var out []Expansion
	seen := map[string]bool{}
	for _, w := range latinWords(q) {
		lw := strings.ToLower(w)
		terms := text.QueryTermTexts(lw)
		if len(terms) != 1 || seen[lw] || known(terms[0]) {
			continue // a stop word, a repeat, or a word the sources use
		}
		seen[lw] = true
		var alts []string
		for _, r := range th.Related(lw) {
			ts := text.QueryTermTexts(r)
			if len(ts) > 0 && allKnown(ts, known) {
				alts = append(alts, r)
			}
		}
		if len(alts) > 0 {
			out = append(out, Expansion{Text: w, Alts: alts, Credit: relatedCredit})
		}
	}
	return out
}

func allKnown(ts []string, known func(string) bool) bool {
	for _, t := range ts {
		if !known(t) {
			return false
		}
	}
	return true
}

// latinWords returns the words of q written in Latin letters.
func latinWords(q string) []string {
	return strings.FieldsFunc(q, func(r rune) bool {
		return !unicode.Is(unicode.Latin, r) && r != '-' && r != '\''
	})
}

// missingSalient returns the first salient term of qt that terms lack: a
// name the question asks about that the passage never mentions. A name
// from the glossary always counts; another only when the sentence covers
// less than salientCoverage of the question, since a question that matches
// a sentence well otherwise is more likely to misspell a name than to ask
// about something else.
func missingSalient(qt questionTerms, terms map[string]bool, coverage float64) (string, bool) {
	for _, t := range qt {
		if t.salient && !t.entity && t.found(terms) == 0 && coverage < salientCoverage {
			return t.label, true
		}
	}
	return "", false
}

// missingEntity returns the first glossary name of qt that terms lack.
func missingEntity(qt questionTerms, terms map[string]bool) (string, bool) {
	for _, t := range qt {
		if t.entity && t.found(terms) == 0 {
			return t.label, true
		}
	}
	return "", false
}

// commonEntityShare: a glossary name weighing less than this share of the
// rarest term's weight is named by much of the corpus ("China" in a corpus
// about China's market); a passage that leaves it out may still answer.
const commonEntityShare = 0.35

// markNames marks the terms of qt that are names in q that the index has
// never seen: words capitalized where a sentence does not start ("France"),
// and acronyms. A question about a name is not answered by a passage that
// lacks it; names the index knows are left to the ranking.
func markNames(qt questionTerms, q string, known func(string) bool) {
	names := map[string]bool{}
	words := strings.Fields(q)
	for i, w := range words {
		w = strings.Trim(w, `"'“”‘’()[]{}.,;:!?`)
		r, _ := utf8.DecodeRuneInString(w)
		if r == utf8.RuneError || !unicode.IsUpper(r) || !unicode.Is(unicode.Latin, r) {
			continue
		}
		if i == 0 || sentenceStart(words[i-1]) {
			if !isAcronym(w) {
				continue // capitalized because a sentence starts there
			}
		}
		if questionWord[strings.ToLower(w)] {
			continue
		}
		for _, t := range text.QueryTermTexts(w) {
			names[t] = true
		}
	}
	for i := range qt {
		if len(qt[i].alts) != 1 || known(qt[i].alts[0]) {
			continue
		}
		if names[qt[i].alts[0]] {
			qt[i].salient = true
		}
	}
}

func sentenceStart(prev string) bool {
	return strings.HasSuffix(prev, ".") || strings.HasSuffix(prev, "?") || strings.HasSuffix(prev, "!") || strings.HasSuffix(prev, ":")
}

func isAcronym(w string) bool {
	n := 0
	for _, r := range w {
		if unicode.IsUpper(r) {
			n++
		} else if unicode.IsLetter(r) {
			return false
		}
	}
	return n >= 2
}

// questionWord holds words that start questions and requests, capitalized
// anywhere in a run-on question ("And What about…", "Please tell me…").
var questionWord = map[string]bool{
	"what": true, "who": true, "whom": true, "whose": true, "which": true, "when": true, "where": true,
	"why": true, "how": true, "is": true, "are": true, "was": true, "were": true, "do": true, "does": true,
	"did": true, "can": true, "could": true, "will": true, "would": true, "should": true, "please": true,
	"tell": true, "and": true, "the": true, "a": true, "an": true, "in": true, "i": true, "i'm": true,
	"according": true, "give": true, "list": true, "name": true, "in which": true, "has": true, "have": true,
}

// introSentence matches a sentence that introduces the asker rather than
// asks ("I'm a reporter at Caixin.", "Hi!", "我是财新记者。").
var introSentence = regexp.MustCompile(`(?i)^\s*(hi|hello|hey|dear\b.*|good (morning|afternoon|evening)|thanks?( you)?|quick question|i'?m\b.*|i am\b.*|my name is\b.*|this is\b.*(from|at|with)\b.*|i work\b.*|i write\b.*|你好|您好|大家好|我是.*|我叫.*|请问)[\s,，.!！。:：]*$`)

// cleanQuestion drops the sentences of a message that introduce the asker
// or greet, keeping what is asked: "I'm a reporter at Caixin. How many
// jobs…?" asks "How many jobs…?". A message of nothing else is kept whole.
func cleanQuestion(q string) string {
	spans := text.SentenceSpans(q)
	if len(spans) < 2 {
		return q
	}
	var kept []string
	for _, sp := range spans {
		s := strings.TrimSpace(q[sp.Start:sp.End])
		if s != "" && !introSentence.MatchString(s) {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		return q
	}
	return strings.Join(kept, " ")
}
