-- The passage index: passages with their vectors, the lexicon as postings
-- (one row per term and passage, with what BM25 needs), the sources, and
-- one row describing the index and its version.

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

-- pid is an internal key for postings; id is the passage id of the corpus
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
-- bigrams, stemmed words, whole numbers): a term's passages, how often it
-- occurs in each, and the passage's length again so that scoring reads the
-- index alone. A term's document frequency is its number of rows. Sync
-- deletes a passage's postings with it; no foreign key, whose per-row
-- checks would double the cost of writing tens of postings per passage.
CREATE TABLE postings (
    term text NOT NULL,
    pid  int NOT NULL,
    tf   int NOT NULL,
    len  int NOT NULL,
    PRIMARY KEY (term, pid) INCLUDE (tf, len)
);
CREATE INDEX postings_pid ON postings (pid);

-- The HNSW index on the vectors needs their dimension, known only once
-- passages are embedded: Sync creates it (passages_embedding_hnsw).
