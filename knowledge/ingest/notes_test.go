package ingest

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadNotes(t *testing.T) {
	// Synthetic notes: test data only, never part of the corpus.
	const notes = `{"id":"note-xx01","topic":"users","en":"Example Research (2030): the example market had 12.5 million users in 2029.","zh":"示例研究2030年称，2029年示例市场用户为1250万。","title":"Example headline","publisher":"Example Daily","producer":"Example Research","published":"2030-01-02","published_note":"","period":"2029","forecast":false,"url":"https://example.com/a","source_lang":"en","grade":"A","checked":"2030-01-03"}
{"id":"note-xx02","topic":"users","en":"A weak page.","zh":"弱来源。","title":"Weak","publisher":"Weak","producer":"Weak","published":"2030-01","published_note":"","period":"2029","forecast":true,"url":"https://example.com/b","source_lang":"en","grade":"C","checked":"2030-01-03"}
{"id":"note-xx01","topic":"users","en":"dup","zh":"重复","title":"t","publisher":"p","producer":"p","published":"","published_note":"","period":"","forecast":false,"url":"https://example.com/c","source_lang":"en","grade":"A","checked":""}
{"id":"note-xx03","en":"x","zh":"y","grade":"A","surprise":1}
{"id":"note-xx04","topic":"users","en":"Forecast line.","zh":"预测。","title":"","publisher":"Example Daily","producer":"Example Daily","published":"2031","published_note":"year only","period":"2035","forecast":true,"url":"https://example.com/d","source_lang":"zh-Hans","grade":"B","checked":"2031-01-01"}
`
	docs, problems := LoadFS(fstest.MapFS{"n.jsonl": {Data: []byte(notes)}}, ".", "t/")
	var where []string
	for _, p := range problems {
		where = append(where, p.Path)
	}
	if strings.Join(where, ",") != "t/n.jsonl:3,t/n.jsonl:4" {
		t.Errorf("problems = %v, want the duplicate id and the unknown field", problems)
	}
	if len(docs) != 2 {
		t.Fatalf("got %d documents, want 2 (the grade C note left out)", len(docs))
	}
	d := docs[0]
	if d.Source.ID != "note-xx01" || d.Source.Publisher != "Example Daily" || d.Source.Date != "2030-01-02" ||
		d.Source.URL != "https://example.com/a" || d.Source.Note == nil || d.Source.Note.Producer != "Example Research" ||
		d.Source.Note.Period != "2029" || !strings.Contains(d.Source.Title, "Example headline") || !strings.HasPrefix(d.Source.Title, "Note on") {
		t.Errorf("source = %+v note %+v", d.Source, d.Source.Note)
	}
	if len(d.Passages) != 1 || d.Passages[0].ID != "note-xx01" ||
		d.Passages[0].Text != "Example Research (2030): the example market had 12.5 million users in 2029.\n示例研究2030年称，2029年示例市场用户为1250万。" {
		t.Errorf("passages = %+v", d.Passages)
	}
	if f := docs[1].Source; f.Date != "2031" || !f.Note.Forecast || f.Note.Grade != "B" || f.Title != "Note on a page of Example Daily" {
		t.Errorf("forecast note source = %+v %+v", f, f.Note)
	}
}

func TestDefaultCorpusNotes(t *testing.T) {
	docs, problems := Default()
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if !strings.HasPrefix(docs[0].Source.ID, "001-") {
		t.Errorf("the seed article is not document 1: %s", docs[0].Source.ID)
	}
	notes := 0
	for _, d := range docs {
		if d.Source.Note == nil {
			continue
		}
		notes++
		if d.Source.URL == "" || d.Source.Publisher == "" || len(d.Passages) != 1 {
			t.Errorf("note %s: %+v", d.Source.ID, d.Source)
		}
	}
	if notes == 0 {
		t.Error("the default corpus holds no market notes")
	}
}
