package docx

import (
	"encoding/xml"
	"strconv"
	"strings"
)

// skipped are the w: elements whose content a reader does not see: tracked
// deletions and moves away, field instructions ("PAGE", "HYPERLINK …"), and
// run properties.
var skipped = map[string]bool{
	"del": true, "delText": true, "delInstrText": true, "moveFrom": true,
	"instrText": true, "rPr": true,
}

// cellSep separates a table row's cells, so the row reads as one line.
const cellSep = " | "

// walker turns the token stream of the body, footnotes and endnotes into
// paragraphs.
type walker struct {
	styles styles
	out    []Paragraph
	title  string // the first paragraph in the Title style

	skip   int    // depth inside a skipped element
	inText bool   // inside w:t
	paras  []para // open paragraphs; more than one inside a text box
	tables []table
}

type para struct {
	text  strings.Builder
	style string
	level int // from an outline level set on the paragraph itself
}

type table struct {
	rows  []string
	cells []string // of the open row
	cell  []string // paragraphs of the open cell
}

func (w *walker) token(tok xml.Token) {
	switch t := tok.(type) {
	case xml.StartElement:
		switch {
		case w.skip > 0:
			w.skip++
		case t.Name.Space == nsMC && t.Name.Local == "Fallback":
			// The same content as mc:Choice, for older readers.
			w.skip = 1
		case !isW(t.Name):
		case skipped[t.Name.Local]:
			w.skip = 1
		default:
			w.start(t)
		}
	case xml.EndElement:
		switch {
		case w.skip > 0:
			w.skip--
		case isW(t.Name):
			w.end(t.Name.Local)
		}
	case xml.CharData:
		if w.inText && w.skip == 0 {
			w.write(string(t))
		}
	}
}

func (w *walker) write(s string) {
	if n := len(w.paras); n > 0 {
		w.paras[n-1].text.WriteString(s)
	}
}

func (w *walker) start(t xml.StartElement) {
	switch t.Name.Local {
	case "footnote", "endnote":
		// The separator lines Word draws above the notes are not notes.
		if typ := attr(t, "type"); typ != "" && typ != "normal" {
			w.skip = 1
		}
	case "p":
		w.paras = append(w.paras, para{})
	case "pStyle":
		if n := len(w.paras); n > 0 {
			w.paras[n-1].style = attr(t, "val")
		}
	case "outlineLvl":
		if l, err := strconv.Atoi(attr(t, "val")); err == nil && l >= 0 && l <= 8 {
			if n := len(w.paras); n > 0 {
				w.paras[n-1].level = l + 1
			}
		}
	case "t":
		w.inText = true
	case "tab", "ptab":
		w.write("\t")
	case "br", "cr":
		w.write("\n")
	case "noBreakHyphen":
		w.write("-")
	case "tbl":
		w.tables = append(w.tables, table{})
	case "tr":
		if n := len(w.tables); n > 0 {
			w.tables[n-1].cells = nil
		}
	case "tc":
		if n := len(w.tables); n > 0 {
			w.tables[n-1].cell = nil
		}
	}
}

func (w *walker) end(local string) {
	switch local {
	case "t":
		w.inText = false
	case "p":
		n := len(w.paras)
		if n == 0 {
			return
		}
		p := w.paras[n-1]
		w.paras = w.paras[:n-1]
		w.paragraph(p)
	case "tc":
		if n := len(w.tables); n > 0 {
			t := &w.tables[n-1]
			t.cells = append(t.cells, strings.Join(t.cell, " "))
			t.cell = nil
		}
	case "tr":
		if n := len(w.tables); n > 0 {
			t := &w.tables[n-1]
			row := strings.Join(t.cells, cellSep)
			if strings.TrimSpace(strings.ReplaceAll(row, strings.TrimSpace(cellSep), "")) != "" {
				t.rows = append(t.rows, row)
			}
			t.cells = nil
		}
	case "tbl":
		n := len(w.tables)
		if n == 0 {
			return
		}
		rows := w.tables[n-1].rows
		w.tables = w.tables[:n-1]
		if len(rows) == 0 {
			return
		}
		if n > 1 {
			// A table in a cell: its rows go into that cell.
			outer := &w.tables[n-2]
			outer.cell = append(outer.cell, strings.Join(rows, "; "))
			return
		}
		w.emit(Paragraph{Text: strings.Join(rows, "\n")})
	}
}

// paragraph places a finished paragraph: into the open table cell, or
// into the output with its heading level.
func (w *walker) paragraph(p para) {
	text := tidy(p.text.String())
	if text == "" {
		return
	}
	if n := len(w.tables); n > 0 {
		t := &w.tables[n-1]
		// A cell's paragraphs and line breaks read as one line of the row.
		t.cell = append(t.cell, strings.Join(strings.Fields(text), " "))
		return
	}
	level := p.level
	if level == 0 && p.style != "" {
		level = w.styles[p.style]
	}
	if level < 0 { // the Title style
		if w.title == "" {
			w.title = strings.Join(strings.Fields(text), " ")
		}
		level = 1
	}
	w.emit(Paragraph{Text: text, Level: level})
}

func (w *walker) emit(p Paragraph) { w.out = append(w.out, p) }

// tidy trims each line of a paragraph and drops empty lines; tabs inside a
// line are kept.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
