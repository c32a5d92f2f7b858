package knowledge_test

import (
	"context"
	"testing"

	"dramabot/knowledge"
	"dramabot/knowledge/dict"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/glossary"
	"dramabot/knowledge/ingest"
	"dramabot/knowledge/store"
	"dramabot/knowledge/wordnet"
)

// The default corpus (the seed article and the market notes) as the bots
// serve it: indexed at start, then asked questions in both languages.

// BenchmarkDefaultCorpusIndex reads and indexes the embedded corpus, as
// every start without a snapshot does.
func BenchmarkDefaultCorpusIndex(b *testing.B) {
	for b.Loop() {
		docs, problems := ingest.Default()
		if len(problems) > 0 {
			b.Fatal(problems)
		}
		l := embed.NewLocal(0)
		st, err := store.Open(store.Options{Embedder: store.Embedder{Name: l.Name(), Embed: l.Embed}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.Sync(context.Background(), docs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDefaultCorpusAnswer answers a mix of English and Chinese
// questions, answerable and not, once the dictionaries are loaded.
func BenchmarkDefaultCorpusAnswer(b *testing.B) {
	docs, _ := ingest.Default()
	l := embed.NewLocal(0)
	st, err := store.Open(store.Options{Embedder: store.Embedder{Name: l.Name(), Embed: l.Embed}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.Sync(context.Background(), docs); err != nil {
		b.Fatal(err)
	}
	e := knowledge.NewEngine(st, knowledge.EngineOptions{Translator: dict.Default(), Expander: glossary.Default(), Thesaurus: wordnet.Default()})
	questions := []string{
		"How big was China's micro-drama market in 2024?",
		"How many people watch micro-dramas?",
		"Who regulates vertical dramas in China?",
		"What is Hongguo?",
		"2024年微短剧市场规模有多大？",
		"红果短剧有多少月活用户？",
		"How much did micro-dramas make in the first eight months of 2025?",
		"What is the capital of France?",
	}
	for _, q := range questions { // load the dictionaries outside the timing
		if _, err := e.Answer(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		if _, err := e.Answer(context.Background(), questions[i%len(questions)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
