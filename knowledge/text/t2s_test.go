package text

import (
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
)

func TestFoldTraditional(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"market size", "微短劇市場規模", "微短剧市场规模"},
		{"regulator", "國家廣播電視總局", "国家广播电视总局"},
		{"mixed script", "紅果短劇 (Hongguo) 月活躍用戶 2.36億", "红果短剧 (Hongguo) 月活跃用户 2.36亿"},
		{"Hengdian", "橫店豎屏劇運營中心", "横店竖屏剧运营中心"},
		{"first candidate of several", "乾隆 於是 開機", "干隆 于是 开机"},
		{"self-mapped default kept", "瞭解", "瞭解"},
		{"key above U+FFFF", "\U000205E3\U00021839", "\u34C6\u36FF"},
		{"chain followed to its end", "薴", "苎"},
		{"empty", "", ""},
		{"invalid UTF-8 kept byte for byte", "總\xff局\xe5\x9c", "总\xff局\xe5\x9c"},
		{"U+FFFD itself kept", "\uFFFD國", "\uFFFD国"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FoldTraditional(tt.in); got != tt.want {
				t.Errorf("FoldTraditional(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// Text that needs no folding, which is nearly all text, must come back as the
// same string, not a copy.
func TestFoldTraditionalUnchanged(t *testing.T) {
	for _, s := range []string{
		"How many jobs has the mini series boom created?",
		"2024年中国微短剧市场规模为504.4亿元,2025年预计增长到677.9亿元",
		"红果短剧月活跃用户达到2.36亿",
		"bad \xff\xfe bytes 短剧",
	} {
		got := FoldTraditional(s)
		if got != s {
			t.Errorf("FoldTraditional(%q) = %q, want it unchanged", s, got)
		}
		if len(s) > 0 && unsafe.StringData(got) != unsafe.StringData(s) {
			t.Errorf("FoldTraditional(%q) returned a copy", s)
		}
		if n := testing.AllocsPerRun(100, func() { FoldTraditional(s) }); n != 0 {
			t.Errorf("FoldTraditional(%q): %v allocations, want 0", s, n)
		}
	}
}

// The table must be sorted for the binary search, agree with its bitmap, and
// fold to a fixed point; each character keeps one character's place.
func TestT2sTable(t *testing.T) {
	if len(t2sPairs) < 4000 {
		t.Fatalf("%d pairs, want OpenCC's ~4,100", len(t2sPairs))
	}
	for i, p := range t2sPairs {
		if i > 0 && t2sPairs[i-1][0] >= p[0] {
			t.Fatalf("pairs not sorted at %U", p[0])
		}
		if p[0] == p[1] {
			t.Errorf("%U maps to itself", p[0])
		}
		if _, ok := t2sLookup(p[1]); ok {
			t.Errorf("%c → %c is folded again", p[0], p[1])
		}
		got := FoldTraditional(string(p[0]))
		if got != string(p[1]) {
			t.Errorf("FoldTraditional(%c) = %q, want %c", p[0], got, p[1])
		}
	}
	keys := 0
	for _, w := range t2sBMP {
		for ; w != 0; w &= w - 1 {
			keys++
		}
	}
	bmp := 0
	for _, p := range t2sPairs {
		if p[0] < 0x10000 {
			bmp++
		}
	}
	if keys != bmp {
		t.Errorf("bitmap has %d characters, table %d below U+10000", keys, bmp)
	}
}

func FuzzFoldTraditional(f *testing.F) {
	for _, s := range []string{"", "國家廣播電視總局", "a\xffb", "微短剧", "\U0002B726"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := FoldTraditional(s)
		if utf8.RuneCountInString(got) != utf8.RuneCountInString(s) {
			t.Fatalf("FoldTraditional(%q) = %q: rune count changed", s, got)
		}
		if utf8.ValidString(s) != utf8.ValidString(got) {
			t.Fatalf("FoldTraditional(%q) = %q: validity changed", s, got)
		}
		if again := FoldTraditional(got); again != got {
			t.Fatalf("folding %q twice gives %q, once %q", s, again, got)
		}
	})
}

func BenchmarkFoldTraditional(b *testing.B) {
	inputs := []struct{ name, s string }{
		{"ascii", strings.Repeat("China's micro-drama market reached 50.44 billion yuan in 2024. ", 16)},
		{"simplified", strings.Repeat("截至2024年12月,微短剧用户规模达6.62亿人,使用率达59.7%。", 16)},
		{"traditional", strings.Repeat("截至2024年12月,微短劇用戶規模達6.62億人,使用率達59.7%。", 16)},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.s)))
			for b.Loop() {
				FoldTraditional(in.s)
			}
		})
	}
}
