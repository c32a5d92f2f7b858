// Package ingest reads source documents into knowledge.Documents: the
// embedded default corpus, and folders or files an operator points at
// (Markdown with optional YAML front matter, plain text, HTML, JSONL files
// of ready-made passages, PDF and DOCX), cut into passages (chunk.go). A
// malformed file is reported as a Problem with its path and reason; the
// rest still loads.
package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"dramabot/corpus"
	"dramabot/knowledge"
	"dramabot/knowledge/text"
)

// MaxFileBytes bounds one document file; larger files are reported, not read.
const MaxFileBytes = 64 << 20

// MaxJSONLPassageRunes is the size above which a ready-made passage is cut.
const MaxJSONLPassageRunes = 8000

// Problem is a file that could not be loaded, with the reason.
type Problem struct {
	Path string
	Err  error
}

func (p Problem) Error() string { return p.Path + ": " + p.Err.Error() }

// Default returns the embedded default corpus.
func Default() ([]knowledge.Document, []Problem) {
	return LoadFS(corpus.FS, ".", "embedded:")
}

// Load reads every path: a folder (walked recursively for .md, .markdown,
// .txt, .html, .htm, .jsonl, .pdf and .docx files) or a single file. A path
// that does not exist is an error; a file that cannot be parsed is a
// Problem.
func Load(paths []string) ([]knowledge.Document, []Problem, error) {
	var docs []knowledge.Document
	var problems []Problem
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("docs path: %w", err)
		}
		var d []knowledge.Document
		var pr []Problem
		if info.IsDir() {
			d, pr = LoadFS(os.DirFS(p), ".", filepath.Clean(p)+string(filepath.Separator))
		} else {
			d, pr = LoadFS(os.DirFS(filepath.Dir(p)), filepath.Base(p), filepath.Dir(p)+string(filepath.Separator))
		}
		docs = append(docs, d...)
		problems = append(problems, pr...)
	}
	return uniqueIDs(docs), problems, nil
}

// LoadFS reads root (a folder or a file) from fsys. origin prefixes the
// paths recorded in sources and problems.
func LoadFS(fsys fs.FS, root, origin string) ([]knowledge.Document, []Problem) {
	var docs []knowledge.Document
	var problems []Problem
	var files []string
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			problems = append(problems, Problem{Path: origin + p, Err: err})
			if d != nil && d.IsDir() && p != root {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if kind(p) != "" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		problems = append(problems, Problem{Path: origin + root, Err: err})
	}
	sort.Strings(files)
	for _, p := range files {
		d, pr := loadFile(fsys, p, origin)
		docs = append(docs, d...)
		problems = append(problems, pr...)
	}
	return docs, problems
}

func kind(p string) string {
	switch strings.ToLower(path.Ext(p)) {
	case ".md", ".markdown":
		return "md"
	case ".txt":
		return "txt"
	case ".html", ".htm":
		return "html"
	case ".jsonl":
		return "jsonl"
	case ".pdf":
		return "pdf"
	case ".docx":
		return "docx"
	}
	return ""
}

