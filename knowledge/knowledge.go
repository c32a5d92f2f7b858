// Package knowledge holds dramabot's domain types and the use case that turns
// a question into a cited, figure-verified answer.
//
// It has no third-party imports. Text analysis (terms, sentences, figures)
// lives in knowledge/text, reading and chunking documents in
// knowledge/ingest, the vector store (the only importer of chromem-go) in
// knowledge/store, and the local embedder in knowledge/embed; cmd/dramabot
// wires them together.
package knowledge

import (
	"errors"
	"strconv"
	"strings"
)

// ErrEmptyQuestion reports a question with no searchable text.
var ErrEmptyQuestion = errors.New("empty question")

// ErrQuestionTooLong reports a question over maxQuestionRunes characters.
var ErrQuestionTooLong = errors.New("question too long")

// maxQuestionRunes bounds what Answer accepts. Chat surfaces set lower
// limits of their own.
const maxQuestionRunes = 4000

// Source is one document of the corpus with the metadata a citation needs.
type Source struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Publisher string `json:"publisher,omitempty"`
	Date      string `json:"date,omitempty"` // YYYY-MM-DD when known
	URL       string `json:"url,omitempty"`
	Lang      string `json:"lang,omitempty"`
	Editor    string `json:"editor,omitempty"`
	// Origin says where the document was read from (a path, or
	// "embedded:NAME" for the built-in corpus). Not shown to chat users.
	Origin string `json:"origin,omitempty"`
	// Note is set when the document is one of our market notes: a fact
	// read on the page at URL, restated in our own words.
	Note *NoteInfo `json:"note,omitempty"`
}

// Equal reports whether s and t describe the same source, comparing their
// notes by value.
func (s Source) Equal(t Source) bool {
	sn, tn := s.Note, t.Note
	s.Note, t.Note = nil, nil
	if s != t || (sn == nil) != (tn == nil) {
		return false
	}
	return sn == nil || *sn == *tn
}

// NoteInfo describes a market note: who produced the figure it reports,
// the period the figure is about, and how far the page can be trusted.
type NoteInfo struct {
	Topic    string `json:"topic,omitempty"`
	Producer string `json:"producer,omitempty"`
	Period   string `json:"period,omitempty"`
	Forecast bool   `json:"forecast,omitempty"`
	// Grade is A for a primary source or an established outlet, B for a
	// reputable secondary one.
	Grade     string `json:"grade,omitempty"`
	PageTitle string `json:"page_title,omitempty"`
	PageLang  string `json:"page_lang,omitempty"`
}

// Passage is a retrievable unit of text: a paragraph, a heading with its
// paragraph, or a sentence-bounded piece of a long paragraph.
type Passage struct {
	// ID is stable across runs: the source id and the ordinal
	// ("seed-cri-2025-05-08#3"), or the id given in a JSONL file.
	ID       string `json:"id"`
	SourceID string `json:"source_id"`
	// Ordinal is the 1-based position of the passage in its source.
	Ordinal int    `json:"ordinal"`
	Heading string `json:"heading,omitempty"`
	Text    string `json:"text"`
	// Page is the 1-based page of a paged source (a PDF) the passage is
	// on, cited as "p. 12"; 0 for other sources.
	Page int `json:"page,omitempty"`
}

// Document is a source with its passages, as produced by ingest.
type Document struct {
	Source   Source
	Passages []Passage
}

// Answer is what every surface renders: the CLI, the HTTP API, Telegram and
// Discord. Its JSON form is the contract of `dramabot ask --json` and
// POST /v1/ask.
type Answer struct {
	Question string `json:"question"`
	// Text is the answer itself: at most two sentences quoted from the
	// passages, each followed by its citation marker ("[1]"). For an
	// abstention it says that the sources do not answer the question.
	Text      string `json:"answer"`
	Abstained bool   `json:"abstained"`
	// Reason says why the engine abstained (for logs and debugging).
	Reason    string     `json:"reason,omitempty"`
	Sentences []Sentence `json:"sentences,omitempty"`
	Citations []Citation `json:"citations"`
	Figures   []Figure   `json:"figures"`
	Related   []Related  `json:"related"`
	// Generated names the language model that wrote the text; extractive
	// answers leave it empty.
	Generated string `json:"generated_by,omitempty"`
	// FigureTable lists, for a question about a figure, what every source
	// gives for the same metric and period (see FigureTable), and
	// SourcesDiffer says when they disagree; FigureMetric and
	// FigurePeriod say what the table is about.
	FigureTable   []FigureRecord `json:"figure_table,omitempty"`
	SourcesDiffer bool           `json:"sources_differ,omitempty"`
	FigureMetric  string         `json:"figure_metric,omitempty"`
	FigurePeriod  string         `json:"figure_period,omitempty"`
	// coverage is how much of the question the best quoted sentence holds,
	// for choosing between answers from sources in two languages.
	coverage float64
}

