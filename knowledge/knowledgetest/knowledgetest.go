// Package knowledgetest provides a hand-written fake of the knowledge engine
// for tests of the chat surfaces, which need answers of a known shape
// (hostile text, very long answers, abstentions) rather than real retrieval.
package knowledgetest

import (
	"context"
	"strings"
	"sync"

	"dramabot/knowledge"
	"dramabot/knowledge/text"
)

// Fake implements the engine methods bot.Core uses. The zero value answers
// every question with Sample; set AnswerFunc to script other answers.
type Fake struct {
	AnswerFunc  func(ctx context.Context, question string) (knowledge.Answer, error)
	FiguresFunc func(ctx context.Context, topic string) (knowledge.Answer, error)
	SourceList  []knowledge.SourceStat // nil means SampleSources

	mu        sync.Mutex
	questions []string
}

// Answer records the question and returns the scripted answer.
func (f *Fake) Answer(ctx context.Context, q string) (knowledge.Answer, error) {
	f.mu.Lock()
	f.questions = append(f.questions, q)
	f.mu.Unlock()
	if f.AnswerFunc != nil {
		return f.AnswerFunc(ctx, q)
	}
	return Sample(q), nil
}

// Figures returns the scripted figures, or those of Sample.
func (f *Fake) Figures(ctx context.Context, topic string) (knowledge.Answer, error) {
	if f.FiguresFunc != nil {
		return f.FiguresFunc(ctx, topic)
	}
	a := Sample(topic)
	a.Text = ""
	return a, nil
}

// Sources returns SourceList or SampleSources.
func (f *Fake) Sources() []knowledge.SourceStat {
	if f.SourceList != nil {
		return f.SourceList
	}
	return SampleSources()
}

// About describes the fake corpus.
func (f *Fake) About() knowledge.About {
	n := 0
	for _, s := range f.Sources() {
		n += s.Passages
	}
	return knowledge.About{Sources: len(f.Sources()), Passages: n, AsOf: "2025-05-08", Embedder: "fake", Version: "test"}
}

// Questions returns the questions asked so far, in order.
func (f *Fake) Questions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.questions...)
}

// SampleSources is a one-document corpus shaped like the seed article.
func SampleSources() []knowledge.SourceStat {
	return []knowledge.SourceStat{{
		Source: knowledge.Source{
			ID: "cri-2025-05-08-mini-series", Title: "185-Fold Boom in 4 Years! How Mini Series Created a Hundred-Billion-Yuan Market",
			Publisher: "CRI Online", Date: "2025-05-08", URL: "https://example.org/cri/mini-series",
		},
		Passages: 9,
	}}
}

const sampleQuote = "As content value is redefined, mini series are reshaping China's audiovisual economy with unstoppable momentum. How did this once-niche format vault from the fringes to a mainstream economic unit, expanding nearly 185-fold and generating 647,000 jobs in just four years?"

// Sample is an answered question with one citation and two figures.
func Sample(q string) knowledge.Answer {
	src := SampleSources()[0]
	sentence := "How did this once-niche format vault from the fringes to a mainstream economic unit, expanding nearly 185-fold and generating 647,000 jobs in just four years?"
	return knowledge.Answer{
		Question:  q,
		Text:      sentence + " [1]",
		Sentences: []knowledge.Sentence{{Text: sentence, Citation: 1}},
		Citations: []knowledge.Citation{{
			N: 1, PassageID: src.ID + "#2", SourceID: src.ID, Title: src.Title, Publisher: src.Publisher,
			Date: src.Date, URL: src.URL, Paragraph: 2, Quote: sampleQuote, Score: 0.91,
		}},
		Figures: []knowledge.Figure{
			{Text: "185-fold", Label: "185-fold", Unit: text.UnitFold, Value: 185, Citation: 1},
			{Text: "647,000", Label: "647,000 jobs", Unit: text.UnitNone, Value: 647000, Citation: 1},
		},
		Related: []knowledge.Related{{
			PassageID: src.ID + "#9", SourceID: src.ID, Title: src.Title, Publisher: src.Publisher, Date: src.Date,
			Paragraph: 9, Text: "More than 80 performers have fan bases exceeding 100,000.", Score: 0.42,
		}},
	}
}

// Abstain is the answer for a question the sources do not cover.
func Abstain(q string) knowledge.Answer {
	a := Sample(q)
	return knowledge.Answer{
		Question: q, Abstained: true, Reason: "low relevance",
		Text:      "The sources do not answer this question. The nearest passages are listed below.",
		Citations: []knowledge.Citation{}, Figures: []knowledge.Figure{},
		Related: append([]knowledge.Related{{
			PassageID: a.Citations[0].PassageID, SourceID: a.Citations[0].SourceID, Title: a.Citations[0].Title,
			Publisher: a.Citations[0].Publisher, Date: a.Citations[0].Date, Paragraph: 2, Text: sampleQuote, Score: 0.12,
		}}, a.Related...),
	}
}

// Echo quotes the question back as the answer text and the passage, so tests
// can check that hostile input (markup, @everyone, control characters) is
// escaped and pings nobody on every surface.
func Echo(q string) knowledge.Answer {
	a := Sample(q)
	a.Text = q + " [1]"
	a.Sentences = []knowledge.Sentence{{Text: q, Citation: 1}}
	a.Citations[0].Quote = q
	a.Citations[0].Title = "Doc about " + q
	return a
}

// Long is an answer whose rendered form exceeds any chat message limit.
func Long(q string, runes int) knowledge.Answer {
	a := Sample(q)
	var b strings.Builder
	for b.Len() < runes {
		b.WriteString("Mini series generated 647,000 jobs in four years & <grew> 185-fold. ")
	}
	a.Citations[0].Quote = b.String()
	for i := 0; i < 8; i++ {
		a.Related = append(a.Related, knowledge.Related{PassageID: "x#" + string(rune('a'+i)), Title: "Related " + string(rune('A'+i)), Text: b.String()[:min(b.Len(), 900)], Paragraph: i + 1})
	}
	return a
}
