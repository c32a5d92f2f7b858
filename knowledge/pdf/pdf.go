// Package pdf reads the text of PDF files page by page, so that a passage
// can be cited with its page ("p. 12").
//
// It runs poppler's pdftotext (Debian poppler-utils, plus poppler-data for
// Chinese fonts without a Unicode map) as a separate process: with it the
// three kinds of Chinese PDF met in practice (embedded fonts with a
// ToUnicode map, Identity-H Type0 fonts as Word, WPS and Chrome write them,
// and non-embedded Adobe-GB1 fonts such as STSong-Light) come out exactly,
// figures included. Pure-Go readers were measured to turn digits into other
// digits or to drop text on these files; a figure changed in silence is the
// one failure this package must not have, so it checks what pdftotext says
// and refuses text it cannot trust.
//
// pdftotext runs without a shell, with the PDF on stdin, a time limit and a
// bound on what it may print. Its -bbox-layout output gives the blocks,
// lines and words of each page; lines that a block wrapped are joined again
// into paragraphs (without a space between Chinese characters), and page
// numbers and running headers repeated on most pages are dropped.
package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// ErrNoPdftotext reports that pdftotext is not installed.
var ErrNoPdftotext = errors.New("PDF support needs pdftotext (poppler-utils): apt-get install poppler-utils poppler-data")

// ErrNoPopplerData reports a PDF set in a Chinese, Japanese or Korean font
// that is neither embedded nor mapped to Unicode, which pdftotext reads
// only with poppler-data installed.
var ErrNoPopplerData = errors.New("the PDF uses a CJK font without a Unicode map, and reading it needs poppler-data (apt-get install poppler-data)")

// ErrEncrypted reports a PDF that needs a password to be opened.
var ErrEncrypted = errors.New("the PDF is encrypted with a password")

// ErrNoText reports a PDF without a text layer (a scan, or only drawings).
var ErrNoText = errors.New("the PDF has no text (a scanned PDF needs OCR)")

// Limits on what one document may cost.
const (
	// MaxInputBytes bounds the PDF itself.
	MaxInputBytes = 128 << 20
	// DefaultTimeout bounds one run of pdftotext.
	DefaultTimeout = 60 * time.Second
	// maxOutputBytes bounds pdftotext's -bbox-layout output, which is
	// about ten times the text (each word comes with its box).
	maxOutputBytes = 128 << 20
	// maxStderrBytes bounds the diagnostics kept for error messages.
	maxStderrBytes = 64 << 10
)

// Doc is the text of a PDF.
type Doc struct {
	// Title is the title in the document's information, unless it is a
	// placeholder or a file name ("Microsoft Word - 报告.docx").
	Title string
	// Pages are all the pages, page 1 first; a page without text has no
	// paragraphs, so numbers stay right.
	Pages []Page
}

// Page is the text of one page.
type Page struct {
	// Number is the page's 1-based number in the file.
	Number int
	// Paragraphs are the page's paragraphs, in reading order.
	Paragraphs []string
}

// Text is the page's paragraphs separated by blank lines.
func (p Page) Text() string { return strings.Join(p.Paragraphs, "\n\n") }

// Reader extracts text with pdftotext. The zero value is not usable; call
// New.
type Reader struct {
	command   string        // the program's name or path
	timeout   time.Duration // per document
	maxOutput int64         // bytes of -bbox-layout output
}

// New returns a Reader that runs pdftotext from PATH with DefaultTimeout.
// Whether pdftotext is installed is checked on each read, so installing it
// later needs no restart.
func New() *Reader {
	return &Reader{command: "pdftotext", timeout: DefaultTimeout, maxOutput: maxOutputBytes}
}

// Available reports whether pdftotext can be found; when it cannot, the
// error is ErrNoPdftotext.
func (r *Reader) Available() error {
	if _, err := exec.LookPath(r.command); err != nil {
		return ErrNoPdftotext
	}
	return nil
}

