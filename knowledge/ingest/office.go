package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"

	"dramabot/knowledge"
	"dramabot/knowledge/docx"
	"dramabot/knowledge/pdf"
)

// pdfReader reads every PDF; it runs pdftotext, which bounds its own time.
var pdfReader = pdf.New()

// loadOffice reads a PDF or DOCX file: k is its kind. A PDF's passages
// carry their page, for citations such as "p. 12".
func loadOffice(f fs.File, p, full, k string) ([]knowledge.Document, []Problem) {
	fail := func(err error) ([]knowledge.Document, []Problem) {
		return nil, []Problem{{Path: full, Err: err}}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return fail(err)
	}
	if len(data) > MaxFileBytes {
		return fail(fmt.Errorf("file is larger than %d MiB", MaxFileBytes>>20))
	}
	src := knowledge.Source{ID: sourceID(p), Origin: full}
	var passages []knowledge.Passage
	switch k {
	case "docx":
		d, err := docx.Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return fail(err)
		}
		src.Title = d.Title
		body := clean(d.Text(), &src)
		if src.Title == "" {
			src.Title = titleFromName(p)
		}
		passages = ChunkDocument(src, body, true)
	case "pdf":
		d, err := pdfReader.Read(context.Background(), data)
		if err != nil {
			return fail(err)
		}
		src.Title = d.Title
		pages := make([]string, len(d.Pages))
		for i, pg := range d.Pages {
			// Page by page, so that a byline on the first page names the
			// publisher and no cleaning moves text across pages.
			pages[i] = clean(pg.Text(), &src)
		}
		if src.Title == "" {
			src.Title = titleFromName(p)
		}
		passages = ChunkPages(src, pages, true)
	}
	if len(passages) <= 1 {
		return fail(errors.New("no text found"))
	}
	return []knowledge.Document{{Source: src, Passages: passages}}, nil
}

// ChunkPages cuts a paged document (a PDF) into passages as ChunkDocument
// does, page by page, so that no passage spans two pages and each carries
// its page number (pages[0] is page 1). Ordinals and ids run on across
// pages.
func ChunkPages(src knowledge.Source, pages []string, withTitle bool) []knowledge.Passage {
	var out []knowledge.Passage
	if withTitle {
		out = ChunkDocument(src, "", true)
	}
	n := 0
	for i, text := range pages {
		for _, p := range ChunkDocument(src, text, false) {
			n++
			p.ID = src.ID + "#" + strconv.Itoa(n)
			p.Ordinal = n
			p.Page = i + 1
			out = append(out, p)
		}
	}
	return out
}

// isOffice reports the kinds loadOffice reads.
func isOffice(k string) bool { return k == "pdf" || k == "docx" }