// Sentence is one sentence of the answer with the citation it quotes.
type Sentence struct {
	Text     string `json:"text"`
	Citation int    `json:"citation"` // the N of Citations[N-1]
}

// Citation is a numbered reference to the passage a sentence quotes.
type Citation struct {
	N         int    `json:"n"`
	PassageID string `json:"passage_id"`
	SourceID  string `json:"source_id"`
	Title     string `json:"title"`
	Publisher string `json:"publisher,omitempty"`
	Date      string `json:"date,omitempty"`
	URL       string `json:"url,omitempty"`
	Paragraph int    `json:"paragraph"`
	// Page is the passage's page in a paged source (a PDF), else 0.
	Page int `json:"page,omitempty"`
	// Quote is the full text of the cited passage.
	Quote string  `json:"quote"`
	Score float64 `json:"score"`
	// Note is set when the passage is our note on the page at URL.
	Note *NoteInfo `json:"note,omitempty"`
}

// Figure is a number found in an answer, normalized, and tied to the
// citation whose passage contains it verbatim.
type Figure struct {
	// Text is the figure exactly as written ("647,000", "185-fold", "64.7万").
	Text string `json:"text"`
	// Label is Text with the words that follow it in the passage
	// ("647,000 jobs"), also verbatim; it is what chat surfaces show.
	Label string `json:"label"`
	// Unit is one of text.UnitNone, UnitPercent, UnitFold, UnitCNY,
	// UnitUSD, UnitYear and UnitDate.
	Unit string `json:"unit"`
	// Value is the normalized value: 64.7万 is 647000, 12% is 12.
	Value    float64 `json:"value"`
	Citation int     `json:"citation"`
}

// Related is a passage close to the question, shown below an answer and
// instead of one when the engine abstains.
type Related struct {
	PassageID string  `json:"passage_id"`
	SourceID  string  `json:"source_id"`
	Title     string  `json:"title"`
	Publisher string  `json:"publisher,omitempty"`
	Date      string  `json:"date,omitempty"`
	URL       string  `json:"url,omitempty"`
	Paragraph int     `json:"paragraph"`
	Text      string  `json:"text"`
	Score     float64 `json:"score"`
	// Note is set when the passage is our note on the page at URL.
	Note *NoteInfo `json:"note,omitempty"`
	// Page is the passage's page in a paged source (a PDF), else 0.
	Page int `json:"page,omitempty"`
}

// SourceStat describes a source for listings (`dramabot sources`, /sources).
type SourceStat struct {
	Source
	Passages int `json:"passages"`
}

// About describes the loaded corpus.
type About struct {
	Sources  int    `json:"sources"`
	Passages int    `json:"passages"`
	AsOf     string `json:"as_of,omitempty"` // the newest source date
	Embedder string `json:"embedder"`
	// Model names the language model that writes answers, if one does.
	Model   string `json:"model,omitempty"`
	Version string `json:"version"`
}

// Marker renders a citation marker.
func Marker(n int) string { return "[" + strconv.Itoa(n) + "]" }

// String renders a citation as a source line:
// [1] "Title", Publisher, 2025-05-08, paragraph 1
func (c Citation) String() string {
	return Marker(c.N) + " " + c.Source()
}

// Source renders where a citation points, without its marker.
func (c Citation) Source() string {
	s := strconv.Quote(c.Title)
	if c.Title == "" {
		s = `"(untitled)"`
	} else if !strings.ContainsAny(c.Title, "\"\\") {
		s = `"` + c.Title + `"`
	}
	for _, part := range []string{c.Publisher, c.Date} {
		if part != "" {
			s += ", " + part
		}
	}
	if c.Note != nil && c.Note.Producer != "" && c.Note.Producer != c.Publisher {
		s += ", citing " + c.Note.Producer
	}
	// A page is what a reader of a PDF can find; its paragraph count
	// runs over the whole file and helps nobody.
	if c.Page > 0 {
		s += ", p. " + strconv.Itoa(c.Page)
	} else if c.Paragraph > 0 {
		s += ", paragraph " + strconv.Itoa(c.Paragraph)
	}
	if c.URL != "" {
		s += ", " + c.URL
	}
	return s
}

// Hit is a retrieved passage with its scores.
type Hit struct {
	Passage Passage
	Source  Source
	// Score is the fused relevance, higher is better.
	Score float64
	// Lexical is the BM25 score (0 when the passage matched no term);
	// Vector the cosine similarity of the embeddings.
	Lexical float64
	Vector  float64
}

// Retrieval is what a retriever found for a query.
type Retrieval struct {
	Hits []Hit
	// IDF weighs the query's terms by how rare they are in the index;
	// a term the index does not hold is absent from the map.
	IDF map[string]float64
	// MaxIDF is the weight of a term held by a single passage; answer
	// scoring gives unknown terms this weight.
	MaxIDF float64
	// Passages is the size of the index.
	Passages int
}
