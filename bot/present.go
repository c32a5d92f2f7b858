package bot

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"dramabot/knowledge"
)

// MaxFigures is how many figures a reply lists; the rest are counted
// ("+4 more"): on a phone a longer list buries the answer.
const MaxFigures = 8

// present prepares an engine answer for every surface: it fills in what a
// market note is (publisher, producer) from the sources, and words an
// abstention in the asker's language without promising passages it does
// not list.
func (c *Core) present(a knowledge.Answer, lang Lang) knowledge.Answer {
	notes := c.noteIndex()
	for i := range a.Citations {
		if a.Citations[i].Note == nil {
			a.Citations[i].Note = notes[a.Citations[i].SourceID]
		}
	}
	return abstentionText(a, lang)
}

func abstentionText(a knowledge.Answer, lang Lang) knowledge.Answer {
	if a.Abstained {
		a.Text = T(lang).Abstained
		if len(a.Related) > 0 {
			a.Text = T(lang).AbstainedNearest
		}
	}
	return a
}

// ChatAnswer is an answer as the chats show it: a page's title or byline is
// never cited there (it restates a headline, not a finding), so sentences
// quoted from one are left out, and an answer that rests on nothing else
// becomes an abstention. The HTTP API and the command line keep the
// engine's answer as it is, the contract of `ask --json`.
func ChatAnswer(a knowledge.Answer, lang Lang) knowledge.Answer {
	before := a.Abstained
	a = dropBylines(a)
	if a.Abstained && !before {
		a = abstentionText(a, lang)
	}
	return a
}

// noteIndex maps source ids to their market-note descriptions. Listing
// the sources walks the whole index, so the map is kept for a while and
// rebuilt after a reindex.
func (c *Core) noteIndex() map[string]*knowledge.NoteInfo {
	c.notesMu.Lock()
	defer c.notesMu.Unlock()
	if c.notes != nil && time.Since(c.notesAt) < notesTTL {
		return c.notes
	}
	m := map[string]*knowledge.NoteInfo{}
	for _, s := range c.k.Sources() {
		if s.Note != nil {
			m[s.ID] = s.Note
		}
	}
	c.notes, c.notesAt = m, time.Now()
	return m
}

// notesTTL bounds how long noteIndex serves a map built before a reindex
// it was not told about.
const notesTTL = 5 * time.Minute

// forgetNotes makes the next noteIndex rebuild the map.
func (c *Core) forgetNotes() {
	c.notesMu.Lock()
	c.notes = nil
	c.notesMu.Unlock()
}

// IsByline reports whether a passage is a page's title or byline: it
// starts with the title and is little more than it, or carries the
// "From: … Editor: …" line of a page header.
func IsByline(title, passage string) bool {
	t, p := fold(title), fold(passage)
	if t == "" || !strings.HasPrefix(p, t) {
		return false
	}
	rest := p[len(t):]
	return len(rest) < 40 || strings.Contains(rest, "from:") || strings.Contains(rest, "editor:") ||
		strings.Contains(rest, "published:") || strings.Contains(rest, "来源：") || strings.Contains(rest, "编辑：")
}

