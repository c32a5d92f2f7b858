package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"dramabot/knowledge"
)

// noteLine is one market note: a fact read on a public page, restated in
// our own words in English and Chinese, with who produced the figure and
// when. Each note becomes its own source, so that a citation names the page
// the fact was read on and its producer.
type noteLine struct {
	ID            string `json:"id"`
	Topic         string `json:"topic"`
	En            string `json:"en"`
	Zh            string `json:"zh"`
	Title         string `json:"title"`
	Publisher     string `json:"publisher"`
	Producer      string `json:"producer"`
	Published     string `json:"published"`
	PublishedNote string `json:"published_note"`
	Period        string `json:"period"`
	Forecast      bool   `json:"forecast"`
	URL           string `json:"url"`
	SourceLang    string `json:"source_lang"`
	Grade         string `json:"grade"`
	Checked       string `json:"checked"`
}

// isNotes reports whether a JSONL file holds market notes rather than
// ready-made passages: its first record has "en" and "zh" and no "text".
func isNotes(first []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(first, &probe) != nil {
		return false
	}
	_, en := probe["en"]
	_, zh := probe["zh"]
	_, text := probe["text"]
	return en && zh && !text
}

// readNotes reads a notes file. A note whose grade is not A or B is left
// out: only confirmed facts are answered from.
func readNotes(r io.Reader, full string) ([]knowledge.Document, []Problem) {
	var docs []knowledge.Document
	var problems []Problem
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxFileBytes)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		where := full + ":" + strconv.Itoa(line)
		fail := func(err error) { problems = append(problems, Problem{Path: where, Err: err}) }
		if !utf8.Valid(b) {
			fail(errors.New("not valid UTF-8"))
			continue
		}
		var n noteLine
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&n); err != nil {
			fail(fmt.Errorf("bad note: %w", err))
			continue
		}
		n.ID = strings.TrimSpace(n.ID)
		en, zh := cleanNoteLine(n.En), cleanNoteLine(n.Zh)
		switch {
		case n.ID == "":
			fail(errors.New(`note without "id"`))
			continue
		case seen[n.ID]:
			fail(fmt.Errorf("duplicate note id %q", n.ID))
			continue
		case en == "" && zh == "":
			fail(fmt.Errorf("note %q has no text", n.ID))
			continue
		case n.Grade != "A" && n.Grade != "B":
			continue
		}
		seen[n.ID] = true
		src := knowledge.Source{
			ID:        n.ID,
			Title:     noteTitle(n),
			Publisher: strings.TrimSpace(n.Publisher),
			URL:       strings.TrimSpace(n.URL),
			Lang:      "en,zh",
			Origin:    "notes:" + full,
			Note: &knowledge.NoteInfo{
				Topic: n.Topic, Producer: strings.TrimSpace(n.Producer), Period: n.Period,
				Forecast: n.Forecast, Grade: n.Grade, PageTitle: strings.TrimSpace(n.Title), PageLang: n.SourceLang,
			},
		}
		if d, ok := NormalizeDate(n.Published); ok {
			src.Date = d
		} else if p := strings.TrimSpace(n.Published); p != "" {
			src.Date = p // a month or a year: shown as given
		}
		text := strings.TrimSpace(en + "\n" + zh)
		docs = append(docs, knowledge.Document{Source: src, Passages: []knowledge.Passage{{
			ID: n.ID, SourceID: src.ID, Ordinal: 1, Text: text,
		}}})
	}
	if err := sc.Err(); err != nil {
		problems = append(problems, Problem{Path: full + ":" + strconv.Itoa(line+1), Err: err})
	}
	return docs, problems
}

// cleanNoteLine keeps a note's line on one line: the passage holds the
// English line, a line break, and the Chinese line.
func cleanNoteLine(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	return strings.Join(strings.Fields(s), " ")
}

// noteTitle says that the passage is our note on a page, so that nobody
// takes our words for the source's.
func noteTitle(n noteLine) string {
	t := strings.TrimSpace(n.Title)
	if t == "" || strings.HasPrefix(t, "[") {
		// No headline on the page ("[headline not shown …]").
		return "Note on a page of " + strings.TrimSpace(n.Publisher)
	}
	return "Note on “" + t + "”"
}

// firstLine returns the first non-blank line of br without consuming it,
// as far as it fits in br's buffer.
func firstLine(br *bufio.Reader) []byte {
	buf, _ := br.Peek(br.Size())
	for len(buf) > 0 {
		line, rest, _ := bytes.Cut(buf, []byte("\n"))
		if l := bytes.TrimSpace(line); len(l) > 0 {
			return l
		}
		buf = rest
	}
	return nil
}
