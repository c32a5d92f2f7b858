// Package glossary knows the names of the Chinese micro-drama market in
// English and Chinese: platforms, companies, regulators and other entities,
// the metrics figures measure, concepts and units, each an Entry with its
// terms in both languages. Find locates every glossary term in a text, so a
// question in one language can be related to sources in the other and a
// metric or entity asked about can be recognized.
//
// The glossary is the file glossary.tsv, embedded in the binary; its header
// describes the format.
package glossary

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"dramabot/knowledge/text"
)

//go:embed glossary.tsv
var glossaryTSV string

// Kinds of Entry.
const (
	Entity  = "entity"  // platforms, companies, regulators, associations, media, places, people, titles
	Metric  = "metric"  // what a figure counts or measures: market size, users, jobs...
	Concept = "concept" // formats, genres, pay models, processes, rules
	Unit    = "unit"    // yuan, 亿, percent...
)

// Entry is one thing the glossary names, with all its names.
type Entry struct {
	ID   string
	Kind string
	EN   []string // English terms, as written in the glossary
	ZH   []string // Chinese terms, as written in the glossary
}

// Match is one glossary term found in a text.
type Match struct {
	Entry *Entry
	// Term is the glossary's spelling of the term found ("micro-drama" for
	// "Micro Dramas"); text[Start:End] is what the text wrote.
	Term       string
	Start, End int // byte offsets into the text given to Find
}

// Glossary finds terms. It is immutable and safe for concurrent use.
type Glossary struct {
	entries []*Entry
	byID    map[string]*Entry
	// Terms of Latin words match word by word, so that spacing, hyphens,
	// case and plurals can vary; terms with Chinese characters match
	// character by character anywhere; acronyms marked "=" match one word
	// in exactly their capitals.
	words *wordNode
	chars *charNode
	// starts has bit r set when a term of chars can begin with rune r
	// (r < U+10000, ASCII in both cases), so that Find passes over most
	// characters of a text with one load instead of a map lookup.
	starts [0x10000 / 64]uint64
	exact  map[string]ref
	// refs holds every indexed term; nodes and matches refer to it by
	// index, which keeps Find's candidates free of pointers and so cheap
	// to sort and collect.
	refs []termRef
}

type termRef struct {
	entry *Entry
	term  string
}

// ref indexes Glossary.refs; noRef marks a node where no term ends.
type ref int32

const noRef ref = -1

type wordNode struct {
	next map[string]*wordNode
	ref  ref
}

type charNode struct {
	next map[rune]*charNode
	ref  ref
	// A term that begins or ends with a letter or digit ("36氪", "短剧App")
	// must not be glued to another word there, as a Latin term must not.
	wordStart, wordEnd bool
}

var defaultGlossary = sync.OnceValue(func() *Glossary {
	g, err := parse(glossaryTSV)
	if err != nil {
		panic("glossary: embedded glossary.tsv: " + err.Error())
	}
	return g
})

// Default returns the embedded glossary, parsed on first use.
func Default() *Glossary { return defaultGlossary() }

// Entry returns the entry with the given id, or nil.
func (g *Glossary) Entry(id string) *Entry { return g.byID[id] }

var kinds = []string{Entity, Metric, Concept, Unit}

// parse reads the glossary format. Every error names the line.
func parse(src string) (*Glossary, error) {
	g := &Glossary{
		byID:  map[string]*Entry{},
		words: &wordNode{ref: noRef},
		chars: &charNode{ref: noRef},
		exact: map[string]ref{},
	}
	owner := map[string]*Entry{} // normalized term → its entry
	for n, line := range strings.Split(src, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, err := g.addEntry(line, owner)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		g.entries = append(g.entries, e)
		g.byID[e.ID] = e
	}
	if len(g.entries) == 0 {
		return nil, fmt.Errorf("no entries")
	}
	return g, nil
}

