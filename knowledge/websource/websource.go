// Package websource turns configured web sources (a page, an RSS or Atom
// feed, a sitemap) into knowledge.Documents and keeps them fresh. It
// detects what a URL serves, follows a feed's items and a sitemap's pages
// within the source's scope, extracts each page's main text, and chunks it
// the way knowledge/ingest chunks files. What it fetched is kept in one
// JSON file in the data dir: validators for conditional requests, a hash of
// each page's text (an unchanged page costs no work), the results, and the
// documents themselves, so they can be read back offline. A page answering
// 404 or 410 on GoneAfter refreshes in a row is dropped; any other error
// keeps the last good content.
package websource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dramabot/knowledge"
	"dramabot/knowledge/fetch"
)

// Fetcher gets a URL, sending the validators of the previous fetch.
// *fetch.Client is the implementation.
type Fetcher interface {
	Get(ctx context.Context, url string, prev fetch.Validators) (*fetch.Response, error)
}

// TextReader reads the text of a document format that is not HTML (PDF,
// DOCX). A helper package plugs one in; without it such documents are
// reported as not supported. A PDF reader separates pages with form feeds
// ("\f"), so passages keep their page (*pdf.Reader does).
type TextReader interface {
	ReadText(ctx context.Context, data []byte) (string, error)
}

// ErrNotSupported reports a document format no TextReader handles yet.
var ErrNotSupported = errors.New("not supported yet")

// DefaultGoneAfter is how many refreshes in a row a page must be gone (404
// or 410, or absent from its sitemap) before it is dropped.
const DefaultGoneAfter = 3

// Options configure a Refresher.
type Options struct {
	Fetcher Fetcher // required
	// DataDir holds StateFile; empty keeps the state in memory only.
	DataDir string
	Logger  *slog.Logger
	// PDF and DOCX read those formats; nil reports them as not supported.
	PDF, DOCX TextReader
	// Concurrency is how many pages of one source are fetched at once
	// (the fetcher's per-host rate limit still applies); default 4.
	Concurrency int
	// GoneAfter defaults to DefaultGoneAfter.
	GoneAfter int
	// IgnoreSchedule fetches every source, due or not (dramabot index).
	IgnoreSchedule bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Jitter spreads the refreshes: each next refresh moves by up to this
	// fraction of its interval, earlier or later at random, so that
	// sources configured together (and a restarted server's) do not all
	// come due at once. Zero keeps the schedule exact; serve uses 0.1.
	Jitter float64
	// Progress, when set, hears of each page fetched (page set, Done
	// false) and of each source finished (Done true, with its report), so
	// that a long fetch can show where it is. It is called from the
	// fetching goroutines, one call at a time.
	Progress func(Progress)
}

// Progress is one step of a Fetch.
type Progress struct {
	Source string // the source's label
	Page   string // the page just fetched; empty when Done
	// Pages is how many pages of the source have been fetched so far, of
	// Total listed (1 for a single page).
	Pages, Total int
	Done         bool
	Report       *SourceReport // when Done
}

// Refresher fetches web sources and keeps their state. Its methods must
// not be called concurrently with each other.
type Refresher struct {
	opts   Options
	logger *slog.Logger
	stMu   sync.Mutex // guards st while pages are fetched in parallel
	st     *state
	// progressMu makes the Progress calls of parallel page fetches one at
	// a time.
	progressMu sync.Mutex
}

