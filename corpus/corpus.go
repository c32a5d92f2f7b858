// Package corpus embeds dramabot's default documents, so the binary answers
// questions with no files, token or network. Each document is a Markdown
// file with YAML front matter (title, publisher, date, url, lang, editor);
// the body is kept as published, and ingest cleans page residue from it.
// Add only real sources, with their publisher and date.
package corpus

import "embed"

// FS holds the default documents, read in file-name order.
//
//go:embed *.md
var FS embed.FS
