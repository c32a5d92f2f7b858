package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"dramabot/bot"
	"dramabot/knowledge/websource"
)

func cmdSources(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "remove" {
		return cmdSourcesRemove(args[1:], getenv, stdout, stderr)
	}
	var cfg config
	cl := newCLI("sources", onSources, "Usage: dramabot sources [flags]\n       dramabot sources remove URL\n\nLists the documents with publisher, date and passage count, then the web sources with their kind,\nlast fetch and its result, passages and next refresh. --web lists only the web sources.\n\"sources remove URL\" forgets a web source and its documents (until it is fetched again).", getenv, stderr, &cfg)
	asJSON := cl.fs.Bool("json", false, "print JSON")
	webOnly := cl.fs.Bool("web", false, "list only the web sources")
	if err := cl.parse(args); err != nil {
		return err
	}
	log, err := cfg.start(stderr)
	if err != nil {
		return err
	}
	ref, err := websource.New(websource.Options{Fetcher: cfg.fetcher(log), DataDir: cfg.dataDir(), Logger: log})
	if err != nil {
		return err
	}
	web := ref.Statuses()
	if *webOnly {
		if *asJSON {
			return json.NewEncoder(stdout).Encode(web)
		}
		_, err := io.WriteString(stdout, webSourcesText(web, time.Now()))
		return err
	}
	lib, err := openLibrary(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer lib.close()
	if err := lib.needIndex(); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(lib.engine.Sources())
	}
	text := bot.SourcesText(lib.engine.Sources())
	if len(web) > 0 {
		text += "\n" + webSourcesText(web, time.Now())
	}
	_, err = io.WriteString(stdout, text)
	return err
}

// webSourcesText is a table of the web sources.
func webSourcesText(web []websource.Status, now time.Time) string {
	if len(web) == 0 {
		return "No web sources (add them with --source or --sources-file, then run dramabot index).\n"
	}
	var b strings.Builder
	b.WriteString("Web sources:\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SOURCE\tKIND\tLAST FETCH\tRESULT\tDOCS\tPASSAGES\tNEXT REFRESH")
	for _, s := range web {
		kind := s.Kind
		if kind == "" {
			kind = "-"
		}
		result := s.Result
		if len([]rune(result)) > 60 {
			result = string([]rune(result)[:59]) + "…"
		}
		if result == "" {
			result = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\t%d\t%s\n", s.URL, kind, when(s.LastFetch, now), oneLine(result), s.Documents, s.Passages, when(s.NextRefresh, now))
	}
	tw.Flush()
	return b.String()
}

// when is a time for the table: UTC to the minute, or "-".
func when(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	s := t.UTC().Format("2006-01-02 15:04Z")
	if t.Before(now) && t.After(now.Add(-time.Minute)) {
		return s + " (now)"
	}
	return s
}

func cmdSourcesRemove(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	cl := newCLI("sources remove", onSources, "Usage: dramabot sources remove [flags] URL\n\nForgets a web source and its documents; run dramabot index (or reindex a server) for the index to\ndrop them. A source still given by --source or --sources-file comes back at the next fetch.", getenv, stderr, &cfg)
	if err := cl.parse(args); err != nil {
		return err
	}
	if cl.fs.NArg() != 1 {
		fmt.Fprintln(stderr, "Usage: dramabot sources remove URL")
		return errUsage
	}
	u := cl.fs.Arg(0)
	log, err := cfg.start(stderr)
	if err != nil {
		return err
	}
	ref, err := websource.New(websource.Options{Fetcher: cfg.fetcher(log), DataDir: cfg.dataDir(), Logger: log})
	if err != nil {
		return err
	}
	n, err := ref.Remove(u)
	if err != nil {
		return err
	}
	if err := cfg.forgetAdded(u); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed %s (%d documents)\n", u, n)
	return nil
}