func (g *Glossary) addEntry(line string, owner map[string]*Entry) (*Entry, error) {
	e, err := parseEntry(line)
	if err != nil {
		return nil, err
	}
	if g.byID[e.ID] != nil {
		return nil, fmt.Errorf("id %q used twice", e.ID)
	}
	for _, t := range slices.Concat(e.EN, e.ZH) {
		if err := g.add(t, e, owner); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func parseEntry(line string) (*Entry, error) {
	f := strings.Split(line, "\t")
	if len(f) != 4 {
		return nil, fmt.Errorf("%d tab-separated fields, want 4 (id, kind, English, Chinese)", len(f))
	}
	e := &Entry{ID: strings.TrimSpace(f[0]), Kind: strings.TrimSpace(f[1])}
	if e.ID == "" || strings.ContainsFunc(e.ID, func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-')
	}) {
		return nil, fmt.Errorf("id %q: want lower-case letters, digits and hyphens", e.ID)
	}
	if !slices.Contains(kinds, e.Kind) {
		return nil, fmt.Errorf("%s: kind %q, want one of %v", e.ID, e.Kind, kinds)
	}
	var err error
	if e.EN, err = splitTerms(f[2]); err != nil {
		return nil, fmt.Errorf("%s: English: %w", e.ID, err)
	}
	if e.ZH, err = splitTerms(f[3]); err != nil {
		return nil, fmt.Errorf("%s: Chinese: %w", e.ID, err)
	}
	return e, nil
}

func splitTerms(field string) ([]string, error) {
	var terms []string
	for t := range strings.SplitSeq(field, "|") {
		t = strings.TrimSpace(t)
		if t == "" || t == "=" {
			return nil, fmt.Errorf("empty term in %q", field)
		}
		terms = append(terms, t)
	}
	return terms, nil
}

// add indexes one term of e. A written variant of a term e already has
// ("mini-series" beside "mini series") is skipped; a term that another
// entry has is an error, since a match must name one entry.
func (g *Glossary) add(term string, e *Entry, owner map[string]*Entry) error {
	claim := func(key, shown string) (bool, error) {
		if o := owner[key]; o != nil {
			if o != e {
				return false, fmt.Errorf("%s: term %q is also a term of %s", e.ID, shown, o.ID)
			}
			return false, nil
		}
		owner[key] = e
		return true, nil
	}
	if word, ok := strings.CutPrefix(term, "="); ok {
		if strings.ContainsFunc(word, func(r rune) bool { return !isWord(foldWidth(r)) }) {
			return fmt.Errorf("%s: exact-case term %q must be one word", e.ID, term)
		}
		// Stored without "=" so the entry reads as plain terms.
		for _, terms := range [][]string{e.EN, e.ZH} {
			for i, t := range terms {
				if t == term {
					terms[i] = word
				}
			}
		}
		if fresh, err := claim("=:"+word, word); !fresh || err != nil {
			return err
		}
		g.exact[word] = g.newRef(e, word)
		return nil
	}
	if isWordTerm(term) {
		toks := wordTokens(term)
		if len(toks) == 0 {
			return fmt.Errorf("%s: term %q has no letters or digits", e.ID, term)
		}
		// Find reads a plural as its singular, so a plural of another
		// entry's term would make a text mean two entries.
		for _, v := range numberVariants(toks) {
			if o := owner["w:"+v]; o != nil && o != e {
				return fmt.Errorf("%s: term %q is a plural or singular of a term of %s", e.ID, term, o.ID)
			}
		}
		if fresh, err := claim("w:"+strings.Join(toks, " "), term); err != nil {
			return err
		} else if fresh {
			g.insertWords(toks, g.newRef(e, term))
		}
		// "microdrama", "miniseries": writers also run the words together.
		// Not for short results, which are often words of their own
		// ("U.S." would become "us").
		if joined := strings.Join(toks, ""); len(toks) > 1 && len(joined) >= 4 {
			if fresh, err := claim("w:"+joined, term); err != nil {
				return err
			} else if fresh {
				g.insertWords([]string{joined}, g.newRef(e, term))
			}
		}
		return nil
	}
	key := charKey(term)
	if fresh, err := claim("c:"+key, term); !fresh || err != nil {
		return err
	}
	n := g.chars
	for _, r := range key {
		c := n.next[r]
		if c == nil {
			c = &charNode{ref: noRef}
			if n.next == nil {
				n.next = map[rune]*charNode{}
			}
			n.next[r] = c
		}
		n = c
	}
	first, _ := utf8.DecodeRuneInString(key)
	for _, r := range []rune{first, unicode.ToUpper(first)} {
		if r < 0x10000 {
			g.starts[r/64] |= 1 << (r % 64)
		}
	}
	last, _ := utf8.DecodeLastRuneInString(key)
	n.ref = g.newRef(e, term)
	n.wordStart, n.wordEnd = isWord(first), isWord(last)
	return nil
}

// numberVariants returns toks joined by spaces with the last word in the
// other number, every way Find could relate them.
func numberVariants(toks []string) []string {
	head := strings.Join(toks[:len(toks)-1], " ")
	if head != "" {
		head += " "
	}
	last := toks[len(toks)-1]
	vs := []string{last + "s", last + "es"}
	if y, ok := strings.CutSuffix(last, "y"); ok {
		vs = append(vs, y+"ies")
	}
	if len(last) >= 3 {
		if s, ok := strings.CutSuffix(last, "s"); ok {
			vs = append(vs, s)
		}
	}
	if len(last) >= 4 {
		if es, ok := strings.CutSuffix(last, "es"); ok {
			vs = append(vs, es)
		}
		if ies, ok := strings.CutSuffix(last, "ies"); ok {
			vs = append(vs, ies+"y")
		}
	}
	for i := range vs {
		vs[i] = head + vs[i]
	}
	return vs
}

func (g *Glossary) newRef(e *Entry, term string) ref {
	g.refs = append(g.refs, termRef{e, term})
	return ref(len(g.refs) - 1)
}

// canStart reports whether a term of chars may begin with r.
func (g *Glossary) canStart(r rune) bool {
	return r >= 0x10000 || g.starts[r/64]&(1<<(r%64)) != 0
}

func (g *Glossary) insertWords(toks []string, r ref) {
	n := g.words
	for _, t := range toks {
		c := n.next[t]
		if c == nil {
			c = &wordNode{ref: noRef}
			if n.next == nil {
				n.next = map[string]*wordNode{}
			}
			n.next[t] = c
		}
		n = c
	}
	n.ref = r
}

// isWordTerm reports whether term is Latin words only, with nothing between
// them but what may separate the words of one term.
func isWordTerm(term string) bool {
	for _, r := range term {
		r = foldWidth(r)
		if !isWord(r) && !isGap(r) && r != '.' {
			return false
		}
	}
	return true
}

// wordTokens splits a term as Find splits text, lower-cased.
func wordTokens(term string) []string {
	var toks []string
	for f := range strings.FieldsFuncSeq(term, func(r rune) bool { return !isWord(foldWidth(r)) }) {
		var b []byte
		for _, r := range f {
			b = appendLower(b, foldWidth(r))
		}
		toks = append(toks, string(b))
	}
	return toks
}

// charKey is how a term with Chinese characters is compared: Simplified,
// with ASCII in lower case.
func charKey(term string) string {
	var b strings.Builder
	for _, r := range text.FoldTraditional(term) {
		b.WriteRune(lowerASCII(foldWidth(r)))
	}
	return b.String()
}

// isWord reports whether r belongs to a Latin-script word: letters and
// digits below U+2000 (Latin, Greek, Cyrillic...). CJK characters, which
// are letters too, are not, nor is anything from U+2000 up, which keeps
// this test cheap for Chinese text.
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r|0x20 && r|0x20 <= 'z' || '0' <= r && r <= '9'
	}
	return r < 0x2000 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// isGap reports whether r may stand between two words of one term:
// spaces, hyphens and apostrophes ("micro-drama", "Xi'an"). A dot may too,
// under the conditions in gapOK.
func isGap(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '-', '_', '\'',
		0x00A0, 0x2010, 0x2011, 0x2012, 0x2013, 0x2019, 0x3000:
		return true
	}
	return false
}

// foldWidth maps full-width ASCII (Ｍ, ８) to ASCII.
func foldWidth(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - 0xFF01 + '!'
	}
	return r
}

func lowerASCII(r rune) rune {
	if 'A' <= r && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

func appendLower(b []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		return append(b, byte(lowerASCII(r)))
	}
	return utf8.AppendRune(b, unicode.ToLower(r))
}
