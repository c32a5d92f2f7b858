package websource

import (
	"slices"
	"testing"
	"time"
)

// TestStatusesRemoveProgress: the listing of sources after a fetch, the
// progress calls, and Remove forgetting a source (and only its pages).
func TestStatusesRemoveProgress(t *testing.T) {
	s := newSite(t)
	s.round.Store(1)
	dir := t.TempDir()
	var steps []Progress
	r, err := New(Options{Fetcher: localClient(), DataDir: dir, Progress: func(p Progress) { steps = append(steps, p) }})
	if err != nil {
		t.Fatal(err)
	}
	u := func(p string) string { return s.srv.URL + p }
	sources := []Source{{URL: u("/feed.xml"), Name: "feed"}, {URL: u("/page.html"), Name: "page"}, {URL: u("/missing.html"), Name: "missing"}, {URL: "ftp://x.example/", Name: "ftp"}}
	r.Fetch(t.Context(), sources)

	// One step per page fetched, then one when each source is done, in
	// the order of the sources.
	var done []string
	pages := 0
	for _, p := range steps {
		if p.Done {
			done = append(done, p.Report.Summary())
			continue
		}
		pages++
		if p.Pages < 1 || p.Pages > p.Total || p.Page == "" {
			t.Errorf("page step %+v", p)
		}
	}
	want := []string{"feed: 2 added", "page: 1 added", "missing: 1 error", "ftp: 1 error"}
	if !slices.Equal(done, want) {
		t.Errorf("done steps = %q, want %q", done, want)
	}
	if pages != 3 { // a and b from the feed, page.html (missing.html failed before its page)
		t.Errorf("%d page steps, want 3", pages)
	}

	st := r.Statuses()
	if len(st) != 3 { // the ftp source is not valid, so not remembered
		t.Fatalf("statuses = %+v", st)
	}
	by := map[string]Status{}
	for _, x := range st {
		by[x.Name] = x
	}
	if x := by["feed"]; x.Kind != "feed" || x.Result != "ok" || x.Documents != 2 || x.Passages == 0 || x.NextRefresh.Sub(x.LastFetch) != DefaultRefresh {
		t.Errorf("feed = %+v", x)
	}
	if x := by["missing"]; x.Result != "HTTP 404" || x.Documents != 0 {
		t.Errorf("missing = %+v", x)
	}

	n, err := r.Remove(u("/feed.xml"))
	if err != nil || n != 2 {
		t.Fatalf("Remove = %d, %v", n, err)
	}
	if _, err := r.Remove(u("/feed.xml")); err == nil {
		t.Error("removing twice: no error")
	}
	// Saved: a new Refresher on the dir sees only the page.
	docs, err := Load(dir)
	if err != nil || len(docs) != 1 || docs[0].Source.URL != u("/page.html") {
		t.Errorf("after Remove, Load = %d documents, %v", len(docs), err)
	}
}

func TestJitter(t *testing.T) {
	tests := []struct {
		jitter   float64
		lo, hi   time.Duration
		varies   bool
		interval time.Duration
	}{
		{jitter: 0, interval: 10 * time.Hour, lo: 10 * time.Hour, hi: 10 * time.Hour},
		{jitter: 0.1, interval: 10 * time.Hour, lo: 9 * time.Hour, hi: 11 * time.Hour, varies: true},
		{jitter: 5, interval: time.Hour, lo: 0, hi: 2 * time.Hour, varies: true}, // capped at 1
	}
	for _, tt := range tests {
		r := &Refresher{opts: Options{Jitter: tt.jitter}}
		seen := map[time.Duration]bool{}
		for range 200 {
			d := r.interval(Source{Refresh: tt.interval})
			if d < tt.lo || d > tt.hi {
				t.Errorf("jitter %v: interval %v outside [%v, %v]", tt.jitter, d, tt.lo, tt.hi)
			}
			seen[d] = true
		}
		if tt.varies != (len(seen) > 1) {
			t.Errorf("jitter %v: %d different intervals", tt.jitter, len(seen))
		}
	}
}
