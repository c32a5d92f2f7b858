package wordnet

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestRelated(t *testing.T) {
	tests := []struct {
		word string
		want []string // all among the results
		not  []string // none among the results
	}{
		{"employ", []string{"employment", "employee", "employer"}, nil},
		{"employment", []string{"employ", "work"}, nil},
		{"jobs", []string{"job", "occupation"}, nil},
		{"created", []string{"create", "creation", "creator"}, nil},
		{"production", []string{"produce"}, nil},
		{"grew", []string{"grow", "growth"}, nil},
		{"expand", []string{"expansion"}, nil},
		{"surrendered", []string{"surrender", "give up"}, nil},
		{"turned over", []string{"turn over", "turnover"}, nil},
		{"film", []string{"movie", "motion picture"}, nil},
		{"Revenue", []string{"receipts"}, nil},
		{"earnings", []string{"profit"}, nil},
		{"children", []string{"child"}, nil},
		{"economic", []string{"economy"}, nil},
		// The noise of rare senses stays out: a boom is not a roar here,
		// a subscriber not an endorser.
		{"boom", nil, []string{"roar", "thunder"}},
		{"subscriber", []string{"subscribe"}, []string{"endorser", "ratifier"}},
	}
	for _, tt := range tests {
		got := Default().Related(tt.word)
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("Related(%q) = %v, lacks %q", tt.word, got, w)
			}
		}
		for _, w := range tt.not {
			if slices.Contains(got, w) {
				t.Errorf("Related(%q) = %v, has %q", tt.word, got, w)
			}
		}
		if len(got) > maxRelated {
			t.Errorf("Related(%q) = %v, more than %d", tt.word, got, maxRelated)
		}
	}
}

func TestRelatedNothing(t *testing.T) {
	for _, w := range []string{"", " ", "the", "what", "have", "xqzv", "2024", "短剧", "\xff\xfe", "a b c d"} {
		if got := Default().Related(w); len(got) != 0 {
			t.Errorf("Related(%q) = %v, want nothing", w, got)
		}
	}
}

// The table keeps to its rules: lower-case lemmas of at most two words,
// no stop words, at most maxRelated related words.
func TestTable(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	ok := func(w string) bool {
		return w != "" && strings.Count(w, "_") <= 1 && strings.ToLower(w) == w &&
			!slices.Contains([]string{"the", "be", "have", "make", "get", "what"}, w)
	}
	sc := bufio.NewScanner(zr)
	lines := 0
	for sc.Scan() {
		lines++
		line := strings.TrimPrefix(sc.Text(), "~")
		head, rest, found := strings.Cut(line, "\t")
		ws := strings.Fields(rest)
		if !found || !ok(head) || len(ws) == 0 || len(ws) > maxRelated {
			t.Fatalf("bad line %q", sc.Text())
		}
		for _, w := range ws {
			if !ok(w) {
				t.Fatalf("bad word %q in %q", w, sc.Text())
			}
		}
	}
	if err := sc.Err(); err != nil || lines < 20000 {
		t.Fatalf("%d lines, %v", lines, err)
	}
}

func FuzzRelated(f *testing.F) {
	for _, s := range []string{"jobs", "give up", "ies", "s", "ed", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, w string) {
		if got := Default().Related(w); len(got) > maxRelated {
			t.Fatalf("Related(%q) = %v", w, got)
		}
	})
}

// BenchmarkLoad reports the time to read the table and the heap it keeps.
func BenchmarkLoad(b *testing.B) {
	var kept uint64
	for b.Loop() {
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		var wn WordNet
		wn.load()
		runtime.GC()
		runtime.ReadMemStats(&ms1)
		kept = ms1.HeapAlloc - ms0.HeapAlloc
		if wn.err != nil || len(wn.related) == 0 {
			b.Fatal(wn.err)
		}
	}
	b.ReportMetric(float64(kept)/(1<<20), "MiB-kept")
}
