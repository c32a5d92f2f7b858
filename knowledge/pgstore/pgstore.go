// Package pgstore is dramabot's passage index in PostgreSQL (the only
// importer of pgx), for deployments where one indexer writes the index and
// many bot replicas read it.
//
// It ranks exactly as knowledge/store does: BM25 over knowledge/text's terms
// (kept as postings, one row per term, so that a query term's document
// frequency and term frequencies come with one index probe), the cosine of
// pgvector embeddings (an HNSW index for whole-corpus vector search), and
// the same 0.8:0.2 fusion. A search reads the postings and then the
// candidates of both rankings in one snapshot; the BM25 sums and the fusion
// run in Go with the embedded store's arithmetic, so both stores give the
// same scores.
//
// Sync writes a new state of the index in one transaction, bumps the
// version row and sends a NOTIFY; Watch lets replicas follow. The schema is
// migrated at Open from numbered SQL files embedded in the binary.
package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"dramabot/knowledge"
	"dramabot/knowledge/store"
)

// Options configure a Store.
type Options struct {
	// DSN is a PostgreSQL connection string (URL or key=value). pgx reads
	// pool settings from it too, such as pool_max_conns.
	DSN      string
	Embedder store.Embedder
	Logger   *slog.Logger
	// PollInterval is how often Watch checks the version row when no
	// notification comes (default 5 s): notifications are lost while the
	// listening connection is down, and some servers (PGlite) never
	// deliver them to another connection.
	PollInterval time.Duration
}

// Store is safe for concurrent use. Searches read PostgreSQL directly; the
// source list, the first passages and the index's description are cached
// and refreshed by Sync, Reload and Watch.
type Store struct {
	opts Options
	log  *slog.Logger
	pool *pgxpool.Pool

	syncMu sync.Mutex
	cur    atomic.Pointer[view]
	// warnedEmbedder is set once the mismatch of the index's embedder and
	// ours has been logged.
	warnedEmbedder atomic.Bool
}

// view is what the store caches of one version of the index.
type view struct {
	version  int64
	embedder string
	dim      int
	passages int
	builtAt  time.Time
	sources  []knowledge.Source
	counts   map[string]int
	srcIndex map[string]int
	// first holds the first passages in corpus order, for Passages.
	first []knowledge.Passage
}

// cachedPassages is how many passages a view holds for Passages: the
// engine asks for up to 500 when it lists key figures.
const cachedPassages = 1000

// hnswEfSearch is the HNSW candidate list size of a vector query: above
// the 50 candidates a search takes from each ranking, so that they come
// from a wider search (pgvector's default is 40).
const hnswEfSearch = 100

// ErrNoVector reports a server without the pgvector extension.
var ErrNoVector = errors.New("the PostgreSQL server has no pgvector extension (vector)")

// ErrSchemaTooNew reports a database migrated by a newer dramabot.
var ErrSchemaTooNew = errors.New("database schema is newer than this dramabot")

// Open connects to PostgreSQL, migrates the schema and loads the index's
// description. It fails if the server cannot be reached, lacks pgvector or
// holds a newer schema.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Embedder.Embed == nil || opts.Embedder.Name == "" {
		return nil, errors.New("pgstore: no embedder")
	}
	if opts.Embedder.Parallel <= 0 {
		opts.Embedder.Parallel = 4
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 5 * time.Second
	}
	cfg, err := pgxpool.ParseConfig(opts.DSN)
	if err != nil {
		// pgx's message can quote the connection string, password
		// included: report only that it did not parse.
		return nil, errors.New("pgstore: the PostgreSQL connection string does not parse (want postgres://user:password@host:port/db or key=value pairs)")
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		// A placeholder until pgvector's library loads, which then
		// takes the value.
		_, err := c.Exec(ctx, fmt.Sprintf("SET hnsw.ef_search = %d", hnswEfSearch))
		return err
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect to %s: %w", where, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: connect to %s: %w", where, err)
	}
	s := &Store{opts: opts, log: opts.Logger, pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if _, err := s.Reload(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the connections.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that PostgreSQL answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("pgstore: ping: %w", err)
	}
	return nil
}

// Version is the version of the index the cache describes.
func (s *Store) Version() int64 { return s.cur.Load().version }

// Reload refreshes the cached description of the index if its version
// moved, and reports whether it did.
func (s *Store) Reload(ctx context.Context) (bool, error) {
	var version int64
	if err := s.pool.QueryRow(ctx, `SELECT version FROM index_meta WHERE id = 1`).Scan(&version); err != nil {
		return false, fmt.Errorf("pgstore: read the index version: %w", err)
	}
	if old := s.cur.Load(); old != nil && old.version == version {
		return false, nil
	}
	v, err := s.loadView(ctx)
	if err != nil {
		return false, err
	}
	s.cur.Store(v)
	return true, nil
}

