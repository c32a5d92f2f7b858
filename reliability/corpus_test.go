//go:build reliability

package reliability

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dramabot/knowledge"
	"dramabot/knowledge/ingest"
)

// Synthetic corpora: deterministic Markdown documents about the mini-series
// market, each paragraph unique (it names its document and paragraph), so
// that a lost or duplicated passage shows.

var (
	subjects = []string{"Mini series platforms", "Vertical drama studios", "Short drama apps", "Micro-drama producers",
		"Streaming services", "Advertisers", "Screenwriters", "Regional film bases", "Overseas distributors", "Paid subscribers"}
	verbs   = []string{"reported", "earned", "hired", "released", "attracted", "invested", "produced", "licensed"}
	objects = []string{"new jobs", "episodes", "billion yuan in revenue", "million viewers", "actors", "scripts", "overseas deals", "percent growth"}
	places  = []string{"Hengdian", "Zhengzhou", "Xi'an", "Hangzhou", "Shanghai", "Beijing", "Chengdu", "Guangzhou"}
	zhBits  = []string{"短剧市场规模持续扩大", "微短剧带动就业", "横店影视城拍摄量增长", "付费用户数量上升", "海外发行收入增加"}
)

// writeCorpus writes docs Markdown files of paragraphs paragraphs each into
// dir. version changes the text of every seventh paragraph, so that a
// second version of a corpus has changed passages.
func writeCorpus(t testing.TB, dir string, first, docs, paragraphs, version int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for d := first; d < first+docs; d++ {
		rng := rand.New(rand.NewPCG(uint64(d), 42))
		var b strings.Builder
		fmt.Fprintf(&b, "---\ntitle: Market report %d on the mini-series boom\npublisher: Synthetic Daily\ndate: 2025-%02d-%02d\nurl: https://example.org/reports/%d\n---\n\n", d, 1+d%12, 1+d%28, d)
		for p := 0; p < paragraphs; p++ {
			if p%25 == 0 {
				fmt.Fprintf(&b, "# Section %d of report %d\n\n", p/25+1, d)
			}
			n := 2 + rng.IntN(3)
			for s := 0; s < n; s++ {
				fmt.Fprintf(&b, "%s in %s %s %d,%03d %s in report d%dp%d. ",
					subjects[rng.IntN(len(subjects))], places[rng.IntN(len(places))], verbs[rng.IntN(len(verbs))],
					1+rng.IntN(900), rng.IntN(1000), objects[rng.IntN(len(objects))], d, p)
			}
			if rng.IntN(4) == 0 {
				fmt.Fprintf(&b, "%s，增长%d.%d%%。", zhBits[rng.IntN(len(zhBits))], 1+rng.IntN(90), rng.IntN(10))
			}
			if version > 1 && p%7 == 3 {
				fmt.Fprintf(&b, "Revised in version %d.", version)
			}
			b.WriteString("\n\n")
		}
		name := filepath.Join(dir, fmt.Sprintf("report-%05d.md", d))
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// expectedPassages returns the passages dramabot indexes for docs (plus the
// embedded default corpus), in order, first id wins as in the store.
func expectedPassages(t testing.TB, docs ...string) []knowledge.Passage {
	t.Helper()
	all, _ := ingest.Default()
	if len(docs) > 0 {
		d, _, err := ingest.Load(docs)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, d...)
	}
	var out []knowledge.Passage
	seen := map[string]bool{}
	for _, d := range all {
		for _, p := range d.Passages {
			if !seen[p.ID] {
				seen[p.ID] = true
				out = append(out, p)
			}
		}
	}
	return out
}
