package pgtest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"dramabot/knowledge"
)

// Synthetic corpora for benchmarks that compare stores: documents of ten
// English or Chinese-like passages of 400-700 characters with figures in
// them, words drawn from Zipf distributions over large vocabularies (a few
// very common terms, a long tail of rare ones), as knowledge/store's own
// benchmarks generate them. The same n always gives the same corpus.

// SynthQuestion is a generated question and the passage it was drawn from.
type SynthQuestion struct {
	Text      string
	PassageID string
}

// SynthDocs returns a corpus of n passages, about 60% English.
func SynthDocs(n int) []knowledge.Document {
	g := newGen(1)
	var docs []knowledge.Document
	for made := 0; made < n; {
		zh := g.r.IntN(10) < 4
		src := knowledge.Source{
			ID:        fmt.Sprintf("synth-%06d", len(docs)),
			Title:     g.sentence(zh, 5),
			Publisher: []string{"CRI Online", "Xinhua", "China Daily", "Sixth Tone", "36Kr", "Caixin"}[g.r.IntN(6)],
			Date:      fmt.Sprintf("20%02d-%02d-%02d", 18+g.r.IntN(8), 1+g.r.IntN(12), 1+g.r.IntN(28)),
			Lang:      map[bool]string{true: "zh", false: "en"}[zh],
		}
		d := knowledge.Document{Source: src}
		for o := 1; o <= 10 && made < n; o++ {
			d.Passages = append(d.Passages, knowledge.Passage{ID: src.ID + "#" + strconv.Itoa(o), SourceID: src.ID, Ordinal: o, Text: g.passage(zh)})
			made++
		}
		docs = append(docs, d)
	}
	return docs
}

// SynthQuestions returns m questions spread over the passages of docs: a
// few words (or, for Chinese, a phrase) of one of their sentences.
func SynthQuestions(docs []knowledge.Document, m int) []SynthQuestion {
	var all []knowledge.Passage
	for _, d := range docs {
		all = append(all, d.Passages...)
	}
	if len(all) == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(2, 2))
	out := make([]SynthQuestion, 0, m)
	for i := range m {
		p := all[(i*len(all))/m+r.IntN(max(1, len(all)/m))]
		sentences := strings.FieldsFunc(p.Text, func(c rune) bool { return c == '.' || c == '。' })
		s := strings.TrimSpace(sentences[r.IntN(len(sentences))])
		if rs := []rune(s); len(rs) > 0 && rs[0] >= 0x4E00 {
			n := min(len(rs), 6+r.IntN(6))
			start := r.IntN(len(rs) - n + 1)
			out = append(out, SynthQuestion{string(rs[start:start+n]) + "的规模是多少？", p.ID})
			continue
		}
		var words []string
		for _, w := range strings.Fields(s) {
			if w = strings.Trim(w, ".,;%$"); len(w) > 3 && !strings.ContainsAny(w, "0123456789") {
				words = append(words, w)
			}
		}
		if len(words) > 5 {
			start := r.IntN(len(words) - 4)
			words = words[start : start+4+r.IntN(2)]
		}
		out = append(out, SynthQuestion{"What does the report say about " + strings.Join(words, " ") + "?", p.ID})
	}
	return out
}

var commonWords = strings.Fields(`the of and to in a is that for on with as by at from it this was are be has have
	market series mini drama short platform users revenue growth year industry viewers episodes production
	companies content video app audience china chinese billion million percent jobs creators studio streaming
	investment yuan advertising subscribers minutes vertical screen douyin kuaishou hongguo reelshort overseas
	export producers actors scripts budget profit report data analysts quarter annual total average share`)

type gen struct {
	r      *rand.Rand
	en, zh []string
	enZipf *rand.Zipf
	zhZipf *rand.Zipf
}

func newGen(seed uint64) *gen {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &gen{r: r, en: append([]string(nil), commonWords...)}
	syll := strings.Fields("ba be bi bo bu ca ce ci co da de di do fa fe fi ga ge go ka ke ki la le li lo ma me mi mo na ne ni no pa pe po ra re ri sa se si ta te ti va ve zo ter ing ion ent ous")
	seen := map[string]bool{}
	for len(g.en) < 30000 {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			g.en = append(g.en, w)
		}
	}
	g.enZipf = rand.NewZipf(r, 1.07, 2, uint64(len(g.en)-1))
	// 3,500 characters (the common-character list's size) in 20,000 words
	// of one to three characters, mostly two.
	charZipf := rand.NewZipf(r, 1.05, 5, 3499)
	zhSeen := map[string]bool{}
	for len(g.zh) < 20000 {
		n := 1 + r.IntN(3)
		if n == 3 && r.IntN(2) == 0 {
			n = 2
		}
		var b strings.Builder
		for range n {
			b.WriteRune(rune(0x4E00 + (int(charZipf.Uint64())*6007)%20900))
		}
		if w := b.String(); !zhSeen[w] {
			zhSeen[w] = true
			g.zh = append(g.zh, w)
		}
	}
	g.zhZipf = rand.NewZipf(r, 1.07, 2, uint64(len(g.zh)-1))
	return g
}

// passage writes sentences until the text is 400-700 characters long.
func (g *gen) passage(zh bool) string {
	target := 400 + g.r.IntN(301)
	var b strings.Builder
	for utf8.RuneCountInString(b.String()) < target {
		s := g.sentence(zh, 8+g.r.IntN(14))
		if !zh && b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	rs := []rune(b.String())
	if len(rs) > 700 {
		rs = rs[:699]
		if zh {
			return string(rs) + "。"
		}
		return string(rs) + "."
	}
	return string(rs)
}

// sentence is n words, one of them a figure half of the time.
func (g *gen) sentence(zh bool, n int) string {
	fig := -1
	if g.r.IntN(2) == 0 {
		fig = g.r.IntN(n)
	}
	words := make([]string, n)
	for i := range words {
		switch {
		case i == fig:
			words[i] = g.figure(zh)
		case zh:
			words[i] = g.zh[g.zhZipf.Uint64()]
		default:
			words[i] = g.en[g.enZipf.Uint64()]
		}
	}
	if zh {
		return strings.Join(words, "") + "。"
	}
	return strings.ToUpper(words[0][:1]) + strings.Join(words, " ")[1:] + "."
}

func (g *gen) figure(zh bool) string {
	r := g.r
	if zh {
		switch r.IntN(4) {
		case 0:
			return fmt.Sprintf("%.1f万", float64(1+r.IntN(9999))/10)
		case 1:
			return fmt.Sprintf("%.1f亿元", float64(1+r.IntN(9999))/10)
		case 2:
			return fmt.Sprintf("%d%%", 1+r.IntN(99))
		default:
			return fmt.Sprintf("%d部", 10+r.IntN(5000))
		}
	}
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("%d,%03d jobs", 1+r.IntN(999), r.IntN(1000))
	case 1:
		return fmt.Sprintf("%.1f%%", float64(r.IntN(1000))/10)
	case 2:
		return fmt.Sprintf("%d-fold", 2+r.IntN(300))
	default:
		return strconv.Itoa(1 + r.IntN(5000))
	}
}
