package websource

import (
	"fmt"
	"sort"
	"time"
)

// Status is what the state remembers of one web source, for listings.
type Status struct {
	URL  string `json:"url"`
	Name string `json:"name"`
	// Kind is "page", "feed", "sitemap", "pdf" or "docx"; empty before the
	// first successful fetch.
	Kind      string    `json:"kind,omitempty"`
	LastFetch time.Time `json:"last_fetch,omitzero"`
	// Result is "ok", "not modified" or the last error, one line.
	Result string `json:"result,omitempty"`
	// Documents and Passages are what the source contributes now.
	Documents   int       `json:"documents"`
	Passages    int       `json:"passages"`
	NextRefresh time.Time `json:"next_refresh,omitzero"`
}

// Statuses lists the sources the state remembers, by URL.
func (r *Refresher) Statuses() []Status {
	out := make([]Status, 0, len(r.st.Sources))
	for u, ss := range r.st.Sources {
		s := Status{URL: u, Name: ss.Name, Kind: ss.Kind, LastFetch: ss.LastFetch, Result: ss.Result, NextRefresh: ss.NextRefresh}
		// A single-page source keeps its result in the page's state.
		if ps := r.st.Pages[u]; ps != nil && s.Result == "" {
			s.Result = ps.Result
		}
		for _, d := range r.st.documents([]string{u}) {
			s.Documents++
			s.Passages += len(d.Passages)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out
}

// Remove forgets a source and the pages no other source lists, and saves
// the state. It returns how many documents went with it, and an error
// when the state remembers no such source.
func (r *Refresher) Remove(sourceURL string) (int, error) {
	ss := r.st.Sources[sourceURL]
	if ss == nil {
		return 0, fmt.Errorf("no web source %s", sourceURL)
	}
	n := len(r.st.documents([]string{sourceURL}))
	for _, p := range ss.Pages {
		r.dropPage(p, sourceURL)
	}
	delete(r.st.Sources, sourceURL)
	if err := r.st.save(r.opts.DataDir); err != nil {
		return 0, err
	}
	return n, nil
}
