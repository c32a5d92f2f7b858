package dict

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestTranslate(t *testing.T) {
	tests := []struct {
		q    string
		want [][]string // each must be a subset of one returned group, in order
	}{
		{"迷你剧创造了多少就业岗位？", [][]string{{"miniseries", "mini"}, {"create"}, {"job", "employment"}, {"post", "job"}}},
		{"短劇市場規模有多大？", [][]string{{"short"}, {"market"}, {"scale"}}},
		{"How many jobs?", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got := Default().Translate(tt.q)
		if len(got) != len(tt.want) {
			t.Errorf("Translate(%q) = %v, want %d groups like %v", tt.q, got, len(tt.want), tt.want)
			continue
		}
		for i, w := range tt.want {
			for _, word := range w {
				if !slices.Contains(got[i], word) {
					t.Errorf("Translate(%q) group %d = %v, lacks %q", tt.q, i, got[i], word)
				}
			}
		}
	}
}

func TestTranslateEnglish(t *testing.T) {
	tests := []struct {
		q string
		// anyOf: each returned group, in order, must hold one of these words.
		anyOf [][]string
	}{
		{"market", [][]string{{"市场"}}},
		{"users", [][]string{{"用户"}}},
		{"jobs", [][]string{{"工作", "就业", "岗位"}}},
		{"drama", [][]string{{"戏剧", "剧"}}},
		{"administration", [][]string{{"行政", "管理", "总局"}}},
		{"revenue", [][]string{{"收入"}}},
		{"box office", [][]string{{"票房"}}},
		{"overseas", [][]string{{"海外"}}},
		{"platform", [][]string{{"平台"}}},
		{"episode", [][]string{{"集"}}},
		{"Market shares", [][]string{{"市场份额"}}},
		{"the children", [][]string{{"孩子", "儿童"}}},
		{"grew", [][]string{{"增长", "生长"}}},
		{"created", [][]string{{"创造"}}},
		{"mini-series", [][]string{{"迷你剧"}}},
		{"mini series", [][]string{{"迷你剧"}}},
		{"China's film industry", [][]string{{"中国"}, {"影业"}}},
		{"How many jobs has the industry created?", [][]string{{"工作", "就业", "岗位"}, {"工业", "产业"}, {"创造"}}},
		{"Steve Jobs", [][]string{{"史蒂夫"}, {"乔布斯"}}},
		// Stop words, question words and what the glosses lack give nothing.
		{"What is it and how many of them are there?", nil},
		{"xqzv", nil},
		{"", nil},
		{"短剧市场", nil},
		{"123 4,567 12%", nil},
		{"'s - -- '' ’", nil},
		{"\xff\xfe market", [][]string{{"市场"}}},
	}
	for _, tt := range tests {
		got := Default().TranslateEnglish(tt.q)
		if len(got) != len(tt.anyOf) {
			t.Errorf("TranslateEnglish(%q) = %v, want %d groups", tt.q, got, len(tt.anyOf))
			continue
		}
		for i, want := range tt.anyOf {
			if len(got[i]) > perWord {
				t.Errorf("TranslateEnglish(%q) group %d = %v, more than %d", tt.q, i, got[i], perWord)
			}
			if !slices.ContainsFunc(want, func(w string) bool { return slices.Contains(got[i], w) }) {
				t.Errorf("TranslateEnglish(%q) group %d = %v, has none of %v", tt.q, i, got[i], want)
			}
		}
	}
}

// The best few come first: the everyday word before its rare synonyms.
func TestTranslateEnglishFirst(t *testing.T) {
	tests := []struct{ q, first string }{
		{"market", "市场"},
		{"users", "用户"},
		{"revenue", "收入"},
		{"overseas", "海外"},
		{"platform", "平台"},
		{"box office", "票房"},
		{"government", "政府"},
		{"policy", "政策"},
		{"women", "女人"},
		{"television", "电视"},
	}
	for _, tt := range tests {
		got := Default().TranslateEnglish(tt.q)
		if len(got) != 1 || got[0][0] != tt.first {
			t.Errorf("TranslateEnglish(%q) = %v, want %s first", tt.q, got, tt.first)
		}
	}
}

func TestVariants(t *testing.T) {
	r := &reverse{irregular: map[string]string{"grew": "grow"}}
	tests := []struct {
		w    string
		want string // must be among the variants
	}{
		{"jobs", "job"}, {"games", "game"}, {"boxes", "box"}, {"companies", "company"},
		{"created", "create"}, {"needed", "need"}, {"died", "die"}, {"studied", "study"},
		{"running", "run"}, {"making", "make"}, {"selling", "sell"}, {"women", "woman"},
		{"grew", "grow"}, {"business", "business"},
	}
	for _, tt := range tests {
		if got := r.variants(tt.w); !slices.Contains(got, tt.want) {
			t.Errorf("variants(%q) = %v, lacks %q", tt.w, got, tt.want)
		}
	}
}

func FuzzTranslateEnglish(f *testing.F) {
	for _, s := range []string{"How many jobs?", "box office", "mini-series", "’s", "a-b-c", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, g := range Default().TranslateEnglish(q) {
			if len(g) == 0 || len(g) > perWord {
				t.Fatalf("TranslateEnglish(%q): group %v", q, g)
			}
		}
	})
}

// BenchmarkLoad reports the time to read the Chinese to English dictionary
// and the heap it keeps.
func BenchmarkLoad(b *testing.B) {
	var kept uint64
	for b.Loop() {
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		var d Dict
		d.load()
		runtime.GC()
		runtime.ReadMemStats(&ms1)
		kept = ms1.HeapAlloc - ms0.HeapAlloc
		if d.err != nil || len(d.words) == 0 {
			b.Fatal(d.err)
		}
	}
	b.ReportMetric(float64(kept)/(1<<20), "MiB-kept")
}

// BenchmarkLoadReverse reports the time to build the English to Chinese
// index and the heap it keeps.
func BenchmarkLoadReverse(b *testing.B) {
	var kept uint64
	for b.Loop() {
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		var r reverse
		r.build()
		runtime.GC()
		runtime.ReadMemStats(&ms1)
		kept = ms1.HeapAlloc - ms0.HeapAlloc
		runtime.KeepAlive(&r)
		if r.err != nil || len(r.index) == 0 {
			b.Fatal(r.err)
		}
	}
	b.ReportMetric(float64(kept)/(1<<20), "MiB-kept")
}

func TestEnglishWords(t *testing.T) {
	var ws []string
	for _, w := range englishWords("China’s 2024 micro-drama's box-office, 12% ‘hit’") {
		ws = append(ws, fmt.Sprint(w.text, w.capital))
	}
	got := strings.Join(ws, "|")
	if want := "chinatrue|micro-dramafalse|box-officefalse|hitfalse"; got != want {
		t.Errorf("englishWords = %q, want %q", got, want)
	}
}

// Both directions load on first use, from whichever goroutine asks first.
func TestConcurrentUse(t *testing.T) {
	var d Dict
	done := make(chan [2]int)
	for range 4 {
		go func() {
			done <- [2]int{len(d.Translate("短剧市场")), len(d.TranslateEnglish("box office revenue"))}
		}()
	}
	for range 4 {
		if got := <-done; got != [2]int{2, 2} {
			t.Errorf("groups = %v, want [2 2]", got)
		}
	}
}
