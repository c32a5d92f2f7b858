package pgtest

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSynth(t *testing.T) {
	tests := []struct{ passages, docs, questions int }{
		{1, 1, 1},
		{25, 3, 10},
		{1000, 100, 64},
	}
	for _, tc := range tests {
		docs := SynthDocs(tc.passages)
		if !reflect.DeepEqual(docs, SynthDocs(tc.passages)) {
			t.Errorf("SynthDocs(%d) differs from run to run", tc.passages)
		}
		n := 0
		for _, d := range docs {
			for _, p := range d.Passages {
				n++
				if r := utf8.RuneCountInString(p.Text); r < 400 || r > 700 || p.SourceID != d.Source.ID {
					t.Errorf("passage %s: %d characters, source %s", p.ID, r, p.SourceID)
				}
			}
		}
		if n != tc.passages || len(docs) != tc.docs {
			t.Errorf("SynthDocs(%d): %d passages in %d documents, want %d in %d", tc.passages, n, len(docs), tc.passages, tc.docs)
		}
		qs := SynthQuestions(docs, tc.questions)
		if len(qs) != tc.questions {
			t.Errorf("SynthQuestions: %d, want %d", len(qs), tc.questions)
		}
		for _, q := range qs {
			if !strings.HasPrefix(q.PassageID, "synth-") || strings.TrimSpace(q.Text) == "" {
				t.Errorf("question %+v", q)
			}
		}
	}
}
