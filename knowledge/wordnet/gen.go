//go:build ignore

// gen builds wordnet.tsv.gz, the synonym and derivation table of package
// wordnet, from the WordNet 3.0 database files (wndb(5)) as Debian's
// wordnet-base installs them:
//
//	apt-get install wordnet-base
//	go run ./knowledge/wordnet/gen.go /usr/share/wordnet knowledge/wordnet/wordnet.tsv.gz
//
// Each line is "lemma<TAB>related related ...", best first, with "_" for
// the space of a two-word lemma; then "~form<TAB>base" for each irregular
// form (exception lists). What is kept, and why:
//
//   - Only senses that people use. WordNet's tag counts (cntlist.rev: how
//     often each sense was tagged in the semantic concordance texts) mark
//     the senses met in running text; a sense with no count is a rare
//     meaning, and its synonyms are the noise the table must avoid
//     (subscriber's "someone who expresses strong approval" gives endorser).
//     Synonyms come from the first two senses of a lemma in each part of
//     speech, each only if tagged.
//   - A synonym S of lemma L through synset X only if X is also a sense of
//     S that people use (tagged, or S's first sense): "thunder" is a
//     synonym of boom only where the noise is what "thunder" usually means.
//   - Derivationally related forms ("+": employ, employment) and
//     pertainyms ("\": economic, economy) of the tagged senses (or the
//     first sense of an untagged lemma): morphology, which keeps the
//     meaning, so they rank first.
//   - No lemma of more than two words, no proper noun (capitalised in the
//     data files), no stop word on either side, no form with digits.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

const (
	// maxRelated bounds a lemma's list: past the best few, expansions add
	// more noise to a query than they find.
	maxRelated = 8
	// minCount is the tag count a sense needs to give synonyms: one or two
	// tags are weak evidence that the sense is what the word usually means.
	minCount = 3
	// minStem is the prefix a derived form of an untagged sense must share
	// with the lemma.
	minStem = 5
)

type pointer struct {
	sym      string
	pos      byte // n v a r
	offset   int
	src, dst int // word numbers, 1-based; 0 for a relation between synsets
}

type synset struct {
	words []string // as written: case kept, "_" for spaces, adjective markers removed
	ptrs  []pointer
}

// key identifies a synset: part of speech and byte offset in its data file.
type key struct {
	pos    byte
	offset int
}

var posFiles = map[byte]string{'n': "noun", 'v': "verb", 'a': "adj", 'r': "adv"}

