// Package store is dramabot's passage index: vectors in a chromem-go
// collection (the only importer of chromem-go), a BM25 lexicon beside it,
// and hybrid retrieval that fuses the two rankings.
//
// The index persists as one snapshot file in a data directory, written
// atomically, with a manifest of passage ids and content hashes so that a
// restart re-embeds only new or changed passages. A snapshot that fails its
// checksum is reported and rebuilt from the sources, never served empty.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	chromem "github.com/philippgille/chromem-go"

	"dramabot/knowledge"
	"dramabot/knowledge/records"
	"dramabot/knowledge/text"
)

// Embedder turns text into vectors. Name identifies the model and its
// settings: a store built with one name is never queried with another.
type Embedder struct {
	Name string
	// Semantic is set for models that read meaning beyond shared words
	// (ollama, openai): every search then ranks all passages by vector.
	// The local hashing embedder only re-weighs the words BM25 matches.
	Semantic bool
	Embed    func(ctx context.Context, text string) ([]float32, error)
	// Parallel is how many texts to embed at once (default: the number
	// of CPUs for a local embedder; set it low for a remote server).
	Parallel int
}

// Options configure a Store.
type Options struct {
	// Dir holds the snapshot. Empty means memory only.
	Dir      string
	Embedder Embedder
	Logger   *slog.Logger
	// NoRecords leaves out the figure records (Records returns none):
	// for measuring what building them costs.
	NoRecords bool
}

// Store is safe for concurrent use: searches run against an immutable
// index that Sync replaces atomically, so answers keep coming from the old
// index while a new one is built.
type Store struct {
	opts Options
	log  *slog.Logger

	syncMu sync.Mutex
	cur    atomic.Pointer[index]
	// recovered says why a snapshot on disk was not used, if it wasn't.
	recovered string
	// unsaved is set while the index in use is newer than the snapshot
	// because saving failed.
	unsaved bool
}

const collectionName = "passages"

// index is one immutable generation of the store.
type index struct {
	db       *chromem.DB
	col      *chromem.Collection
	entries  []entry
	byID     map[string]int32
	sources  []knowledge.Source
	srcIndex map[string]int
	lex      *lexicon
	// vectors are the passages' embeddings, as given to chromem-go (which
	// keeps these very slices when they are unit length): they are saved in
	// the snapshot and reused by Sync for unchanged passages.
	vectors  [][]float32
	embedder string
	dim      int
	builtAt  time.Time
	// records are the figure records of every passage, in passage order;
	// each entry's Records is its slice of them.
	records []records.Record
}

// entry is a passage in the manifest with the hash of what was embedded,
// and the figure records read from it.
type entry struct {
	Passage knowledge.Passage
	Hash    string
	Records []records.Record
}

// Changes summarizes a Sync.
type Changes struct {
	Added, Changed, Removed, Unchanged int
	Sources                            int
	// Embedded counts the passages whose vectors were computed.
	Embedded int
	// Duplicates counts passages skipped because their id was taken.
	Duplicates int
	Duration   time.Duration
}

func (c Changes) String() string {
	return fmt.Sprintf("%d added, %d changed, %d removed, %d unchanged (%d sources, %d embedded) in %s",
		c.Added, c.Changed, c.Removed, c.Unchanged, c.Sources, c.Embedded, c.Duration.Round(time.Millisecond))
}