func loadFile(fsys fs.FS, p, origin string) ([]knowledge.Document, []Problem) {
	full := origin + p
	fail := func(err error) ([]knowledge.Document, []Problem) {
		return nil, []Problem{{Path: full, Err: err}}
	}
	f, err := fsys.Open(p)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	if isOffice(kind(p)) {
		return loadOffice(f, p, full, kind(p))
	}
	if kind(p) == "jsonl" {
		// A JSONL file holds either ready-made passages or market notes;
		// its first record tells which.
		br := bufio.NewReaderSize(f, 64<<10)
		if isNotes(firstLine(br)) {
			return readNotes(br, full)
		}
		return readJSONL(br, p, full)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return fail(err)
	}
	if len(data) > MaxFileBytes {
		return fail(fmt.Errorf("file is larger than %d MiB", MaxFileBytes>>20))
	}
	if err := checkText(data); err != nil {
		return fail(err)
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	src := knowledge.Source{ID: sourceID(p), Origin: full}
	var body string
	switch kind(p) {
	case "md", "txt":
		fm, rest, err := splitFrontMatter(text)
		if err != nil {
			return fail(err)
		}
		if err := applyFrontMatter(&src, fm); err != nil {
			return fail(err)
		}
		body = rest
	case "html":
		meta, rest, err := htmlText(text)
		if err != nil {
			return fail(err)
		}
		fillEmpty(&src, meta)
		body = rest
	}
	body = clean(body, &src)
	if src.Title == "" {
		src.Title = titleFromName(p)
	}
	passages := ChunkDocument(src, body, true)
	if len(passages) <= 1 && strings.TrimSpace(body) == "" {
		return fail(errors.New("no text found"))
	}
	return []knowledge.Document{{Source: src, Passages: passages}}, nil
}

// checkText rejects binary files (NUL bytes) and text that is not UTF-8.
func checkText(data []byte) error {
	if bytes.IndexByte(data, 0) >= 0 {
		return errors.New("not a text file (it contains NUL bytes)")
	}
	if !utf8.Valid(data) {
		return errors.New("not valid UTF-8 text (convert it to UTF-8 first)")
	}
	return nil
}

// sourceID makes a stable id from a file's path: lower case, with runs of
// other characters than letters and digits turned into "-".
func sourceID(p string) string {
	p = strings.TrimSuffix(p, path.Ext(p))
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(p) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '/' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	id := strings.Trim(b.String(), "-/")
	if id == "" {
		id = "doc"
	}
	return id
}

func titleFromName(p string) string {
	base := strings.TrimSuffix(path.Base(p), path.Ext(p))
	return strings.TrimSpace(strings.NewReplacer("_", " ", "-", " ").Replace(base))
}

// uniqueIDs suffixes source ids that collide across folders.
func uniqueIDs(docs []knowledge.Document) []knowledge.Document {
	seen := map[string]int{}
	for i := range docs {
		id := docs[i].Source.ID
		seen[id]++
		if n := seen[id]; n > 1 && !strings.HasPrefix(docs[i].Source.Origin, "jsonl:") {
			newID := id + "-" + strconv.Itoa(n)
			docs[i].Source.ID = newID
			for j := range docs[i].Passages {
				p := &docs[i].Passages[j]
				p.SourceID = newID
				p.ID = newID + strings.TrimPrefix(p.ID, id)
			}
		}
	}
	return docs
}

func splitFrontMatter(text string) (string, string, error) {
	t := strings.ReplaceAll(text, "\r\n", "\n")
	if !strings.HasPrefix(t, "---\n") {
		return "", text, nil
	}
	end := strings.Index(t[4:], "\n---")
	if end < 0 {
		return "", "", errors.New("front matter: no closing ---")
	}
	fm := t[4 : 4+end]
	rest := t[4+end+4:]
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[i+1:]
	} else {
		rest = ""
	}
	return fm, rest, nil
}

func applyFrontMatter(src *knowledge.Source, fm string) error {
	if strings.TrimSpace(fm) == "" {
		return nil
	}
	var raw map[string]any
	if err := yaml.Unmarshal([]byte(fm), &raw); err != nil {
		return fmt.Errorf("front matter: %w", err)
	}
	str := func(k string) string {
		switch v := raw[k].(type) {
		case nil:
			return ""
		case time.Time:
			return v.Format("2006-01-02")
		default:
			return strings.TrimSpace(fmt.Sprint(v))
		}
	}
	src.Title = str("title")
	src.Publisher = str("publisher")
	src.URL = str("url")
	src.Lang = str("lang")
	src.Editor = str("editor")
	if src.Editor == "" {
		src.Editor = str("author")
	}
	if id := str("id"); id != "" {
		src.ID = sourceID(id)
	}
	if d := str("date"); d != "" {
		nd, ok := NormalizeDate(d)
		if !ok {
			return fmt.Errorf("front matter: date %q is not a date (use YYYY-MM-DD)", d)
		}
		src.Date = nd
	}
	return nil
}