func fold(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// dropBylines removes the citations of title and byline passages, the
// sentences quoted from them and their figures, and renumbers the rest.
// An answer left with nothing becomes an abstention with the remaining
// related passages.
func dropBylines(a knowledge.Answer) knowledge.Answer {
	drop := map[int]bool{}
	for _, c := range a.Citations {
		if IsByline(c.Title, c.Quote) {
			drop[c.N] = true
		}
	}
	var related []knowledge.Related
	for _, r := range a.Related {
		if !IsByline(r.Title, r.Text) {
			related = append(related, r)
		}
	}
	a.Related = related
	if len(drop) == 0 {
		return a
	}
	renum := map[int]int{}
	var cites []knowledge.Citation
	for _, c := range a.Citations {
		if drop[c.N] {
			continue
		}
		renum[c.N] = len(cites) + 1
		c.N = len(cites) + 1
		cites = append(cites, c)
	}
	var sents []knowledge.Sentence
	var parts []string
	for _, s := range a.Sentences {
		if n, ok := renum[s.Citation]; ok {
			s.Citation = n
			sents = append(sents, s)
			parts = append(parts, s.Text+" "+knowledge.Marker(n))
		}
	}
	var figs []knowledge.Figure
	for _, f := range a.Figures {
		if n, ok := renum[f.Citation]; ok {
			f.Citation = n
			figs = append(figs, f)
		}
	}
	a.Citations, a.Sentences, a.Figures = cites, sents, figs
	if len(sents) == 0 && !a.Abstained {
		a.Abstained = true
		a.Reason = "only a title or byline matched"
		a.Citations, a.Figures = nil, nil
		return a
	}
	if !a.Abstained {
		a.Text = strings.Join(parts, " ")
	}
	return a
}

// FiguresLine lists figures with their citation markers, at most
// MaxFigures, then how many more there are.
func FiguresLine(figs []knowledge.Figure) string { return FiguresLineLang(LangEN, figs) }

// FiguresLineLang is FiguresLine with the "+N more" in the asker's
// language.
func FiguresLineLang(l Lang, figs []knowledge.Figure) string {
	n := min(len(figs), MaxFigures)
	parts := make([]string, n, n+1)
	for i, f := range figs[:n] {
		parts[i] = f.Label + " " + knowledge.Marker(f.Citation)
	}
	if more := len(figs) - n; more > 0 {
		parts = append(parts, fmt.Sprintf("+%d %s", more, T(l).MoreFigures))
	}
	return strings.Join(parts, " · ")
}

// CiteTitle is the title a citation shows: for a market note, the title of
// the page the note is on.
func CiteTitle(title string, note *knowledge.NoteInfo) string {
	if note != nil && note.PageTitle != "" {
		return note.PageTitle
	}
	return title
}

// CiteMeta describes where a cited passage comes from, after its title:
// "China Daily, 2023-12-29, paragraph 3", or for a market note "note on
// China Daily, 2023-12-29, citing iiMedia Research (forecast)".
func CiteMeta(l Lang, publisher, date string, paragraph int, note *knowledge.NoteInfo) string {
	t := T(l)
	sep := ", "
	if l == LangZH {
		sep = "，"
	}
	var parts []string
	if p := strings.TrimSpace(publisher); p != "" {
		parts = append(parts, p)
	}
	if d := strings.TrimSpace(date); d != "" {
		parts = append(parts, d)
	}
	if note != nil {
		s := t.NoteOn + " " + strings.Join(parts, sep)
		if len(parts) == 0 {
			s = t.NoteOn
		}
		parts = []string{s}
		if note.Producer != "" && note.Producer != publisher {
			parts = append(parts, t.Citing+" "+note.Producer)
		}
		if note.Forecast {
			parts = append(parts, t.Forecast)
		}
	} else if paragraph > 0 {
		parts = append(parts, t.ParagraphText(paragraph))
	}
	return strings.Join(parts, sep)
}

// CitationSource renders a citation's source line in plain text:
// "[1] "Title", note on China Daily, 2023-12-29, citing iiMedia Research".
func CitationSource(l Lang, c knowledge.Citation) string {
	return knowledge.Marker(c.N) + " " + quoteTitle(CiteTitle(c.Title, c.Note)) + sepOf(l) + CiteMeta(l, c.Publisher, c.Date, c.Paragraph, c.Note)
}

// sepOf separates the parts of a source line: ", " or "，".
func sepOf(l Lang) string {
	if l == LangZH {
		return "，"
	}
	return ", "
}

func quoteTitle(t string) string {
	switch {
	case strings.TrimSpace(t) == "":
		return `"(untitled)"`
	case strings.ContainsAny(t, "\"\\"):
		return strconv.Quote(t)
	}
	return `"` + t + `"`
}

// PublisherGroup is the sources of one publisher, for /sources: with ~170
// market notes a flat list is useless, a count and a date range per
// publisher is what a reader can take in.
type PublisherGroup struct {
	Publisher        string
	Documents, Notes int
	Passages         int
	From, To         string // date range, YYYY-MM-DD when known
	Title, URL       string // set when the publisher has one document
}

// GroupSources groups sources by publisher, the largest groups first.
func GroupSources(srcs []knowledge.SourceStat) []PublisherGroup {
	byName := map[string]*PublisherGroup{}
	var order []*PublisherGroup
	for _, s := range srcs {
		name := strings.TrimSpace(s.Publisher)
		if name == "" {
			name = "-"
		}
		key := strings.ToLower(name)
		g := byName[key]
		if g == nil {
			g = &PublisherGroup{Publisher: name}
			byName[key] = g
			order = append(order, g)
		}
		g.Documents++
		if s.Note != nil {
			g.Notes++
		}
		g.Passages += s.Passages
		if d := s.Date; d != "" {
			if g.From == "" || d < g.From {
				g.From = d
			}
			if d > g.To {
				g.To = d
			}
		}
		if g.Documents == 1 {
			g.Title, g.URL = CiteTitle(s.Title, s.Note), s.URL
		} else {
			g.Title, g.URL = "", ""
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].Documents != order[j].Documents {
			return order[i].Documents > order[j].Documents
		}
		return strings.ToLower(order[i].Publisher) < strings.ToLower(order[j].Publisher)
	})
	out := make([]PublisherGroup, len(order))
	for i, g := range order {
		out[i] = *g
	}
	return out
}

