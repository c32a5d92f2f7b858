package glossary

import (
	"strings"

	"dramabot/knowledge"
)

// Expand gives, for every glossary term in a question, the entry's other
// terms in both languages, so that "mini series" finds 微短剧 and "Hongguo"
// finds 红果短剧. Names (entities) are marked: a passage that does not
// mention the company or place asked about does not answer the question.
func (g *Glossary) Expand(question string) []knowledge.Expansion {
	var out []knowledge.Expansion
	for _, m := range g.Find(question) {
		own := question[m.Start:m.End]
		x := knowledge.Expansion{Text: own, Credit: 1, Entity: m.Entry.Kind == Entity}
		for _, terms := range [][]string{m.Entry.EN, m.Entry.ZH} {
			for _, t := range terms {
				if !strings.EqualFold(t, own) && !strings.EqualFold(t, m.Term) {
					x.Alts = append(x.Alts, t)
				}
			}
		}
		out = append(out, x)
	}
	return out
}
