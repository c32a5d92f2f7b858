package dict

import (
	"slices"
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

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		var d Dict
		d.load()
	}
}