// SourcesHead summarizes the corpus in one line: "172 documents from 48
// publishers, 2023-12-29 to 2025-11-11 (170 market notes)".
func SourcesHead(l Lang, srcs []knowledge.SourceStat) string {
	groups := GroupSources(srcs)
	notes := 0
	from, to := "", ""
	for _, g := range groups {
		notes += g.Notes
		if g.From != "" && (from == "" || g.From < from) {
			from = g.From
		}
		if g.To > to {
			to = g.To
		}
	}
	if l == LangZH {
		s := fmt.Sprintf("共 %d 份资料，来自 %d 个发布方", len(srcs), len(groups))
		if from != "" {
			s += "，" + dateRange(from, to)
		}
		if notes > 0 {
			s += fmt.Sprintf("（其中市场笔记 %d 条）", notes)
		}
		return s
	}
	s := fmt.Sprintf("%s from %s", plural(len(srcs), "document"), plural(len(groups), "publisher"))
	if from != "" {
		s += ", " + dateRange(from, to)
	}
	if notes > 0 {
		s += fmt.Sprintf(" (%s)", plural(notes, "market note"))
	}
	return s
}

// GroupLine describes one publisher's sources after its name: "24 notes,
// 2023-12-29 to 2025-10-12", or for a single document its title.
func GroupLine(l Lang, g PublisherGroup) string {
	sep := ", "
	if l == LangZH {
		sep = "，"
	}
	var parts []string
	switch {
	case l == LangZH && g.Notes == g.Documents:
		parts = append(parts, fmt.Sprintf("%d 条笔记", g.Notes))
	case l == LangZH:
		parts = append(parts, fmt.Sprintf("%d 份资料", g.Documents))
	case g.Notes == g.Documents:
		parts = append(parts, plural(g.Notes, "note"))
	case g.Notes > 0:
		parts = append(parts, plural(g.Documents, "document")+" ("+plural(g.Notes, "note")+")")
	default:
		parts = append(parts, plural(g.Documents, "document")+" ("+plural(g.Passages, "passage")+")")
	}
	if g.From != "" {
		parts = append(parts, dateRange(g.From, g.To))
	}
	if g.Title != "" && g.Notes == 0 {
		parts = append(parts, quoteTitle(g.Title))
	}
	return strings.Join(parts, sep)
}

