package text

import (
	"slices"
	"strings"
	"testing"
)

// termTexts returns the texts of Tokenize(text, false).
func termTexts(text string) []string {
	ts := Tokenize(text, false)
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Text
	}
	return out
}

// sentences returns the sentences of text, verbatim.
func sentences(text string) []string {
	spans := SentenceSpans(text)
	out := make([]string, len(spans))
	for i, sp := range spans {
		out[i] = text[sp.Start:sp.End]
	}
	return out
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Mini series created 647,000 jobs", []string{"mini", "seri", "creat", "647000", "job"}},
		{"The park is operated by BEXTA", []string{"park", "oper", "bexta"}},
		{"Apollo ran from 1961 to 1972", []string{"apollo", "run", "1961", "1972"}},
		{"a 1.50 rise, 12% and 185-fold", []string{"1.5", "rise", "12", "percent", "185", "fold"}},
		{"three times larger", []string{"three", "time", "fold", "larger"}},
		{`a robust "mini series+" ecosystem`, []string{"robust", "mini", "series+", "ecosystem"}},
		{"Shenzhen's Longgang", []string{"shenzhen", "longgang"}},
		{"短剧市场", []string{"短", "剧", "短剧", "市", "剧市", "场", "市场"}},
		{"规模６４．７万", []string{"规", "模", "规模", "64.7", "万"}},
		{"", nil},
	}
	for _, tt := range tests {
		got := termTexts(tt.in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("termTexts(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestQueryTermsDropQuestionWords(t *testing.T) {
	got := strings.Join(QueryTermTexts("哪一家报纸是什么？"), " ")
	for _, w := range []string{"什", "么", "什么", "哪"} {
		if slices.Contains(strings.Fields(got), w) {
			t.Errorf("QueryTermTexts kept question word %q: %s", w, got)
		}
	}
	if !strings.Contains(got, "报纸") {
		t.Errorf("QueryTermTexts lost content: %s", got)
	}
}

func TestStem(t *testing.T) {
	for in, want := range map[string]string{
		"operates": "oper", "operated": "oper", "generating": "gener", "jobs": "job", "caresses": "caress",
		"ponies": "poni", "relational": "relat", "hopping": "hop", "filing": "file", "happy": "happi", "C++": "C++",
	} {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSentenceSpans(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"It grew. Mr. Smith said so. The U.S. agreed!", []string{"It grew.", "Mr. Smith said so.", "The U.S. agreed!"}},
		{"J. K. Rowling wrote it. Then 3.5 million sold.", []string{"J. K. Rowling wrote it.", "Then 3.5 million sold."}},
		{"短剧很火。市场规模达504亿元！用户呢？", []string{"短剧很火。", "市场规模达504亿元！", "用户呢？"}},
		{"他说：「好。」然后走了。", []string{"他说：「好。」", "然后走了。"}},
		{"Row one | 1 | 2\nRow two | 3 | 4", []string{"Row one | 1 | 2", "Row two | 3 | 4"}},
		{"lower case. continues", []string{"lower case. continues"}},
	}
	for _, tt := range tests {
		if got := sentences(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("sentences(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitLong(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 60; i++ {
		b.WriteString("Mini series keep growing across many cities in China. ")
	}
	text := strings.TrimSpace(b.String())
	pieces := SplitLong(text, 1000)
	if len(pieces) < 3 {
		t.Fatalf("SplitLong gave %d pieces", len(pieces))
	}
	for _, p := range pieces {
		if n := len([]rune(p)); n > 1000 {
			t.Errorf("piece of %d runes", n)
		}
		if !strings.Contains(text, p) {
			t.Errorf("piece is not verbatim: %q", p)
		}
		if !strings.HasSuffix(p, ".") {
			t.Errorf("piece not cut at a sentence end: %q", p[len(p)-20:])
		}
	}
	// One unbroken Chinese run is cut at clause marks.
	zh := strings.Repeat("短剧市场持续增长，", 300)
	for _, p := range SplitLong(zh, 1000) {
		if n := len([]rune(p)); n > 1000 || !strings.HasSuffix(p, "，") && p != strings.TrimRight(zh, "，")[len(zh)-len(p):] {
			t.Errorf("bad Chinese piece (%d runes) ending %q", n, string([]rune(p)[len([]rune(p))-3:]))
		}
	}
}

func TestIsCJKText(t *testing.T) {
	for s, want := range map[string]bool{
		"How many jobs?":                        false,
		"What does 短剧 mean?":                    false,
		"短剧创造了多少就业岗位？":                          true,
		"ReelShort的下载量达到1,000万次":                true,
		"短剧是什么 drama?":                          true,
		"647,000":                               false,
		"The 短剧 (duanju) market grew 185-fold.": false,
	} {
		if got := IsCJKText(s); got != want {
			t.Errorf("IsCJKText(%q) = %v, want %v", s, got, want)
		}
	}
}
