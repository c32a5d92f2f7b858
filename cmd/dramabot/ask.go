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
	cl := newCLI("ask", onAsk, "Usage: dramabot ask [flags] QUESTION\n\nAnswers one question from the sources, with citations and verified figures. With --llm a language\nmodel writes the answer from the top passages; its figures and citations are checked, and the\nextractive answer is printed when they fail.", getenv, stderr, &cfg)
	asJSON := cl.fs.Bool("json", false, "print the answer as one JSON object")
	if err := cl.parse(args); err != nil {
		return err
	}
	question := strings.Join(cl.fs.Args(), " ")
	log, err := cfg.start(stderr)
	if err != nil {
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
	if _, err := cfg.LLM.client(cfg.secrets.LLMAPIKey); err != nil {
		return err // before the index is built
	}
	lib, err := openLibrary(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer lib.close()
	if err := lib.needIndex(); err != nil {
		return err
	}
	k, err := answerer(&cfg, lib.engine, log, nil)
	if err != nil {
		return err
	}
	a, err := k.Answer(ctx, q)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(a)
	}
	// The frame (headers) in the question's language, as in the chats.
	text := strings.Join(bot.PlainBlocksLang(bot.DetectLang(q), a), "\n") + "\n"
	if note := bot.GeneratedNote(a); note != "" {
		text += "(" + note + ")\n"
	}
	_, err = io.WriteString(stdout, text)
	return err
}
