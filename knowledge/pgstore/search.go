package pgstore

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

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

// lexMargin is how many lexical candidates SQL returns beyond those the
// fusion takes. SQL sums BM25 in float64, the embedded store (and the
// rescoring here) in float32: passages within rounding of the last place
// may swap, and the margin lets the rescoring see them.
const lexMargin = 16

// searchSQL is the retrieval statement: the query's terms with their
// postings (document frequencies counted on the way), BM25 of every
// passage holding any of them, the best lexically, and, when the query
// needs it, the nearest passages by vector through the HNSW index. It
// returns one row per candidate, with the term frequencies and length that
// rescoring needs, plus the corpus statistics; a query that finds nothing
// still returns one row with the statistics.
//
// Parameters: $1 distinct query terms in query order, $2 how often each
// occurs, $3 lexical candidates to return, $4 the query vector (text, or
// NULL), $5 whether every passage is ranked by vector (a semantic
// embedder), $6 k, $7 the number of query terms, $8 vector candidates, $9
// the embedder's name. %s is the vector ranking: vecSQL, or noVecSQL
// while the index has no vectors. In SQL, BM25's k1 + 1 is 2.2, k1 (1 - b)
// 0.3 and k1 b 0.9.
const searchSQL = `
WITH q AS (
	SELECT t.term, t.qn, t.i::int AS i
	FROM unnest($1::text[], $2::float8[]) WITH ORDINALITY AS t(term, qn, i)
),
m AS (
	SELECT passages AS n, total_len, embedder, dim,
		CASE WHEN passages > 0 THEN total_len / passages ELSE 1 END AS avglen
	FROM index_meta WHERE id = 1
),
post AS (
	SELECT q.i, q.qn, u.pid, u.tf, u.len
	FROM q JOIN terms l ON l.term = q.term
		CROSS JOIN LATERAL unnest(l.pids, l.tfs, l.lens) AS u(pid, tf, len)
),
df AS (
	SELECT i, count(*)::int AS df FROM post GROUP BY i
),
w AS (
	SELECT df.i, df.df, ln(1 + (m.n - df.df + 0.5) / (df.df + 0.5)) AS idf FROM df CROSS JOIN m
),
lexall AS (
	SELECT post.pid,
		sum(w.idf * post.qn * post.tf * 2.2 / (post.tf + 0.3 + 0.9 * post.len / m.avglen)) AS score,
		array_agg(post.i) AS ti, array_agg(post.tf) AS tfs, min(post.len) AS len
	FROM post JOIN w USING (i) CROSS JOIN m
	GROUP BY post.pid
),
lexcut AS (
	SELECT * FROM lexall ORDER BY score DESC FETCH FIRST ($3) ROWS WITH TIES
),
lex AS (
	SELECT lexcut.* FROM lexcut JOIN passages p USING (pid) ORDER BY lexcut.score DESC, p.ord LIMIT $3
),
vec AS (%s),
cand AS (
	SELECT pid FROM lex UNION SELECT pid FROM vec
)
SELECT m.n, m.total_len, m.embedder, m.dim,
	(SELECT coalesce(array_agg(i ORDER BY i), '{}') FROM df) AS df_i,
	(SELECT coalesce(array_agg(df ORDER BY i), '{}') FROM df) AS df_n,
	c.pid, c.id, c.ord, c.source_id, c.ordinal, c.heading, c.body, c.embedding,
	c.ti, c.tfs, c.len, coalesce(c.in_lex, false), coalesce(c.in_vec, false)
FROM m LEFT JOIN (
	SELECT cand.pid, p.id, p.ord, p.source_id, p.ordinal, p.heading, p.body, p.embedding::text AS embedding,
		lex.ti, lex.tfs, lex.len, lex.pid IS NOT NULL AS in_lex, vec.pid IS NOT NULL AS in_vec
	FROM cand JOIN passages p USING (pid)
		LEFT JOIN lex USING (pid) LEFT JOIN vec USING (pid)
) c ON true`

// vecSQL ranks every passage by cosine distance through the HNSW index
// (an expression index on embedding::vector(dim)), only when the query
// needs it: the same test as the embedded store's, on the lexical results.
const vecSQL = `
	SELECT p.pid FROM passages p
	WHERE $4::text IS NOT NULL
		AND (SELECT dim FROM m) = %[1]d AND (SELECT embedder FROM m) = $9
		AND ($5 OR (SELECT count(*) FROM lex) < $6 OR (SELECT count(*) FROM df) * 2 < $7)
	ORDER BY p.embedding::vector(%[1]d) <=> $4::text::vector(%[1]d)
	LIMIT $8`

// noVecSQL stands for the vector ranking when there is no vector index. It
// names the parameters vecSQL uses, so that the server can type them.
const noVecSQL = `SELECT NULL::int AS pid WHERE false AND $4::text IS NULL AND $5 AND $6 > 0 AND $7 > 0 AND $8 > 0 AND $9 <> ''`

