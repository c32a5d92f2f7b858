package glossary

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"dramabot/knowledge/text"
)

// Find returns the glossary terms in s, in the order they occur. Where
// terms overlap, the longest (in characters) is kept and the others
// dropped, so 网络微短剧 is one match, not 微短剧 within it, and 红果短剧 is
// Hongguo, not 短剧; of two overlapping terms of the same length the first
// wins.
//
// English terms match whole words, in any case, with a plural -s, -es or
// -ies, and with a hyphen, a space or nothing between their words
// ("Micro-Dramas", "micro dramas" and "microdramas" are all micro-drama).
// Chinese terms match anywhere, in Simplified or Traditional characters.
// Any string is accepted, invalid UTF-8 included.
func (g *Glossary) Find(s string) []Match {
	if s == "" {
		return nil
	}
	f := finders.Get().(*finder)
	f.g, f.s = g, s
	f.decode()
	f.tokenize()
	f.matchWords()
	f.matchChars()
	ms := f.choose()
	f.release()
	return ms
}

// finders keeps the working memory of Find for reuse: questions come one
// after another, and allocating it afresh each time costs more than the
// search.
var finders = sync.Pool{New: func() any { return new(finder) }}

// release returns f to the pool, unless a long text grew it beyond what
// questions need.
func (f *finder) release() {
	if cap(f.rs) > 4096 {
		return
	}
	f.g, f.s = nil, ""
	f.rs, f.toks, f.cands, f.taken = f.rs[:0], f.toks[:0], f.cands[:0], f.taken[:0]
	f.lower, f.raw = f.lower[:0], f.raw[:0]
	finders.Put(f)
}

// pos is one character of the text, as it is compared.
type pos struct {
	r   rune // Simplified, full-width ASCII as ASCII, case kept
	off int  // byte offset in the original text
}

// token is a Latin word: characters rs[i:j], lower-cased in lower[lo:hi]
// and as written (case kept) in raw[rlo:rhi].
type token struct {
	i, j     int
	lo, hi   int
	rlo, rhi int
}

type candidate struct {
	i, j int // characters rs[i:j]
	ref  ref
	seq  int // order found, to break ties
}

type finder struct {
	g          *Glossary
	s          string
	rs         []pos
	toks       []token
	lower, raw []byte
	scratch    []byte
	cands      []candidate
	taken      []bool
}

func (f *finder) decode() {
	s := f.s
	folded := text.FoldTraditional(s)
	if folded == s {
		for i, r := range s {
			f.rs = append(f.rs, pos{foldWidth(r), i})
		}
		return
	}
	// Folding replaces each character by one character, so the two
	// strings are walked side by side to keep offsets into s.
	for i, j := 0, 0; i < len(s) && j < len(folded); {
		_, n := utf8.DecodeRuneInString(s[i:])
		r, m := utf8.DecodeRuneInString(folded[j:])
		f.rs = append(f.rs, pos{foldWidth(r), i})
		i, j = i+n, j+m
	}
}

func (f *finder) tokenize() {
	rs := f.rs
	for i := 0; i < len(rs); {
		if !isWord(rs[i].r) {
			i++
			continue
		}
		t := token{i: i, lo: len(f.lower), rlo: len(f.raw)}
		for ; i < len(rs) && isWord(rs[i].r); i++ {
			f.lower = appendLower(f.lower, rs[i].r)
			f.raw = utf8.AppendRune(f.raw, rs[i].r)
		}
		t.j, t.hi, t.rhi = i, len(f.lower), len(f.raw)
		f.toks = append(f.toks, t)
	}
}

func (f *finder) add(i, j int, r ref) {
	f.cands = append(f.cands, candidate{i, j, r, len(f.cands)})
}