func fillEmpty(dst *knowledge.Source, src knowledge.Source) {
	for _, f := range []struct {
		d *string
		s string
	}{
		{&dst.Title, src.Title}, {&dst.Publisher, src.Publisher}, {&dst.Date, src.Date},
		{&dst.URL, src.URL}, {&dst.Lang, src.Lang}, {&dst.Editor, src.Editor},
	} {
		if *f.d == "" {
			*f.d = f.s
		}
	}
}

// NormalizeDate turns common date forms into YYYY-MM-DD.
func NormalizeDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006/1/2", "2006-1-2", "2006.1.2", "2006年1月2日", "January 2, 2006", "Jan 2, 2006", "2 January 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	if len(s) >= 10 {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}

// passageLine is one line of a JSONL passages file.
type passageLine struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Text      string `json:"text"`
	URL       string `json:"url"`
	Publisher string `json:"publisher"`
	Date      string `json:"date"`
	Lang      string `json:"lang"`
}

// readJSONL reads ready-made passages; passages with the same title form
// one source. Passage ids are kept as given, so evaluation data can name
// its gold passages.
func readJSONL(r io.Reader, p, full string) ([]knowledge.Document, []Problem) {
	var problems []Problem
	bySource := map[string]int{}
	var docs []knowledge.Document
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxFileBytes)
	stem := sourceID(p)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		where := full + ":" + strconv.Itoa(line)
		if !utf8.Valid(b) {
			problems = append(problems, Problem{Path: where, Err: errors.New("not valid UTF-8")})
			continue
		}
		var pl passageLine
		if err := json.Unmarshal(b, &pl); err != nil {
			problems = append(problems, Problem{Path: where, Err: fmt.Errorf("bad JSON: %w", err)})
			continue
		}
		pl.ID, pl.Text = strings.TrimSpace(pl.ID), strings.TrimSpace(strings.ReplaceAll(pl.Text, "\x00", ""))
		switch {
		case pl.ID == "":
			problems = append(problems, Problem{Path: where, Err: errors.New(`missing "id"`)})
			continue
		case pl.Text == "":
			problems = append(problems, Problem{Path: where, Err: errors.New(`missing "text"`)})
			continue
		case seen[pl.ID]:
			problems = append(problems, Problem{Path: where, Err: fmt.Errorf("duplicate id %q", pl.ID)})
			continue
		}
		seen[pl.ID] = true
		title := strings.TrimSpace(pl.Title)
		key := title
		if key == "" {
			key = pl.ID
		}
		i, ok := bySource[key]
		if !ok {
			src := knowledge.Source{ID: stem + "/" + sourceID(key), Title: title, URL: pl.URL, Publisher: pl.Publisher, Lang: pl.Lang, Origin: "jsonl:" + full}
			if d, ok := NormalizeDate(pl.Date); ok {
				src.Date = d
			}
			if src.Title == "" {
				src.Title = pl.ID
			}
			docs = append(docs, knowledge.Document{Source: src})
			i = len(docs) - 1
			bySource[key] = i
		}
		d := &docs[i]
		// Ready-made passages stay whole; only a runaway one (a 1 MB line)
		// is cut, into "ID#1", "ID#2", ...
		pieces := []string{pl.Text}
		if utf8.RuneCountInString(pl.Text) > MaxJSONLPassageRunes {
			pieces = text.SplitLong(pl.Text, maxPassageRunes)
		}
		for k, text := range pieces {
			id := pl.ID
			if len(pieces) > 1 {
				id += "#" + strconv.Itoa(k+1)
			}
			d.Passages = append(d.Passages, knowledge.Passage{
				ID: id, SourceID: d.Source.ID, Ordinal: len(d.Passages) + 1, Text: text,
			})
		}
	}
	if err := sc.Err(); err != nil {
		problems = append(problems, Problem{Path: full + ":" + strconv.Itoa(line+1), Err: err})
	}
	return docs, problems
}
