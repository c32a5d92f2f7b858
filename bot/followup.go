package bot

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"dramabot/knowledge/glossary"
	"dramabot/knowledge/text"
)

// Follow-ups: "what about 2023?", "and the users?", "那2024年呢？", "who
// said that?" mean nothing alone. Merged with the question before them they
// are full questions again: a new year replaces the old one, a new metric
// or entity replaces the old one of its kind (the glossary knows which
// words are metrics and entities, in English and Chinese), and "who said
// that?" is answered from the previous answer's citations.

type followKind int

const (
	followNone       followKind = iota // a question of its own
	followMerged                       // merged with the previous question
	followWhoSaid                      // asks for the previous answer's sources
	followUnresolved                   // reads as a follow-up, but to nothing known
)

type followUp struct {
	kind     followKind
	question string // for followMerged
}

var (
	markerEN = regexp.MustCompile(`(?i)^\s*(?:and\s+what\s+about|and\s+how\s+about|what\s+about|how\s+about|what\s+of|and\s+for|and\s+in|and|same\s+for|now\s+for)\b[\s,:]*`)
	markerZH = regexp.MustCompile(`^\s*(?:那么|那|还有|再问|换成)[\s，,]*`)
	endZH    = regexp.MustCompile(`[呢吗]?\s*[?？。!！]*\s*$`)
	whoSaid  = regexp.MustCompile(`(?i)^\s*(?:and\s+)?(?:who\s+(?:said|says|say|reported|claims?|published|estimated|counted)\b|(?:what|which)\s+(?:is\s+the\s+|was\s+the\s+)?(?:sources?|reports?)\b|where\s+(?:does|did|is)\s+(?:that|this|it)\s+(?:come|from)|sources?\s*[?？]*\s*$)|谁说的|谁统计的|出处|来源是|数据来源|来自哪|哪里来的|根据什么|谁的数据`)
	yearRE   = regexp.MustCompile(`(?:19|20)\d{2}`)
	// asksItself matches a sentence that opens as a full question.
	asksItself = regexp.MustCompile(`(?i)^\s*(?:how|what|who|whom|whose|when|where|which|why|is|are|was|were|do|does|did|can|could|will|would|should|has|have|had|list|name|tell|give|show)\b|^\s*\S*(?:多少|什么|哪|谁|几|怎么|如何|是否|吗)`)
	wordRE     = regexp.MustCompile(`[\p{L}\p{N}][\p{L}\p{N}'’-]*`)
)

// stop words that carry no topic in a short follow-up.
var followStop = map[string]bool{
	"the": true, "a": true, "an": true, "of": true, "in": true, "for": true, "on": true, "at": true,
	"then": true, "there": true, "that": true, "this": true, "it": true, "its": true, "year": true,
	"what": true, "about": true, "how": true, "and": true, "is": true, "was": true, "were": true,
	"are": true, "did": true, "do": true, "does": true, "so": true, "also": true, "same": true,
	"please": true, "number": true, "figure": true, "figures": true, "one": true, "to": true, "by": true,
}

// resolveFollowUp decides whether q follows up on prev and, if so, merges
// them.
func resolveFollowUp(prev *turn, q string) followUp {
	if whoSaid.MatchString(q) && shortQuestion(q, 8) {
		if prev == nil || len(prev.answer.Citations) == 0 {
			return followUp{kind: followUnresolved}
		}
		return followUp{kind: followWhoSaid}
	}
	delta, marked := stripMarkers(q)
	if prev == nil {
		// "what about 2024?" and "and the users?" need the question before
		// them; "what about the platypus series?" names its own subject.
		if marked && shortQuestion(q, 5) && !namesSubject(delta) {
			return followUp{kind: followUnresolved}
		}
		return followUp{}
	}
	// Without a marker, only a fragment ("2024?", "Kuaishou?", "in
	// 2022") is a follow-up: "How many jobs?" is a question of its own.
	if !marked && (!shortQuestion(q, 4) || asksItself.MatchString(q) || !lacksPrevious(prev.resolved, q)) {
		return followUp{}
	}
	if marked && !shortQuestion(q, 8) {
		return followUp{} // "and how many jobs did the boom create in Hengdian?" stands alone
	}
	merged, ok := merge(prev.resolved, delta)
	if !ok {
		return followUp{kind: followUnresolved}
	}
	return followUp{kind: followMerged, question: merged}
}

