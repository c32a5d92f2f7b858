package pgstore

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/jackc/pgx/v5"

	"dramabot/knowledge"
	"dramabot/knowledge/text"
)

// Ranking constants, the embedded store's (knowledge/store): BM25's k1 and
// b, the fusion weights, and how many candidates each ranking gives.
const (
	bm25K1     = 1.2
	bm25B      = 0.75
	lexWeight  = 0.8
	vecWeight  = 0.2
	candidates = 50
)

// A search is two statements in one read-only snapshot. The first reads
// the corpus statistics and, for each query term the index holds, its
// postings: one index probe per term. BM25 is then summed in Go, with the
// embedded store's float32 arithmetic and order, which gives the same
// scores to the last bit, and costs far less than aggregating tens of
// thousands of postings in SQL (an answer at 10k passages on PGlite, on
// an equally busy machine: 29 ms at the median and 146 ms at p95 this way,
// 200 ms and 1.8 s that way). The
// second statement fetches the lexical candidates and, when the query needs
// it, the nearest passages by vector through the HNSW index, with their
// vectors for the fusion.

// termsSQL returns one row per query term the index holds ($1: distinct
// query terms in query order; i is 1-based in that order), each with the
// statistics; a query none of whose terms are held returns the statistics
// alone.
const termsSQL = `
WITH q AS (
	SELECT t.term, t.i::int AS i FROM unnest($1::text[]) WITH ORDINALITY AS t(term, i)
),
m AS (
	SELECT passages, total_len, embedder, dim FROM index_meta WHERE id = 1
)
SELECT m.passages, m.total_len, m.embedder, m.dim, t.i, t.pids, t.tfs, t.lens
FROM m LEFT JOIN (
	SELECT q.i, l.pids, l.tfs, l.lens FROM q JOIN terms l ON l.term = q.term
) t ON true`

// candidatesSQL returns the passages $1 (the lexical candidates) and, when
// $2 (the query vector as text) is set, the $4 nearest passages by cosine
// distance (%s: vecSQL, or noVecSQL while the index has no vectors).
const candidatesSQL = `
WITH m AS (
	SELECT embedder, dim FROM index_meta WHERE id = 1
),
vec AS (%s),
cand AS (
	SELECT unnest($1::int[]) AS pid UNION SELECT pid FROM vec
)
SELECT p.pid, p.id, p.ord, p.source_id, p.ordinal, p.heading, p.body, p.embedding::text, vec.pid IS NOT NULL
FROM cand JOIN passages p USING (pid) LEFT JOIN vec USING (pid)`

// vecSQL is the vector ranking through the HNSW index, an expression
// index on embedding::vector(dim); it runs only for an index of this
// dimension built by this embedder ($3).
const vecSQL = `
	SELECT p.pid FROM passages p
	WHERE $2::text IS NOT NULL AND (SELECT dim FROM m) = %[1]d AND (SELECT embedder FROM m) = $3
	ORDER BY p.embedding::vector(%[1]d) <=> $2::text::vector(%[1]d)
	LIMIT $4`

// noVecSQL stands for the vector ranking while there is no vector index.
// It names the parameters vecSQL uses, so that the server can type them.
const noVecSQL = `SELECT NULL::int AS pid WHERE false AND $2::text IS NULL AND $3 <> '' AND $4 > 0`

func candidatesStatement(dim int) string {
	vec := noVecSQL
	if dim > 0 {
		vec = fmt.Sprintf(vecSQL, dim)
	}
	return fmt.Sprintf(candidatesSQL, vec)
}

// candidate is a passage the second statement returned.
type candidate struct {
	passage knowledge.Passage
	ord     int32
	vector  string
	inLex   bool
	inVec   bool
	lex     float64
	vec     float64
}

// termPosting is a query term's postings as the first statement returns
// them.
type termPosting struct {
	i               int32
	pids, tfs, lens []int32
}

// Search returns the k passages most relevant to query, ranked as the
// embedded store ranks them. If the query cannot be embedded (a remote
// embedder is down), it ranks lexically and logs why.
func (s *Store) Search(ctx context.Context, query string, k int) (knowledge.Retrieval, error) {
	v := s.cur.Load()
	terms := text.QueryTermTexts(query)
	// Distinct terms in query order, as the embedded store sums them.
	var qterms []string
	var qn []float64
	for _, t := range terms {
		if i := slices.Index(qterms, t); i >= 0 {
			qn[i]++
			continue
		}
		qterms = append(qterms, t)
		qn = append(qn, 1)
	}
	var qv []float32
	sameEmbedder := v.embedder == "" || v.embedder == s.opts.Embedder.Name
	if !sameEmbedder && !s.warnedEmbedder.Swap(true) {
		s.log.Warn("the index was built with another embedder; ranking lexically until it is rebuilt", "index", v.embedder, "ours", s.opts.Embedder.Name)
	}
	if len(terms) > 0 && k > 0 && sameEmbedder && v.passages > 0 {
		var err error
		qv, err = s.opts.Embedder.Embed(ctx, query)
		switch {
		case err != nil:
			s.log.Warn("query embedding failed; ranking lexically", "err", err)
			qv = nil
		case len(qv) != v.dim:
			s.log.Warn("query vector has the wrong size; ranking lexically", "got", len(qv), "want", v.dim)
			qv = nil
		}
	}
	var ret knowledge.Retrieval
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		ret, err = s.search(ctx, tx, terms, qterms, qn, qv, k)
		return err
	})
	if err != nil {
		return knowledge.Retrieval{}, fmt.Errorf("pgstore: search: %w", err)
	}
	// The search read the database as it is now, the view may be of the
	// version before: a hit from a source the view does not know yet
	// reloads it rather than being cited without its title.
	for i := range ret.Hits {
		if _, ok := v.srcIndex[ret.Hits[i].Passage.SourceID]; !ok {
			if _, err := s.Reload(ctx); err != nil {
				s.log.Warn("reloading the index description failed", "err", err)
			}
			v = s.cur.Load()
			break
		}
	}
	for i := range ret.Hits {
		ret.Hits[i].Source = v.source(ret.Hits[i].Passage.SourceID)
	}
	return ret, nil
}

