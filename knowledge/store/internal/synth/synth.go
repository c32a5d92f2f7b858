// Package synth generates deterministic synthetic corpora for the store's
// benchmarks: documents of English and Chinese-like passages of 400-700
// characters with figures in them ("647,000 jobs", "12.5%", "64.7万",
// "1.2亿元"), and questions drawn from those passages.
//
// Words are drawn from Zipf distributions over large vocabularies, so
// posting lists and vector neighbourhoods look like those of real text
// (a few very common terms, a long tail of rare ones) rather than uniform
// noise. The same n always yields the same corpus.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"dramabot/knowledge"
	"dramabot/knowledge/text"
)

// PassagesPerDoc is how many passages each generated document holds.
const PassagesPerDoc = 10

// Passage length bounds, in characters (runes).
const (
	MinRunes = 400
	MaxRunes = 700
)

// Docs returns a corpus of n passages in documents of PassagesPerDoc
// passages; about 60% of the documents are English, the rest Chinese.
func Docs(n int) []knowledge.Document {
	g := newGen(1)
	docs := make([]knowledge.Document, 0, (n+PassagesPerDoc-1)/PassagesPerDoc)
	for made := 0; made < n; {
		d := len(docs)
		zh := g.r.IntN(10) < 4
		src := knowledge.Source{
			ID:        fmt.Sprintf("synth-%06d", d),
			Title:     g.title(zh),
			Publisher: publishers[g.r.IntN(len(publishers))],
			Date:      fmt.Sprintf("20%02d-%02d-%02d", 18+g.r.IntN(8), 1+g.r.IntN(12), 1+g.r.IntN(28)),
		}
		if zh {
			src.Lang = "zh"
		} else {
			src.Lang = "en"
		}
		doc := knowledge.Document{Source: src}
		for o := 1; o <= PassagesPerDoc && made < n; o++ {
			text := g.passage(zh)
			doc.Passages = append(doc.Passages, knowledge.Passage{
				ID: src.ID + "#" + strconv.Itoa(o), SourceID: src.ID, Ordinal: o, Text: text,
			})
			made++
		}
		docs = append(docs, doc)
	}
	return docs
}

// Question is a generated question and the passage it was drawn from.
type Question struct {
	Text      string
	PassageID string
}

// Questions returns m questions about passages of docs, spread evenly over
// the corpus: a few words (or, for Chinese, a phrase) of one sentence,
// phrased as a question, half of them asking for a figure.
func Questions(docs []knowledge.Document, m int) []Question {
	var all []knowledge.Passage
	for _, d := range docs {
		all = append(all, d.Passages...)
	}
	if len(all) == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(2, 2))
	out := make([]Question, 0, m)
	for i := 0; i < m; i++ {
		p := all[(i*len(all))/m+r.IntN(max(1, len(all)/m))]
		sentences := splitSentences(p.Text)
		s := sentences[r.IntN(len(sentences))]
		if strings.ContainsFunc(s, text.IsCJK) {
			rs := []rune(strings.TrimRight(s, "。"))
			n := min(len(rs), 6+r.IntN(6))
			start := r.IntN(len(rs) - n + 1)
			phrase := string(rs[start : start+n])
			q := "关于" + phrase + "，资料怎么说？"
			if i%2 == 0 {
				q = phrase + "的规模是多少？"
			}
			out = append(out, Question{q, p.ID})
			continue
		}
		var words []string
		for _, w := range strings.Fields(s) {
			w = strings.Trim(w, ".,;%$")
			if len(w) > 3 && !strings.ContainsAny(w, "0123456789") {
				words = append(words, w)
			}
		}
		if len(words) > 5 {
			start := r.IntN(len(words) - 4)
			words = words[start : start+4+r.IntN(2)]
		}
		q := "What does the report say about " + strings.Join(words, " ") + "?"
		if i%2 == 0 {
			q = "How many " + strings.Join(words, " ") + "?"
		}
		out = append(out, Question{q, p.ID})
	}
	return out
}

func splitSentences(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.IndexAny(text, ".。")
		if i < 0 {
			out = append(out, text)
			break
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		if s := strings.TrimSpace(text[:i+size]); s != "" {
			out = append(out, s)
		}
		text = text[i+size:]
	}
	return out
}

var publishers = []string{"CRI Online", "Xinhua", "China Daily", "Sixth Tone", "36Kr", "Caixin", "Variety", "Reuters"}

// commonEN are real English words, the head of the English distribution
// (stop words included, as in real text).
var commonEN = strings.Fields(`the of and to in a is that for on with as by at from it this was are be has have
	market series mini drama short platform users revenue growth year industry viewers episodes production
	companies content video app audience china chinese billion million percent jobs creators studio streaming
	investment yuan advertising subscribers minutes vertical screen douyin kuaishou hongguo reelshort overseas
	export producers actors scripts budget profit report data analysts quarter annual total average share
	increase decrease compared previous while more than about nearly over under new first largest record
	according study survey showed found said reported estimated expected reached rose fell grew doubled`)

// gen holds the vocabularies and the random source.
type gen struct {
	r      *rand.Rand
	en     []string
	enZipf *rand.Zipf
	zh     []string
	zhZipf *rand.Zipf
}

