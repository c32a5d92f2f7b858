package main

import (
	"context"
	"fmt"
	"io"
)

func cmdConfig(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	cl := newCLI("config", onAll, "Usage: dramabot config [flags]\n\nPrints the effective configuration, from flags and environment, with secrets redacted.", getenv, stderr, &cfg)
	if err := cl.parse(args); err != nil {
		return err
	}
	for _, n := range cfg.notes {
		fmt.Fprintf(stdout, "# warning: %s\n", n)
	}
	if _, err := cfg.embedder(); err != nil {
		fmt.Fprintf(stdout, "# warning: %v\n", err)
	}
	if _, err := cfg.LLM.client(cfg.secrets.LLMAPIKey); err != nil {
		fmt.Fprintf(stdout, "# warning: %v\n", err)
	}
	for _, b := range cl.bound {
		fmt.Fprintf(stdout, "%-24s %s\n", b.s.key(), shown(b.s, b.v))
	}
	return nil
}

// shown is how `dramabot config` prints a setting: a secret only as set or
// not, an empty value as what empty means.
func shown(s *setting, v value) string {
	text := v.String()
	switch {
	case s.secret && text == "":
		return "(not set)"
	case s.secret:
		return "(set, redacted)"
	case text != "" && s.redact != nil:
		return s.redact(text)
	case text != "":
		return text
	case s.unset != "":
		return s.unset
	}
	return "(none)"
}