// stripMarkers removes "and", "what about", "那", "呢" and the question
// mark, and reports whether there was a marker.
func stripMarkers(q string) (string, bool) {
	marked := false
	if loc := markerEN.FindStringIndex(q); loc != nil && loc[1] > loc[0] {
		q, marked = q[loc[1]:], true
	}
	if loc := markerZH.FindStringIndex(q); loc != nil && loc[1] > loc[0] {
		q, marked = q[loc[1]:], true
	}
	if strings.ContainsAny(q, "呢") && endZH.MatchString(q) {
		marked = true
	}
	q = endZH.ReplaceAllString(q, "")
	return strings.TrimSpace(strings.TrimRight(q, "?？.!！ ")), marked
}

// shortQuestion reports whether q has at most n words (a Chinese word
// counted as two characters).
func shortQuestion(q string, n int) bool {
	words, han := 0, 0
	for _, w := range wordRE.FindAllString(q, -1) {
		if strings.ContainsFunc(w, text.IsCJK) {
			han += utf8.RuneCountInString(w)
		} else {
			words++
		}
	}
	return words+(han+1)/2 <= n
}

// lacksPrevious reports whether q leaves out a content word of prev: a
// short message that names none of what was asked is about it.
func lacksPrevious(prev, q string) bool {
	ql := strings.ToLower(q)
	for _, w := range contentWords(prev) {
		if !strings.Contains(ql, w) {
			return true
		}
	}
	return false
}

func contentWords(s string) []string {
	var out []string
	for _, w := range wordRE.FindAllString(strings.ToLower(s), -1) {
		if !followStop[w] && !strings.ContainsFunc(w, text.IsCJK) && len(w) > 2 {
			out = append(out, w)
		}
	}
	return out
}

// merge builds the full question from the previous one and what the
// follow-up changes; false when the follow-up changes nothing we can tell.
func merge(prev, delta string) (string, bool) {
	zhBase := DetectLang(prev) == LangZH
	out := prev
	changed := false

	// A new year replaces the old ones.
	if years := yearRE.FindAllString(delta, -1); len(years) > 0 {
		old := yearRE.FindAllString(out, -1)
		if len(old) > 0 {
			first := old[0]
			out = strings.ReplaceAll(out, first, years[0])
			for _, o := range old[1:] {
				if o != first && len(years) > 1 {
					out = strings.ReplaceAll(out, o, years[1])
				}
			}
		} else if zhBase {
			out = years[0] + "年" + out
		} else {
			out = appendPhrase(out, "in "+years[0])
		}
		delta = yearRE.ReplaceAllString(delta, " ")
		delta = strings.ReplaceAll(delta, "年", " ")
		changed = true
	}

	// Glossary terms replace the previous term of their kind.
	g := glossary.Default()
	prevMatches := g.Find(out)
	covered := make([]bool, len(delta))
	for _, m := range g.Find(delta) {
		for i := m.Start; i < m.End; i++ {
			covered[i] = true
		}
		if m.Entry.Kind == glossary.Unit {
			continue
		}
		term := termIn(m, delta[m.Start:m.End], zhBase)
		replaced := false
		for i := len(prevMatches) - 1; i >= 0; i-- {
			pm := prevMatches[i]
			if pm.Entry.Kind != m.Entry.Kind || pm.Entry == m.Entry {
				continue
			}
			if m.Entry.Kind == glossary.Concept && pm.Entry.ID == "micro-drama" {
				continue // the format itself is the subject, not a focus to swap
			}
			out = out[:pm.Start] + term + out[pm.End:]
			replaced = true
			break
		}
		if !replaced && !containsEntry(prevMatches, m.Entry) {
			if m.Entry.Kind == glossary.Metric && !zhBase {
				out = metricQuestion(m.Entry, term, prev)
			} else if zhBase {
				out = insertZH(out, term)
			} else {
				out = appendPhrase(out, "for "+term)
			}
		}
		changed = true
		prevMatches = g.Find(out)
	}

	// Other words of the follow-up are added as they are.
	var rest []string
	for _, loc := range wordRE.FindAllStringIndex(delta, -1) {
		if covered[loc[0]] {
			continue
		}
		w := delta[loc[0]:loc[1]]
		if followStop[strings.ToLower(w)] || isFiller(w) {
			continue
		}
		rest = append(rest, w)
	}
	if len(rest) > 0 && !changed {
		extra := strings.Join(rest, " ")
		if zhBase {
			out = insertZH(out, extra)
		} else {
			out = appendPhrase(out, extra)
		}
		changed = true
	}
	return out, changed
}