func newGen(seed uint64) *gen {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &gen{r: r}
	// English: the common words, then 30,000 made-up words from syllables.
	g.en = append(g.en, commonEN...)
	syll := strings.Fields("ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go ka ke ki ko la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze zi zo ter ing ion ent ous ble ment")
	seen := map[string]bool{}
	for _, w := range g.en {
		seen[w] = true
	}
	for len(g.en) < 30000 {
		n := 2 + r.IntN(3)
		var b strings.Builder
		for j := 0; j < n; j++ {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			g.en = append(g.en, w)
		}
	}
	g.enZipf = rand.NewZipf(r, 1.07, 2, uint64(len(g.en)-1))
	// Chinese: 3,500 characters (the size of the common-character list),
	// combined into 20,000 words of one to three characters.
	chars := make([]rune, 3500)
	for i := range chars {
		chars[i] = rune(0x4E00 + (i*6007)%20900)
	}
	charZipf := rand.NewZipf(r, 1.05, 5, uint64(len(chars)-1))
	zhSeen := map[string]bool{}
	for len(g.zh) < 20000 {
		n := 1 + r.IntN(3)
		if n == 3 && r.IntN(2) == 0 {
			n = 2 // most Chinese words have two characters
		}
		var b strings.Builder
		for j := 0; j < n; j++ {
			b.WriteRune(chars[charZipf.Uint64()])
		}
		if w := b.String(); !zhSeen[w] {
			zhSeen[w] = true
			g.zh = append(g.zh, w)
		}
	}
	g.zhZipf = rand.NewZipf(r, 1.07, 2, uint64(len(g.zh)-1))
	return g
}

func (g *gen) title(zh bool) string {
	if zh {
		var b strings.Builder
		for i := 0; i < 4+g.r.IntN(4); i++ {
			b.WriteString(g.zh[g.zhZipf.Uint64()])
		}
		return b.String()
	}
	words := make([]string, 5+g.r.IntN(5))
	for i := range words {
		w := g.en[g.enZipf.Uint64()]
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// passage writes sentences until the text is 400-700 characters long.
func (g *gen) passage(zh bool) string {
	target := MinRunes + g.r.IntN(MaxRunes-MinRunes+1)
	var b strings.Builder
	runes := 0
	for runes < target {
		var s string
		if zh {
			s = g.sentenceZH()
		} else {
			s = g.sentenceEN()
			if runes > 0 {
				s = " " + s
			}
		}
		n := utf8.RuneCountInString(s)
		if runes+n > MaxRunes {
			if runes >= MinRunes {
				break
			}
			// Cut the last sentence to fit, on a rune boundary.
			rs := []rune(s)[:MaxRunes-runes-1]
			s = string(rs)
			if zh {
				s += "。"
			} else {
				s += "."
			}
			n = len(rs) + 1
		}
		b.WriteString(s)
		runes += n
	}
	return b.String()
}

func (g *gen) sentenceEN() string {
	n := 10 + g.r.IntN(16)
	words := make([]string, 0, n+3)
	fig := -1
	if g.r.IntN(10) < 5 {
		fig = g.r.IntN(n)
	}
	for i := 0; i < n; i++ {
		if i == fig {
			words = append(words, g.figureEN())
			continue
		}
		words = append(words, g.en[g.enZipf.Uint64()])
	}
	words[0] = strings.ToUpper(words[0][:1]) + words[0][1:]
	return strings.Join(words, " ") + "."
}

func (g *gen) sentenceZH() string {
	n := 6 + g.r.IntN(12)
	var b strings.Builder
	fig := -1
	if g.r.IntN(10) < 5 {
		fig = g.r.IntN(n)
	}
	for i := 0; i < n; i++ {
		if i == fig {
			b.WriteString(g.figureZH())
			continue
		}
		b.WriteString(g.zh[g.zhZipf.Uint64()])
		if i > 0 && i < n-1 && g.r.IntN(8) == 0 {
			b.WriteString("，")
		}
	}
	b.WriteString("。")
	return b.String()
}

func (g *gen) figureEN() string {
	r := g.r
	switch r.IntN(7) {
	case 0:
		return fmt.Sprintf("%d,%03d jobs", 1+r.IntN(999), r.IntN(1000))
	case 1:
		return fmt.Sprintf("%.1f%%", float64(r.IntN(1000))/10)
	case 2:
		return fmt.Sprintf("%d-fold", 2+r.IntN(300))
	case 3:
		return fmt.Sprintf("$%.1f billion", float64(1+r.IntN(999))/10)
	case 4:
		return fmt.Sprintf("%.2f million yuan", float64(1+r.IntN(99999))/100)
	case 5:
		return strconv.Itoa(2015 + r.IntN(11))
	default:
		return strconv.Itoa(1 + r.IntN(5000))
	}
}

func (g *gen) figureZH() string {
	r := g.r
	switch r.IntN(6) {
	case 0:
		return fmt.Sprintf("%.1f万", float64(1+r.IntN(9999))/10)
	case 1:
		return fmt.Sprintf("%.1f亿元", float64(1+r.IntN(9999))/10)
	case 2:
		return fmt.Sprintf("%d%%", 1+r.IntN(99))
	case 3:
		return fmt.Sprintf("%d倍", 2+r.IntN(200))
	case 4:
		return fmt.Sprintf("%d年", 2015+r.IntN(11))
	default:
		return fmt.Sprintf("%d部", 10+r.IntN(5000))
	}
}
