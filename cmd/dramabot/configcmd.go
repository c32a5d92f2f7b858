package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

func cmdConfig(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("config", "Usage: dramabot config [flags]\n\nPrints the effective configuration, from flags and environment, with secrets redacted.", getenv, stderr, &cfg)
	addServeFlags(fs, &cfg, getenv)
	addLLMFlags(fs, &cfg.LLM, getenv)
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	sec, err := readSecrets(getenv)
	if err != nil {
		return err
	}
	if _, err := cfg.embedder(); err != nil {
		fmt.Fprintf(stdout, "# warning: %v\n", err)
	}
	if _, err := cfg.LLM.client(sec.LLMAPIKey); err != nil {
		fmt.Fprintf(stdout, "# warning: %v\n", err)
	}
	redact := func(s string) string {
		if s == "" {
			return "(not set)"
		}
		return "(set, redacted)"
	}
	orDefault := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}
	rows := [][2]string{
		{"docs", orDefault(strings.Join(cfg.Docs, ", "), "(none)")},
		{"default corpus", fmt.Sprint(!cfg.NoDefault)},
		{"data", cfg.DataDir},
		{"embedder", cfg.Embedder},
		{"embed-model", orDefault(cfg.EmbedModel, "(none)")},
		{"embed-url", orDefault(cfg.EmbedURL, "(default)")},
		{"embed-dim", fmt.Sprint(cfg.EmbedDim)},
		{"log-level", cfg.LogLevel},
		{"log-format", cfg.LogFormat},
		{"addr", cfg.Addr},
		{"rate-limit", fmt.Sprint(cfg.RateLimit)},
		{"admins", orDefault(strings.Join(cfg.Admins, ", "), "(none)")},
		{"telegram-api-url", orDefault(cfg.TelegramAPIURL, "https://api.telegram.org")},
		{"telegram-webhook-url", orDefault(cfg.TelegramWebhook, "(long polling)")},
		{"discord-guild-id", orDefault(cfg.DiscordGuildID, "(global commands)")},
		{"discord-shard", fmt.Sprintf("%d of %d", cfg.DiscordShardID, cfg.DiscordShards)},
		{"discord-api-url", orDefault(cfg.DiscordAPIURL, "https://discord.com")},
		{"discord-message-content", fmt.Sprint(!cfg.DiscordNoContent)},
		{"llm", orDefault(cfg.LLM.Provider, "(off: extractive answers)")},
		{"llm-url", cfg.LLM.URL},
		{"llm-model", orDefault(cfg.LLM.Model, "(none)")},
		{"llm-timeout", cfg.LLM.Timeout.String()},
		{"llm-concurrency", fmt.Sprint(cfg.LLM.Concurrency)},
		{"TELEGRAM_TOKEN", redact(sec.TelegramToken)},
		{"TELEGRAM_WEBHOOK_SECRET", redact(sec.WebhookSecret)},
		{"DISCORD_TOKEN", redact(sec.DiscordToken)},
		{"DRAMABOT_API_KEY", redact(sec.APIKey)},
		{"DRAMABOT_EMBED_API_KEY", redact(sec.EmbedAPIKey)},
		{"DRAMABOT_LLM_API_KEY", redact(sec.LLMAPIKey)},
	}
	for _, r := range rows {
		fmt.Fprintf(stdout, "%-24s %s\n", r[0], r[1])
	}
	return nil
}
