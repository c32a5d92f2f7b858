// Package docx reads the text of Word documents (.docx, Office Open XML)
// with the standard library alone: paragraphs in order, headings with their
// level, tables with one line a row, footnotes and endnotes, and the title
// from the document properties.
//
// Runs are joined without separators, so a figure Word split across runs
// after an edit ("504" + ".4亿元") reads whole again. Tracked deletions, moved-
// from text and field instructions are left out; what a reader sees is
// kept. A DOCX is a zip archive, so reading is bounded: the number of
// entries, and the bytes inflated from the parts that are read (a zip bomb
// stops at the limit instead of filling memory).
package docx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
)

// Limits on what one document may cost.
const (
	// MaxFileBytes bounds the .docx file itself.
	MaxFileBytes = 128 << 20
	// MaxEntries bounds the files in the archive; Word writes a few dozen.
	MaxEntries = 10000
	// MaxUncompressedBytes bounds what is inflated from all the parts read.
	MaxUncompressedBytes = 64 << 20
)

// maxUncompressed is MaxUncompressedBytes; tests lower it to check the
// budget without inflating 64 MiB.
var maxUncompressed int64 = MaxUncompressedBytes

// ErrEncrypted reports a document saved with a password.
var ErrEncrypted = errors.New("the document is encrypted with a password")

// ErrTooLarge reports a document over one of the limits.
var ErrTooLarge = errors.New("the document is too large")

// Doc is the text of a Word document.
type Doc struct {
	// Title is the title in the document's properties, or else the text of
	// its first paragraph in the Title style.
	Title string
	// Paragraphs are the body's paragraphs in order (a table is one
	// paragraph, one line a row, cells separated by " | "), then the
	// footnotes and endnotes. Empty paragraphs are left out.
	Paragraphs []Paragraph
}

// Paragraph is one paragraph of text.
type Paragraph struct {
	Text string
	// Level is the heading level, 1 to 9, or 0 for body text.
	Level int
}

// Text renders the document as Markdown-like text: paragraphs separated
// by blank lines, headings marked with "#" (as knowledge/ingest reads them).
func (d Doc) Text() string {
	var b strings.Builder
	for _, p := range d.Paragraphs {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		if p.Level > 0 {
			b.WriteString(strings.Repeat("#", min(p.Level, 6)) + " ")
			b.WriteString(strings.ReplaceAll(p.Text, "\n", " "))
			continue
		}
		b.WriteString(p.Text)
	}
	return b.String()
}

// Reader reads DOCX documents for knowledge/websource; the zero value is
// ready to use.
type Reader struct{}

// ReadText returns the text of the DOCX document in data, as Doc.Text
// renders it. Reading is bounded by the limits above, so the context is not
// needed to stop it.
func (Reader) ReadText(_ context.Context, data []byte) (string, error) {
	d, err := Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", err
	}
	return d.Text(), nil
}

// oleMagic starts an OLE compound file: what Word saves for an encrypted
// document, and the format of the older .doc.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Read reads the document of size bytes in r.
func Read(r io.ReaderAt, size int64) (Doc, error) {
	if size > MaxFileBytes {
		return Doc{}, fmt.Errorf("%w: larger than %d MiB", ErrTooLarge, MaxFileBytes>>20)
	}
	head := make([]byte, 8)
	if n, _ := r.ReadAt(head, 0); n == len(head) && bytes.Equal(head, oleMagic) {
		if oleHasStream(r, size, "EncryptionInfo") {
			return Doc{}, ErrEncrypted
		}
		return Doc{}, errors.New("a Word 97-2003 (.doc) file, not a .docx: save it as .docx")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return Doc{}, fmt.Errorf("not a DOCX file (not a valid zip archive): %w", err)
	}
	if len(zr.File) > MaxEntries {
		return Doc{}, fmt.Errorf("%w: %d files in the archive, more than %d", ErrTooLarge, len(zr.File), MaxEntries)
	}
	p := &pkg{files: map[string]*zip.File{}, budget: maxUncompressed}
	for _, f := range zr.File {
		p.files[strings.ToLower(strings.TrimPrefix(f.Name, "/"))] = f
	}
	return p.read()
}

// oleHasStream reports whether an OLE file names a stream: its name is
// stored in UTF-16 in the file's directory, which is searched in the first
// megabytes (where Office writes it).
func oleHasStream(r io.ReaderAt, size int64, name string) bool {
	buf := make([]byte, min(size, 4<<20))
	n, _ := r.ReadAt(buf, 0)
	var want []byte
	for _, u := range utf16.Encode([]rune(name)) {
		want = append(want, byte(u), byte(u>>8))
	}
	return bytes.Contains(buf[:n], want)
}
