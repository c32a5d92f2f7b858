package dict

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// reverse is the English to Chinese index: for each English word of the
// glosses, and each gloss of exactly two words ("box office"), the
// headwords whose senses name it, best first.
type reverse struct {
	once      sync.Once
	index     map[string][]candidate
	heads     []string          // simplified headwords, by candidate.head
	irregular map[string]string // "grew": "grow", "children": "child"
	err       error
}

type candidate struct {
	head  int32 // index in reverse.heads
	score float32
	name  bool // a proper noun
}

const (
	// perWord is how many Chinese words TranslateEnglish gives for one
	// English word: the best few say what the word means, the rest of a
	// long list drift to rare senses.
	perWord = 4
	// kept is how many candidates the index holds per English form, more
	// than perWord so that merging "users" with "user" still has the best.
	kept = 8
)

// TranslateEnglish returns, for each content word of the English question
// (lower-cased; stop words and question words skipped; "jobs" read as
// "job", "created" as "create", "grew" as "grow"), the simplified Chinese
// headwords whose glosses name it, at most four, best first. Two adjacent
// words that CC-CEDICT glosses as a whole ("box office", "market share",
// "mini series" as "miniseries") give one group. Words the dictionary does
// not gloss give no group.
//
// A headword ranks higher when a sense names the word directly (the whole
// gloss, or the last word of a short one: "job" in "get job" over "market"
// in "market price"), in an earlier sense, among fewer senses, when it has
// two to four characters rather than one (ambiguous) or five and more
// (idioms), and when it is frequent in Chinese text, which marks the
// everyday word among its near synonyms (市场 over 集市). Names (中国,
// 乔布斯) count fully only for a word written with a capital letter: "jobs"
// is work before it is Steve Jobs.
func (d *Dict) TranslateEnglish(question string) [][]string {
	d.rev.once.Do(d.rev.build)
	if d.rev.err != nil || len(d.rev.index) == 0 {
		return nil
	}
	var toks []word
	for _, w := range englishWords(question) {
		// "mini-series" is "miniseries" or "mini series" in the glosses.
		if strings.Contains(w.text, "-") && !d.rev.known(w.text) {
			if joined := strings.ReplaceAll(w.text, "-", ""); d.rev.known(joined) {
				w.text = joined
			} else {
				for _, part := range strings.Split(w.text, "-") {
					if part != "" {
						toks = append(toks, word{part, w.capital})
					}
				}
				continue
			}
		}
		toks = append(toks, w)
	}
	var out [][]string
	for i := 0; i < len(toks); i++ {
		w := toks[i]
		if englishStop[w.text] {
			continue
		}
		if i+1 < len(toks) && !englishStop[toks[i+1].text] {
			// A two-word gloss, or a compound the glosses write closed
			// ("mini series", "miniseries").
			var phrase []candidate
			for _, v := range d.rev.variants(toks[i+1].text) {
				if c, ok := d.rev.index[w.text+" "+v]; ok {
					phrase = c
					break
				}
				if c, ok := d.rev.index[w.text+v]; ok {
					phrase = c
					break
				}
			}
			if len(phrase) > 0 {
				out = append(out, d.rev.best(phrase, w.capital))
				i++
				continue
			}
		}
		var cs []candidate
		for j, v := range d.rev.variants(w.text) {
			c, ok := d.rev.index[v]
			if !ok {
				continue
			}
			if j > 0 && w.capital {
				// A capitalised word is more likely a name as written
				// ("Jobs") than an inflection.
				c = slices.Clone(c)
				for k := range c {
					c[k].score *= 0.5
				}
			}
			cs = append(cs, c...)
			if j > 0 {
				// The word as written and one base form are enough: further
				// strippings ("used" to "us") are more often wrong.
				break
			}
		}
		if g := d.rev.best(cs, w.capital); len(g) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// known reports whether the index has w or a base form of it.
func (r *reverse) known(w string) bool {
	for _, v := range r.variants(w) {
		if _, ok := r.index[v]; ok {
			return true
		}
	}
	return false
}

// nameWeight scales a name for a word written in lower case.
const nameWeight = 0.2

// best returns the distinct headwords of cs, highest score first, at most
// perWord; names count fully only when capital is set.
func (r *reverse) best(cs []candidate, capital bool) []string {
	cs = slices.Clone(cs)
	if !capital {
		for i := range cs {
			if cs[i].name {
				cs[i].score *= nameWeight
			}
		}
	}
	slices.SortStableFunc(cs, func(a, b candidate) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	var out []string
	for _, c := range cs {
		if len(out) == perWord {
			break
		}
		if h := r.heads[c.head]; !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// word is a lower-cased word of an English question.
type word struct {
	text    string
	capital bool // written with a capital first letter
}

// englishWords splits s into lower-case words of letters, digits, hyphens
// and apostrophes, without a possessive "'s".
func englishWords(s string) []word {
	var out []word
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '-' || r == '\'' || r == '’')
	}) {
		w = strings.ReplaceAll(w, "’", "'")
		w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "'S")
		w = strings.Trim(w, "-'")
		if len(w) < 2 || strings.IndexFunc(w, unicode.IsLetter) < 0 {
			continue
		}
		out = append(out, word{strings.ToLower(w), w[0] >= 'A' && w[0] <= 'Z'})
	}
	return out
}

// variants returns w and the base forms it may be an inflection of, most
// likely first: "jobs" job, "games" game, "boxes" box, "created" create,
// "needed" need, "running" run.
func (r *reverse) variants(w string) []string {
	out := []string{w}
	if base, ok := r.irregular[w]; ok {
		return append(out, base)
	}
	add := func(s string) {
		if len(s) >= 2 {
			out = append(out, s)
		}
	}
	undouble := func(s string) {
		if n := len(s); n >= 3 && s[n-1] == s[n-2] && !strings.ContainsRune("aeiouls", rune(s[n-1])) {
			add(s[:n-1])
		}
	}
	switch {
	case strings.HasSuffix(w, "men") && len(w) > 4:
		add(w[:len(w)-3] + "man")
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		add(w[:len(w)-3] + "y")
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		add(w[:len(w)-1])
		if strings.HasSuffix(w, "es") {
			add(w[:len(w)-2])
		}
	case strings.HasSuffix(w, "ied") && len(w) > 4:
		add(w[:len(w)-3] + "y")
	case strings.HasSuffix(w, "ed") && len(w) > 3:
		stem := w[:len(w)-2]
		add(stem + "e")
		add(stem)
		undouble(stem)
	case strings.HasSuffix(w, "ing") && len(w) > 5:
		stem := w[:len(w)-3]
		add(stem + "e")
		add(stem)
		undouble(stem)
	}
	return out
}

// build reads the entries and keeps, for each English form, the kept best
// headwords.
func (r *reverse) build() {
	// Keys and headwords are cloned, so that the index does not keep the
	// lines of the data they were cut from; candidates are numbered by
	// headword while building, so that one map lookup finds a key's list.
	keys := make(map[string]int32, 100000)
	var lists [][]candidate
	add := func(key string, c candidate) {
		k, ok := keys[key]
		if !ok {
			k = int32(len(lists))
			keys[strings.Clone(key)] = k
			lists = append(lists, nil)
		}
		lists[k] = insert(lists[k], c)
	}
	headID := make(map[string]int32, 120000)
	var heads []string
	var ws []string // the words of one sense
	r.irregular = map[string]string{}
	r.err = eachEntry(func(e entry) {
		n := utf8.RuneCountInString(e.simp)
		if n > maxWord || !allHan([]rune(e.simp)) {
			return
		}
		id, ok := headID[e.simp]
		if !ok {
			id = int32(len(heads))
			headID[e.simp] = id
			heads = append(heads, e.simp)
		}
		// Senses marked "=" or "+" (see gen.go) are not counted as senses.
		plain := strings.Count(";"+e.senses, ";") - strings.Count(";"+e.senses, ";=") - strings.Count(";"+e.senses, ";+")
		base := lengthWeight(n) * freqWeight(e.freq) / (1 + 0.15*float64(max(plain, 1)-1))
		i := -1
		for rest := e.senses; rest != ""; {
			var s string
			s, rest, _ = strings.Cut(rest, ";")
			if s == "" {
				continue
			}
			if s[0] != '+' {
				i++
			}
			ws = ws[:0]
			for w := range strings.FieldsSeq(strings.TrimLeft(s, "=+")) {
				ws = append(ws, w)
			}
			pos := base / (1 + 0.2*float64(max(i, 0)))
			if len(ws) == 2 {
				add(ws[0]+" "+ws[1], candidate{id, float32(pos), e.name})
			}
			for k, w := range ws {
				direct := directness(len(ws))
				if k != len(ws)-1 && len(ws) > 1 {
					// The last word of a short English gloss is its head
					// ("job" in "get job"); the others qualify it.
					direct *= 0.8
				}
				add(w, candidate{id, float32(pos * direct), e.name})
			}
		}
	}, func(form, base string) { r.irregular[strings.Clone(form)] = strings.Clone(base) })
	// The index is kept in a few allocations (the keys' text, the
	// candidates, the headwords some candidate names, the map) rather than
	// one per key.
	var text strings.Builder
	ends := make([]int, len(lists)) // where each key ends in text
	n := 0
	for k, i := range keys {
		text.WriteString(k)
		ends[i] = text.Len()
		n += len(lists[i])
	}
	all, arena := text.String(), make([]candidate, 0, n)
	renumber := make([]int32, len(heads)) // new id + 1; 0 while not kept
	var names strings.Builder
	var nameEnds []int // where each kept headword ends in names
	r.index = make(map[string][]candidate, len(keys))
	for k, i := range keys {
		start := len(arena)
		for _, c := range lists[i] {
			if renumber[c.head] == 0 {
				names.WriteString(heads[c.head])
				nameEnds = append(nameEnds, names.Len())
				renumber[c.head] = int32(len(nameEnds))
			}
			c.head = renumber[c.head] - 1
			arena = append(arena, c)
		}
		r.index[all[ends[i]-len(k):ends[i]]] = arena[start:len(arena):len(arena)]
	}
	hs := names.String()
	r.heads = make([]string, len(nameEnds))
	for i, end := range nameEnds {
		start := 0
		if i > 0 {
			start = nameEnds[i-1]
		}
		r.heads[i] = hs[start:end]
	}
}

// freqWeight grows with the log frequency of a headword, so that the
// everyday word leads its near synonyms (市场 before 集市, 观众 before 观客);
// a headword the corpus lacks counts as a rare one.
func freqWeight(log2 int) float64 { return float64(max(log2, 2)) }

// insert adds c to cs, which it keeps sorted by score, one per headword,
// at most kept.
func insert(cs []candidate, c candidate) []candidate {
	for i, x := range cs {
		if x.head == c.head {
			if x.score >= c.score {
				return cs
			}
			cs = slices.Delete(cs, i, i+1)
			break
		}
	}
	i := len(cs)
	for i > 0 && cs[i-1].score < c.score {
		i--
	}
	if i >= kept {
		return cs
	}
	cs = slices.Insert(cs, i, c)
	if len(cs) > kept {
		cs = cs[:kept]
	}
	return cs
}

// directness is how much a sense of n content words is about each of them.
func directness(n int) float64 {
	switch n {
	case 1:
		return 1
	case 2:
		return 0.6
	case 3:
		return 0.4
	case 4:
		return 0.25
	}
	return 0.15
}

// lengthWeight favours headwords of two to four characters: one character
// has many unrelated senses, five and more are idioms and names.
func lengthWeight(n int) float64 {
	switch n {
	case 1:
		return 0.4
	case 2:
		return 1
	case 3:
		return 0.9
	case 4:
		return 0.7
	}
	return 0.4
}

// englishStop holds words that carry no content for the search: function
// words, question words, auxiliaries and pronouns.
var englishStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the and or but nor if then than so as of to in on at by for with from into onto
		about above after against along among around before behind below between beyond during except inside
		near off out over since through throughout till toward towards under until up upon via within without
		is are was were be been being am do does did done doing has have had having will would shall should can
		could may might must ought i me my mine we us our ours you your yours he him his she her hers it its they
		them their theirs this that these those there here what which who whom whose when where why how whether
		many much more most some any all each every both either neither no not nor only own same such too very
		just also again ever even still yet please tell name list give according called known one ones s t don
		other another else`) {
		englishStop[w] = true
	}
}