// Read returns the text of the PDF in data. A PDF with no text at all is
// ErrNoText.
func (r *Reader) Read(ctx context.Context, data []byte) (Doc, error) {
	if len(data) > MaxInputBytes {
		return Doc{}, fmt.Errorf("the PDF is larger than %d MiB", MaxInputBytes>>20)
	}
	// The header may follow a little junk, which readers accept.
	if !bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")) {
		return Doc{}, errors.New("not a PDF file (no %PDF- header)")
	}
	path, err := exec.LookPath(r.command)
	if err != nil {
		return Doc{}, ErrNoPdftotext
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	// Not -q: it would also silence the messages that tell an encrypted
	// file or a missing language pack apart.
	cmd := exec.CommandContext(ctx, path, "-enc", "UTF-8", "-bbox-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(data)
	stderr := &limitedBuffer{max: maxStderrBytes}
	cmd.Stderr = stderr
	// Without a wait delay a killed pdftotext could leave Wait blocked on
	// its pipes.
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return Doc{}, fmt.Errorf("pdftotext: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return Doc{}, fmt.Errorf("pdftotext: %w", err)
	}
	lr := &io.LimitedReader{R: out, N: r.maxOutput + 1}
	doc, perr := parseBBox(lr)
	if perr != nil {
		cancel() // stop pdftotext: what it prints is no longer read
	} else {
		// Drain what is left so that pdftotext is not blocked writing.
		_, _ = io.Copy(io.Discard, lr)
	}
	werr := cmd.Wait()
	switch {
	case lr.N <= 0:
		return Doc{}, fmt.Errorf("pdftotext printed more than %d MiB", r.maxOutput>>20)
	case parent.Err() != nil:
		return Doc{}, parent.Err()
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return Doc{}, fmt.Errorf("pdftotext took longer than %s", r.timeout)
	}
	diag := stderr.String()
	if perr != nil {
		// pdftotext's own failure says more than the output it left
		// unfinished; otherwise it was stopped here, because of that
		// output.
		var exit *exec.ExitError
		if errors.As(werr, &exit) && exit.ExitCode() > 0 {
			return Doc{}, runError(werr, diag)
		}
		return Doc{}, fmt.Errorf("reading pdftotext's output: %w", perr)
	}
	if werr != nil {
		return Doc{}, runError(werr, diag)
	}
	// Without poppler-data, pdftotext drops the text set in a
	// non-embedded Chinese, Japanese or Korean font and only says so on
	// stderr: refuse the result instead of indexing a page with holes.
	if i := strings.Index(diag, "Missing language pack"); i >= 0 {
		return Doc{}, fmt.Errorf("%w (%s)", ErrNoPopplerData, firstLine(diag[i:]))
	}
	cleanPages(doc.Pages)
	if err := checkText(doc.Pages); err != nil {
		return Doc{}, err
	}
	return doc, nil
}

// ReadText returns the text of the PDF in data with its pages separated by
// form feeds ("\f"), page 1 first. It is the websource.TextReader form of
// Read.
func (r *Reader) ReadText(ctx context.Context, data []byte) (string, error) {
	doc, err := r.Read(ctx, data)
	if err != nil {
		return "", err
	}
	texts := make([]string, len(doc.Pages))
	for i, p := range doc.Pages {
		texts[i] = p.Text()
	}
	return strings.Join(texts, "\f"), nil
}

// runError turns pdftotext's failure into an error that says what is wrong
// with the file.
func runError(err error, diag string) error {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return fmt.Errorf("pdftotext: %w", err)
	}
	switch {
	case strings.Contains(diag, "Incorrect password"):
		return ErrEncrypted
	case strings.Contains(diag, "Copying of text from this document is not allowed"):
		return errors.New("the PDF forbids copying its text")
	}
	msg := lastErrorLine(diag)
	if msg == "" {
		msg = exit.String()
	}
	return fmt.Errorf("not a readable PDF (pdftotext: %s)", msg)
}

// lastErrorLine is the most telling line of pdftotext's diagnostics: the
// last one, which is where it gave up.
func lastErrorLine(diag string) string {
	lines := strings.Split(strings.TrimSpace(diag), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return clipRunes(l, 200)
		}
	}
	return ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return clipRunes(strings.TrimSpace(s), 200)
}

func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// limitedBuffer keeps the first max bytes written to it and drops the rest,
// so a chatty process cannot fill memory through its stderr.
type limitedBuffer struct {
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string { return b.buf.String() }
