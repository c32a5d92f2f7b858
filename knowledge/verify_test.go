package knowledge

import (
	"fmt"
	"slices"
	"testing"

	"dramabot/knowledge/text"
)

func TestReadDraft(t *testing.T) {
	tests := []struct {
		reply string
		want  []string // plain text and cited passages of each sentence
	}{
		{"Jobs rose to 647,000 [1]. Growth was 185-fold [2].", []string{"Jobs rose to 647,000. [1]", "Growth was 185-fold. [2]"}},
		{"Jobs rose to 647,000. [1] Growth was 185-fold.[2][3]", []string{"Jobs rose to 647,000. [1]", "Growth was 185-fold. [2 3]"}},
		{"Jobs rose [1, 2] and grew [3].", []string{"Jobs rose and grew. [1 2 3]"}},
		{"Jobs rose [1-3].", []string{"Jobs rose. [1 2 3]"}},
		{"短剧带动了64.7万个岗位【1】。市场达到505亿元［2］。", []string{"短剧带动了64.7万个岗位。 [1]", "市场达到505亿元。 [2]"}},
		{"短剧带动了64.7万个岗位。[1]市场很大[1、2]。", []string{"短剧带动了64.7万个岗位。 [1]", "市场很大。 [1 2]"}},
		{"1. First point [1].\n2. Second point [2].", []string{"First point. [1]", "Second point. [2]"}},
		{"## Answer\n**Jobs**: 647,000 [1]", []string{"Answer []", "Jobs: 647,000 [1]"}},
		{"[1] [2]", nil},
		{"No markers here. None at all.", []string{"No markers here. []", "None at all. []"}},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range readDraft(tt.reply) {
			var cites []int
			for _, m := range markerRE.FindAllStringSubmatch(s.raw, -1) {
				cites = append(cites, markerNumbers(m[1])...)
			}
			got = append(got, fmt.Sprintf("%s %v", s.plain, cites))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("readDraft(%q)\n got %q\nwant %q", tt.reply, got, tt.want)
		}
	}
}

func TestSameFigure(t *testing.T) {
	fig := func(s string) text.FigureSpan {
		fs := text.ExtractFigures(s)
		if len(fs) != 1 {
			t.Fatalf("text.ExtractFigures(%q) = %+v", s, fs)
		}
		return fs[0]
	}
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"64.7万", "647,000", true},
		{"1.2亿", "120 million", true},
		{"505亿元", "50.5 billion yuan", true},
		{"185-fold", "185倍", true},
		{"185 times", "185-fold", true},
		{"12%", "12 percent", true},
		{"2025年5月8日", "2025-05-08", true},
		{"12%", "12", false},
		{"185%", "185-fold", false},
		{"647,000", "650,000", false},
		{"50.5 billion", "505亿元", false}, // a count is not an amount of yuan
		{"$5 billion", "50亿元", false},    // dollars are not yuan
	} {
		if got := sameFigure(fig(tt.a), fig(tt.b)); got != tt.same {
			t.Errorf("sameFigure(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
}

// FuzzCheckDraft: any reply is read without a panic, and every figure that
// passes is verbatim in a passage its sentence cites, with the same value.
func FuzzCheckDraft(f *testing.F) {
	passages := []Hit{
		{Passage: Passage{ID: "a", Text: "Mini series generated 647,000 jobs in just four years, expanding nearly 185-fold."}},
		{Passage: Passage{ID: "b", Text: "短剧行业四年间带动了64.7万个就业岗位，市场规模达到505亿元。"}},
	}
	for _, s := range []string{
		"Mini series created 647,000 jobs [1].", "短剧带动了64.7万个岗位【2】。", "It grew 185% [1-2]. [3]",
		"[1] [2]", "1. **647,000** [1]\n2. 505亿元 [2]", "Jobs: 64.7万 [1, 2, 999]", "[1-999999]", "",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, reply string, cjk bool) {
		d := checkDraft(reply, passages, cjk)
		if d.rejected > d.checked {
			t.Errorf("%d rejected of %d checked", d.rejected, d.checked)
		}
		for _, s := range d.sentences {
			if len(s.cites) == 0 {
				t.Errorf("kept sentence %q cites nothing", s.raw)
			}
			for _, fig := range s.figures {
				p := passages[fig.passage].Passage.Text
				if !containsInt(s.cites, fig.passage+1) || p[fig.span.Start:fig.span.End] != fig.span.Text {
					t.Errorf("figure %+v not verbatim in a cited passage", fig)
				}
			}
			_ = renumberMarkers(s.raw, func(n int) int { return n })
		}
	})
}
