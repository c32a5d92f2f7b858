package store_test

import (
	"reflect"
	"testing"

	"dramabot/knowledge"
	"dramabot/knowledge/records"
	"dramabot/knowledge/store"
)

// figureDocs is a market note and a paged report: the figures the
// records are read from, and a page number a restart must keep.
func figureDocs() []knowledge.Document {
	note := knowledge.Document{
		Source: knowledge.Source{ID: "note-size", Title: "Note", Publisher: "China Daily", Date: "2025-01-10",
			Note: &knowledge.NoteInfo{Producer: "iiMedia Research", Period: "2024", PageLang: "en"}},
		Passages: []knowledge.Passage{{ID: "note-size#1", SourceID: "note-size", Ordinal: 1,
			Text: "China's micro-drama market reached 50.44 billion yuan in 2024, according to iiMedia Research."}},
	}
	report := doc("report", "The number of micro-drama users reached 662 million in 2024.", "Jobs created by the industry: 647,000.")
	report.Passages[0].Page = 3
	report.Passages[1].Page = 12
	return []knowledge.Document{note, report}
}

// TestRecordsAndPagesSurviveARestart: the figure records are read at
// Sync, saved in the snapshot and loaded back as they were, with each
// passage's page; a passage whose source changed (its publisher) is read
// again, an unchanged one is not.
func TestRecordsAndPagesSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	emb := newCounting()
	docs := figureDocs()
	st := openStore(t, dir, emb.embedder())
	mustSync(t, st, docs)
	want := records.ExtractAll(docs)
	if len(want) < 3 {
		t.Fatalf("the fixture has %d records, want at least 3", len(want))
	}
	if got := st.Records(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Records() after Sync =\n%+v\nwant\n%+v", got, want)
	}

	again := openStore(t, dir, emb.embedder())
	if again.Recovered() != "" {
		t.Fatalf("snapshot not used: %s", again.Recovered())
	}
	if got := again.Records(); !reflect.DeepEqual(got, want) {
		t.Errorf("Records() after a restart =\n%+v\nwant\n%+v", got, want)
	}
	pages := map[string]int{}
	for _, h := range again.Passages(10) {
		pages[h.Passage.ID] = h.Passage.Page
	}
	if pages["report#1"] != 3 || pages["report#2"] != 12 {
		t.Errorf("pages after a restart: %v, want report#1 on 3 and report#2 on 12", pages)
	}
	emb.takeCalls()
	if ch := mustSync(t, again, docs); ch.Embedded != 0 {
		t.Errorf("an unchanged restart embedded %d passages", ch.Embedded)
	}

	// A new publisher changes the records' source, not the vectors.
	docs[0].Source.Publisher = "Xinhua"
	if ch := mustSync(t, again, docs); ch.Embedded != 0 {
		t.Errorf("a new publisher re-embedded %d passages", ch.Embedded)
	}
	for _, r := range again.Records() {
		if r.Source.SourceID == "note-size" && r.Source.Publisher != "Xinhua" {
			t.Errorf("record %q kept the old publisher %q", r.Text, r.Source.Publisher)
		}
	}

	// A passage moved to another page is stored again.
	docs[1].Passages[0].Page = 4
	if ch := mustSync(t, again, docs); ch.Changed != 1 {
		t.Errorf("a passage on a new page: %+v, want 1 changed", ch)
	}
	last := openStore(t, dir, emb.embedder())
	for _, h := range last.Passages(10) {
		if h.Passage.ID == "report#1" && h.Passage.Page != 4 {
			t.Errorf("report#1 on page %d after the change, want 4", h.Passage.Page)
		}
	}
}

// TestNoRecords: a store told to keep no records has none, in memory or
// in its snapshot, and one that keeps them reads them from that snapshot.
func TestNoRecords(t *testing.T) {
	dir := t.TempDir()
	emb := newCounting()
	st, err := store.Open(store.Options{Dir: dir, Embedder: emb.embedder(), NoRecords: true})
	if err != nil {
		t.Fatal(err)
	}
	mustSync(t, st, figureDocs())
	if n := len(st.Records()); n != 0 {
		t.Errorf("NoRecords store has %d records", n)
	}
	with := openStore(t, dir, emb.embedder())
	if with.Recovered() != "" {
		t.Fatalf("snapshot not used: %s", with.Recovered())
	}
	if got, want := with.Records(), records.ExtractAll(figureDocs()); !reflect.DeepEqual(got, want) {
		t.Errorf("records read from a snapshot without them = %+v, want %+v", got, want)
	}
}