// namesSubject reports whether a follow-up's remainder names something to
// ask about: a word that is neither a year, a stop word nor a metric.
func namesSubject(delta string) bool {
	metric := make([]bool, len(delta))
	for _, m := range glossary.Default().Find(delta) {
		if m.Entry.Kind == glossary.Metric || m.Entry.Kind == glossary.Unit {
			for i := m.Start; i < m.End; i++ {
				metric[i] = true
			}
		}
	}
	for _, loc := range wordRE.FindAllStringIndex(delta, -1) {
		w := strings.ToLower(delta[loc[0]:loc[1]])
		if metric[loc[0]] || followStop[w] || yearRE.MatchString(w) || strings.Trim(w, "0123456789年") == "" {
			continue
		}
		return true
	}
	return false
}

func containsEntry(ms []glossary.Match, e *glossary.Entry) bool {
	for _, m := range ms {
		if m.Entry == e {
			return true
		}
	}
	return false
}

// termIn writes a glossary term in the base question's language: as the
// follow-up wrote it when the languages agree, else the glossary's first
// term in the other language.
func termIn(m glossary.Match, written string, zhBase bool) string {
	writtenZH := strings.ContainsFunc(written, text.IsCJK)
	switch {
	case zhBase == writtenZH:
		return written
	case zhBase && len(m.Entry.ZH) > 0:
		return m.Entry.ZH[0]
	case !zhBase && len(m.Entry.EN) > 0:
		t := m.Entry.EN[0]
		if m.Entry.Kind == glossary.Metric && countable[m.Entry.ID] && !strings.HasSuffix(t, "s") {
			t += "s"
		}
		return t
	}
	return written
}

// countable metrics are asked about with "how many".
var countable = map[string]bool{
	"users": true, "mau": true, "dau": true, "heavy-users": true, "paying-users": true, "internet-users": true,
	"jobs": true, "title": true, "episode": true, "downloads": true, "views": true, "companies": true, "crew": true,
}

// metricQuestion asks for a metric the previous question did not name,
// about what it was about: its entities, concepts and years.
func metricQuestion(e *glossary.Entry, term, prev string) string {
	var ctx []string
	for _, m := range glossary.Default().Find(prev) {
		if m.Entry.Kind == glossary.Entity || m.Entry.Kind == glossary.Concept {
			ctx = append(ctx, prev[m.Start:m.End])
		}
	}
	q := "What was the " + term
	if countable[e.ID] {
		q = "How many " + term
	}
	if len(ctx) > 0 {
		q += " for " + strings.Join(ctx, " ")
	}
	if years := yearRE.FindAllString(prev, -1); len(years) > 0 {
		q += " in " + years[0]
	}
	return q + "?"
}

func appendPhrase(q, phrase string) string {
	return strings.TrimRightFunc(q, func(r rune) bool { return r == '?' || r == '？' || unicode.IsSpace(r) }) + " " + phrase + "?"
}

// insertZH puts a term before the question's last clause mark.
func insertZH(q, term string) string {
	base := strings.TrimRight(q, "?？。 ")
	return base + "，" + term + "？"
}

var (
	thanksRE = regexp.MustCompile(`(?i)^\s*(?:thanks?(?:\s+you)?(?:\s+(?:so|very)\s+much)?|thx|ty|cheers|great,?\s+thanks?|ok(?:ay)?,?\s+thanks?|谢谢(?:你|您)?|多谢|感谢|好的，?谢谢)\s*[!.！。~～]*\s*$`)
	helloRE  = regexp.MustCompile(`(?i)^\s*(?:hi|hello|hey|你好|您好|嗨)\s*[!.！。~～]*\s*$`)
)

// smallTalk answers thanks and greetings, which are not questions for the
// sources: searching them would only abstain.
func smallTalk(q string, lang Lang) (string, bool) {
	switch {
	case thanksRE.MatchString(q):
		return T(lang).YouAreWelcome, true
	case helloRE.MatchString(q):
		return T(lang).Welcome, true
	}
	return "", false
}
