package pgstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"dramabot/knowledge"
	"dramabot/knowledge/store"
	"dramabot/knowledge/text"
)

// notifyChannel carries the new index version after each Sync.
const notifyChannel = "dramabot_index"

// entry is a passage of the corpus with the hash of what is embedded.
type entry struct {
	passage knowledge.Passage
	hash    string
}

// stored is what the database holds of a passage for Sync to compare.
type stored struct {
	hash string
	ord  int
}

// errConflict reports that another process changed the index between
// reading the manifest and writing.
var errConflict = errors.New("the index changed during sync")

// Sync makes the index hold exactly the passages of docs, as the embedded
// store's Sync does: new and changed passages are embedded and indexed,
// unchanged ones keep their rows and vectors, passages whose source
// disappeared are deleted. Everything is written in one transaction, which
// also bumps the version and notifies replicas; on an error nothing
// changes. Two indexers on one database take turns.
func (s *Store) Sync(ctx context.Context, docs []knowledge.Document) (store.Changes, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	start := time.Now()
	var ch store.Changes
	var entries []entry
	var sources []knowledge.Source
	seen := map[string]bool{}
	for _, d := range docs {
		sources = append(sources, d.Source)
		for _, p := range d.Passages {
			if seen[p.ID] {
				ch.Duplicates++
				continue
			}
			seen[p.ID] = true
			entries = append(entries, entry{passage: p, hash: s.hash(p)})
		}
	}
	ch.Sources = len(sources)
	// Vectors made in an attempt that lost a race to another indexer
	// are kept for the next attempt, by hash.
	embedded := map[string][]float32{}
	for attempt := 1; ; attempt++ {
		c, err := s.syncOnce(ctx, entries, sources, embedded, ch)
		if errors.Is(err, errConflict) && attempt < 3 {
			s.log.Info("the index changed during sync; syncing again", "attempt", attempt)
			continue
		}
		c.Duration = time.Since(start)
		return c, err
	}
}

func (s *Store) syncOnce(ctx context.Context, entries []entry, sources []knowledge.Source, embedded map[string][]float32, ch store.Changes) (store.Changes, error) {
	man, version, oldSources, err := s.manifest(ctx)
	if err != nil {
		return ch, err
	}
	var todo []int
	var drop []string
	seen := make(map[string]bool, len(entries))
	for i, e := range entries {
		seen[e.passage.ID] = true
		old, ok := man[e.passage.ID]
		switch {
		case !ok:
			ch.Added++
			todo = append(todo, i)
		case old.hash != e.hash:
			ch.Changed++
			todo = append(todo, i)
			drop = append(drop, e.passage.ID)
		default:
			ch.Unchanged++
		}
	}
	for id := range man {
		if !seen[id] {
			ch.Removed++
			drop = append(drop, id)
		}
	}
	moved := false
	for i, e := range entries {
		if old, ok := man[e.passage.ID]; ok && old.hash == e.hash && old.ord != i {
			moved = true
			break
		}
	}
	if len(todo) == 0 && len(drop) == 0 && !moved && sameSources(oldSources, sources) && len(man) > 0 {
		return ch, nil
	}
	var need []int
	for _, i := range todo {
		if _, ok := embedded[entries[i].hash]; !ok {
			need = append(need, i)
		}
	}
	vectors, err := s.embedAll(ctx, entries, need)
	if err != nil {
		return ch, err
	}
	for j, i := range need {
		embedded[entries[i].hash] = vectors[j]
	}
	ch.Embedded += len(need)
	dim := 0
	for _, i := range todo {
		v := embedded[entries[i].hash]
		if dim == 0 {
			dim = len(v)
		}
		if len(v) != dim {
			return ch, fmt.Errorf("pgstore: passage %s has a %d-dimensional vector, the others %d", entries[i].passage.ID, len(v), dim)
		}
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return s.write(ctx, tx, writeSet{
			version: version, entries: entries, sources: sources, man: man,
			todo: todo, drop: drop, vectors: embedded, dim: dim,
		})
	})
	if err != nil {
		if errors.Is(err, errConflict) {
			return ch, err
		}
		return ch, fmt.Errorf("pgstore: write the index: %w", err)
	}
	// Fresh planner statistics, so that searches use the indexes from
	// the first query on (a server without autovacuum, like PGlite, would
	// otherwise plan for empty tables).
	if _, err := s.pool.Exec(ctx, `ANALYZE passages, terms`); err != nil {
		s.log.Warn("analyzing the index tables failed", "err", err)
	}
	if _, err := s.Reload(ctx); err != nil {
		return ch, err
	}
	return ch, nil
}

