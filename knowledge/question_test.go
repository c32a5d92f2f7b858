package knowledge

import (
	"slices"
	"testing"
)

func TestAskedFor(t *testing.T) {
	tests := map[string]answerType{
		"How many jobs did mini series create?": askNumber,
		"What percentage of users pay?":         askNumber,
		"When did the boom start?":              askDate,
		"In what year was it founded?":          askDate,
		"Who operates the park?":                askPerson,
		"Where is the park?":                    askPlace,
		"What is the mini series+ ecosystem?":   askOther,
		"迷你剧创造了多少就业岗位？":                         askNumber,
		"这部剧是哪一年上映的？":                           askDate,
		"谁是导演？":                                 askPerson,
		"公园在哪里？":                                askPlace,
	}
	for q, want := range tests {
		if got := askedFor(q); got != want {
			t.Errorf("askedFor(%q) = %v, want %v", q, got, want)
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
