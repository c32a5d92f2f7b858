package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"dramabot/bot"
	"dramabot/knowledge"
	"dramabot/knowledge/llm"
)

// llmConfig is the configuration of generated answers.
type llmConfig struct {
	Provider    string
	URL         string
	Model       string
	Timeout     time.Duration
	Concurrency int
}

// enabled reports whether generated answers are configured.
func (lc *llmConfig) enabled() bool {
	p := strings.ToLower(strings.TrimSpace(lc.Provider))
	return p != "" && p != "none" && p != "off"
}

// client returns the model client, or nil when --llm is not set.
func (lc *llmConfig) client(key string) (*llm.Client, error) {
	if !lc.enabled() {
		return nil, nil
	}
	switch {
	case strings.ToLower(strings.TrimSpace(lc.Provider)) != "openai":
		return nil, fmt.Errorf("--llm %q: use openai (any OpenAI-compatible chat completions server), or leave it empty", lc.Provider)
	case strings.TrimSpace(lc.Model) == "":
		return nil, errors.New("--llm openai needs --llm-model (DRAMABOT_LLM_MODEL), e.g. gpt-4o-mini or qwen2.5:7b-instruct")
	case lc.Timeout <= 0:
		return nil, fmt.Errorf("--llm-timeout %s: use a positive duration such as 20s", lc.Timeout)
	case lc.Concurrency < 1:
		return nil, fmt.Errorf("--llm-concurrency %d: use 1 or more", lc.Concurrency)
	}
	if u, err := url.Parse(lc.URL); err == nil && strings.EqualFold(u.Hostname(), "api.openai.com") && key == "" {
		return nil, errors.New("--llm-url is OpenAI's API: set DRAMABOT_LLM_API_KEY (or DRAMABOT_LLM_API_KEY_FILE)")
	}
	c, err := llm.New(llm.Config{BaseURL: lc.URL, Model: lc.Model, APIKey: key, Timeout: lc.Timeout, MaxConcurrent: lc.Concurrency})
	if err != nil {
		return nil, fmt.Errorf("--llm-url or --llm-model: %w", err)
	}
	return c, nil
}

// generative wraps the engine with generated answers when --llm is set;
// it returns nil otherwise.
func generative(cfg *config, engine *knowledge.Engine, log *slog.Logger, metrics knowledge.GenerationMetrics) (*knowledge.Generative, error) {
	c, err := cfg.LLM.client(cfg.secrets.LLMAPIKey)
	if err != nil || c == nil {
		return nil, err
	}
	log.Info("generated answers on: every figure is checked against the passages, the extractive answer is the fallback",
		"model", c.Model(), "timeout", c.Timeout(), "concurrency", cfg.LLM.Concurrency)
	return knowledge.NewGenerative(engine, c, knowledge.GenerativeOptions{Logger: log, Metrics: metrics}), nil
}

// answerer is what answers questions: the generated path when --llm is
// set, else the extractive engine.
func answerer(cfg *config, engine *knowledge.Engine, log *slog.Logger, metrics knowledge.GenerationMetrics) (bot.Knowledge, error) {
	g, err := generative(cfg, engine, log, metrics)
	if err != nil || g == nil {
		return engine, err
	}
	return g, nil
}
