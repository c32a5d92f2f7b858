package ingest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"dramabot/knowledge"
	"dramabot/knowledge/pdf"
)

// The fixtures are those of knowledge/docx and knowledge/pdf (made by the
// gen.py next to them).

func TestLoadDOCX(t *testing.T) {
	docs, problems, err := Load([]string{filepath.Join("..", "docx", "testdata", "report.docx")})
	if err != nil || len(problems) > 0 {
		t.Fatalf("err %v, problems %v", err, problems)
	}
	if len(docs) != 1 {
		t.Fatalf("%d documents", len(docs))
	}
	d := docs[0]
	if d.Source.Title != "2024年微短剧市场报告" || d.Source.ID != "report" {
		t.Errorf("source %+v", d.Source)
	}
	p := passageWith(d, "504.4亿元，同比增长34.9%")
	if p == nil || p.Heading != "市场规模" || p.Page != 0 {
		t.Errorf("passage with the split figure: %+v", p)
	}
	if passageWith(d, "2024 | 504.4亿元 | 34.9%") == nil {
		t.Error("no passage holds the table row")
	}
}

func TestLoadPDF(t *testing.T) {
	if err := pdf.New().Available(); err != nil {
		if os.Getenv("DRAMABOT_REQUIRE_PDFTOTEXT") == "1" {
			t.Fatalf("DRAMABOT_REQUIRE_PDFTOTEXT=1: %v", err)
		}
		t.Skipf("skipped: %v", err)
	}
	docs, problems, err := Load([]string{filepath.Join("..", "pdf", "testdata", "identity-h.pdf")})
	if err != nil || len(problems) > 0 {
		t.Fatalf("err %v, problems %v", err, problems)
	}
	d := docs[0]
	if d.Source.Title != "identity-h" {
		t.Errorf("title %q", d.Source.Title)
	}
	tests := []struct {
		text string
		page int
	}{
		{"2024年中國微短劇市場規模達到504.4億元，同比增長34.9%。", 1},
		{"The boom created 647,000 jobs and grew 185-fold", 2},
		{"首次超过同年全国电影票房，预计2027年将超过1000亿元", 3},
	}
	for _, tt := range tests {
		p := passageWith(d, tt.text)
		if p == nil || p.Page != tt.page {
			t.Errorf("%q: passage %+v, want page %d", tt.text, p, tt.page)
		}
	}
	for i, p := range d.Passages {
		if p.Ordinal != i || !strings.HasSuffix(p.ID, "#"+strconv.Itoa(i)) {
			t.Errorf("passage %d: id %s, ordinal %d", i, p.ID, p.Ordinal)
		}
	}
}

// TestLoadBadOffice checks that unreadable PDF and DOCX files are reported
// with their path and reason while the rest loads.
func TestLoadBadOffice(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join("..", "docx", "testdata", "report.docx"), filepath.Join(dir, "good.docx"))
	copyFile(t, filepath.Join("..", "docx", "testdata", "encrypted.docx"), filepath.Join(dir, "locked.docx"))
	copyFile(t, filepath.Join("..", "docx", "testdata", "bomb.docx"), filepath.Join(dir, "bomb.docx"))
	if err := os.WriteFile(filepath.Join(dir, "broken.pdf"), []byte("%PDF-1.7\nnothing"), 0o644); err != nil {
		t.Fatal(err)
	}
	docs, problems, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Source.ID != "good" {
		t.Errorf("documents %v", docs)
	}
	want := map[string]string{
		"locked.docx": "encrypted",
		"bomb.docx":   "zip bomb",
		"broken.pdf":  "PDF",
	}
	for _, p := range problems {
		name := filepath.Base(p.Path)
		if w, ok := want[name]; !ok || !strings.Contains(p.Err.Error(), w) {
			t.Errorf("problem %v, want one with %q", p, w)
		}
		delete(want, name)
	}
	if len(want) > 0 {
		t.Errorf("no problem reported for %v", want)
	}
}

func TestChunkPages(t *testing.T) {
	src := knowledge.Source{ID: "r", Title: "报告"}
	got := ChunkPages(src, []string{"第一页。\n\n第二段。", "", "第三页。"}, true)
	var b strings.Builder
	for _, p := range got {
		b.WriteString(p.ID + "/" + strconv.Itoa(p.Page) + "/" + p.Text + ";")
	}
	if want := "r#0/0/报告;r#1/1/第一页。;r#2/1/第二段。;r#3/3/第三页。;"; b.String() != want {
		t.Errorf("got %s\nwant %s", b.String(), want)
	}
}

func passageWith(d knowledge.Document, s string) *knowledge.Passage {
	for i := range d.Passages {
		if strings.Contains(d.Passages[i].Text, s) {
			return &d.Passages[i]
		}
	}
	return nil
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
