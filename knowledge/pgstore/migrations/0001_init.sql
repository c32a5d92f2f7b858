-- The passage index: passages with their vectors, the lexicon (each term's
-- postings, with what BM25 needs), the sources, and one row describing the
-- index and its version.

CREATE EXTENSION IF NOT EXISTS vector;

-- One row. version grows with every Sync that changes the index; replicas
-- compare it to reload what they cache. passages and total_len are BM25's
-- corpus size and, divided, its average passage length.
CREATE TABLE index_meta (
    id        int PRIMARY KEY CHECK (id = 1),
    version   bigint NOT NULL,
    embedder  text NOT NULL,
    analyzer  text NOT NULL,
    dim       int NOT NULL,
    passages  int NOT NULL,
    total_len double precision NOT NULL,
    built_at  timestamptz
);
INSERT INTO index_meta VALUES (1, 0, '', '', 0, 0, 0, NULL);

-- Sources in corpus order. Ids may repeat (two documents with one id):
-- the first one names the passages' source, as in the embedded store.
CREATE TABLE sources (
    ord       int PRIMARY KEY,
    id        text NOT NULL,
    title     text NOT NULL,
    publisher text NOT NULL,
    date      text NOT NULL,
    url       text NOT NULL,
    lang      text NOT NULL,
    editor    text NOT NULL,
    origin    text NOT NULL,
    note      jsonb
);

-- pid is the internal key the postings hold; id is the passage id of the corpus
-- and ord its position there (lexical ties go to the earlier passage).
-- hash is the content hash of what was embedded and indexed: an unchanged
-- hash keeps the row, vector included. len is the passage's length in
-- terms, for BM25.
CREATE TABLE passages (
    pid       int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id        text NOT NULL UNIQUE,
    ord       int NOT NULL,
    source_id text NOT NULL,
    ordinal   int NOT NULL,
    heading   text NOT NULL,
    body      text NOT NULL,
    hash      text NOT NULL,
    len       int NOT NULL,
    embedding vector NOT NULL
);
CREATE INDEX passages_ord ON passages (ord);

-- The inverted index over knowledge/text's terms (CJK characters and
-- bigrams, stemmed words, whole numbers): one row per term with its
-- postings as parallel arrays, the passages holding it, how often it occurs
-- in each, and each passage's length, so that a query term costs one index
-- probe and scoring reads nothing else. A term's document frequency is the
-- length of its arrays. (One row per term and passage was tried first:
-- writing and reading tens of rows per passage cost several times more.)
-- The arrays are stored uncompressed: they are read far more often than
-- written.
CREATE TABLE terms (
    term text PRIMARY KEY,
    pids int[] NOT NULL,
    tfs  int[] NOT NULL,
    lens int[] NOT NULL
);
ALTER TABLE terms ALTER COLUMN pids SET STORAGE EXTERNAL,
    ALTER COLUMN tfs SET STORAGE EXTERNAL,
    ALTER COLUMN lens SET STORAGE EXTERNAL;

-- The HNSW index on the vectors needs their dimension, known only once
-- passages are embedded: Sync creates it (passages_embedding_hnsw).
