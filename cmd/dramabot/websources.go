package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"

	"dramabot/bot"
	"dramabot/bot/httpapi"
	"dramabot/cmd/dramabot/internal/bar"
	"dramabot/knowledge"
	"dramabot/knowledge/docx"
	"dramabot/knowledge/fetch"
	"dramabot/knowledge/ingest"
	"dramabot/knowledge/pdf"
	"dramabot/knowledge/websource"
)

// addedSourcesFile is the file in the data dir that holds the sources
// administrators added from a chat or over HTTP, in the sources file's
// syntax, so that they outlive a restart.
const addedSourcesFile = "sources-added.txt"

// parseSources reads a sources file: one source a line, a URL followed by
// optional settings, such as
//
//	https://example.com/feed.xml refresh=6h scope=domain pages=100 name="Example News"
//
// Blank lines and lines starting with # are skipped. refresh is the
// default when a line gives none. Errors name the file and the line.
func parseSources(name string, r io.Reader, refresh time.Duration) ([]websource.Source, error) {
	var out []websource.Source
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := parseSourceLine(line, refresh)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// parseSourceLine reads "URL key=value ..."; a value may be double-quoted
// to hold spaces.
func parseSourceLine(line string, refresh time.Duration) (websource.Source, error) {
	words, err := splitWords(line)
	if err != nil {
		return websource.Source{}, err
	}
	s := websource.Source{URL: words[0], Refresh: refresh}
	if strings.Contains(s.URL, "=") && !strings.Contains(s.URL, "://") {
		return s, fmt.Errorf("%q: the line must start with the URL", s.URL)
	}
	for _, w := range words[1:] {
		key, val, ok := strings.Cut(w, "=")
		if !ok {
			return s, fmt.Errorf("%q: want key=value (refresh, scope, pages or name)", w)
		}
		switch key {
		case "refresh":
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return s, fmt.Errorf("refresh=%s: want a duration such as 6h or 30m", val)
			}
			s.Refresh = d
		case "scope":
			s.Scope = val
		case "pages":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > websource.MaxMaxPages {
				return s, fmt.Errorf("pages=%s: want a whole number from 1 to %d", val, websource.MaxMaxPages)
			}
			s.MaxPages = n
		case "name":
			s.Name = val
		default:
			return s, fmt.Errorf("unknown setting %q: use refresh, scope, pages or name", key)
		}
	}
	// The URL and scope are checked when the source is fetched: a bad one
	// is then one problem line, and the other sources still index.
	return s, nil
}

// splitWords splits a line at spaces, keeping double-quoted text (after
// "key=" or alone) in one word without its quotes.
func splitWords(line string) ([]string, error) {
	var words []string
	var b strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
			inWord = true
		case unicode.IsSpace(r) && !quoted:
			if inWord {
				words = append(words, b.String())
				b.Reset()
				inWord = false
			}
		default:
			b.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		return nil, errors.New("a quote is not closed")
	}
	if inWord {
		words = append(words, b.String())
	}
	return words, nil
}

// formatSource writes a source back in the sources file's syntax.
func formatSource(s websource.Source) string {
	line := s.URL
	if s.Refresh > 0 {
		line += " refresh=" + s.Refresh.String()
	}
	if s.Scope != "" {
		line += " scope=" + s.Scope
	}
	if s.MaxPages > 0 {
		line += " pages=" + strconv.Itoa(s.MaxPages)
	}
	if s.Name != "" {
		line += ` name="` + strings.ReplaceAll(s.Name, `"`, "'") + `"`
	}
	return line
}

// dataDir is the data dir, or "" when it is kept in memory only.
func (cfg *config) dataDir() string {
	if cfg.DataDir == "-" {
		return ""
	}
	return cfg.DataDir
}

// webSources is every configured web source: --source, then
// --sources-file, then those added from a chat. A URL given twice keeps
// its first entry.
func (cfg *config) webSources() ([]websource.Source, error) {
	var out []websource.Source
	seen := map[string]bool{}
	add := func(ss ...websource.Source) {
		for _, s := range ss {
			if !seen[s.URL] {
				seen[s.URL] = true
				out = append(out, s)
			}
		}
	}
	for _, u := range cfg.Sources {
		add(websource.Source{URL: u, Refresh: cfg.Refresh})
	}
	if cfg.SourcesFile != "" {
		f, err := os.Open(cfg.SourcesFile)
		if err != nil {
			return nil, fmt.Errorf("--sources-file: %w", err)
		}
		ss, err := parseSources(cfg.SourcesFile, f, cfg.Refresh)
		f.Close()
		if err != nil {
			// A mistake in the configuration, like a bad flag: exit status 2.
			return nil, &usageError{err.Error()}
		}
		add(ss...)
	}
	if dir := cfg.dataDir(); dir != "" {
		p := filepath.Join(dir, addedSourcesFile)
		f, err := os.Open(p)
		switch {
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
			// None added yet, or a data dir that cannot exist: the index
			// says why when it cannot be saved there.
		case err != nil:
			return nil, fmt.Errorf("added sources: %w", err)
		default:
			ss, err := parseSources(p, f, cfg.Refresh)
			f.Close()
			if err != nil {
				return nil, err
			}
			add(ss...)
		}
	}
	return out, nil
}