// Open returns a store, loading the snapshot in opts.Dir if there is a
// usable one. A corrupt snapshot or one built with another embedder is
// logged and set aside; the next Sync rebuilds it.
func Open(opts Options) (*Store, error) {
	if opts.Embedder.Embed == nil || opts.Embedder.Name == "" {
		// chromem-go falls back to OpenAI when given no embedding
		// function; never let that happen.
		return nil, errors.New("store: no embedder")
	}
	if opts.Embedder.Parallel <= 0 {
		opts.Embedder.Parallel = runtime.GOMAXPROCS(0)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{opts: opts, log: opts.Logger}
	empty, err := s.emptyIndex()
	if err != nil {
		return nil, err
	}
	s.cur.Store(empty)
	if opts.Dir == "" {
		return s, nil
	}
	s.removeStaleTemps()
	idx, err := s.loadSnapshot()
	switch {
	case err == nil && idx != nil:
		s.cur.Store(idx)
	case err != nil:
		s.recovered = err.Error()
		s.log.Error("snapshot not usable; the index will be rebuilt from the sources", "err", err)
	}
	return s, nil
}

// Recovered reports why the snapshot on disk was not used ("" if it was,
// or if there was none).
func (s *Store) Recovered() string { return s.recovered }

func (s *Store) emptyIndex() (*index, error) {
	db := chromem.NewDB()
	col, err := db.CreateCollection(collectionName, map[string]string{"embedder": s.opts.Embedder.Name}, s.opts.Embedder.Embed)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &index{db: db, col: col, byID: map[string]int32{}, srcIndex: map[string]int{}, lex: buildLexicon(nil), embedder: s.opts.Embedder.Name}, nil
}

// ErrSnapshot wraps failures to write the snapshot. The new index is in
// use anyway; only persistence failed (a read-only or full data dir).
var ErrSnapshot = errors.New("snapshot not saved")

// Sync makes the index hold exactly the passages of docs: it embeds new and
// changed passages, reuses the vectors of unchanged ones, drops passages
// whose source disappeared, swaps the new index in and saves a snapshot.
// On an embedding error the old index stays in use.
func (s *Store) Sync(ctx context.Context, docs []knowledge.Document) (Changes, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	start := time.Now()
	old := s.cur.Load()

	var ch Changes
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
			entries = append(entries, entry{Passage: p, Hash: s.hash(d.Source, p)})
		}
	}
	ch.Sources = len(sources)

	vectors := make([][]float32, len(entries))
	var todo []int
	for i, e := range entries {
		j, ok := old.byID[e.Passage.ID]
		switch {
		case !ok:
			ch.Added++
			todo = append(todo, i)
		case old.entries[j].Hash != e.Hash:
			ch.Changed++
			todo = append(todo, i)
		default:
			ch.Unchanged++
			if int(j) >= len(old.vectors) || len(old.vectors[j]) == 0 {
				todo = append(todo, i) // vector missing: embed again
				continue
			}
			vectors[i] = old.vectors[j]
		}
	}
	for id := range old.byID {
		if !seen[id] {
			ch.Removed++
		}
	}
	if ch.Added == 0 && ch.Changed == 0 && ch.Removed == 0 && len(todo) == 0 && sameSources(old.sources, sources) && len(old.entries) > 0 {
		ch.Duration = time.Since(start)
		if s.unsaved && s.opts.Dir != "" {
			// The last save failed (a full or read-only data dir): try
			// again, so the index is not lost once the disk is fixed.
			if err := s.saveSnapshot(old); err != nil {
				return ch, fmt.Errorf("%w: %w", ErrSnapshot, err)
			}
			s.unsaved = false
		}
		return ch, nil
	}
	if len(entries) >= bigBuild {
		// A large build makes a lot of short-lived garbage: collecting it
		// twice as often keeps the peak memory a quarter lower (100k
		// passages: 796 MiB instead of 1,024) at no measurable cost in
		// time. The setting is process-wide, so it is restored at once.
		defer debug.SetGCPercent(debug.SetGCPercent(50))
	}
	// The lexicon first: building it briefly needs twice its final size,
	// and that peak costs less before the vectors exist.
	lex := lexiconOf(entries)
	// The records are read while the passages are embedded: reading them
	// is the smaller task and takes no extra time on a machine whose cores
	// the embedder leaves idle (a remote one).
	recDone := make(chan struct{})
	go func() {
		defer close(recDone)
		s.readRecords(old, entries, sources)
	}()
	err := s.embedAll(ctx, entries, sources, vectors, todo)
	<-recDone
	if err != nil {
		return ch, err
	}
	ch.Embedded = len(todo)

	idx, err := s.build(ctx, entries, sources, vectors, lex)
	if err != nil {
		return ch, err
	}
	s.cur.Store(idx)
	s.recovered = ""
	ch.Duration = time.Since(start)
	if s.opts.Dir != "" {
		if err := s.saveSnapshot(idx); err != nil {
			s.unsaved = true
			return ch, fmt.Errorf("%w: %w", ErrSnapshot, err)
		}
		s.unsaved = false
	}
	return ch, nil
}

