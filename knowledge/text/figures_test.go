package text

import (
	"testing"
)

func TestExtractFigures(t *testing.T) {
	type fig struct {
		text  string
		unit  string
		value float64
	}
	tests := []struct {
		in   string
		want []fig
	}{
		{"generating 647,000 jobs in just four years", []fig{{"647,000", UnitNone, 647000}}},
		{"expanding nearly 185-fold and", []fig{{"185-fold", UnitFold, 185}}},
		{"就业岗位达64.7万个", []fig{{"64.7万", UnitNone, 647000}}},
		{"市场规模1.2亿元", []fig{{"1.2亿元", UnitCNY, 120000000}}},
		{"规模达５０４．４亿元，增长３４．９％", []fig{{"５０４．４亿元", UnitCNY, 50440000000}, {"３４．９％", UnitPercent, 34.9}}},
		{"grew 12% last year", []fig{{"12%", UnitPercent, 12}}},
		{"grew 12 percent", []fig{{"12 percent", UnitPercent, 12}}},
		{"over 100 million followers", []fig{{"100 million", UnitNone, 1e8}}},
		{"a $1.2bn deal", []fig{{"$1.2bn", UnitUSD, 1.2e9}}},
		{"RMB 5 billion", []fig{{"RMB 5 billion", UnitCNY, 5e9}}},
		{"¥30 per episode", []fig{{"¥30", UnitCNY, 30}}},
		{"worth 50 billion yuan", []fig{{"50 billion yuan", UnitCNY, 5e10}}},
		{"a 3x rise", []fig{{"3x", UnitFold, 3}}},
		{"增长了3倍", []fig{{"3倍", UnitFold, 3}}},
		{"In 2025, multiple cities", []fig{{"2025", UnitYear, 2025}}},
		{"2024年市场", []fig{{"2024年", UnitYear, 2024}}},
		{"an op-ed of 29 Dec said", []fig{{"29", UnitDate, 29}}},
		{"on December 5 the notice", []fig{{"5", UnitDate, 5}}},
		{"12月评论文章", []fig{{"12", UnitDate, 12}}},
		{"9日发布", []fig{{"9", UnitDate, 9}}},
		{"前8个月收入", []fig{{"8", UnitNone, 8}}},
		{"29 declined", []fig{{"29", UnitNone, 29}}},
		{"29 may be", []fig{{"29", UnitNone, 29}}},
		{"published 2025-05-08 in", []fig{{"2025-05-08", UnitDate, 20250508}}},
		{"18:15:58 05-08-2025From", []fig{{"05-08-2025", UnitDate, 20250805}}},
		{"on 05/08/2025 in", []fig{{"05/08/2025", UnitDate, 20250508}}},
		{"2025年5月8日发布", []fig{{"2025年5月8日", UnitDate, 20250508}}},
		{"Total sales | $1,496.5 | $1,202.9", []fig{{"$1,496.5", UnitUSD, 1496.5}, {"$1,202.9", UnitUSD, 1202.9}}},
		{"以2V2、4V4随机配对", nil},
		{"a 5G network and H264 video", nil},
		{"More than 80 performers", []fig{{"80", UnitNone, 80}}},
		{"in 1,2,3 order", []fig{{"1", UnitNone, 1}, {"2", UnitNone, 2}, {"3", UnitNone, 3}}},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := ExtractFigures(tt.in)
			if len(got) != len(tt.want) {
				t.Fatalf("ExtractFigures(%q) = %+v, want %d figures %+v", tt.in, got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Text != w.text || g.Unit != w.unit || g.Value != w.value {
					t.Errorf("figure %d = {%q %q %v}, want {%q %q %v}", i, g.Text, g.Unit, g.Value, w.text, w.unit, w.value)
				}
				if tt.in[g.Start:g.End] != g.Text {
					t.Errorf("span %d:%d = %q, want %q", g.Start, g.End, tt.in[g.Start:g.End], g.Text)
				}
			}
		})
	}
}

func TestFigureLabel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"generating 647,000 jobs in just four years", "647,000 jobs"},
		{"amassed over 100 million followers.", "100 million followers"},
		{"More than 80 performers have", "80 performers"},
		{"exceeding 100,000, and some", "100,000"},
		{"growth of 12% in", "12%"},
		{"创造了64.7万个就业岗位，", "64.7万个就业岗位"},
	}
	for _, tt := range tests {
		figs := ExtractFigures(tt.in)
		if len(figs) == 0 {
			t.Fatalf("no figure in %q", tt.in)
		}
		if got := FigureLabel(tt.in, figs[0]); got != tt.want {
			t.Errorf("FigureLabel(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzExtractFigures(f *testing.F) {
	for _, s := range []string{"647,000 jobs", "64.7万", "１２３４", "$1.2bn", "2025-05-08", "18:15:58", "1,2,3", "5,", "9.", "RMB", "¥"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prev := 0
		for _, fs := range ExtractFigures(s) {
			if fs.Start < prev || fs.End <= fs.Start || fs.End > len(s) {
				t.Fatalf("bad span %d:%d (prev end %d) in %q", fs.Start, fs.End, prev, s)
			}
			if s[fs.Start:fs.End] != fs.Text {
				t.Fatalf("text %q != span %q", fs.Text, s[fs.Start:fs.End])
			}
			_ = FigureLabel(s, fs)
			prev = fs.End
		}
	})
}
