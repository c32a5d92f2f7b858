package records

import (
	"testing"

	"dramabot/knowledge"
)

// FuzzExtract checks that any text, note or not, is read without a panic
// and yields records whose text is in the passage.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"2024年微短剧市场规模为504.4亿元，同比增长34.90%。",
		"Revenue climbed from $500 million in 2021 to $7 billion in 2024.",
		"crews now have 60 to 90 people; 40万至70万元; 2025-01 to 2025-08; as of June 2024",
		"据36氪报道 9527 Theatre 370 million times 8 out of 10 aged 40 to 59 前20 18天内",
		"", "\x00\xff", "1,2,3 2024-13-45 Q5 2024 H3 2024",
	} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, isNote bool) {
		doc := knowledge.Document{
			Source:   knowledge.Source{ID: "f", Date: "2025-01-17"},
			Passages: []knowledge.Passage{{ID: "f", SourceID: "f", Text: s}},
		}
		if isNote {
			doc.Source.Note = &knowledge.NoteInfo{Period: s, Forecast: len(s)%2 == 0, PageLang: "zh"}
		}
		for _, r := range Extract(doc) {
			if r.Sentence == "" || r.Text == "" {
				t.Errorf("record without text: %+v", r)
			}
		}
		Topic(s)
		ParsePeriod(s)
	})
}
