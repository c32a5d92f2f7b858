package main

import (
	"encoding/json"
	"strings"
	"testing"

	"dramabot/knowledge"
)

// TestFigures runs dramabot figures and ask on the default corpus: the
// timeline as text and JSON, the figure table of an answer, and the
// errors of bad topics (one line, exit 1; usage, exit 2).
func TestFigures(t *testing.T) {
	env := testEnv(t)
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{name: "timeline", args: []string{"figures", "market size"}, out: "504.4亿元"},
		{name: "timeline in Chinese", args: []string{"figures", "用户规模"}, out: "用户规模：各来源数据"},
		{name: "not a metric", args: []string{"figures", "the weather in Paris"}, code: 1, err: "not a figure I keep"},
		{name: "no topic", args: []string{"figures"}, code: 2, err: "Usage"},
		{name: "answer with its table", args: []string{"ask", "2024年微短剧市场规模是多少？"}, out: "来源说法不一。"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runProg(t, env, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
				t.Errorf("exit %d, want %d; stdout %q lacks %q or stderr %q lacks %q", code, tc.code, out, tc.out, errOut, tc.err)
			}
			if code == 1 && strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("error is not one line: %q", errOut)
			}
		})
	}
	out, _, code := runProg(t, env, "figures", "--json", "jobs")
	var tl knowledge.FigureTimeline
	if err := json.Unmarshal([]byte(out), &tl); code != 0 || err != nil || tl.Metric != "jobs" || len(tl.Series) == 0 {
		t.Errorf("figures --json jobs: exit %d, %v, %+v", code, err, tl)
	}
	out, _, _ = runProg(t, env, "ask", "--json", "How big was China's micro-drama market in 2024?")
	var a struct {
		FigureTable   []knowledge.FigureRecord `json:"figure_table"`
		SourcesDiffer bool                     `json:"sources_differ"`
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil || len(a.FigureTable) < 5 || !a.SourcesDiffer {
		t.Errorf("ask --json: %v, %d rows, sources_differ %v", err, len(a.FigureTable), a.SourcesDiffer)
	}
}
