package main

import (
	"context"
	"encoding/json"
	"io"

	"dramabot/bot"
)

func cmdSources(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("sources", "Usage: dramabot sources [flags]\n\nLists the documents with publisher, date and passage count.", getenv, stderr, &cfg)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, &cfg); err != nil {
		return err
	}
	log, err := cfg.start(getenv, stderr)
	if err != nil {
		return err
	}
	lib, err := openLibrary(ctx, &cfg, log)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(lib.engine.Sources())
	}
	_, err = io.WriteString(stdout, bot.SourcesText(lib.engine.Sources()))
	return err
}
