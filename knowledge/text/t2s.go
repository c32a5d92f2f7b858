package text

import (
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
)

//go:generate go run t2s_gen.go

// FoldTraditional returns s with Traditional Chinese characters replaced by
// their Simplified forms (國家廣播電視總局 → 国家广播电视总局), so that text
// in either script matches the other. It folds character by character, from
// OpenCC's character table, taking OpenCC's default where a character has
// several Simplified forms; it does not convert regional vocabulary. That is
// enough for matching: one character always becomes one character, so
// character positions are kept, though byte lengths may change.
//
// Everything else, invalid UTF-8 included, is copied unchanged, and when
// nothing changes s itself is returned without allocating.
func FoldTraditional(s string) string {
	i := 0
	for i < len(s) {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if _, ok := t2sLookup(r); ok {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if to, ok := t2sLookup(r); ok {
			b.WriteRune(to)
		} else {
			// The original bytes, not r: an invalid byte decodes as
			// U+FFFD and must not be turned into one.
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// t2sLookup returns the Simplified form of the Traditional character r.
// Below U+10000, where nearly all text is, the bitmap answers whether r is
// Traditional and, with t2sRank, where its pair is; above, the pairs are
// searched.
func t2sLookup(r rune) (rune, bool) {
	if r < 0x10000 {
		word, bit := t2sBMP[r/64], uint64(1)<<(r%64)
		if word&bit == 0 {
			return 0, false
		}
		return t2sPairs[int(t2sRank[r/64])+bits.OnesCount64(word&(bit-1))][1], true
	}
	j, ok := slices.BinarySearchFunc(t2sPairs[:], r, func(p [2]rune, r rune) int { return int(p[0] - r) })
	if !ok {
		return 0, false
	}
	return t2sPairs[j][1], true
}