func searchStatement(dim int) string {
	vec := noVecSQL
	if dim > 0 {
		vec = fmt.Sprintf(vecSQL, dim)
	}
	return fmt.Sprintf(searchSQL, vec)
}

// candidate is a passage the statement returned.
type candidate struct {
	pid     int32
	passage knowledge.Passage
	ord     int32
	vector  string
	ti, tfs []int32
	length  int32
	inLex   bool
	inVec   bool
	lex     float64
	vec     float64
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
	var qvText *string
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
		default:
			t := formatVector(qv)
			qvText = &t
		}
	}
	// The candidate count depends on the corpus size, which the
	// statement reads; the cached size is a bound that at worst asks
	// for a few more rows.
	cand := max(k, candidates)
	rows, err := s.pool.Query(ctx, searchStatement(v.dim), qterms, qn, cand+lexMargin, qvText, s.opts.Embedder.Semantic, k, len(terms), cand, s.opts.Embedder.Name)
	if err != nil {
		return knowledge.Retrieval{}, fmt.Errorf("pgstore: search: %w", err)
	}
	var n int
	var totalLen float64
	var embedder string
	var dim int
	var dfI, dfN []int32
	var cands []*candidate
	for rows.Next() {
		c := &candidate{}
		var pid, ord, ordinal, length *int32
		var id, srcID, heading, body, vector *string
		if err := rows.Scan(&n, &totalLen, &embedder, &dim, &dfI, &dfN,
			&pid, &id, &ord, &srcID, &ordinal, &heading, &body, &vector,
			&c.ti, &c.tfs, &length, &c.inLex, &c.inVec); err != nil {
			rows.Close()
			return knowledge.Retrieval{}, fmt.Errorf("pgstore: search: %w", err)
		}
		if pid == nil {
			continue // the statistics row of a query that found nothing
		}
		c.pid, c.ord = *pid, *ord
		c.passage = knowledge.Passage{ID: *id, SourceID: *srcID, Ordinal: int(*ordinal), Heading: *heading, Text: *body}
		c.vector = *vector
		if length != nil {
			c.length = *length
		}
		cands = append(cands, c)
	}
	if err := rows.Err(); err != nil {
		return knowledge.Retrieval{}, fmt.Errorf("pgstore: search: %w", err)
	}

	idf := func(df int) float64 {
		return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
	}
	ret := knowledge.Retrieval{IDF: map[string]float64{}, MaxIDF: idf(1), Passages: n}
	df := make([]int, len(qterms))
	for j, i := range dfI {
		if i >= 1 && int(i) <= len(qterms) {
			df[i-1] = int(dfN[j])
			ret.IDF[qterms[i-1]] = idf(int(dfN[j]))
		}
	}
	if n == 0 || k <= 0 {
		return ret, nil
	}
	cand = min(cand, n)

	// BM25 as knowledge/store's lexicon sums it: float32, terms in query
	// order, each occurrence of a query term counted.
	var lexHits []*candidate
	if n > 0 {
		avg := totalLen / float64(n)
		norm := float32(bm25K1 * (1 - bm25B))
		per := float32(bm25K1 * bm25B / avg)
		tf := make([]float32, len(qterms))
		for _, c := range cands {
			if !c.inLex {
				continue
			}
			clear(tf)
			for j, i := range c.ti {
				if i >= 1 && int(i) <= len(tf) {
					tf[i-1] = float32(min(c.tfs[j], math.MaxUint16))
				}
			}
			var acc float32
			for qi := range qterms {
				if tf[qi] == 0 {
					continue
				}
				w := float32(idf(df[qi]) * qn[qi])
				acc = max(acc+w*tf[qi]*(bm25K1+1)/(tf[qi]+norm+per*float32(c.length)), math.SmallestNonzeroFloat32)
			}
			c.lex = float64(acc)
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
			c.lex = 0
			c.inLex = false
		}
		lexHits = lexHits[:cand]
	}

	fused := lexHits
	if qv != nil && embedder == s.opts.Embedder.Name && dim == len(qv) {
		if s.opts.Embedder.Semantic || len(lexHits) < k || len(ret.IDF)*2 < len(terms) {
			for _, c := range cands {
				if c.inVec {
					if c.vec, err = similarityText(qv, c.vector); err != nil {
						return knowledge.Retrieval{}, fmt.Errorf("pgstore: search: %w", err)
					}
					if !c.inLex {
						fused = append(fused, c)
					}
				}
			}
		} else {
			// As in the embedded store: the local embedder only
			// re-weighs the lexical candidates.
			for _, c := range lexHits {
				if c.vec, err = cosineText(qv, c.vector); err != nil {
					return knowledge.Retrieval{}, fmt.Errorf("pgstore: search: %w", err)
				}
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
			Passage: c.passage, Source: v.source(c.passage.SourceID),
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
