package main

import (
	"context"
	"encoding/json"
	"io"

	"dramabot/bot"
)

func cmdSources(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	cl := newCLI("sources", onSources, "Usage: dramabot sources [flags]\n\nLists the documents with publisher, date and passage count.", getenv, stderr, &cfg)
	asJSON := cl.fs.Bool("json", false, "print JSON")
	if err := cl.parse(args); err != nil {
		return err
	}
	log, err := cfg.start(stderr)
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