// New reads the state in opts.DataDir.
func New(opts Options) (*Refresher, error) {
	if opts.Fetcher == nil {
		return nil, errors.New("websource: no fetcher")
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.GoneAfter <= 0 {
		opts.GoneAfter = DefaultGoneAfter
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	st, err := loadState(opts.DataDir)
	if err != nil {
		return nil, err
	}
	return &Refresher{opts: opts, logger: logger, st: st}, nil
}

// Documents returns the stored documents of every source, without fetching.
func (r *Refresher) Documents() []knowledge.Document { return r.st.documents(nil) }

// Report says what one Fetch did.
type Report struct {
	Sources []SourceReport
	// SaveError is set when the state could not be written.
	SaveError error
}

// SourceReport says what happened to one source.
type SourceReport struct {
	Name string
	URL  string
	Kind string // "page", "feed", "sitemap", "pdf", "docx"; empty when not fetched
	// Fetched is false when the source was not due, or was dropped from
	// the configuration (then Removed lists its pages).
	Fetched bool
	// Page URLs by outcome.
	Added, Changed, Unchanged, Removed []string
	// Errors are one line each, naming the source.
	Errors []string
	// Documents is how many documents the source has after the fetch.
	Documents int
}

// Summary is one line: "NAME: 2 added, 1 changed, 5 unchanged, 1 removed, 1 error".
func (s SourceReport) Summary() string {
	if !s.Fetched && len(s.Removed) == 0 && len(s.Errors) == 0 {
		return fmt.Sprintf("%s: not due (%d documents)", s.Name, s.Documents)
	}
	parts := []string{}
	for _, c := range []struct {
		n    int
		what string
	}{{len(s.Added), "added"}, {len(s.Changed), "changed"}, {len(s.Unchanged), "unchanged"}, {len(s.Removed), "removed"}} {
		if c.n > 0 {
			parts = append(parts, strconv.Itoa(c.n)+" "+c.what)
		}
	}
	switch n := len(s.Errors); {
	case n == 1:
		parts = append(parts, "1 error")
	case n > 1:
		parts = append(parts, strconv.Itoa(n)+" errors")
	}
	if len(parts) == 0 {
		parts = append(parts, "nothing")
	}
	return s.Name + ": " + strings.Join(parts, ", ")
}

// Errors returns every error line of the report.
func (r Report) Errors() []string {
	var out []string
	for _, s := range r.Sources {
		out = append(out, s.Errors...)
	}
	return out
}

// Fetch refreshes the sources that are due, drops the state of sources no
// longer configured, saves the state, and returns the report and the
// documents of all the given sources (fetched now or stored before).
func (r *Refresher) Fetch(ctx context.Context, sources []Source) (Report, []knowledge.Document) {
	var rep Report
	configured := map[string]bool{}
	var keys []string
	for _, s := range sources {
		sr := SourceReport{Name: s.Label(), URL: s.URL}
		if err := s.Validate(); err != nil {
			sr.Errors = append(sr.Errors, sr.Name+": "+err.Error())
			r.progress(Progress{Source: sr.Name, Done: true, Report: &sr})
			rep.Sources = append(rep.Sources, sr)
			continue
		}
		if configured[s.URL] {
			sr.Errors = append(sr.Errors, sr.Name+": listed twice; the first entry is used")
			r.progress(Progress{Source: sr.Name, Done: true, Report: &sr})
			rep.Sources = append(rep.Sources, sr)
			continue
		}
		configured[s.URL] = true
		keys = append(keys, s.URL)
		ss := r.st.Sources[s.URL]
		if ss == nil {
			ss = &sourceState{}
			r.st.Sources[s.URL] = ss
		}
		ss.Name = s.Label()
		now := r.opts.Now()
		if r.opts.IgnoreSchedule || ss.NextRefresh.IsZero() || !now.Before(ss.NextRefresh) {
			if ctx.Err() == nil {
				r.refresh(ctx, s, ss, &sr)
			}
		}
		sr.Documents = len(r.st.documents([]string{s.URL}))
		r.progress(Progress{Source: sr.Name, Done: true, Report: &sr})
		if sr.Fetched {
			r.logger.Info("web source refreshed", "source", sr.Name, "kind", sr.Kind, "summary", sr.Summary(), "documents", sr.Documents)
			for _, e := range sr.Errors {
				r.logger.Warn("web source", "error", e)
			}
		}
		rep.Sources = append(rep.Sources, sr)
	}
	// Sources no longer configured take their pages with them.
	for u, ss := range r.st.Sources {
		if configured[u] {
			continue
		}
		sr := SourceReport{Name: ss.Name, URL: u}
		for _, p := range ss.Pages {
			if !r.usedElsewhere(p, u) {
				delete(r.st.Pages, p)
			}
			sr.Removed = append(sr.Removed, p)
		}
		delete(r.st.Sources, u)
		rep.Sources = append(rep.Sources, sr)
	}
	if err := r.st.save(r.opts.DataDir); err != nil {
		rep.SaveError = err
		r.logger.Error("saving web sources state", "err", err)
	}
	return rep, r.st.documents(keys)
}

// interval is the time to the source's next refresh, with the jitter.
func (r *Refresher) interval(s Source) time.Duration {
	d := s.refresh()
	if j := min(r.opts.Jitter, 1); j > 0 {
		d += time.Duration(float64(d) * j * (2*rand.Float64() - 1))
	}
	return d
}

// progress calls Options.Progress one call at a time.
func (r *Refresher) progress(p Progress) {
	if r.opts.Progress == nil {
		return
	}
	r.progressMu.Lock()
	defer r.progressMu.Unlock()
	r.opts.Progress(p)
}

// usedElsewhere reports whether another source also lists page.
func (r *Refresher) usedElsewhere(page, except string) bool {
	for u, ss := range r.st.Sources {
		if u != except && slices.Contains(ss.Pages, page) {
			return true
		}
	}
	return false
}

// refresh fetches one source and updates its state and report.
func (r *Refresher) refresh(ctx context.Context, s Source, ss *sourceState, sr *SourceReport) {
	now := r.opts.Now()
	sr.Fetched = true
	ss.LastFetch = now
	ss.NextRefresh = now.Add(r.interval(s))
	fail := func(err error) {
		sr.Errors = append(sr.Errors, sr.Name+": "+err.Error())
		ss.Result = err.Error()
	}

	// A source that is one page keeps its validators in the page's state;
	// a feed or sitemap keeps them in the source's.
	prev := ss.Validators
	if ss.Kind == kindPage || ss.Kind == kindPDF || ss.Kind == kindDOCX {
		if ps := r.st.Pages[s.URL]; ps != nil {
			prev = ps.Validators
		}
	}
	resp, err := r.opts.Fetcher.Get(ctx, s.URL, prev)
	if err != nil {
		var status *fetch.StatusError
		if errors.As(err, &status) && status.Gone() && len(ss.Pages) > 0 {
			ss.Gone++
			if ss.Gone >= r.opts.GoneAfter {
				fail(fmt.Errorf("%w (%d times in a row: its pages are removed)", err, ss.Gone))
				for _, p := range ss.Pages {
					if !r.usedElsewhere(p, s.URL) {
						delete(r.st.Pages, p)
					}
					sr.Removed = append(sr.Removed, p)
				}
				ss.Pages = nil
				return
			}
			fail(fmt.Errorf("%w (%d of %d before its pages are removed; the last content is kept)", err, ss.Gone, r.opts.GoneAfter))
			return
		}
		if len(ss.Pages) > 0 {
			err = fmt.Errorf("%w (the last content is kept)", err)
		}
		fail(err)
		return
	}
	ss.Gone = 0
	if resp.NotModified {
		ss.Result = "not modified"
		if ss.Kind == kindPage || ss.Kind == kindPDF || ss.Kind == kindDOCX || ss.Kind == "" {
			r.notModified(s.URL, resp, now, ss.NextRefresh)
			sr.Kind = ss.Kind
			sr.Unchanged = append(sr.Unchanged, s.URL)
			return
		}
		// A feed or sitemap that did not change still has pages that may
		// have: they are checked below with their own validators.
		sr.Kind = ss.Kind
		r.refreshPages(ctx, s, ss, sr, ss.Pages, nil)
		return
	}
	kind, err := detect(resp)
	if err != nil {
		fail(err)
		return
	}
	sr.Kind = kind
	ss.Kind = kind
	switch kind {
	case kindFeed, kindSitemap:
		ss.Validators = resp.Validators
		listing, err := r.listing(ctx, s, resp, kind)
		if err != nil {
			fail(err)
			return
		}
		ss.Result = "ok"
		r.refreshPages(ctx, s, ss, sr, listing.urls, listing)
	default:
		ss.Validators = fetch.Validators{}
		r.refreshPages(ctx, s, ss, sr, []string{s.URL}, &listed{urls: []string{s.URL}, first: map[string]*fetch.Response{s.URL: resp}})
		if len(sr.Errors) == 0 {
			ss.Result = "ok"
		}
	}
}

// listed is what a feed or sitemap lists, with what it says about each page.
type listed struct {
	urls  []string
	dates map[string]string // page URL -> YYYY-MM-DD from the listing
	// first holds responses already fetched (a single-page source).
	first map[string]*fetch.Response
}

// refreshPages fetches pages (conditionally) and updates the source's
// page list: new pages are added, changed ones replaced, gone ones counted
// and dropped after GoneAfter, and pages that left the listing handled by
// the source's kind.
func (r *Refresher) refreshPages(ctx context.Context, s Source, ss *sourceState, sr *SourceReport, urls []string, l *listed) {
	type result struct {
		outcome string // "added", "changed", "unchanged", "removed", "error"
		err     error
	}
	results := make([]result, len(urls))
	var done atomic.Int32
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(r.opts.Concurrency, max(len(urls), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				var first *fetch.Response
				var date string
				if l != nil {
					first = l.first[urls[i]]
					date = l.dates[urls[i]]
				}
				outcome, err := r.page(ctx, s, urls[i], first, date)
				results[i] = result{outcome, err}
				r.progress(Progress{Source: sr.Name, Page: urls[i], Pages: int(done.Add(1)), Total: len(urls)})
			}
		}()
	}
	for i := range urls {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()

	var keep []string
	for i, u := range urls {
		res := results[i]
		switch res.outcome {
		case "added":
			sr.Added = append(sr.Added, u)
		case "changed":
			sr.Changed = append(sr.Changed, u)
		case "unchanged":
			sr.Unchanged = append(sr.Unchanged, u)
		case "removed":
			sr.Removed = append(sr.Removed, u)
		}
		if res.err != nil {
			line := sr.Name + ": "
			if u != s.URL {
				line += u + ": "
			}
			sr.Errors = append(sr.Errors, line+res.err.Error())
		}
		if ps := r.st.Pages[u]; ps != nil && ps.Document != nil {
			keep = append(keep, u)
		}
	}
	if l == nil {
		// The listing was not re-read (304): the page list stays as it was,
		// minus pages just removed.
		ss.Pages = slices.DeleteFunc(slices.Clone(ss.Pages), func(u string) bool {
			ps := r.st.Pages[u]
			return ps == nil || ps.Document == nil
		})
		return
	}
	// Pages the source listed before but not now.
	listedNow := map[string]bool{}
	for _, u := range urls {
		listedNow[u] = true
	}
	for _, u := range ss.Pages {
		if listedNow[u] {
			continue
		}
		ps := r.st.Pages[u]
		if ps == nil || ps.Document == nil {
			continue
		}
		switch ss.Kind {
		case kindSitemap:
			// A sitemap lists a site's pages: one that stays out of it
			// was deleted or moved.
			ps.Missing++
			if ps.Missing >= r.opts.GoneAfter {
				r.dropPage(u, s.URL)
				sr.Removed = append(sr.Removed, u)
				continue
			}
		case kindFeed:
			// A feed lists only the latest items: older ones stay, within
			// the source's page limit.
		default:
			// The source was a page and is now something else.
			r.dropPage(u, s.URL)
			sr.Removed = append(sr.Removed, u)
			continue
		}
		keep = append(keep, u)
	}
	for _, u := range urls {
		if ps := r.st.Pages[u]; ps != nil {
			ps.Missing = 0
		}
	}
	if limit := s.maxPages(); len(keep) > limit && (ss.Kind == kindFeed || ss.Kind == kindSitemap) {
		for _, u := range keep[limit:] {
			r.dropPage(u, s.URL)
			sr.Removed = append(sr.Removed, u)
		}
		keep = keep[:limit]
	}
	ss.Pages = keep
}

func (r *Refresher) dropPage(page, source string) {
	if !r.usedElsewhere(page, source) {
		delete(r.st.Pages, page)
	}
}

func (r *Refresher) notModified(u string, resp *fetch.Response, now, next time.Time) {
	ps := r.st.Pages[u]
	if ps == nil {
		return
	}
	ps.LastFetch, ps.NextRefresh, ps.Result, ps.Gone = now, next, "not modified", 0
	if resp.Validators != (fetch.Validators{}) {
		ps.Validators = resp.Validators
	}
}

// page fetches one page (unless first already holds its response),
// extracts it and updates its state. It returns the outcome for the
// report and the error line's cause.
func (r *Refresher) page(ctx context.Context, s Source, u string, first *fetch.Response, listingDate string) (string, error) {
	now := r.opts.Now()
	r.stMu.Lock()
	ps := r.st.Pages[u]
	if ps == nil {
		ps = &pageState{}
	}
	prev := ps.Validators
	if ps.Document == nil {
		prev = fetch.Validators{} // nothing to fall back on: ask for the body
	}
	r.stMu.Unlock()

	resp := first
	var err error
	if resp == nil {
		resp, err = r.opts.Fetcher.Get(ctx, u, prev)
	}
	r.stMu.Lock()
	defer r.stMu.Unlock()
	ps.LastFetch = now
	ps.NextRefresh = now.Add(s.refresh())
	had := ps.Document != nil
	if err != nil {
		ps.Result = err.Error()
		var status *fetch.StatusError
		if errors.As(err, &status) && status.Gone() {
			ps.Gone++
			if ps.Gone >= r.opts.GoneAfter {
				delete(r.st.Pages, u)
				if had {
					return "removed", fmt.Errorf("%w (%d times in a row: removed)", err, ps.Gone)
				}
				return "error", err
			}
			r.st.Pages[u] = ps
			if had {
				return "error", fmt.Errorf("%w (%d of %d before removal; the last content is kept)", err, ps.Gone, r.opts.GoneAfter)
			}
			return "error", err
		}
		if had {
			r.st.Pages[u] = ps
			return "error", fmt.Errorf("%w (the last content is kept)", err)
		}
		return "error", err
	}
	ps.Gone = 0
	if resp.NotModified && had {
		ps.Result = "not modified"
		if resp.Validators != (fetch.Validators{}) {
			ps.Validators = resp.Validators
		}
		r.st.Pages[u] = ps
		return "unchanged", nil
	}
	r.stMu.Unlock()
	doc, hash, err := r.extract(ctx, s, resp, listingDate)
	r.stMu.Lock()
	if err != nil {
		ps.Result = err.Error()
		if had {
			r.st.Pages[u] = ps
			return "error", fmt.Errorf("%w (the last content is kept)", err)
		}
		return "error", err
	}
	ps.Validators = resp.Validators
	ps.Result = "ok"
	r.st.Pages[u] = ps
	if had && hash == ps.TextHash {
		return "unchanged", nil
	}
	ps.TextHash = hash
	ps.Document = &doc
	ps.Passages = len(doc.Passages)
	if had {
		return "changed", nil
	}
	return "added", nil
}
