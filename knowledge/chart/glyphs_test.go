package chart

import (
	"os"
	"sort"
	"strings"
	"testing"

	"dramabot/knowledge/ingest"
	"dramabot/knowledge/records"
)

// glyphText is every text a Chinese chart may draw from the chart's own
// words, the metric and unit names and, when withCorpus, the embedded
// corpus's producers and publishers, plus printable ASCII and Chinese
// punctuation.
func glyphText(t *testing.T, withCorpus bool) string {
	t.Helper()
	var b strings.Builder
	for r := rune(0x20); r < 0x7f; r++ {
		b.WriteRune(r)
	}
	b.WriteString("（）《》：，、。；“”‘’—…·％×亿万")
	w := zhWords
	b.WriteString(w.sources + w.forecast + w.more + w.omitted + "：各来源数据")
	for _, m := range records.Metrics() {
		b.WriteString(records.MetricName(m, true))
	}
	for _, u := range []string{"CNY", "USD", "percent", "fold", records.UnitUsers, records.UnitPeople, records.UnitJobs,
		records.UnitTitles, records.UnitEpisodes, records.UnitViews, records.UnitDownloads, records.UnitApps,
		records.UnitCompanies, records.UnitCrews, records.UnitMinutes, records.UnitHours, records.UnitDays,
		records.UnitSeconds, records.UnitWorkingDays, records.UnitSets, records.UnitSquareM, records.UnitFollowers,
		records.UnitPoints, records.UnitProvinces, records.UnitAccounts} {
		b.WriteString(records.UnitName(u, true))
	}
	if withCorpus {
		docs, _ := ingest.Default()
		for _, d := range docs {
			b.WriteString(d.Source.Publisher)
			if d.Source.Note != nil {
				b.WriteString(d.Source.Note.Producer)
			}
		}
	}
	seen := map[rune]bool{}
	var rs []rune
	for _, r := range b.String() {
		if !seen[r] && r >= 0x20 {
			seen[r] = true
			rs = append(rs, r)
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	return string(rs)
}

// TestGlyphs checks that the embedded font draws every character of the
// chart's own words and of the metric and unit names; -update rewrites
// testdata/glyphs.txt (with the corpus's names too) for gen.go. A name of
// the corpus the font cannot draw is only logged: the chart leaves such
// characters out, and a new note must not fail the build.
func TestGlyphs(t *testing.T) {
	if *update {
		if err := os.WriteFile("testdata/glyphs.txt", []byte(glyphText(t, true)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := loadFonts()
	if err != nil {
		t.Fatal(err)
	}
	missing := func(txt string) string {
		var out []rune
		for _, r := range txt {
			if r != ' ' && f.cjk.fit(string(r)) == "" {
				out = append(out, r)
			}
		}
		return string(out)
	}
	if m := missing(glyphText(t, false)); m != "" {
		t.Errorf("the embedded font lacks %q: run go test -run TestGlyphs -update, then go run gen.go", m)
	}
	if m := missing(glyphText(t, true)); m != "" {
		t.Logf("names in the corpus the font cannot draw (left out of charts): %q; regenerate the font to add them", m)
	}
}
