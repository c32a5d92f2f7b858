package store

import (
	"context"
	"fmt"
	"time"

	chromem "github.com/philippgille/chromem-go"
)

// Remote embedders go through chromem-go's own embedding functions. They
// make one HTTP request per text and set no timeout, so each call gets one
// here.
const remoteTimeout = 60 * time.Second

// Ollama embeds with an Ollama server (baseURL like
// "http://localhost:11434/api"; empty for that default).
func Ollama(model, baseURL string) Embedder {
	return remote("ollama:"+model, chromem.NewEmbeddingFuncOllama(model, baseURL))
}

// OpenAI embeds with an OpenAI-compatible /embeddings endpoint (baseURL like
// "https://api.openai.com/v1").
func OpenAI(model, baseURL, apiKey string) Embedder {
	return remote("openai:"+model, chromem.NewEmbeddingFuncOpenAICompat(baseURL, apiKey, model, nil))
}

func remote(name string, f chromem.EmbeddingFunc) Embedder {
	return Embedder{
		Name:     name,
		Semantic: true,
		Parallel: 4,
		Embed: func(ctx context.Context, text string) ([]float32, error) {
			ctx, cancel := context.WithTimeout(ctx, remoteTimeout)
			defer cancel()
			v, err := f(ctx, text)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return v, nil
		},
	}
}
