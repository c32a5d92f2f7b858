package main

import (
	"context"
	"fmt"
	"io"
)

func cmdIndex(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	cl := newCLI("index", onIndex, "Usage: dramabot index [flags]\n\nFetches the web sources (--source, --sources-file), then builds or refreshes the index in the data dir\n(or in PostgreSQL with --store: this command is then the writer, and the replicas follow the new\nversion) and prints what was added, changed and removed.", getenv, stderr, &cfg)
	if err := cl.parse(args); err != nil {
		return err
	}
	log, err := cfg.start(stderr)
	if err != nil {
		return err
	}
	if _, err := cfg.role(); err != nil {
		return err
	}
	cfg.strictIndex, cfg.writer = true, true
	if err := fetchWebSources(ctx, &cfg, log, stdout); err != nil {
		return err
	}
	lib, err := openLibrary(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer lib.close()
	if lib.persistErr != nil {
		// Indexing is for the data dir: an index kept in memory only is
		// lost when the command ends.
		return fmt.Errorf("index not saved in the data dir %s: %w", cfg.DataDir, lib.persistErr)
	}
	st := lib.store.Stats()
	fmt.Fprintf(stdout, "index: %s\n", lib.changes)
	fmt.Fprintf(stdout, "now %d passages from %d sources (embedder %s)\n", st.Passages, st.Sources, st.Embedder)
	if lib.recovered != "" {
		fmt.Fprintf(stdout, "note: rebuilt because %s\n", lib.recovered)
	}
	for _, p := range lib.problems {
		fmt.Fprintf(stdout, "skipped %s: %v\n", p.Path, p.Err)
	}
	return nil
}