// matchWords finds the terms of Latin words, starting at every word.
func (f *finder) matchWords() {
	g := f.g
	for t, first := range f.toks {
		if r, ok := g.exact[string(f.raw[first.rlo:first.rhi])]; ok {
			f.add(first.i, first.j, r)
		}
		n := g.words
		for u := t; u < len(f.toks); u++ {
			tok := f.toks[u]
			if u > t && !f.gapOK(f.toks[u-1], tok) {
				break
			}
			key := f.lower[tok.lo:tok.hi]
			c := n.next[string(key)]
			if c != nil && c.ref != noRef {
				f.addWords(first.i, tok.j, c.ref)
			}
			// A plural ends a term: "micro-dramas", "companies".
			if k := len(key); k >= 3 && key[k-1] == 's' {
				f.addPlural(n, first.i, tok.j, key[:k-1])
				if k >= 4 && key[k-2] == 'e' {
					f.addPlural(n, first.i, tok.j, key[:k-2])
					if key[k-3] == 'i' {
						f.scratch = append(append(f.scratch[:0], key[:k-3]...), 'y')
						f.addPlural(n, first.i, tok.j, f.scratch)
					}
				}
			}
			if c == nil {
				break
			}
			n = c
		}
	}
}

func (f *finder) addPlural(n *wordNode, i, j int, singular []byte) {
	if c := n.next[string(singular)]; c != nil && c.ref != noRef {
		f.add(i, j, c.ref)
	}
}

// addWords adds a term of words ending at character j. A term written
// with a final dot ("U.S.") takes the text's dot with it.
func (f *finder) addWords(i, j int, r ref) {
	if strings.HasSuffix(f.g.refs[r].term, ".") && j < len(f.rs) && f.rs[j].r == '.' {
		j++
	}
	f.add(i, j, r)
}

// gapOK reports whether what lies between two words lets them be words of
// one term: up to three spaces, hyphens or apostrophes ("micro - drama"),
// or a dot that is part of an abbreviation: right after a single letter
// ("U.S.") or between two words with no space ("data.ai"). A dot followed
// by a space ends a sentence, and the words around it belong to two.
func (f *finder) gapOK(a, b token) bool {
	n := b.i - a.j
	if n > 3 {
		return false
	}
	for _, p := range f.rs[a.j:b.i] {
		switch {
		case p.r == '.':
			if n != 1 && a.j-a.i != 1 {
				return false
			}
		case !isGap(p.r):
			return false
		}
	}
	return true
}

// matchChars finds the terms with Chinese characters, starting at every
// character.
func (f *finder) matchChars() {
	rs := f.rs
	for i, p := range rs {
		// Inside a Latin word no term can start: one that begins with a
		// letter or digit needs a word boundary before it. This skips most
		// of English text without a lookup.
		if !f.g.canStart(p.r) || i > 0 && isWord(p.r) && isWord(rs[i-1].r) {
			continue
		}
		n := f.g.chars
		for k := i; k < len(rs); k++ {
			c := n.next[lowerASCII(rs[k].r)]
			if c == nil {
				break
			}
			n = c
			if c.ref == noRef ||
				c.wordStart && i > 0 && isWord(rs[i-1].r) ||
				c.wordEnd && k+1 < len(rs) && isWord(rs[k+1].r) {
				continue
			}
			f.add(i, k+1, c.ref)
		}
	}
}

// choose keeps the longest candidates that do not overlap and returns them
// in text order.
func (f *finder) choose() []Match {
	if len(f.cands) == 0 {
		return nil
	}
	// Of two spans alike the one found first (an exact word before a
	// plural) is kept.
	slices.SortFunc(f.cands, func(a, b candidate) int {
		if d := (b.j - b.i) - (a.j - a.i); d != 0 {
			return d
		}
		if a.i != b.i {
			return a.i - b.i
		}
		return a.seq - b.seq
	})
	f.taken = slices.Grow(f.taken[:0], len(f.rs))[:len(f.rs)]
	clear(f.taken)
	kept := f.cands[:0] // filtering in place: kept never passes the candidate read
	for _, c := range f.cands {
		if slices.Contains(f.taken[c.i:c.j], true) {
			continue
		}
		for k := c.i; k < c.j; k++ {
			f.taken[k] = true
		}
		kept = append(kept, c)
	}
	slices.SortFunc(kept, func(a, b candidate) int { return a.i - b.i })
	out := make([]Match, len(kept))
	for n, c := range kept {
		t := f.g.refs[c.ref]
		out[n] = Match{Entry: t.entry, Term: t.term, Start: f.rs[c.i].off, End: f.offset(c.j)}
	}
	return out
}

func (f *finder) offset(i int) int {
	if i < len(f.rs) {
		return f.rs[i].off
	}
	return len(f.s)
}
