package websource

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"dramabot/knowledge"
	"dramabot/knowledge/fetch"
)

// StateFile is the name of the file in the data dir that holds what the
// web sources returned last: validators, text hashes, results and the
// extracted documents, so that ask can answer offline.
const StateFile = "websources.json"

const stateVersion = 1

// state is the content of StateFile.
type state struct {
	Version int                     `json:"version"`
	Sources map[string]*sourceState `json:"sources"` // by source URL
	Pages   map[string]*pageState   `json:"pages"`   // by page URL
}

type sourceState struct {
	Name       string           `json:"name,omitempty"`
	Kind       string           `json:"kind,omitempty"`
	Validators fetch.Validators `json:"validators"`
	// Pages are the pages the source contributes, in listing order.
	Pages       []string  `json:"pages"`
	LastFetch   time.Time `json:"last_fetch,omitzero"`
	Result      string    `json:"result,omitempty"`
	Gone        int       `json:"gone,omitempty"`
	NextRefresh time.Time `json:"next_refresh,omitzero"`
}

type pageState struct {
	Validators fetch.Validators `json:"validators"`
	// TextHash is the SHA-256 of the extracted title, date and text: many
	// servers change Last-Modified or the ETag on every request, so a page
	// whose extracted text is the same is unchanged whatever they say.
	TextHash    string    `json:"sha256,omitempty"`
	LastFetch   time.Time `json:"last_fetch,omitzero"`
	Result      string    `json:"result,omitempty"`
	Gone        int       `json:"gone,omitempty"`    // consecutive 404/410 answers
	Missing     int       `json:"missing,omitempty"` // consecutive refreshes absent from its sitemap
	Passages    int       `json:"passages"`
	NextRefresh time.Time `json:"next_refresh,omitzero"`
	// Document is the last good extraction, kept through errors.
	Document *knowledge.Document `json:"document,omitempty"`
}

func newState() *state {
	return &state{Version: stateVersion, Sources: map[string]*sourceState{}, Pages: map[string]*pageState{}}
}

// loadState reads dir/StateFile; a missing file is an empty state.
func loadState(dir string) (*state, error) {
	if dir == "" {
		return newState(), nil
	}
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		// No state yet, or a data dir that cannot exist (a file in its
		// path): nothing was fetched there. Saving will say why it fails.
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("web sources state: %w", err)
	}
	st := newState()
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("web sources state %s: %w", filepath.Join(dir, StateFile), err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("web sources state %s: version %d, want %d", filepath.Join(dir, StateFile), st.Version, stateVersion)
	}
	if st.Sources == nil {
		st.Sources = map[string]*sourceState{}
	}
	if st.Pages == nil {
		st.Pages = map[string]*pageState{}
	}
	return st, nil
}

// save writes the state atomically: a temporary file in the same dir,
// synced, then renamed over the old one, so a crash leaves the old or the
// new state and never half of one.
func (st *state) save(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("web sources state: %w", err)
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("web sources state: %w", err)
	}
	f, err := os.CreateTemp(dir, StateFile+".tmp-*")
	if err != nil {
		return fmt.Errorf("web sources state: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, StateFile))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("web sources state: %w", err)
	}
	return nil
}

// documents returns the stored documents of the given sources, in source
// and listing order; with no sources, every stored document by URL.
func (st *state) documents(sources []string) []knowledge.Document {
	var out []knowledge.Document
	seen := map[string]bool{}
	add := func(u string) {
		if p := st.Pages[u]; p != nil && p.Document != nil && !seen[u] {
			seen[u] = true
			out = append(out, *p.Document)
		}
	}
	if sources == nil {
		urls := make([]string, 0, len(st.Pages))
		for u := range st.Pages {
			urls = append(urls, u)
		}
		sort.Strings(urls)
		for _, u := range urls {
			add(u)
		}
		return out
	}
	for _, s := range sources {
		if ss := st.Sources[s]; ss != nil {
			for _, u := range ss.Pages {
				add(u)
			}
		}
	}
	return out
}

// Load reads the documents the last refresh stored in dir, without
// fetching anything, so that questions can be answered offline. A dir
// without a state file has none.
func Load(dir string) ([]knowledge.Document, error) {
	st, err := loadState(dir)
	if err != nil {
		return nil, err
	}
	return st.documents(nil), nil
}
