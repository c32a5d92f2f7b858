package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"dramabot/bot"
)

func cmdFigures(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	cl := newCLI("figures", onFigures, "Usage: dramabot figures [flags] TOPIC\n\nLists a metric's figures (market size, users, jobs, ...) across periods and sources, grouped by\nunit: who said what, when. Forecasts are marked; units are never converted.", getenv, stderr, &cfg)
	asJSON := cl.fs.Bool("json", false, "print the timeline as one JSON object")
	if err := cl.parse(args); err != nil {
		return err
	}
	topic := strings.TrimSpace(strings.Join(cl.fs.Args(), " "))
	if topic == "" {
		fmt.Fprintln(stderr, `Usage: dramabot figures [flags] TOPIC   (for example: dramabot figures "market size")`)
		return errUsage
	}
	log, err := cfg.start(stderr)
	if err != nil {
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
	tl, err := lib.engine.Timeline(ctx, topic)
	if err != nil {
		// Not a metric, or no figures: a message, as in the chats.
		if msg, ok := bot.FigureMessage(bot.DetectLang(topic), topic, err); ok {
			return errors.New(msg)
		}
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(tl)
	}
	_, err = io.WriteString(stdout, strings.Join(bot.PlainTimeline(bot.DetectLang(topic), tl, tl.Shown), "\n")+"\n")
	return err
}
