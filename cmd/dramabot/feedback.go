package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"dramabot/bot"
)

func cmdFeedback(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	cl := newCLI("feedback", onFeedback, "Usage: dramabot feedback [flags]\n\nSummarizes the 👍/👎 votes and reasons in the feedback log of the data dir ("+bot.FeedbackFile+").", getenv, stderr, &cfg)
	asJSON := cl.fs.Bool("json", false, "print JSON")
	top := cl.fs.Int("top", 10, "how many of the questions with most 👎 to list")
	if err := cl.parse(args); err != nil {
		return err
	}
	if cfg.DataDir == "" || cfg.DataDir == "-" {
		return errors.New("no data dir: the feedback log lives in the data dir (--data)")
	}
	path := filepath.Join(cfg.DataDir, bot.FeedbackFile)
	var entries []bot.FeedbackEntry
	bad := 0
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// No votes yet: an empty summary.
	case err != nil:
		return fmt.Errorf("feedback: %w", err)
	default:
		defer f.Close()
		if entries, bad, err = bot.ReadFeedback(f); err != nil {
			return fmt.Errorf("feedback %s: %w", path, err)
		}
	}
	s := bot.SummarizeFeedback(entries, *top)
	if *asJSON {
		return json.NewEncoder(stdout).Encode(s)
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "dramabot: %s: %d lines that are not votes were skipped\n", path, bad)
	}
	_, err = io.WriteString(stdout, s.String())
	return err
}
