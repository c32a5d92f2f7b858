package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dramabot/bot"
	"dramabot/knowledge"
	"dramabot/knowledge/llm"
)

// llmSettings are the flags of generated answers (ask, serve, eval); the
// key is a secret (DRAMABOT_LLM_API_KEY, or _FILE).
var llmSettings = []setting{
	{"llm", "DRAMABOT_LLM", "", "write answers with a language model: openai (any OpenAI-compatible chat completions server: OpenAI, Ollama, llama.cpp, vLLM); empty: extractive answers only"},
	{"llm-url", "DRAMABOT_LLM_URL", llm.DefaultBaseURL, "base URL of the chat completions API (Ollama: http://localhost:11434/v1; llama.cpp, vLLM: http://HOST:PORT/v1)"},
	{"llm-model", "DRAMABOT_LLM_MODEL", "", "model name, e.g. gpt-4o-mini or qwen2.5:7b-instruct"},
	{"llm-timeout", "DRAMABOT_LLM_TIMEOUT", llm.DefaultTimeout.String(), "bound on one model call, the wait for a free slot included; then the extractive answer is sent"},
	{"llm-concurrency", "DRAMABOT_LLM_CONCURRENCY", strconv.Itoa(llm.DefaultMaxConcurrent), "model calls at once; more wait for a slot"},
}

// llmConfig is the configuration of generated answers.
type llmConfig struct {
	Provider    string
	URL         string
	Model       string
	Timeout     time.Duration
	Concurrency int
	// badEnv names an environment variable whose value did not parse.
	badEnv string
}

// addLLMFlags registers the llm flags, with defaults from the environment.
func addLLMFlags(fs *flag.FlagSet, lc *llmConfig, getenv func(string) string) {
	s := llmSettings
	env := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	timeout := llm.DefaultTimeout
	if v := env(s[3].env, ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			lc.badEnv = s[3].env + "=" + strconv.Quote(v) + " (use a duration such as 20s)"
		}
		timeout = d
	}
	concurrency := llm.DefaultMaxConcurrent
	if v := env(s[4].env, ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			lc.badEnv = s[4].env + "=" + strconv.Quote(v) + " (use a number)"
		}
		concurrency = n
	}
	fs.StringVar(&lc.Provider, s[0].flag, env(s[0].env, ""), s[0].help)
	fs.StringVar(&lc.URL, s[1].flag, env(s[1].env, s[1].def), s[1].help)
	fs.StringVar(&lc.Model, s[2].flag, env(s[2].env, ""), s[2].help)
	fs.DurationVar(&lc.Timeout, s[3].flag, timeout, s[3].help)
	fs.IntVar(&lc.Concurrency, s[4].flag, concurrency, s[4].help)
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
	case lc.badEnv != "":
		return nil, fmt.Errorf("bad %s", lc.badEnv)
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