func sameSources(a, b []knowledge.Source) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// embedText is what gets embedded and indexed for a passage: its heading
// and text. (The source title is left out: measured on the evaluation sets
// it did not help ranking.)
func embedText(_ knowledge.Source, p knowledge.Passage) string {
	if p.Heading != "" {
		return p.Heading + "\n" + p.Text
	}
	return p.Text
}

func (s *Store) hash(src knowledge.Source, p knowledge.Passage) string {
	h := sha256.New()
	h.Write([]byte(s.opts.Embedder.Name))
	h.Write([]byte{0})
	// A change in how text is split into terms changes both the lexicon
	// and the local vectors: every passage is then indexed again.
	h.Write([]byte(text.AnalyzerVersion))
	h.Write([]byte{0})
	// The page is cited: a passage that moved to another page must be
	// stored again even when its words did not change.
	h.Write([]byte(strconv.Itoa(p.Page)))
	h.Write([]byte{0})
	h.Write([]byte(embedText(src, p)))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// readRecords sets the figure records of entries: an unchanged passage
// of an unchanged source keeps those of the old index, the others are
// read again (a record carries its source's publisher, date and note).
func (s *Store) readRecords(old *index, entries []entry, sources []knowledge.Source) {
	if s.opts.NoRecords {
		return
	}
	srcByID := make(map[string]knowledge.Source, len(sources))
	for _, src := range sources {
		if _, ok := srcByID[src.ID]; !ok {
			srcByID[src.ID] = src
		}
	}
	var todo []int
	for i := range entries {
		e := &entries[i]
		j, ok := old.byID[e.Passage.ID]
		if ok && old.entries[j].Hash == e.Hash && old.entries[j].Records != nil && old.source(e.Passage.SourceID) == srcByID[e.Passage.SourceID] {
			e.Records = old.entries[j].Records
			continue
		}
		todo = append(todo, i)
	}
	parallel(len(todo), func(n int) {
		e := &entries[todo[n]]
		e.Records = passageRecords(srcByID[e.Passage.SourceID], e.Passage)
	})
}

// passageRecords reads the records of one passage; never nil, so that a
// passage without figures is not read again.
func passageRecords(src knowledge.Source, p knowledge.Passage) []records.Record {
	rs := records.Extract(knowledge.Document{Source: src, Passages: []knowledge.Passage{p}})
	if rs == nil {
		rs = []records.Record{}
	}
	return rs
}

// parallel calls f(0..n-1) on all cores.
func parallel(n int, f func(int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// embedAll computes the vectors of entries[todo], Parallel at a time.
func (s *Store) embedAll(ctx context.Context, entries []entry, sources []knowledge.Source, vectors [][]float32, todo []int) error {
	if len(todo) == 0 {
		return nil
	}
	srcByID := make(map[string]knowledge.Source, len(sources))
	for _, src := range sources {
		srcByID[src.ID] = src
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for w := 0; w < min(s.opts.Embedder.Parallel, len(todo)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(next.Add(1)) - 1
				if n >= len(todo) || ctx.Err() != nil {
					return
				}
				// Only the passage: readRecords fills the entries' records
				// at the same time, so the entry is not copied whole.
				p := entries[todo[n]].Passage
				v, err := s.opts.Embedder.Embed(ctx, embedText(srcByID[p.SourceID], p))
				if err == nil && len(v) == 0 {
					err = errors.New("empty vector")
				}
				if err == nil && !finite(v) {
					err = errors.New("vector has NaN or Inf values")
				}
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("embed passage %s: %w", p.ID, err); cancel() })
					return
				}
				vectors[todo[n]] = v
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("embed: %w", err)
	}
	return nil
}

func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// bigBuild is the number of passages from which Sync trades a little
// garbage-collection work for memory.
const bigBuild = 20000

// addBatch bounds how many documents go to chromem-go at once: its
// AddDocuments starts a goroutine per document.
const addBatch = 2000

// build makes a new index generation from entries, their vectors and
// their lexicon.
func (s *Store) build(ctx context.Context, entries []entry, sources []knowledge.Source, vectors [][]float32, lex *lexicon) (*index, error) {
	idx, err := s.emptyIndex()
	if err != nil {
		return nil, err
	}
	dim := 0
	for i, v := range vectors {
		if dim == 0 {
			dim = len(v)
		}
		if len(v) != dim {
			return nil, fmt.Errorf("store: passage %s has a %d-dimensional vector, the others %d", entries[i].Passage.ID, len(v), dim)
		}
	}
	idx.dim = dim
	if err := addVectors(ctx, idx.col, entries, vectors); err != nil {
		return nil, fmt.Errorf("store: add: %w", err)
	}
	idx.vectors = vectors
	idx.fill(entries, sources, lex)
	return idx, nil
}

// lexiconOf indexes the passages' texts.
func lexiconOf(entries []entry) *lexicon {
	texts := make([]string, len(entries))
	for i, e := range entries {
		texts[i] = embedText(knowledge.Source{}, e.Passage)
	}
	return buildLexicon(texts)
}

// addVectors adds the passages' vectors to col, addBatch at a time.
func addVectors(ctx context.Context, col *chromem.Collection, entries []entry, vectors [][]float32) error {
	docs := make([]chromem.Document, 0, min(addBatch, len(entries)))
	for i := range entries {
		docs = append(docs, chromem.Document{ID: entries[i].Passage.ID, Embedding: vectors[i]})
		if len(docs) == addBatch || i == len(entries)-1 {
			if err := col.AddDocuments(ctx, docs, runtime.GOMAXPROCS(0)); err != nil {
				return err
			}
			docs = docs[:0]
		}
	}
	return nil
}

// fill sets the manifest, the source table and the lexicon.
func (idx *index) fill(entries []entry, sources []knowledge.Source, lex *lexicon) {
	idx.entries = entries
	idx.sources = sources
	idx.byID = make(map[string]int32, len(entries))
	idx.srcIndex = make(map[string]int, len(sources))
	for i, src := range sources {
		if _, ok := idx.srcIndex[src.ID]; !ok {
			idx.srcIndex[src.ID] = i
		}
	}
	for i, e := range entries {
		idx.byID[e.Passage.ID] = int32(i)
	}
	idx.lex = lex
	idx.builtAt = time.Now().UTC()
	idx.collectRecords()
}

// collectRecords lists the entries' records in passage order, each
// entry's Records then pointing into the list.
func (idx *index) collectRecords() {
	n := 0
	for _, e := range idx.entries {
		n += len(e.Records)
	}
	idx.records = make([]records.Record, 0, n)
	for i := range idx.entries {
		e := &idx.entries[i]
		if e.Records == nil {
			continue
		}
		start := len(idx.records)
		idx.records = append(idx.records, e.Records...)
		e.Records = idx.records[start:len(idx.records):len(idx.records)]
	}
}

// Records returns the figure records of every passage of the index in
// use, in passage order. The slice is shared: do not modify it.
func (s *Store) Records() []records.Record { return s.cur.Load().records }

func (idx *index) source(id string) knowledge.Source {
	if i, ok := idx.srcIndex[id]; ok {
		return idx.sources[i]
	}
	return knowledge.Source{ID: id}
}

// Stats describes the index in use.
type Stats struct {
	Passages int
	Sources  int
	Embedder string
	Dim      int
	BuiltAt  time.Time
}

// Stats returns the size and age of the index in use.
func (s *Store) Stats() Stats {
	idx := s.cur.Load()
	return Stats{Passages: len(idx.entries), Sources: len(idx.sources), Embedder: idx.embedder, Dim: idx.dim, BuiltAt: idx.builtAt}
}

// Sources lists the documents with their passage counts, in corpus order.
func (s *Store) Sources() []knowledge.SourceStat {
	idx := s.cur.Load()
	counts := map[string]int{}
	for _, e := range idx.entries {
		counts[e.Passage.SourceID]++
	}
	out := make([]knowledge.SourceStat, 0, len(idx.sources))
	for _, src := range idx.sources {
		out = append(out, knowledge.SourceStat{Source: src, Passages: counts[src.ID]})
	}
	return out
}

// Passages returns the first limit passages in corpus order.
func (s *Store) Passages(limit int) []knowledge.Hit {
	idx := s.cur.Load()
	n := min(limit, len(idx.entries))
	out := make([]knowledge.Hit, n)
	for i := 0; i < n; i++ {
		p := idx.entries[i].Passage
		out[i] = knowledge.Hit{Passage: p, Source: idx.source(p.SourceID)}
	}
	return out
}

// Fusion weights. Both rankings become scores in [0, 1] (BM25 divided by
// the best BM25 score of the query, cosine as is) and are mixed. Lexical
// matching carries most of the weight: exact names and figures matter most
// here, and on the evaluation sets the local hashing embedder adds little
// beyond BM25 (see README, "Retrieval"). A neural embedder (ollama, openai)
// brings what BM25 lacks, synonyms and paraphrase, through the same fusion.
const (
	lexWeight  = 0.8
	vecWeight  = 0.2
	candidates = 50 // from each ranking, before fusion
)

// Search returns the k passages most relevant to query, fusing the BM25
// ranking with chromem-go's vector ranking. If the query cannot be embedded
// (a remote embedder is down), it ranks lexically and logs why.
func (s *Store) Search(ctx context.Context, query string, k int) (knowledge.Retrieval, error) {
	idx := s.cur.Load()
	terms := text.QueryTermTexts(query)
	ret := knowledge.Retrieval{IDF: idx.lex.termIDF(terms), MaxIDF: idx.lex.idf(1), Passages: len(idx.entries)}
	n := len(idx.entries)
	if n == 0 || k <= 0 {
		return ret, nil
	}
	cand := min(max(k, candidates), n)

	type fused struct {
		lex, vec float64
	}
	scores := map[int32]*fused{}
	get := func(d int32) *fused {
		f := scores[d]
		if f == nil {
			f = &fused{}
			scores[d] = f
		}
		return f
	}
	lexHits := idx.lex.search(terms, cand)
	for _, h := range lexHits {
		get(h.doc).lex = h.score
	}
	if len(terms) > 0 {
		qv, err := s.opts.Embedder.Embed(ctx, query)
		switch {
		case err != nil:
			s.log.Warn("query embedding failed; ranking lexically", "err", err)
		case len(qv) != idx.dim:
			s.log.Warn("query vector has the wrong size; ranking lexically", "got", len(qv), "want", idx.dim)
		case s.opts.Embedder.Semantic || len(lexHits) < k || len(ret.IDF)*2 < len(terms):
			// A model that reads meaning, or a question whose words the
			// index mostly lacks: rank every passage by vector.
			// chromem-go errors when asked for more results than it holds.
			res, err := idx.col.QueryEmbedding(ctx, qv, min(cand, idx.col.Count()), nil, nil)
			if err != nil {
				return ret, fmt.Errorf("store: vector search: %w", err)
			}
			for _, r := range res {
				// Copy what we need: results share chromem-go's storage.
				if d, ok := idx.byID[r.ID]; ok {
					get(d).vec = float64(r.Similarity)
				}
			}
		default:
			// The local embedder hashes the same words BM25 matches, so
			// its vectors only re-weigh the lexical candidates; a scan of
			// every vector would cost 30 times the rest of the search
			// (README, "Retrieval") for rankings no better.
			for _, h := range lexHits {
				get(h.doc).vec = cosine(qv, idx.vectors[h.doc])
			}
		}
	}
	maxLex := 0.0
	if len(lexHits) > 0 {
		maxLex = lexHits[0].score
	}
	hits := make([]knowledge.Hit, 0, len(scores))
	for d, f := range scores {
		lexNorm := 0.0
		if maxLex > 0 {
			lexNorm = f.lex / maxLex
		}
		p := idx.entries[d].Passage
		hits = append(hits, knowledge.Hit{
			Passage: p, Source: idx.source(p.SourceID),
			Score:   lexWeight*lexNorm + vecWeight*max(f.vec, 0),
			Lexical: f.lex, Vector: f.vec,
		})
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].Passage.ID < hits[j].Passage.ID
	})
	if len(hits) > k {
		hits = hits[:k]
	}
	ret.Hits = hits
	return ret, nil
}

// Embedder name of the index in use.
func (s *Store) Embedder() string { return s.opts.Embedder.Name }

// cosine is the cosine similarity of a and b (0 if either is zero).
func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range min(len(a), len(b)) {
		x, y := float64(a[i]), float64(b[i])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