// loadView reads one consistent description of the index.
func (s *Store) loadView(ctx context.Context) (*view, error) {
	v := &view{counts: map[string]int{}, srcIndex: map[string]int{}}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var built *time.Time
		err := tx.QueryRow(ctx, `SELECT version, embedder, dim, passages, built_at FROM index_meta WHERE id = 1`).
			Scan(&v.version, &v.embedder, &v.dim, &v.passages, &built)
		if err != nil {
			return err
		}
		if built != nil {
			v.builtAt = built.UTC()
		}
		rows, err := tx.Query(ctx, `SELECT id, title, publisher, date, url, lang, editor, origin, coalesce(note::text, '') FROM sources ORDER BY ord`)
		if err != nil {
			return err
		}
		v.sources, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (knowledge.Source, error) {
			var src knowledge.Source
			var note string
			if err := r.Scan(&src.ID, &src.Title, &src.Publisher, &src.Date, &src.URL, &src.Lang, &src.Editor, &src.Origin, &note); err != nil {
				return src, err
			}
			if note != "" {
				src.Note = new(knowledge.NoteInfo)
				if err := json.Unmarshal([]byte(note), src.Note); err != nil {
					return src, fmt.Errorf("source %s: note: %w", src.ID, err)
				}
			}
			return src, nil
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT source_id, count(*) FROM passages GROUP BY source_id`)
		if err != nil {
			return err
		}
		var id string
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error { v.counts[id] = n; return nil }); err != nil {
			return err
		}
		v.first, err = queryPassages(ctx, tx, cachedPassages, 0)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: load the index description: %w", err)
	}
	for i, src := range v.sources {
		if _, ok := v.srcIndex[src.ID]; !ok {
			v.srcIndex[src.ID] = i
		}
	}
	return v, nil
}

// queryPassages returns up to limit passages in corpus order, from offset.
func queryPassages(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, limit, offset int) ([]knowledge.Passage, error) {
	rows, err := q.Query(ctx, `SELECT id, source_id, ordinal, heading, body FROM passages ORDER BY ord LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (knowledge.Passage, error) {
		var p knowledge.Passage
		err := r.Scan(&p.ID, &p.SourceID, &p.Ordinal, &p.Heading, &p.Text)
		return p, err
	})
}

func (v *view) source(id string) knowledge.Source {
	if i, ok := v.srcIndex[id]; ok {
		return v.sources[i]
	}
	return knowledge.Source{ID: id}
}

// Stats returns the size and age of the index the cache describes.
func (s *Store) Stats() store.Stats {
	v := s.cur.Load()
	return store.Stats{Passages: v.passages, Sources: len(v.sources), Embedder: v.embedder, Dim: v.dim, BuiltAt: v.builtAt}
}

// Embedder is the name of this store's embedder.
func (s *Store) Embedder() string { return s.opts.Embedder.Name }

// Recovered says why the index in the database is not used for vector
// search: it was built with another embedder (the next Sync rebuilds it).
// It is "" otherwise, as it is for a new, empty database.
func (s *Store) Recovered() string {
	v := s.cur.Load()
	if v.embedder != "" && v.embedder != s.opts.Embedder.Name {
		return fmt.Sprintf("the index was built with embedder %s, not %s", v.embedder, s.opts.Embedder.Name)
	}
	return ""
}

// Sources lists the documents with their passage counts, in corpus order.
func (s *Store) Sources() []knowledge.SourceStat {
	v := s.cur.Load()
	out := make([]knowledge.SourceStat, 0, len(v.sources))
	for _, src := range v.sources {
		out = append(out, knowledge.SourceStat{Source: src, Passages: v.counts[src.ID]})
	}
	return out
}

// passagesTimeout bounds reading passages beyond the cached ones: the
// Retriever port gives Passages no context.
const passagesTimeout = 10 * time.Second

// Passages returns the first limit passages in corpus order. Past the
// cached ones it reads PostgreSQL, and on an error logs it and returns
// what it has.
func (s *Store) Passages(limit int) []knowledge.Hit {
	v := s.cur.Load()
	ps := v.first[:min(limit, len(v.first))]
	if limit > len(v.first) && len(v.first) == cachedPassages {
		ctx, cancel := context.WithTimeout(context.Background(), passagesTimeout)
		defer cancel()
		more, err := queryPassages(ctx, s.pool, limit-len(v.first), len(v.first))
		if err != nil {
			s.log.Error("reading passages failed", "err", err)
		}
		ps = append(ps[:len(ps):len(ps)], more...)
	}
	out := make([]knowledge.Hit, len(ps))
	for i, p := range ps {
		out[i] = knowledge.Hit{Passage: p, Source: v.source(p.SourceID)}
	}
	return out
}
