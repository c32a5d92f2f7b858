// Package bar draws the progress bar of `dramabot index` on a terminal. It
// is the only package that imports github.com/schollz/progressbar/v3, so
// that the library can be swapped without touching the commands.
package bar

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal, where a bar can redraw
// itself; anywhere else (a file, a pipe, a log collector) progress is
// better written as plain lines.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Bar is a bar of pages fetched; the total grows as feeds and sitemaps
// list their pages.
type Bar struct {
	b *progressbar.ProgressBar
}

// New starts a bar on w.
func New(w io.Writer, description string) *Bar {
	return &Bar{b: progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("pages"),
		progressbar.OptionShowIts(),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	)}
}

// Describe changes the text in front of the bar (the source being
// fetched).
func (b *Bar) Describe(s string) { b.b.Describe(s) }

// Add counts n pages done.
func (b *Bar) Add(n int) { b.b.Add(n) }

// Clear removes the bar so that a line can be printed where it was.
func (b *Bar) Clear() { b.b.Clear() }

// Finish ends the bar and clears it.
func (b *Bar) Finish() { b.b.Finish() }