// rememberAdded appends a source added from a chat to the data dir's
// list, unless it is there already.
func (cfg *config) rememberAdded(s websource.Source) error {
	dir := cfg.dataDir()
	if dir == "" {
		return nil
	}
	p := filepath.Join(dir, addedSourcesFile)
	if b, err := os.ReadFile(p); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == s.URL {
				return nil
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("added sources: %w", err)
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("added sources: %w", err)
	}
	_, err = fmt.Fprintln(f, formatSource(s))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("added sources: %w", err)
	}
	return nil
}

// forgetAdded drops a URL from the data dir's list of added sources.
func (cfg *config) forgetAdded(u string) error {
	dir := cfg.dataDir()
	if dir == "" {
		return nil
	}
	p := filepath.Join(dir, addedSourcesFile)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("added sources: %w", err)
	}
	var keep []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == u {
			continue
		}
		keep = append(keep, l)
	}
	out := strings.Join(keep, "\n")
	if out != "" {
		out += "\n"
	}
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		return fmt.Errorf("added sources: %w", err)
	}
	return nil
}

// fetcher is the HTTP client for web sources.
func (cfg *config) fetcher(log *slog.Logger) *fetch.Client {
	return fetch.New(fetch.Options{UserAgent: cfg.UserAgent, AllowPrivate: cfg.AllowPrivateSources, Logger: log,
		MinInterval: fetchMinInterval, Timeout: fetchTimeout})
}

// fetchMinInterval is the least time between two requests to one host,
// and fetchTimeout the bound on one fetch; zero is fetch's default. Tests
// against one local server lower them.
var fetchMinInterval, fetchTimeout time.Duration

// webDocs reads the documents the web sources returned last, without
// fetching: from the process's own refresher when serve runs one (it may
// keep them in memory only), else from the data dir.
func (cfg *config) webDocs() ([]knowledge.Document, error) {
	if cfg.web != nil {
		return cfg.web.documents(), nil
	}
	return websource.Load(cfg.dataDir())
}

// webRefresher is serve's refresher: one at a time fetches, whether the
// schedule or an administrator asks.
type webRefresher struct {
	mu  sync.Mutex
	ref *websource.Refresher
	cfg *config
	log *slog.Logger
	// reindex brings the index up to date with the sources (serve's,
	// which tells the subscriptions); AddURL and AddFile call it.
	reindex func(context.Context) (string, error)
}

var _ bot.SourceAdder = (*webRefresher)(nil)

func (w *webRefresher) documents() []knowledge.Document {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ref.Documents()
}

// fetch refreshes the configured sources that are due.
func (w *webRefresher) fetch(ctx context.Context) (websource.Report, error) {
	// The list is read under the lock: an /add running at the same time
	// must not be dropped as unconfigured.
	w.mu.Lock()
	defer w.mu.Unlock()
	sources, err := w.cfg.webSources()
	if err != nil {
		return websource.Report{}, err
	}
	rep, _ := w.ref.Fetch(ctx, sources)
	return rep, rep.SaveError
}