// manifest reads the passages' hashes and positions, the version and the
// sources.
func (s *Store) manifest(ctx context.Context) (map[string]stored, int64, []knowledge.Source, error) {
	man := map[string]stored{}
	var version int64
	var sources []knowledge.Source
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT version FROM index_meta WHERE id = 1`).Scan(&version); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, hash, ord FROM passages`)
		if err != nil {
			return err
		}
		var id string
		var st stored
		if _, err := pgx.ForEachRow(rows, []any{&id, &st.hash, &st.ord}, func() error { man[id] = st; return nil }); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT id, title, publisher, date, url, lang, editor, origin, coalesce(note::text, '') FROM sources ORDER BY ord`)
		if err != nil {
			return err
		}
		sources, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (knowledge.Source, error) {
			var src knowledge.Source
			var note string
			err := r.Scan(&src.ID, &src.Title, &src.Publisher, &src.Date, &src.URL, &src.Lang, &src.Editor, &src.Origin, &note)
			if err == nil && note != "" {
				src.Note = new(knowledge.NoteInfo)
				err = json.Unmarshal([]byte(note), src.Note)
			}
			return src, err
		})
		return err
	})
	if err != nil {
		return nil, 0, nil, fmt.Errorf("pgstore: read the manifest: %w", err)
	}
	return man, version, sources, nil
}

// sameSources compares sources by value, notes included.
func sameSources(a, b []knowledge.Source) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if (x.Note == nil) != (y.Note == nil) || x.Note != nil && *x.Note != *y.Note {
			return false
		}
		x.Note, y.Note = nil, nil
		if x != y {
			return false
		}
	}
	return true
}

// writeSet is what one Sync writes.
type writeSet struct {
	version int64
	entries []entry
	sources []knowledge.Source
	man     map[string]stored
	todo    []int
	drop    []string
	vectors map[string][]float32
	dim     int
}

// writeBatch bounds the passages of one INSERT, so that no statement grows
// past a few megabytes.
const writeBatch = 1000

// write applies w in tx. It takes the advisory lock that serializes
// writers and fails with errConflict if another one wrote since the
// manifest was read.
func (s *Store) write(ctx context.Context, tx pgx.Tx, w writeSet) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
		return err
	}
	var version int64
	var oldDim int
	if err := tx.QueryRow(ctx, `SELECT version, dim FROM index_meta WHERE id = 1`).Scan(&version, &oldDim); err != nil {
		return err
	}
	if version != w.version {
		return errConflict
	}
	// The HNSW index is on vector(dim): it is rebuilt when the dimension
	// changes, and for a full rebuild, where building it once after the
	// inserts beats growing it row by row.
	dim := oldDim
	rebuildIndex := w.dim > 0 && (w.dim != oldDim || len(w.todo) == len(w.entries))
	if rebuildIndex {
		dim = w.dim
		if _, err := tx.Exec(ctx, `DROP INDEX IF EXISTS passages_embedding_hnsw`); err != nil {
			return fmt.Errorf("vector index: %w", err)
		}
	}
	// A full rebuild (nothing kept) empties the tables at once.
	full := len(w.todo) == len(w.entries) && len(w.drop) == len(w.man)
	switch {
	case full:
		if _, err := tx.Exec(ctx, `TRUNCATE terms, passages RESTART IDENTITY`); err != nil {
			return fmt.Errorf("empty the index: %w", err)
		}
	case len(w.drop) > 0:
		if err := dropPassages(ctx, tx, w.drop); err != nil {
			return err
		}
	}
	// Unchanged passages keep their rows; only their position may move.
	var movedIDs []string
	var movedOrds []int32
	for i, e := range w.entries {
		if old, ok := w.man[e.passage.ID]; ok && old.hash == e.hash && old.ord != i {
			movedIDs = append(movedIDs, e.passage.ID)
			movedOrds = append(movedOrds, int32(i))
		}
	}
	if len(movedIDs) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE passages SET ord = u.ord FROM unnest($1::text[], $2::int[]) AS u(id, ord) WHERE passages.id = u.id`, movedIDs, movedOrds); err != nil {
			return fmt.Errorf("move passages: %w", err)
		}
	}
	t0 := time.Now()
	post := postings{}
	for lo := 0; lo < len(w.todo); lo += writeBatch {
		if err := insertPassages(ctx, tx, w, w.todo[lo:min(lo+writeBatch, len(w.todo))], post); err != nil {
			return err
		}
	}
	if err := post.write(ctx, tx); err != nil {
		return err
	}
	s.log.Debug("sync: passages and postings written", "passages", len(w.todo), "terms", len(post), "took", time.Since(t0))
	if _, err := tx.Exec(ctx, `DELETE FROM sources`); err != nil {
		return fmt.Errorf("replace sources: %w", err)
	}
	if err := insertSources(ctx, tx, w.sources); err != nil {
		return fmt.Errorf("replace sources: %w", err)
	}
	if rebuildIndex {
		q := fmt.Sprintf(`CREATE INDEX passages_embedding_hnsw ON passages USING hnsw ((embedding::vector(%d)) vector_cosine_ops)`, dim)
		t0 := time.Now()
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("vector index: %w", err)
		}
		s.log.Debug("sync: vector index built", "took", time.Since(t0))
	}
	if len(w.entries) == 0 {
		dim = 0
	}
	var next int64
	err := tx.QueryRow(ctx, `UPDATE index_meta SET version = version + 1, embedder = $1, analyzer = $2, dim = $3,
		passages = (SELECT count(*) FROM passages), total_len = (SELECT coalesce(sum(len), 0) FROM passages), built_at = now()
		WHERE id = 1 RETURNING version`, s.opts.Embedder.Name, text.AnalyzerVersion, dim).Scan(&next)
	if err != nil {
		return fmt.Errorf("bump the version: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, fmt.Sprint(next)); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// insertPassages writes the passages entries[idx] and adds their
// postings to post.
func insertPassages(ctx context.Context, tx pgx.Tx, w writeSet, idx []int, post postings) error {
	n := len(idx)
	ids, srcIDs, headings, bodies, hashes, vecs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ords, ordinals, lens := make([]int32, n), make([]int32, n), make([]int32, n)
	terms := make([][]termCount, n)
	for j, i := range idx {
		e := w.entries[i]
		p := e.passage
		ids[j], srcIDs[j], headings[j], bodies[j], hashes[j] = p.ID, p.SourceID, p.Heading, p.Text, e.hash
		ords[j], ordinals[j] = int32(i), int32(p.Ordinal)
		vecs[j] = formatVector(w.vectors[e.hash])
		terms[j] = analyze(embedText(p))
		for _, tc := range terms[j] {
			lens[j] += int32(tc.tf)
		}
	}
	rows, err := tx.Query(ctx, `INSERT INTO passages (id, ord, source_id, ordinal, heading, body, hash, len, embedding)
		SELECT id, ord, source_id, ordinal, heading, body, hash, len, embedding::vector
		FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[])
			AS u(id, ord, source_id, ordinal, heading, body, hash, len, embedding)
		RETURNING id, pid`, ids, ords, srcIDs, ordinals, headings, bodies, hashes, lens, vecs)
	if err != nil {
		return fmt.Errorf("insert passages: %w", err)
	}
	pids := make(map[string]int32, n)
	var id string
	var pid int32
	if _, err := pgx.ForEachRow(rows, []any{&id, &pid}, func() error { pids[id] = pid; return nil }); err != nil {
		return fmt.Errorf("insert passages: %w", err)
	}
	for j := range idx {
		for _, tc := range terms[j] {
			post.add(tc.term, pids[ids[j]], int32(tc.tf), lens[j])
		}
	}
	return nil
}

// postings collects the postings of new passages by term, so that each
// term's row is written once.
type postings map[string]*termPostings

type termPostings struct{ pids, tfs, lens []int32 }

func (p postings) add(term string, pid, tf, length int32) {
	tp := p[term]
	if tp == nil {
		tp = &termPostings{}
		p[term] = tp
	}
	tp.pids, tp.tfs, tp.lens = append(tp.pids, pid), append(tp.tfs, tf), append(tp.lens, length)
}

// termsBatch bounds the postings one statement writes.
const termsBatch = 100000

// write appends the collected postings to the terms' rows, creating the
// rows of new terms. Arrays go as text ("{1,2,3}"): unnest cannot take
// arrays of arrays of different lengths.
func (p postings) write(ctx context.Context, tx pgx.Tx) error {
	var terms, pids, tfs, lens []string
	size := 0
	flush := func() error {
		if len(terms) == 0 {
			return nil
		}
		_, err := tx.Exec(ctx, `INSERT INTO terms (term, pids, tfs, lens)
			SELECT term, pids::int[], tfs::int[], lens::int[] FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(term, pids, tfs, lens)
			ON CONFLICT (term) DO UPDATE SET pids = terms.pids || excluded.pids, tfs = terms.tfs || excluded.tfs, lens = terms.lens || excluded.lens`,
			terms, pids, tfs, lens)
		terms, pids, tfs, lens, size = terms[:0], pids[:0], tfs[:0], lens[:0], 0
		if err != nil {
			return fmt.Errorf("write postings: %w", err)
		}
		return nil
	}
	for term, tp := range p {
		terms = append(terms, term)
		pids, tfs, lens = append(pids, intArray(tp.pids)), append(tfs, intArray(tp.tfs)), append(lens, intArray(tp.lens))
		if size += len(tp.pids); size >= termsBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

func intArray(xs []int32) string {
	b := make([]byte, 0, 2+len(xs)*6)
	b = append(b, '{')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(x), 10)
	}
	return string(append(b, '}'))
}

// dropPassages deletes passages and removes them from their terms'
// postings: the terms are those of their indexed text (which the analyzer
// gives again, since a new analyzer version changes every hash and so
// rebuilds everything), and terms left without passages go.
func dropPassages(ctx context.Context, tx pgx.Tx, ids []string) error {
	rows, err := tx.Query(ctx, `DELETE FROM passages WHERE id = ANY($1::text[]) RETURNING pid, heading, body`, ids)
	if err != nil {
		return fmt.Errorf("delete passages: %w", err)
	}
	var pids []int32
	termSet := map[string]bool{}
	var pid int32
	var heading, body string
	_, err = pgx.ForEachRow(rows, []any{&pid, &heading, &body}, func() error {
		pids = append(pids, pid)
		for _, tc := range analyze(embedText(knowledge.Passage{Heading: heading, Text: body})) {
			termSet[tc.term] = true
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete passages: %w", err)
	}
	terms := make([]string, 0, len(termSet))
	for t := range termSet {
		terms = append(terms, t)
	}
	_, err = tx.Exec(ctx, `UPDATE terms SET (pids, tfs, lens) = (
			SELECT coalesce(array_agg(u.pid ORDER BY u.o), '{}'), coalesce(array_agg(u.tf ORDER BY u.o), '{}'), coalesce(array_agg(u.len ORDER BY u.o), '{}')
			FROM unnest(terms.pids, terms.tfs, terms.lens) WITH ORDINALITY AS u(pid, tf, len, o)
			WHERE u.pid <> ALL($2::int[]))
		WHERE term = ANY($1::text[])`, terms, pids)
	if err != nil {
		return fmt.Errorf("delete postings: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM terms WHERE term = ANY($1::text[]) AND cardinality(pids) = 0`, terms); err != nil {
		return fmt.Errorf("delete postings: %w", err)
	}
	return nil
}

func insertSources(ctx context.Context, tx pgx.Tx, sources []knowledge.Source) error {
	n := len(sources)
	if n == 0 {
		return nil
	}
	cols := make([][]string, 9)
	for c := range cols {
		cols[c] = make([]string, n)
	}
	ords := make([]int32, n)
	for i, src := range sources {
		ords[i] = int32(i)
		note := ""
		if src.Note != nil {
			b, err := json.Marshal(src.Note)
			if err != nil {
				return err
			}
			note = string(b)
		}
		for c, v := range []string{src.ID, src.Title, src.Publisher, src.Date, src.URL, src.Lang, src.Editor, src.Origin, note} {
			cols[c][i] = v
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO sources (ord, id, title, publisher, date, url, lang, editor, origin, note)
		SELECT ord, id, title, publisher, date, url, lang, editor, origin, nullif(note, '')::jsonb
		FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
			AS u(ord, id, title, publisher, date, url, lang, editor, origin, note)`,
		ords, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8])
	return err
}

// embedText is what is embedded and indexed for a passage: its heading and
// text, exactly as in knowledge/store, so that both stores hash, embed and
// index the same text.
func embedText(p knowledge.Passage) string {
	if p.Heading != "" {
		return p.Heading + "\n" + p.Text
	}
	return p.Text
}

// hash is knowledge/store's content hash of a passage: the embedder, the
// analyzer version and the indexed text. A change in any of them means the
// passage is embedded and indexed again.
func (s *Store) hash(p knowledge.Passage) string {
	h := sha256.New()
	h.Write([]byte(s.opts.Embedder.Name))
	h.Write([]byte{0})
	h.Write([]byte(text.AnalyzerVersion))
	h.Write([]byte{0})
	h.Write([]byte(embedText(p)))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// termCount is a distinct term of a passage and how often it occurs.
type termCount struct {
	term string
	tf   uint16
}

// analyze lists the distinct terms of s with their frequencies, capped as
// knowledge/store caps them.
func analyze(s string) []termCount {
	terms := text.Tokenize(s, false)
	seen := make(map[string]int, len(terms))
	out := make([]termCount, 0, len(terms)/2)
	for _, t := range terms {
		if i, ok := seen[t.Text]; ok {
			if out[i].tf < math.MaxUint16 {
				out[i].tf++
			}
			continue
		}
		seen[t.Text] = len(out)
		out = append(out, termCount{t.Text, 1})
	}
	return out
}

// embedAll computes the vectors of entries[idx], Parallel at a time, and
// fails on the first error as knowledge/store does.
func (s *Store) embedAll(ctx context.Context, entries []entry, idx []int) ([][]float32, error) {
	out := make([][]float32, len(idx))
	if len(idx) == 0 {
		return out, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range min(s.opts.Embedder.Parallel, len(idx)) {
		wg.Go(func() {
			for {
				n := int(next.Add(1)) - 1
				if n >= len(idx) || ctx.Err() != nil {
					return
				}
				p := entries[idx[n]].passage
				v, err := s.opts.Embedder.Embed(ctx, embedText(p))
				if err == nil && len(v) == 0 {
					err = errors.New("empty vector")
				}
				if err == nil && !finite(v) {
					err = errors.New("vector has NaN or Inf values")
				}
				if err != nil {
					once.Do(func() { firstErr = fmt.Errorf("embed passage %s: %w", p.ID, err); cancel() })
					return
				}
				out[n] = v
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	return out, nil
}

func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}
