package docx

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// Namespaces of the parts read. Transitional (what Word writes) and Strict
// OOXML name the WordprocessingML elements alike under different URIs.
const (
	nsW       = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsWStrict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
	nsMC      = "http://schemas.openxmlformats.org/markup-compatibility/2006"
	nsDC      = "http://purl.org/dc/elements/1.1/"
)

func isW(n xml.Name) bool { return n.Space == nsW || n.Space == nsWStrict }

// pkg is an opened DOCX archive and what is left of the inflate budget.
type pkg struct {
	files  map[string]*zip.File // by lower-case name
	budget int64
}

func (p *pkg) read() (Doc, error) {
	rels, err := p.rels("_rels/.rels", "")
	if err != nil {
		return Doc{}, err
	}
	main := "word/document.xml"
	if t := rels.target("officeDocument"); t != "" {
		main = t
	}
	if p.files[strings.ToLower(main)] == nil {
		return Doc{}, errors.New("not a Word document (no word/document.xml)")
	}
	dir := path.Dir(main)
	docRels, err := p.rels(path.Join(dir, "_rels", path.Base(main)+".rels"), dir)
	if err != nil {
		return Doc{}, err
	}
	var st styles
	if t := docRels.target("styles"); t != "" && p.files[strings.ToLower(t)] != nil {
		if st, err = p.styles(t); err != nil {
			return Doc{}, err
		}
	}
	w := &walker{styles: st}
	if err := p.parse(main, w.token); err != nil {
		return Doc{}, err
	}
	for _, kind := range []string{"footnotes", "endnotes"} {
		if t := docRels.target(kind); t != "" && p.files[strings.ToLower(t)] != nil {
			if err := p.parse(t, w.token); err != nil {
				return Doc{}, err
			}
		}
	}
	d := Doc{Paragraphs: w.out}
	core := "docProps/core.xml"
	if t := rels.target("core-properties"); t != "" {
		core = t
	}
	if p.files[strings.ToLower(core)] != nil {
		if d.Title, err = p.title(core); err != nil {
			return Doc{}, err
		}
	}
	if d.Title == "" {
		d.Title = w.title
	}
	if len(d.Paragraphs) == 0 {
		return d, errors.New("no text found in the document")
	}
	return d, nil
}

// open returns a reader of the named part that stops, with ErrTooLarge,
// once the document's inflate budget is spent. The sizes in the archive's
// headers are not trusted: the bytes actually inflated are counted.
func (p *pkg) open(name string) (io.ReadCloser, error) {
	f := p.files[strings.ToLower(name)]
	if f == nil {
		return nil, fmt.Errorf("%s: missing", name)
	}
	if f.UncompressedSize64 > uint64(p.budget) {
		return nil, fmt.Errorf("%w: %s inflates to more than %d MiB (a zip bomb?)", ErrTooLarge, name, maxUncompressed>>20)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &budgetReader{rc: rc, p: p, name: name}, nil
}

type budgetReader struct {
	rc   io.ReadCloser
	p    *pkg
	name string
}

func (b *budgetReader) Read(buf []byte) (int, error) {
	if b.p.budget <= 0 {
		return 0, fmt.Errorf("%w: %s inflates to more than %d MiB (a zip bomb?)", ErrTooLarge, b.name, maxUncompressed>>20)
	}
	if int64(len(buf)) > b.p.budget {
		buf = buf[:b.p.budget]
	}
	n, err := b.rc.Read(buf)
	b.p.budget -= int64(n)
	return n, err
}

func (b *budgetReader) Close() error { return b.rc.Close() }

// parse streams the tokens of a part to fn.
func (p *pkg) parse(name string, fn func(xml.Token)) error {
	rc, err := p.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := xml.NewDecoder(rc)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return err
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		fn(tok)
	}
}

// relationships maps a relationship type's last path element
// ("officeDocument", "styles", "footnotes") to its part's name.
type relationships map[string]string

func (r relationships) target(kind string) string { return r[kind] }

// rels reads a relationships part; targets are resolved against dir. A
// missing part is no relationships.
func (p *pkg) rels(name, dir string) (relationships, error) {
	out := relationships{}
	if p.files[strings.ToLower(name)] == nil {
		return out, nil
	}
	err := p.parse(name, func(tok xml.Token) {
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			return
		}
		var typ, target, mode string
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "Type":
				typ = a.Value
			case "Target":
				target = a.Value
			case "TargetMode":
				mode = a.Value
			}
		}
		if mode == "External" || target == "" {
			return
		}
		kind := typ[strings.LastIndexByte(typ, '/')+1:]
		if _, seen := out[kind]; seen {
			return
		}
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join(dir, target)
		}
		out[kind] = target
	})
	return out, err
}

// title reads dc:title from the core properties.
func (p *pkg) title(name string) (string, error) {
	var b strings.Builder
	in := false
	err := p.parse(name, func(tok xml.Token) {
		switch t := tok.(type) {
		case xml.StartElement:
			in = t.Name.Space == nsDC && t.Name.Local == "title"
		case xml.EndElement:
			in = false
		case xml.CharData:
			if in {
				b.Write(t)
			}
		}
	})
	return strings.Join(strings.Fields(b.String()), " "), err
}

// styles maps paragraph style ids to heading levels (1–9) and marks the
// Title style with level -1.
type styles map[string]int

// styles reads the paragraph styles that make headings: by name ("heading
// 1", whatever the id: Chinese Word's ids are "1", "2"…), by outline level,
// or through the style they are based on.
func (p *pkg) styles(name string) (styles, error) {
	type style struct {
		level   int // 0 unknown
		basedOn string
	}
	all := map[string]*style{}
	var cur *style
	err := p.parse(name, func(tok xml.Token) {
		se, ok := tok.(xml.StartElement)
		if !ok || !isW(se.Name) {
			return
		}
		val := attr(se, "val")
		switch se.Name.Local {
		case "style":
			cur = nil
			if attr(se, "type") == "paragraph" {
				cur = &style{}
				all[attr(se, "styleId")] = cur
			}
		case "name":
			if cur != nil {
				n := strings.ToLower(strings.TrimSpace(val))
				if lvl, ok := strings.CutPrefix(n, "heading "); ok {
					if l, err := strconv.Atoi(lvl); err == nil && l >= 1 && l <= 9 {
						cur.level = l
					}
				} else if n == "title" {
					cur.level = -1
				}
			}
		case "basedOn":
			if cur != nil {
				cur.basedOn = val
			}
		case "outlineLvl":
			if l, err := strconv.Atoi(val); cur != nil && cur.level == 0 && err == nil && l >= 0 && l <= 8 {
				cur.level = l + 1
			}
		}
	})
	if err != nil {
		return nil, err
	}
	out := styles{}
	for id, s := range all {
		// Follow basedOn a few steps; a loop in a broken file ends there.
		for i := 0; s != nil && i < 10; i++ {
			if s.level != 0 {
				out[id] = s.level
				break
			}
			s = all[s.basedOn]
		}
	}
	return out, nil
}

// attr returns the value of the w: attribute with the given local name.
func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local && (a.Name.Space == "" || isW(a.Name)) {
			return a.Value
		}
	}
	return ""
}
