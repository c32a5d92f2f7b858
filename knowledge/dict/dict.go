// Package dict lets a question in one of Chinese and English find passages
// in the other: Translate splits a Chinese question into dictionary words
// and gives each word's English glosses; TranslateEnglish gives, for each
// content word of an English question, the Chinese words whose glosses name
// it. The dictionary is CC-CEDICT (https://www.mdbg.net/chinese/dictionary?page=cc-cedict,
// CC BY-SA 4.0), reduced by gen.go to headwords and the content words of
// their senses, with word frequencies from jieba's dictionary and WordNet's
// irregular English forms (sources and licences in NOTICE), and embedded in
// the binary; each direction is read on its first use.
package dict

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:embed cedict.tsv.gz
var data []byte

// maxWord is the longest headword looked up, in runes.
const maxWord = 6

// Dict is a Chinese-English dictionary. It is safe for concurrent use.
type Dict struct {
	once  sync.Once
	words map[string][]string
	err   error

	rev reverse
}

var std Dict

// Default returns the embedded dictionary.
func Default() *Dict { return &std }

// entry is one line of cedict.tsv.gz (see gen.go).
type entry struct {
	simp, trad string
	senses     string // "sense;sense;...", each sense its words separated by spaces
	freq       int    // log2 of the headword's count in a Chinese corpus
	name       bool   // a proper noun
}

// eachEntry calls f with every entry of the embedded data, in order, and
// irregular with each irregular English form and its base form. The
// strings it passes are cut from the line; f clones what it keeps.
func eachEntry(f func(entry), irregular func(form, base string)) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("dict: %w", err)
	}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		line := sc.Text()
		if form, ok := strings.CutPrefix(line, "~"); ok {
			if form, base, ok := strings.Cut(form, "\t"); ok && irregular != nil {
				irregular(form, base)
			}
			continue
		}
		var e entry
		var rest, freq string
		e.simp, rest, _ = strings.Cut(line, "\t")
		e.trad, rest, _ = strings.Cut(rest, "\t")
		e.senses, rest, _ = strings.Cut(rest, "\t")
		freq, rest, _ = strings.Cut(rest, "\t")
		if e.trad == "" {
			e.trad = e.simp
		}
		e.freq, _ = strconv.Atoi(freq)
		e.name = rest == "N"
		f(e)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("dict: %w", err)
	}
	return nil
}

// Chinese to English keeps the first two words of each of an entry's first
// five senses, and at most ten words for a headword over all its entries:
// enough to find the English passage, few enough not to drift.
const (
	forwardSenses    = 5
	forwardPerSense  = 2
	forwardPerHeadwd = 10
)

func (d *Dict) load() {
	d.once.Do(func() {
		d.words = make(map[string][]string, 180000)
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			d.err = fmt.Errorf("dict: %w", err)
			return
		}
		// This runs on the first Chinese question, so it reads the lines
		// itself rather than through eachEntry, allocating only what the
		// map keeps.
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || line[0] == '~' {
				continue
			}
			simp, rest, _ := strings.Cut(line, "\t")
			trad, rest, _ := strings.Cut(rest, "\t")
			senses, _, _ := strings.Cut(rest, "\t")
			if trad == "" {
				trad = simp
			}
			glosses := forwardGlosses(senses)
			if len(glosses) == 0 {
				continue
			}
			for _, hw := range []string{simp, trad} {
				if n := utf8.RuneCountInString(hw); n < 1 || n > maxWord || !hasHan(hw) {
					continue
				}
				if cur, ok := d.words[hw]; !ok {
					d.words[hw] = glosses
				} else if m := merge(cur, glosses); len(m) != len(cur) {
					d.words[hw] = m
				}
				if trad == simp {
					break
				}
			}
		}
		if err := sc.Err(); err != nil {
			d.err = fmt.Errorf("dict: %w", err)
		}
	})
}

// forwardGlosses returns the first two words of each of the first five
// senses that Chinese to English reads (see gen.go), without repeats; the
// slice is full, so that appending to it copies.
func forwardGlosses(senses string) []string {
	var buf [forwardSenses * forwardPerSense]string
	glosses := buf[:0]
	for used := 0; senses != "" && used < forwardSenses; {
		var s string
		s, senses, _ = strings.Cut(senses, ";")
		if s == "" || s[0] == '=' || s[0] == '+' {
			continue
		}
		for k := 0; k < forwardPerSense && s != ""; k++ {
			var w string
			w, s, _ = strings.Cut(s, " ")
			if !slices.Contains(glosses, w) {
				glosses = append(glosses, w)
			}
		}
		used++
	}
	if len(glosses) == 0 {
		return nil
	}
	return slices.Clip(slices.Clone(glosses))
}

// merge appends to a the words of b it lacks, up to forwardPerHeadwd.
func merge(a, b []string) []string {
	for _, w := range b {
		if len(a) >= forwardPerHeadwd {
			break
		}
		dup := false
		for _, x := range a {
			if x == w {
				dup = true
				break
			}
		}
		if !dup {
			a = append(a, w)
		}
	}
	return a
}

// Translate splits the Han text of question into words, longest
// dictionary match first, and returns the English glosses of each word
// (with those of the shorter words it starts with, so that 迷你剧 gives
// "miniseries" and "mini"). Function words and question words are skipped.
func (d *Dict) Translate(question string) [][]string {
	d.load()
	if d.err != nil || len(d.words) == 0 {
		return nil
	}
	var out [][]string
	runes := []rune(question)
	for i := 0; i < len(runes); {
		if !isHan(runes[i]) {
			i++
			continue
		}
		n := 0
		var glosses []string
		for l := min(maxWord, len(runes)-i); l >= 1; l-- {
			w := string(runes[i : i+l])
			g, ok := d.words[w]
			if !ok || l > 1 && !allHan(runes[i:i+l]) {
				continue
			}
			if n == 0 {
				n = l
			}
			glosses = append(glosses, g...)
		}
		if n == 0 {
			n = 1
		}
		word := string(runes[i : i+n])
		if !skipWord(word) && len(glosses) > 0 {
			out = append(out, dedupe(glosses))
		}
		i += n
	}
	return out
}

func isHan(r rune) bool { return r >= 0x3400 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF }

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x3400 && r <= 0x9FFF {
			return true
		}
	}
	return false
}

func allHan(rs []rune) bool {
	for _, r := range rs {
		if !isHan(r) {
			return false
		}
	}
	return true
}

// skipWord reports function words and question words, whose glosses
// would only add noise.
func skipWord(w string) bool {
	if utf8.RuneCountInString(w) == 1 && strings.Contains(functionChars, w) {
		return true
	}
	return questionWords[w]
}

const functionChars = "的了是在和与與及或也都就而被把对對向从從为為于於以之其这這那个個们們着著过過吗嗎呢啊吧所等将將已还還又再很最更有没沒不什么麼哪谁誰几幾怎啥多少"

var questionWords = map[string]bool{
	"什么": true, "什麼": true, "多少": true, "哪里": true, "哪裡": true, "哪个": true, "哪個": true, "谁": true, "誰": true,
	"怎么": true, "怎麼": true, "怎样": true, "怎樣": true, "为什么": true, "為什麼": true, "如何": true, "几个": true, "幾個": true,
	"是否": true, "哪些": true, "多久": true, "多大": true, "多长": true, "多長": true,
}

func dedupe(ws []string) []string {
	seen := map[string]bool{}
	out := ws[:0]
	for _, w := range ws {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
