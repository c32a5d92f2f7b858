package knowledge

import (
	"encoding/json"
	"math"
	"os"
	"sync"
	"unicode/utf8"
)

// Sentence features for choosing the sentence that answers a question.
// The answer's first sentence is the candidate with the highest weighted
// sum of these features.
const (
	fCoverage     = iota // IDF-weighted share of question terms in the sentence
	fLocal               // the same with terms weighed by rarity among candidates
	fPassage             // share of question terms in the whole passage
	fRetrieval           // the passage's retrieval score relative to the best
	fTopPassage          // the sentence is in the best passage
	fTypeMatch           // it holds the kind of answer asked (number, date, name)
	fTypeMismatch        // a kind was asked and it does not hold one
	fPairs               // share of adjacent question term pairs it keeps adjacent
	fRun                 // longest run of question terms it repeats in order
	fLength              // log length
	fFirstInPass         // it is the passage's first sentence
	fNeighbor            // best coverage of its neighbours in the passage
	fName                // it has a capitalized word the question lacks
	fCount               // unweighted share of question terms it holds
	fNumbers             // share of the question's numbers it holds
	numFeatures
)

var featureWeights = [numFeatures]float64{
	fCoverage: 0.55, fLocal: 0, fPassage: 0.25, fRetrieval: 0.20, fTypeMatch: 0.12, fNumbers: envF("XNUM", 0.2),
}

// seqTerms returns the ordered terms used for phrase matching: words,
// numbers and single CJK characters (bigrams are implied by adjacency).
func seqTerms(ts []Term) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		if t.Kind != TermBigram {
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

// longestRun is the length of the longest run of q's terms that s repeats
// in the same order, relative to len(q).
func longestRun(q, s []string) float64 {
	if len(q) == 0 || len(s) == 0 {
		return 0
	}
	prev := make([]int, len(s)+1)
	cur := make([]int, len(s)+1)
	best := 0
	for i := 1; i <= len(q); i++ {
		for j := 1; j <= len(s); j++ {
			if q[i-1] == s[j-1] {
				cur[j] = prev[j-1] + 1
				best = max(best, cur[j])
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	return float64(best) / float64(len(q))
}

func logLength(s string) float64 { return math.Log(1+float64(utf8.RuneCountInString(s))) / 6 }

// Feature dumps for fitting the weights offline (DRAMABOT_FEATURE_DUMP).
var (
	dumpMu  sync.Mutex
	dumpEnc *json.Encoder
)

func init() {
	if p := os.Getenv("DRAMABOT_FEATURE_DUMP"); p != "" {
		f, err := os.Create(p)
		if err == nil {
			dumpEnc = json.NewEncoder(f)
		}
	}
}

type dumpCand struct {
	Text string    `json:"t"`
	F    []float64 `json:"f"`
}

func dumpFeatures(q string, cands []candidate) {
	if dumpEnc == nil {
		return
	}
	out := struct {
		Q string     `json:"q"`
		C []dumpCand `json:"c"`
	}{Q: q}
	for _, c := range cands {
		out.C = append(out.C, dumpCand{Text: c.text, F: c.feats[:]})
	}
	dumpMu.Lock()
	dumpEnc.Encode(out)
	dumpMu.Unlock()
}