func (s *Store) search(ctx context.Context, tx pgx.Tx, terms, qterms []string, qn []float64, qv []float32, k int) (knowledge.Retrieval, error) {
	rows, err := tx.Query(ctx, termsSQL, qterms)
	if err != nil {
		return knowledge.Retrieval{}, err
	}
	var n int
	var totalLen float64
	var embedder string
	var dim int
	var posts []termPosting
	for rows.Next() {
		var i *int32
		var tp termPosting
		if err := rows.Scan(&n, &totalLen, &embedder, &dim, &i, &tp.pids, &tp.tfs, &tp.lens); err != nil {
			rows.Close()
			return knowledge.Retrieval{}, err
		}
		if i == nil {
			continue // the statistics row of a query none of whose terms are held
		}
		if *i < 1 || int(*i) > len(qterms) || len(tp.tfs) != len(tp.pids) || len(tp.lens) != len(tp.pids) {
			rows.Close()
			return knowledge.Retrieval{}, fmt.Errorf("term %d: malformed postings", *i)
		}
		tp.i = *i
		posts = append(posts, tp)
	}
	if err := rows.Err(); err != nil {
		return knowledge.Retrieval{}, err
	}
	// Query order, as the embedded store sums terms.
	slices.SortFunc(posts, func(a, b termPosting) int { return int(a.i - b.i) })

	idf := func(df int) float64 {
		return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
	}
	ret := knowledge.Retrieval{IDF: make(map[string]float64, len(posts)), MaxIDF: idf(1), Passages: n}
	for _, tp := range posts {
		ret.IDF[qterms[tp.i-1]] = idf(len(tp.pids))
	}
	if n == 0 || k <= 0 {
		return ret, nil
	}
	cand := min(max(k, candidates), n)
	lex := bm25(posts, qn, idf, totalLen/float64(n), cand)

	vectorSearch := qv != nil && embedder == s.opts.Embedder.Name && dim == len(qv) &&
		(s.opts.Embedder.Semantic || min(len(lex.scores), cand) < k || len(ret.IDF)*2 < len(terms))
	var qvText *string
	if vectorSearch {
		t := formatVector(qv)
		qvText = &t
	}
	pids := make([]int32, 0, len(lex.scores))
	for pid := range lex.scores {
		pids = append(pids, pid)
	}
	rows, err = tx.Query(ctx, candidatesStatement(dim), pids, qvText, s.opts.Embedder.Name, cand)
	if err != nil {
		return knowledge.Retrieval{}, err
	}
	var cands []*candidate
	for rows.Next() {
		c := &candidate{}
		var pid int32
		if err := rows.Scan(&pid, &c.passage.ID, &c.ord, &c.passage.SourceID, &c.passage.Ordinal, &c.passage.Heading, &c.passage.Text, &c.vector, &c.inVec); err != nil {
			rows.Close()
			return knowledge.Retrieval{}, err
		}
		c.lex, c.inLex = lex.scores[pid]
		cands = append(cands, c)
	}
	if err := rows.Err(); err != nil {
		return knowledge.Retrieval{}, err
	}

	// The lexical top: by score, ties to the earlier passage in the
	// corpus, as the embedded store's lexicon ranks.
	var lexHits []*candidate
	for _, c := range cands {
		if c.inLex {
			lexHits = append(lexHits, c)
		}
	}
	sort.Slice(lexHits, func(i, j int) bool {
		if lexHits[i].lex != lexHits[j].lex {
			return lexHits[i].lex > lexHits[j].lex
		}
		return lexHits[i].ord < lexHits[j].ord
	})
	if len(lexHits) > cand {
		for _, c := range lexHits[cand:] {
			c.lex, c.inLex = 0, false
		}
		lexHits = lexHits[:cand]
	}

	fused := lexHits
	switch {
	case vectorSearch:
		for _, c := range cands {
			if !c.inVec {
				continue
			}
			if c.vec, err = similarityText(qv, c.vector); err != nil {
				return knowledge.Retrieval{}, err
			}
			if !c.inLex {
				fused = append(fused, c)
			}
		}
	case qv != nil && embedder == s.opts.Embedder.Name && dim == len(qv):
		// As in the embedded store: the local embedder only re-weighs
		// the lexical candidates.
		for _, c := range lexHits {
			if c.vec, err = cosineText(qv, c.vector); err != nil {
				return knowledge.Retrieval{}, err
			}
		}
	}
	maxLex := 0.0
	if len(lexHits) > 0 {
		maxLex = lexHits[0].lex
	}
	hits := make([]knowledge.Hit, 0, len(fused))
	for _, c := range fused {
		lexNorm := 0.0
		if maxLex > 0 {
			lexNorm = c.lex / maxLex
		}
		hits = append(hits, knowledge.Hit{
			Passage: c.passage,
			Score:   lexWeight*lexNorm + vecWeight*max(c.vec, 0),
			Lexical: c.lex, Vector: c.vec,
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

// lexResult holds the BM25 scores of the lexical candidates by passage.
type lexResult struct {
	scores map[int32]float64
}

var accPool = sync.Pool{New: func() any { return new([]float32) }}

// bm25 scores every passage holding a query term as knowledge/store's
// lexicon does (float32 sums, query terms in order, each occurrence of a
// term in the query counted) and keeps the best cand, and any passage tied
// with the last of them: which of those go first depends on corpus order,
// which the candidates' rows give.
func bm25(posts []termPosting, qn []float64, idf func(int) float64, avgLen float64, cand int) lexResult {
	maxPid := int32(0)
	for _, tp := range posts {
		for _, p := range tp.pids {
			maxPid = max(maxPid, p)
		}
	}
	accp := accPool.Get().(*[]float32)
	defer accPool.Put(accp)
	if cap(*accp) < int(maxPid)+1 {
		*accp = make([]float32, maxPid+1)
	}
	acc := (*accp)[:maxPid+1]
	var touched []int32
	norm := float32(bm25K1 * (1 - bm25B))
	per := float32(bm25K1 * bm25B / avgLen)
	for _, tp := range posts {
		w := float32(idf(len(tp.pids)) * qn[tp.i-1])
		for j, d := range tp.pids {
			tf := float32(min(tp.tfs[j], math.MaxUint16))
			if acc[d] == 0 {
				touched = append(touched, d)
			}
			acc[d] = max(acc[d]+w*tf*(bm25K1+1)/(tf+norm+per*float32(tp.lens[j])), math.SmallestNonzeroFloat32)
		}
	}
	// The cand-th best score, then everything at or above it.
	scores := make([]float32, len(touched))
	for i, d := range touched {
		scores[i] = acc[d]
	}
	threshold := float32(0)
	if len(scores) > cand {
		slices.SortFunc(scores, func(a, b float32) int {
			switch {
			case a > b:
				return -1
			case a < b:
				return 1
			}
			return 0
		})
		threshold = scores[cand-1]
	}
	out := lexResult{scores: make(map[int32]float64, min(len(touched), cand+8))}
	for _, d := range touched {
		if acc[d] >= threshold {
			out.scores[d] = float64(acc[d])
		}
		acc[d] = 0
	}
	return out
}

// similarityText is the cosine similarity of a and the vector in
// pgvector's text form b as chromem-go computes it for the embedded store's
// vector search: both vectors normalized in float32 (unless they are unit
// length already), then their float32 dot product. Orthogonal vectors can
// get 1e-9 rather than 0, which decides ties.
func similarityText(a []float32, b string) (float64, error) {
	bv, err := parseVector(b)
	if err != nil {
		return 0, err
	}
	if len(a) != len(bv) {
		return 0, fmt.Errorf("vectors of %d and %d dimensions", len(a), len(bv))
	}
	a, bv = unitVector(a), unitVector(bv)
	var dot float32
	for i := range a {
		dot += a[i] * bv[i]
	}
	return float64(dot), nil
}

// unitVector is chromem-go's normalization: v itself when its length is
// within 1e-6 of 1, else v divided by its float32 norm.
func unitVector(v []float32) []float32 {
	var sq float64
	for _, x := range v {
		sq += float64(x) * float64(x)
	}
	if math.Abs(math.Sqrt(sq)-1) < 1e-6 {
		return v
	}
	var norm float32
	for _, x := range v {
		norm += x * x
	}
	norm = float32(math.Sqrt(float64(norm)))
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x / norm
	}
	return out
}

// cosineText is the cosine similarity of a and the vector in pgvector's
// text form b, in float64 as the embedded store computes it.
func cosineText(a []float32, b string) (float64, error) {
	bv, err := parseVector(b)
	if err != nil {
		return 0, err
	}
	var ab, aa, bb float64
	for i := range min(len(a), len(bv)) {
		x, y := float64(a[i]), float64(bv[i])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return 0, nil
	}
	return ab / math.Sqrt(aa*bb), nil
}