// fetchWebSources fetches every configured web source, due or not (the
// index command), showing a bar on a terminal and one plain line per
// source elsewhere; each problem is one line naming its source. Sources
// that fail leave the others to be indexed.
func fetchWebSources(ctx context.Context, cfg *config, log *slog.Logger, out io.Writer) error {
	sources, err := cfg.webSources()
	if err != nil {
		return err
	}
	if len(sources) == 0 {
		if st, err := websource.Load(cfg.dataDir()); err != nil || len(st) == 0 {
			return err // nothing configured, nothing remembered
		}
		// Sources dropped from the configuration: Fetch forgets them.
	}
	var p *progressView
	if bar.IsTerminal(out) {
		p = &progressView{out: out, bar: bar.New(out, "fetching")}
	} else {
		p = &progressView{out: out}
	}
	ref, err := websource.New(websource.Options{Fetcher: cfg.fetcher(log), DataDir: cfg.dataDir(), Logger: log,
		PDF: pdf.New(), DOCX: docx.Reader{}, IgnoreSchedule: true, Progress: p.step})
	if err != nil {
		return err
	}
	// The index reads the documents from this refresher: with --data -
	// they are nowhere else.
	cfg.web = &webRefresher{ref: ref, cfg: cfg, log: log}
	rep, _ := ref.Fetch(ctx, sources)
	p.finish()
	for _, s := range rep.Sources {
		if !s.Fetched && len(s.Removed) > 0 {
			fmt.Fprintf(out, "source %s\n", s.Summary())
		}
	}
	if rep.SaveError != nil {
		return rep.SaveError
	}
	return ctx.Err()
}

// progressView shows a Fetch's progress: a bar when bar is set, else one
// line per source when it is done.
type progressView struct {
	out io.Writer
	bar *bar.Bar
}

func (p *progressView) step(pr websource.Progress) {
	if !pr.Done {
		if p.bar != nil {
			p.bar.Describe(pr.Source)
			p.bar.Add(1)
		}
		return
	}
	if p.bar != nil {
		p.bar.Clear()
	}
	line := pr.Report.Summary()
	if u := pr.Report.URL; u != "" && !strings.Contains(line, u) {
		// Two sources on one host share its name as their label.
		line += " (" + u + ")"
	}
	fmt.Fprintf(p.out, "source %s\n", line)
	for _, e := range pr.Report.Errors {
		fmt.Fprintf(p.out, "  problem: %s\n", oneLine(e))
	}
}

func (p *progressView) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

// Serve's schedule of web sources: how often it looks for due sources,
// and how much each source's next refresh is spread.
var (
	refreshTick   = time.Minute
	refreshJitter = 0.1
)

// refreshLoop fetches the web sources that are due, every refreshTick
// from one goroutine, and reindexes when one changed: the new index is
// swapped in while answers keep coming from the old one, and the
// subscriptions hear of the added passages (reindex does both). A source
// that fails keeps its last good content.
func refreshLoop(ctx context.Context, w *webRefresher, reindex func(context.Context) (string, error), metrics *httpapi.Metrics, log *slog.Logger) {
	t := time.NewTicker(refreshTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := w.refresh(ctx, metrics)
		if err != nil {
			log.Error("web sources not refreshed", "err", err)
			continue
		}
		if !changed || ctx.Err() != nil {
			continue
		}
		if summary, err := reindex(ctx); err != nil {
			log.Error("reindex after a web refresh failed; still serving the previous index", "err", err)
		} else {
			log.Info("reindexed after a web refresh", "summary", summary)
		}
	}
}

// refresh fetches the due sources, counts what each did, and reports
// whether any page was added, changed or removed.
func (w *webRefresher) refresh(ctx context.Context, metrics *httpapi.Metrics) (bool, error) {
	rep, err := w.fetch(ctx)
	if err != nil {
		return false, err
	}
	passages := map[string]int{}
	w.mu.Lock()
	for _, st := range w.ref.Statuses() {
		passages[st.URL] = st.Passages
	}
	w.mu.Unlock()
	changed := false
	now := time.Now()
	for _, s := range rep.Sources {
		if len(s.Added)+len(s.Changed)+len(s.Removed) > 0 {
			changed = true
		}
		if !s.Fetched {
			if len(s.Removed) > 0 { // dropped from the configuration
				metrics.SetWebPassages(s.Name, 0)
			}
			continue
		}
		metrics.ObserveWebFetch(httpapi.WebFetch{Source: s.Name, OK: len(s.Errors) == 0, Added: len(s.Added),
			Changed: len(s.Changed), Removed: len(s.Removed), Passages: passages[s.URL], At: now})
	}
	return changed, nil
}

// uploadsDir is the folder of the data dir that holds the documents
// administrators sent in a chat; the index reads it like --docs.
const uploadsDir = "uploads"

// AddURL implements bot.SourceAdder: it fetches the source now (the
// others only if they are due), remembers it in the data dir, and
// reindexes.
func (w *webRefresher) AddURL(ctx context.Context, rawURL string) (bot.Added, error) {
	added := bot.Added{Source: rawURL}
	s := websource.Source{URL: rawURL, Refresh: w.cfg.Refresh}
	if err := s.Validate(); err != nil {
		return added, err
	}
	added, err := w.addURL(ctx, s)
	if err != nil {
		return added, err
	}
	if _, err := w.reindex(ctx); err != nil {
		return added, fmt.Errorf("fetched, but the index was not rebuilt: %w", err)
	}
	return added, nil
}

