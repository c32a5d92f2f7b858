package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"dramabot/bot"
	"dramabot/knowledge"
)

func cmdAsk(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("ask", "Usage: dramabot ask [flags] QUESTION\n\nAnswers one question from the sources, with citations and verified figures.", getenv, stderr, &cfg)
	asJSON := fs.Bool("json", false, "print the answer as one JSON object")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	question := strings.Join(fs.Args(), " ")
	log, err := newLogger(&cfg, stderr)
	if err != nil {
		return err
	}
	if cfg.secrets, err = readSecrets(getenv); err != nil {
		return err
	}
	core := bot.New(bot.Config{}) // only for the question checks all surfaces share
	q, err := core.CleanQuestion(question)
	if err != nil {
		if errors.Is(err, knowledge.ErrEmptyQuestion) {
			fmt.Fprintln(stderr, `Usage: dramabot ask [flags] QUESTION   (for example: dramabot ask "How many jobs has the mini series boom created?")`)
			return errUsage
		}
		return fmt.Errorf("question: %w", err)
	}
	lib, err := openLibrary(ctx, &cfg, log)
	if err != nil {
		return err
	}
	a, err := lib.engine.Answer(ctx, q)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(a)
	}
	_, err = io.WriteString(stdout, bot.PlainText(a))
	return err
}
