package knowledge

// citations numbers the passages an answer cites by first use: the first
// passage cited is [1], the next new one [2], and citing a passage again
// gives it the number it already has. The extractive answer, the generated
// answer and the key figures all number their citations this way.
type citations struct {
	hits []Hit
	of   map[int]int // index into hits -> citation number
	list []Citation
}

func newCitations(hits []Hit) *citations {
	return &citations{hits: hits, of: map[int]int{}, list: []Citation{}}
}

// cite returns the citation number of hits[i], numbering it if it has none.
func (c *citations) cite(i int) int {
	if n, ok := c.of[i]; ok {
		return n
	}
	n := len(c.list) + 1
	c.of[i] = n
	c.list = append(c.list, citation(n, c.hits[i]))
	return n
}

// number returns the citation number of hits[i], or 0 when it is not cited.
func (c *citations) number(i int) int { return c.of[i] }

// cited reports whether hits[i] is cited.
func (c *citations) cited(i int) bool {
	_, ok := c.of[i]
	return ok
}

// all returns the citations in order of their numbers (empty, not nil,
// when there are none: the JSON form lists them as []).
func (c *citations) all() []Citation { return c.list }
