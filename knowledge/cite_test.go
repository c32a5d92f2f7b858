package knowledge

import (
	"slices"
	"testing"
)

func TestCitationsNumberByFirstUse(t *testing.T) {
	hits := []Hit{
		{Passage: Passage{ID: "a#1"}}, {Passage: Passage{ID: "b#1"}}, {Passage: Passage{ID: "c#1"}},
	}
	tests := []struct {
		name    string
		cite    []int // indexes into hits, in order of use
		numbers []int // what each cite returns
		ids     []string
	}{
		{"none", nil, nil, []string{}},
		{"in order", []int{0, 1}, []int{1, 2}, []string{"a#1", "b#1"}},
		{"later passage first", []int{2, 0, 2}, []int{1, 2, 1}, []string{"c#1", "a#1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCitations(hits)
			var got []int
			for _, i := range tt.cite {
				got = append(got, c.cite(i))
			}
			if !slices.Equal(got, tt.numbers) {
				t.Errorf("numbers = %v, want %v", got, tt.numbers)
			}
			all := c.all()
			if all == nil {
				t.Fatal("all() = nil, want an empty list for JSON []")
			}
			ids := []string{}
			for i, ci := range all {
				if ci.N != i+1 {
					t.Errorf("citation %d has N = %d", i, ci.N)
				}
				ids = append(ids, ci.PassageID)
			}
			if !slices.Equal(ids, tt.ids) {
				t.Errorf("cited %v, want %v", ids, tt.ids)
			}
			for i := range hits {
				if want := slices.Index(tt.ids, hits[i].Passage.ID) >= 0; c.cited(i) != want {
					t.Errorf("cited(%d) = %v, want %v", i, c.cited(i), want)
				}
				if want := slices.Index(tt.ids, hits[i].Passage.ID) + 1; c.number(i) != want {
					t.Errorf("number(%d) = %d, want %d", i, c.number(i), want)
				}
			}
		})
	}
}

func TestSourceEqual(t *testing.T) {
	a := Source{ID: "n1", Title: "T", Note: &NoteInfo{Producer: "P", Period: "2024"}}
	b := a
	b.Note = &NoteInfo{Producer: "P", Period: "2024"} // same note, another pointer
	if !a.Equal(b) {
		t.Error("sources with equal notes differ")
	}
	b.Note.Period = "2025"
	if a.Equal(b) {
		t.Error("sources with different notes are equal")
	}
	if a.Equal(Source{ID: "n1", Title: "T"}) {
		t.Error("a source with a note equals one without")
	}
	if !(Source{ID: "x"}).Equal(Source{ID: "x"}) {
		t.Error("plain sources differ")
	}
}
