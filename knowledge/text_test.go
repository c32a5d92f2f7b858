package knowledge

import (
	"slices"
	"strings"
	"testing"
)

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
		got := TermTexts(tt.in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("TermTexts(%q) = %q, want %q", tt.in, got, tt.want)
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
		if got := Stem(in); got != want {
			t.Errorf("Stem(%q) = %q, want %q", in, got, want)
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
		if got := Sentences(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Sentences(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParagraphsAndChunk(t *testing.T) {
	src := Source{ID: "doc", Title: "A Title", Publisher: "Pub", Date: "2025-01-02"}
	body := "# Market\n\nFirst paragraph.\nSecond line of it.\n\n## Jobs\n\nJobs paragraph."
	ps := ChunkDocument(src, body, true)
	if len(ps) != 3 {
		t.Fatalf("ChunkDocument gave %d passages: %+v", len(ps), ps)
	}
	if ps[0].ID != "doc#0" || !strings.Contains(ps[0].Text, "From: Pub") || !strings.Contains(ps[0].Text, "A Title") {
		t.Errorf("title passage = %+v", ps[0])
	}
	if ps[1].ID != "doc#1" || ps[1].Heading != "Market" || ps[1].Text != "First paragraph.\nSecond line of it." {
		t.Errorf("passage 1 = %+v", ps[1])
	}
	if ps[2].ID != "doc#2" || ps[2].Heading != "Jobs" {
		t.Errorf("passage 2 = %+v", ps[2])
	}
	// Stable ids: the same text chunks the same way.
	again := ChunkDocument(src, body, true)
	if !slices.Equal(ps, again) {
		t.Error("chunking is not deterministic")
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

func TestAskedFor(t *testing.T) {
	tests := map[string]AnswerType{
		"How many jobs did mini series create?": AskNumber,
		"What percentage of users pay?":         AskNumber,
		"When did the boom start?":              AskDate,
		"In what year was it founded?":          AskDate,
		"Who operates the park?":                AskPerson,
		"Where is the park?":                    AskPlace,
		"What is the mini series+ ecosystem?":   AskOther,
		"迷你剧创造了多少就业岗位？":                         AskNumber,
		"这部剧是哪一年上映的？":                           AskDate,
		"谁是导演？":                                 AskPerson,
		"公园在哪里？":                                AskPlace,
	}
	for q, want := range tests {
		if got := AskedFor(q); got != want {
			t.Errorf("AskedFor(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestQuestionNumbersAndFocus(t *testing.T) {
	if got := questionNumbers("How much did iQiyi spend in 2023?"); !slices.Equal(got, []string{"2023"}) {
		t.Errorf("questionNumbers = %q", got)
	}
	if got := questionNumbers("Which years did assets exceed $20,000 or stay under 140 million?"); len(got) != 0 {
		t.Errorf("thresholds taken as facts: %q", got)
	}
	if got := focusTerms("How many jobs has the boom created?"); !slices.Equal(got, []string{"job"}) {
		t.Errorf("focusTerms = %q", got)
	}
	if got := focusTerms("迷你剧创造了多少就业岗位？"); !slices.Contains(got, "就业") {
		t.Errorf("focusTerms = %q", got)
	}
}
