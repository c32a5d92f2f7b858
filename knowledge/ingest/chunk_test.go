package ingest

import (
	"slices"
	"strings"
	"testing"

	"dramabot/knowledge"
)

func TestParagraphsAndChunk(t *testing.T) {
	src := knowledge.Source{ID: "doc", Title: "A Title", Publisher: "Pub", Date: "2025-01-02"}
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