func main() {
	dir, out := os.Args[1], os.Args[2]
	synsets := map[key]*synset{}
	senses := map[string]map[byte][]int{} // lemma, pos: synset offsets in sense order
	for pos, name := range posFiles {
		readData(filepath.Join(dir, "data."+name), pos, synsets)
		readIndex(filepath.Join(dir, "index."+name), pos, senses)
	}
	counts := readCounts(filepath.Join(dir, "cntlist.rev"))
	count := func(lemma string, pos byte, sense int) int { return counts[countKey{lemma, pos, sense}] }
	// used reports whether synset offset is a sense of lemma that people use.
	used := func(lemma string, pos byte, offset int) bool {
		for i, o := range senses[lemma][pos] {
			if o == offset {
				return i == 0 || count(lemma, pos, i+1) > 0
			}
		}
		return false
	}

	// freq is how often a lemma was tagged in all its senses: among
	// synonyms and derivations the common word is the one a source uses.
	freq := map[string]int{}
	for k, c := range counts {
		freq[k.lemma] += c
	}
	weight := func(w string) float64 { return 1 + 0.3*math.Log2(1+float64(freq[strings.ToLower(w)])) }

	lemmas := make([]string, 0, len(senses))
	for l := range senses {
		lemmas = append(lemmas, l)
	}
	sort.Strings(lemmas)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	check(err)
	lines, pairs := 0, 0
	for _, lemma := range lemmas {
		if !keepLemma(lemma) {
			continue
		}
		score := map[string]float64{}
		add := func(w string, s float64) {
			w = strings.ToLower(w)
			if w == lemma || !keepLemma(w) {
				return
			}
			score[w] = max(score[w], s)
		}
		for _, pos := range []byte{'n', 'v', 'a', 'r'} {
			offs := senses[lemma][pos]
			tagged := 0
			for i := range offs {
				if count(lemma, pos, i+1) > 0 {
					tagged++
				}
			}
			for i, off := range offs {
				c := count(lemma, pos, i+1)
				common := c > 0 || i == 0 && tagged == 0
				ss := synsets[key{pos, off}]
				if ss == nil {
					continue
				}
				// Earlier (more frequent) senses weigh more.
				w := 1 / float64(i+1)
				me := 0
				for j, word := range ss.words {
					if strings.EqualFold(word, lemma) {
						me = j + 1
					}
				}
				for _, p := range ss.ptrs {
					if (p.sym != "+" && p.sym != `\`) || p.src != me {
						continue
					}
					t := synsets[key{p.pos, p.offset}]
					if t == nil || p.dst < 1 || p.dst > len(t.words) {
						continue
					}
					word := t.words[p.dst-1]
					switch {
					case isProper(word):
					case common:
						add(word, 2*w*weight(word))
					case sharedPrefix(word, lemma) >= minStem:
						// A form that shares the stem keeps the meaning
						// whatever the sense: expand (elaborate), expansion.
						add(word, w*weight(word))
					}
				}
				if i >= 2 || c < minCount {
					continue
				}
				for _, word := range ss.words {
					if !isProper(word) && used(strings.ToLower(word), pos, off) {
						add(word, w*weight(word))
					}
				}
			}
		}
		if len(score) == 0 {
			continue
		}
		rel := make([]string, 0, len(score))
		for w := range score {
			rel = append(rel, w)
		}
		sort.Slice(rel, func(i, j int) bool {
			if score[rel[i]] != score[rel[j]] {
				return score[rel[i]] > score[rel[j]]
			}
			return rel[i] < rel[j]
		})
		if len(rel) > maxRelated {
			rel = rel[:maxRelated]
		}
		fmt.Fprintf(zw, "%s\t%s\n", lemma, strings.Join(rel, " "))
		lines++
		pairs += len(rel)
	}
	exc := readExceptions(dir, senses)
	for _, e := range exc {
		fmt.Fprintf(zw, "~%s\n", e)
	}
	check(zw.Close())
	check(os.WriteFile(out, buf.Bytes(), 0o644))
	fmt.Fprintf(os.Stderr, "%d lemmas, %d pairs, %d irregular forms, %d bytes\n", lines, pairs, len(exc), buf.Len())
}

// readData reads a data.POS file: "offset lex_filenum ss_type w_cnt word
// lex_id ... p_cnt ptr ... | gloss".
func readData(path string, pos byte, synsets map[key]*synset) {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, " ") {
			continue // licence header
		}
		if i := strings.Index(line, " | "); i >= 0 {
			line = line[:i]
		}
		fs := strings.Fields(line)
		off, err := strconv.Atoi(fs[0])
		check(err)
		n, err := strconv.ParseInt(fs[3], 16, 32)
		check(err)
		ss := &synset{}
		i := 4
		for range n {
			w := fs[i]
			if j := strings.IndexByte(w, '('); j > 0 {
				w = w[:j] // adjective marker: (a), (p), (ip)
			}
			ss.words = append(ss.words, w)
			i += 2
		}
		np, err := strconv.Atoi(fs[i])
		check(err)
		i++
		for range np {
			sd, err := strconv.ParseInt(fs[i+3], 16, 32)
			check(err)
			o, err := strconv.Atoi(fs[i+1])
			check(err)
			p := fs[i+2][0]
			if p == 's' {
				p = 'a'
			}
			ss.ptrs = append(ss.ptrs, pointer{sym: fs[i], pos: p, offset: o, src: int(sd >> 8), dst: int(sd & 0xff)})
			i += 4
		}
		synsets[key{pos, off}] = ss
	}
	check(sc.Err())
}

// readIndex reads an index.POS file: "lemma pos synset_cnt p_cnt ptr...
// sense_cnt tagsense_cnt offset...", offsets in sense order.
func readIndex(path string, pos byte, senses map[string]map[byte][]int) {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, " ") {
			continue
		}
		fs := strings.Fields(line)
		n, err := strconv.Atoi(fs[2])
		check(err)
		offs := make([]int, 0, n)
		for _, s := range fs[len(fs)-n:] {
			o, err := strconv.Atoi(s)
			check(err)
			offs = append(offs, o)
		}
		if senses[fs[0]] == nil {
			senses[fs[0]] = map[byte][]int{}
		}
		senses[fs[0]][pos] = offs
	}
	check(sc.Err())
}

type countKey struct {
	lemma string
	pos   byte
	sense int
}

// readCounts reads cntlist.rev: "lemma%ss_type:... sense_number tag_cnt".
func readCounts(path string) map[countKey]int {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	out := map[countKey]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 3 {
			continue
		}
		lemma, rest, ok := strings.Cut(fs[0], "%")
		if !ok || rest == "" {
			continue
		}
		pos := map[byte]byte{'1': 'n', '2': 'v', '3': 'a', '4': 'r', '5': 'a'}[rest[0]]
		sense, err1 := strconv.Atoi(fs[1])
		c, err2 := strconv.Atoi(fs[2])
		if pos == 0 || err1 != nil || err2 != nil {
			continue
		}
		out[countKey{lemma, pos, sense}] += c
	}
	check(sc.Err())
	return out
}

// readExceptions reads the POS.exc lists ("geese goose") and keeps the
// forms whose base is a kept lemma, as "form<TAB>base", sorted.
func readExceptions(dir string, senses map[string]map[byte][]int) []string {
	seen := map[string]bool{}
	for _, name := range posFiles {
		f, err := os.Open(filepath.Join(dir, name+".exc"))
		check(err)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 2 || strings.ContainsAny(fs[0], "_") || !keepLemma(fs[0]) {
				continue
			}
			for _, base := range fs[1:] {
				if base != fs[0] && senses[base] != nil && keepLemma(base) {
					seen[fs[0]+"\t"+base] = true
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

// keepLemma: lower-case letters and hyphens, at most two words, not a stop
// word (a two-word lemma may hold one: "give up").
func keepLemma(l string) bool {
	if l == "" || strings.Count(l, "_") > 1 || stop[l] {
		return false
	}
	for _, part := range strings.Split(l, "_") {
		if len(part) < 2 {
			return false
		}
	}
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func sharedPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func isProper(w string) bool { return w != strings.ToLower(w) }

var stop = map[string]bool{}

func init() {
	// Function words, and verbs too general to stand for another word.
	for _, w := range strings.Fields(`a about above after again against all am an and any are as at be because been
		before being below between both but by can could did do does doing down during each few for from further had
		has have having he her here hers herself him himself his how i if in into is it its itself just me more most
		my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some
		such than that the their theirs them themselves then there these they this those through to too under until up
		very was we were what when where which while who whom why will with would you your yours yourself yourselves
		also get got go make take give put set come let may might must shall one many much well even still yet ever
		way thing things`) {
		stop[w] = true
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
