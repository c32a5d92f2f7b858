package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dramabot/knowledge"
	"dramabot/knowledge/pgstore"
	"dramabot/knowledge/records"
	"dramabot/knowledge/store"
)

// passageStore is what the commands need of an index: the embedded store
// in the data dir (knowledge/store) or PostgreSQL (knowledge/pgstore). Both
// satisfy it, so that ask, index, sources, figures, eval and serve are
// wired the same way whichever holds the index.
type passageStore interface {
	knowledge.Retriever
	Sync(ctx context.Context, docs []knowledge.Document) (store.Changes, error)
	Stats() store.Stats
	Recovered() string
}

var (
	_ passageStore = (*store.Store)(nil)
	_ passageStore = (*pgstore.Store)(nil)
)

// Roles of a process that shares a PostgreSQL store with others.
const (
	roleIndexer = "indexer"
	roleReplica = "replica"
)

// usesPostgres reports whether --store names a PostgreSQL database.
func (cfg *config) usesPostgres() bool { return strings.TrimSpace(cfg.Store) != "" }

// role is the process's role: "" with the embedded store, which has no
// roles; with PostgreSQL the one given, replica by default (a process
// writes the shared index only when told to, so that adding replicas can
// never add writers).
func (cfg *config) role() (string, error) {
	r := strings.ToLower(strings.TrimSpace(cfg.Role))
	switch {
	case !cfg.usesPostgres() && r != "":
		return "", &usageError{fmt.Sprintf("--role %s: roles are for a shared PostgreSQL index (--store postgres://...); the embedded store is read and written by this process alone", cfg.Role)}
	case !cfg.usesPostgres():
		return "", nil
	case r == "":
		return roleReplica, nil
	case r == roleIndexer || r == roleReplica:
		return r, nil
	}
	return "", &usageError{fmt.Sprintf("--role %q: use indexer or replica", cfg.Role)}
}

// storePollInterval is how often a process on a PostgreSQL store checks
// the index version when no notification came (a lost one, or a server
// such as PGlite that does not deliver them to other connections): well
// under the 5 s within which replicas should answer from a new index.
var storePollInterval = 2 * time.Second

// openPG opens the PostgreSQL store.
func openPG(ctx context.Context, cfg *config, emb store.Embedder, log *slog.Logger) (*pgstore.Store, error) {
	st, err := pgstore.Open(ctx, pgstore.Options{DSN: cfg.Store, Embedder: emb, Logger: log, PollInterval: storePollInterval})
	if err != nil {
		// pgstore's errors name the host, port and database, never the
		// password.
		return nil, fmt.Errorf("--store: %w", err)
	}
	return st, nil
}

// searchClock is a store that remembers when a search last succeeded:
// readiness takes that as proof the database answers, rather than waiting
// for a pooled connection behind the questions of a busy replica.
type searchClock struct {
	passageStore
	lastOK atomic.Int64 // unix nanoseconds
}

func (s *searchClock) Search(ctx context.Context, query string, k int) (knowledge.Retrieval, error) {
	ret, err := s.passageStore.Search(ctx, query, k)
	if err == nil {
		s.lastOK.Store(time.Now().UnixNano())
	}
	return ret, err
}

// answeredWithin reports whether a search succeeded within d.
func (s *searchClock) answeredWithin(d time.Duration) bool {
	return time.Since(time.Unix(0, s.lastOK.Load())) < d
}

// errEmptyIndex reports a PostgreSQL index nothing has been written to.
var errEmptyIndex = errors.New("the index in PostgreSQL is empty: run dramabot index (or serve --role indexer) with the same --store first")

// pgRecords reads the figure records of a PostgreSQL index, which keeps
// none: the embedded store reads them at index time, here they are read
// from the passages when a process first sees a version, and kept for the
// passages whose text and source did not change since.
type pgRecords struct {
	st  *pgstore.Store
	mu  sync.Mutex // one refresh at a time
	cur atomic.Pointer[recordSet]
}

// recordSet is the records of one version of the index.
type recordSet struct {
	version int64
	all     []records.Record
	// byPassage holds each passage's records with what they were read
	// from, to reuse them when neither changed.
	byPassage map[string]passageRecords
}

type passageRecords struct {
	text   string
	source sourceID
	recs   []records.Record
}

func newPGRecords(st *pgstore.Store) *pgRecords {
	r := &pgRecords{st: st}
	r.cur.Store(&recordSet{version: -1})
	r.refresh()
	return r
}

// Records implements figures.Records.
func (r *pgRecords) Records() []records.Record { return r.cur.Load().all }

// refresh reads the records of the store's current version unless they are
// read already, and returns the passages that are new since the previous
// set (none the first time).
func (r *pgRecords) refresh() []knowledge.Hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.cur.Load()
	version := r.st.Version()
	if old.version == version {
		return nil
	}
	hits := r.st.Passages(math.MaxInt)
	next := &recordSet{version: version, byPassage: make(map[string]passageRecords, len(hits))}
	var added []knowledge.Hit
	for _, h := range hits {
		pr, ok := old.byPassage[h.Passage.ID]
		if !ok && old.version >= 0 {
			added = append(added, h)
		}
		if !ok || pr.text != h.Passage.Text || pr.source != sourceKey(h.Source) {
			pr = passageRecords{text: h.Passage.Text, source: sourceKey(h.Source),
				recs: records.Extract(knowledge.Document{Source: h.Source, Passages: []knowledge.Passage{h.Passage}})}
		}
		next.byPassage[h.Passage.ID] = pr
		next.all = append(next.all, pr.recs...)
	}
	r.cur.Store(next)
	return added
}

// sourceID is a source's description, comparable with == (a note by its
// content, since each version's sources are read anew).
type sourceID struct {
	src  knowledge.Source
	note knowledge.NoteInfo
}

func sourceKey(s knowledge.Source) sourceID {
	k := sourceID{src: s}
	if s.Note != nil {
		k.note, k.src.Note = *s.Note, nil
	}
	return k
}

// storeDocs rebuilds the documents of an index from its passages, for
// eval's gold passages when the index is in PostgreSQL.
func storeDocs(st passageStore) []knowledge.Document {
	var docs []knowledge.Document
	at := map[string]int{}
	for _, h := range st.Passages(math.MaxInt) {
		i, ok := at[h.Passage.SourceID]
		if !ok {
			i = len(docs)
			at[h.Passage.SourceID] = i
			docs = append(docs, knowledge.Document{Source: h.Source})
		}
		docs[i].Passages = append(docs[i].Passages, h.Passage)
	}
	return docs
}

// dsnPassword matches a password in a key=value connection string.
var dsnPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// redactDSN hides the password of a connection string, in URL or
// key=value form (a password may also be a URL's password= parameter).
func redactDSN(dsn string) string {
	if dsn == "" {
		return ""
	}
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "(set, redacted: does not parse as a URL)"
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	return dsnPassword.ReplaceAllString(dsn, "${1}xxxxx")
}
