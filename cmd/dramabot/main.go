// Command dramabot answers questions about the Chinese mini-series (短剧)
// market from a set of source documents, quoting and citing them, and
// checking every figure against the passage it cites.
//
// Usage:
//
//	dramabot ask [flags] QUESTION    answer one question (--json for JSON)
//	dramabot index [flags]           build or refresh the index
//	dramabot sources [flags]         list the documents
//	dramabot eval --questions FILE   measure retrieval and answers
//	dramabot serve [flags]           run the HTTP API and the chat bots
//	dramabot config [flags]          print the effective configuration
//	dramabot healthcheck [flags]     probe /healthz of a running server
//
// Run "dramabot COMMAND --help" for each command's flags; every flag has an
// environment variable (see README.md).
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(exitCode(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr)))
}
