package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// errUsage marks errors whose message is the usage text already printed.
var errUsage = errors.New("usage")

// exitCode maps run's error to the process exit status: 0 on success, 2 for
// usage errors (a bad flag or environment value), 1 otherwise.
func exitCode(err error) int {
	var bad *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage), errors.As(err, &bad):
		return 2
	}
	return 1
}

// run is the whole program: main only supplies the process's arguments,
// environment and streams, so tests drive every command in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, getenv, stdout, stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errUsage) {
		fmt.Fprintln(stderr, "dramabot: "+oneLine(err.Error()))
	}
	return err
}

func dispatch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "ask":
		return cmdAsk(ctx, rest, getenv, stdout, stderr)
	case "index":
		return cmdIndex(ctx, rest, getenv, stdout, stderr)
	case "sources":
		return cmdSources(ctx, rest, getenv, stdout, stderr)
	case "figures":
		return cmdFigures(ctx, rest, getenv, stdout, stderr)
	case "eval":
		return cmdEval(ctx, rest, getenv, stdout, stderr)
	case "serve":
		return cmdServe(ctx, rest, getenv, stdout, stderr)
	case "config":
		return cmdConfig(ctx, rest, getenv, stdout, stderr)
	case "healthcheck":
		return cmdHealthcheck(ctx, rest, getenv, stdout, stderr)
	case "feedback":
		return cmdFeedback(ctx, rest, getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "dramabot", version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "dramabot: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

const usage = `dramabot answers questions about the Chinese mini-series (短剧) market from its
sources, with citations and verified figures.

Usage:
  dramabot ask [flags] QUESTION     answer a question (--json for JSON)
  dramabot index [flags]            fetch the web sources, build or refresh the index; print what changed
  dramabot sources [flags]          list the documents with publisher, date, passages, and the web sources
  dramabot sources remove URL       forget a web source and its documents
  dramabot figures [flags] TOPIC    a metric's figures across periods and sources (--json)
  dramabot eval --questions FILE    measure retrieval and answer quality
  dramabot serve [flags]            run the HTTP API, and Telegram/Discord when tokens are set
  dramabot config [flags]           print the effective configuration (secrets redacted)
  dramabot healthcheck [--addr A]   probe /healthz of a running server (Docker's HEALTHCHECK)
  dramabot feedback [--json]        summarize the 👍/👎 votes in the data dir's feedback log
  dramabot version                  print the version

Run "dramabot COMMAND --help" for the flags of a command.
`

// oneLine keeps error output to one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