// addURL fetches a new source and remembers it, all under the lock, so
// that a refresh or another /add cannot drop it in between; the reindex
// comes after, since it reads the documents under the same lock.
func (w *webRefresher) addURL(ctx context.Context, s websource.Source) (bot.Added, error) {
	added := bot.Added{Source: s.URL}
	w.mu.Lock()
	defer w.mu.Unlock()
	sources, err := w.cfg.webSources()
	if err != nil {
		return added, err
	}
	known := false
	for _, o := range sources {
		if o.URL == s.URL {
			known, s = true, o
		}
	}
	if !known {
		sources = append(sources, s)
	}
	rep, docs := w.ref.Fetch(ctx, sources)
	if rep.SaveError != nil {
		return added, rep.SaveError
	}
	var sr websource.SourceReport
	for _, r := range rep.Sources {
		if r.URL == s.URL {
			sr = r
		}
	}
	added.Problems = sr.Errors
	for _, d := range docs {
		if d.Source.Origin == "web:"+s.URL {
			added.Documents = append(added.Documents, addedDoc(d))
		}
	}
	if len(added.Documents) == 0 {
		if len(sr.Errors) > 0 {
			added.Problems = nil
			return added, errors.New(strings.TrimPrefix(sr.Errors[0], sr.Name+": "))
		}
		return added, errors.New("nothing to index there")
	}
	if !known {
		if err := w.cfg.rememberAdded(s); err != nil {
			return added, err
		}
	}
	return added, nil
}

// AddFile implements bot.SourceAdder for a PDF or DOCX document sent in a
// chat: it is read as --docs reads files, kept in the data dir's uploads
// folder, and indexed.
func (w *webRefresher) AddFile(ctx context.Context, name string, data []byte) (bot.Added, error) {
	base := filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	added := bot.Added{Source: base}
	ext := strings.ToLower(filepath.Ext(base))
	if ext != ".pdf" && ext != ".docx" {
		return added, errors.New("send a PDF or DOCX document")
	}
	dir := w.cfg.dataDir()
	if dir == "" {
		return added, errors.New("documents are kept in the data dir, and this server has none (--data -)")
	}
	if len(data) > ingest.MaxFileBytes {
		return added, fmt.Errorf("the file is larger than %d MiB", ingest.MaxFileBytes>>20)
	}
	up := filepath.Join(dir, uploadsDir)
	// Read it in a folder of its own first (a folder whose name starts
	// with a dot, which the index skips): a file that cannot be read is
	// not kept, and one already there is replaced only by a good one.
	incoming := filepath.Join(up, ".incoming")
	if err := os.MkdirAll(incoming, 0o755); err != nil {
		return added, fmt.Errorf("uploads: %w", err)
	}
	tmpDir, err := os.MkdirTemp(incoming, "")
	if err != nil {
		return added, fmt.Errorf("uploads: %w", err)
	}
	defer os.RemoveAll(tmpDir)
	name = safeName(base)
	tmp := filepath.Join(tmpDir, name)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return added, fmt.Errorf("uploads: %w", err)
	}
	docs, problems, err := ingest.Load([]string{tmp})
	if err == nil && len(problems) > 0 {
		err = problems[0].Err
	}
	if err == nil && len(docs) == 0 {
		err = errors.New("no text in it")
	}
	if err != nil {
		return added, err
	}
	if err := os.Rename(tmp, filepath.Join(up, name)); err != nil {
		return added, fmt.Errorf("uploads: %w", err)
	}
	for _, d := range docs {
		added.Documents = append(added.Documents, addedDoc(d))
	}
	if _, err := w.reindex(ctx); err != nil {
		return added, fmt.Errorf("read, but the index was not rebuilt: %w", err)
	}
	return added, nil
}

// safeName keeps a file name to letters, digits and a few marks, so that
// a name from a chat cannot leave the uploads folder or hide itself.
func safeName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if filepath.Ext(s) == "" { // the name was only its extension
		s = "document" + strings.ToLower(filepath.Ext(name))
	}
	return s
}

func addedDoc(d knowledge.Document) bot.AddedDocument {
	return bot.AddedDocument{Title: d.Source.Title, Publisher: d.Source.Publisher, Date: d.Source.Date, URL: d.Source.URL, Passages: len(d.Passages)}
}
