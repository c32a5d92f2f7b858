package knowledge

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"dramabot/knowledge/text"
)

// Key figures: how many figures Figures lists, and how many passages it
// reads when no topic narrows them.
const (
	maxKeyFigures      = 12
	keyFigurePassages  = 500
	keyFigureTopicHits = 10
)

// Figures lists the key figures of the corpus, or of the passages about
// topic, each with the citation of the passage that holds it verbatim.
// Figures with a unit (%, -fold, yuan, $) and large counts rank first;
// years and dates are left out.
func (e *Engine) Figures(ctx context.Context, topic string) (Answer, error) {
	topic = strings.TrimSpace(topic)
	ans := Answer{Question: topic, Citations: []Citation{}, Figures: []Figure{}, Related: []Related{}}
	var hits []Hit
	var topicTerms map[string]bool
	if topic == "" {
		hits = e.r.Passages(keyFigurePassages)
		ans.Text = "Key figures in the sources:"
	} else {
		ret, err := e.r.Search(ctx, topic, keyFigureTopicHits)
		if err != nil {
			return Answer{}, fmt.Errorf("figures: %w", err)
		}
		for _, h := range ret.Hits {
			if h.Lexical > 0 {
				hits = append(hits, h)
			}
		}
		topicTerms = map[string]bool{}
		for _, t := range text.QueryTerms(topic) {
			topicTerms[t.Text] = true
		}
		ans.Text = "Key figures in the sources about " + topic + ":"
	}
	type found struct {
		fig   Figure
		hit   int
		rank  int
		order int
	}
	var all []found
	seen := map[string]bool{}
	for h, hit := range hits {
		ptext := hit.Passage.Text
		for _, sp := range text.SentenceSpans(ptext) {
			sentence := stripRefMarks(ptext[sp.Start:sp.End])
			if topicTerms != nil && !sharesTerm(sentence, topicTerms) {
				continue
			}
			for _, f := range text.ExtractFigures(sentence) {
				if f.Unit == text.UnitYear || f.Unit == text.UnitDate {
					continue
				}
				key := f.Unit + "|" + fmt.Sprint(f.Value)
				if seen[key] || !strings.Contains(ptext, f.Text) {
					continue
				}
				seen[key] = true
				label := text.FigureLabel(sentence, f)
				rank := 1
				switch {
				case f.Unit != text.UnitNone:
					rank = 3
				case f.Value >= 1000:
					rank = 2
				case f.Value < 10:
					rank = 0
				}
				all = append(all, found{fig: Figure{Text: f.Text, Label: label, Unit: f.Unit, Value: f.Value}, hit: h, rank: rank, order: len(all)})
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].rank > all[j].rank })
	if len(all) > maxKeyFigures {
		all = all[:maxKeyFigures]
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].order < all[j].order })
	cites := newCitations(hits)
	for _, f := range all {
		f.fig.Citation = cites.cite(f.hit)
		ans.Figures = append(ans.Figures, f.fig)
	}
	ans.Citations = cites.all()
	return ans, nil
}

func sharesTerm(s string, terms map[string]bool) bool {
	for _, t := range text.Tokenize(s, false) {
		if terms[t.Text] {
			return true
		}
	}
	return false
}
