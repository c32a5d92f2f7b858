// Package corpus embeds dramabot's default documents, so the binary answers
// questions with no files, token or network.
//
// The first document is the article dramabot was started from, a Markdown
// file with YAML front matter (title, publisher, date, url, lang, editor);
// its body is kept as published, and ingest cleans page residue from it.
// notes/*.jsonl are market notes: one fact a line, read on a public page and
// restated in our own words in English and Chinese, with the page's
// publisher, date and URL, who produced the figure, the period it is about
// and whether it is a forecast. Add only real sources, each checked on its
// page.
package corpus

import "embed"

// FS holds the default documents, read in file-name order.
//
//go:embed *.md notes/*.jsonl
var FS embed.FS