func dateRange(from, to string) string {
	if from == to || to == "" {
		return from
	}
	return from + " – " + to
}

// topicNames names the market notes' topics in both languages.
var topicNames = map[string][2]string{
	"market-size": {"market size", "市场规模"}, "users": {"users", "用户"}, "jobs": {"jobs", "就业"},
	"titles": {"titles and licensing", "剧目与备案"}, "regulation": {"regulation", "监管"},
	"platforms": {"platforms", "平台"}, "overseas": {"overseas apps", "出海"},
	"production": {"production cost and time", "制作成本与周期"}, "clusters": {"production clusters", "拍摄基地"},
	"hits": {"hits", "爆款"},
}

// TopicsLine counts the market notes by topic, the largest first: "By
// topic: overseas apps 36 · market size 30 · …"; "" without notes.
func TopicsLine(l Lang, srcs []knowledge.SourceStat) string {
	counts := map[string]int{}
	var order []string
	for _, s := range srcs {
		if s.Note == nil || s.Note.Topic == "" {
			continue
		}
		if counts[s.Note.Topic] == 0 {
			order = append(order, s.Note.Topic)
		}
		counts[s.Note.Topic]++
	}
	if len(order) == 0 {
		return ""
	}
	sort.SliceStable(order, func(i, j int) bool { return counts[order[i]] > counts[order[j]] })
	parts := make([]string, len(order))
	for i, t := range order {
		name := strings.ReplaceAll(t, "-", " ")
		if n, ok := topicNames[t]; ok {
			name = n[0]
			if l == LangZH {
				name = n[1]
			}
		}
		parts[i] = fmt.Sprintf("%s %d", name, counts[t])
	}
	if l == LangZH {
		return "按主题：" + strings.Join(parts, " · ")
	}
	return "By topic: " + strings.Join(parts, " · ")
}

// ChatGroups splits the publisher groups for a chat, where a line per
// publisher of a single note would scroll for pages: the publishers with
// several documents (at most max), and the rest.
func ChatGroups(groups []PublisherGroup, max int) (shown, rest []PublisherGroup) {
	for _, g := range groups {
		if g.Documents > 1 && len(shown) < max || len(groups) <= max {
			shown = append(shown, g)
		} else {
			rest = append(rest, g)
		}
	}
	return shown, rest
}

// RestLine sums up the publishers a chat does not list one by one: "and 47
// more publishers with one document each: A, B, …".
func RestLine(l Lang, rest []PublisherGroup, maxRunes int) string {
	if len(rest) == 0 {
		return ""
	}
	docs := 0
	names := make([]string, len(rest))
	for i, g := range rest {
		docs += g.Documents
		names[i] = g.Publisher
	}
	head := fmt.Sprintf("and %s with %s: ", plural(len(rest), "more publisher"), plural(docs, "document"))
	if l == LangZH {
		head = fmt.Sprintf("另有 %d 个发布方，共 %d 份资料：", len(rest), docs)
	}
	return head + Excerpt(strings.Join(names, ", "), maxRunes)
}

// SourcesText lists the corpus by publisher, for the command line.
func SourcesText(srcs []knowledge.SourceStat) string {
	if len(srcs) == 0 {
		return T(LangEN).NoSources + "\n"
	}
	var b strings.Builder
	b.WriteString(SourcesHead(LangEN, srcs) + ".\n")
	if t := TopicsLine(LangEN, srcs); t != "" {
		b.WriteString(t + ".\n")
	}
	for _, g := range GroupSources(srcs) {
		fmt.Fprintf(&b, "  %s — %s", g.Publisher, GroupLine(LangEN, g))
		if g.URL != "" && g.Notes == 0 {
			b.WriteString(", " + g.URL)
		}
		b.WriteByte('\n')
	}
	b.WriteString("(`dramabot sources --json` lists every document.)\n")
	return b.String()
}

// isFiller reports whether s holds nothing but punctuation and spaces.
func isFiller(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0
}
