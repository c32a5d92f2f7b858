package ingest

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestDefaultCorpus(t *testing.T) {
	docs, problems := Default()
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if len(docs) == 0 {
		t.Fatal("no documents")
	}
	d := docs[0]
	if d.Source.Publisher != "CRI Online" || d.Source.Date == "" || d.Source.Editor != "Wen Yanqing" || d.Source.URL == "" {
		t.Errorf("source metadata = %+v", d.Source)
	}
	var all strings.Builder
	for _, p := range d.Passages {
		all.WriteString(p.Text + "\n")
	}
	text := all.String()
	for _, residue := range []string{"_fororder_", "标签", "18:15:58", "Editor:Wen"} {
		if strings.Contains(text, residue) {
			t.Errorf("passages still contain page residue %q", residue)
		}
	}
	if !strings.Contains(text, "647,000 jobs") {
		t.Error("passages lost the article text")
	}
	if d.Passages[0].ID != d.Source.ID+"#0" || !strings.Contains(d.Passages[0].Text, "From: CRI Online") {
		t.Errorf("title passage = %+v", d.Passages[0])
	}
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"a.md":          {Data: []byte("---\ntitle: Market report\npublisher: Example Daily\ndate: 2024-03-01\n---\n# Section\n\nThe market grew 12% in 2024.\n")},
		"b.txt":         {Data: []byte("Short drama platforms paid 3 billion yuan.\n\nSecond paragraph.")},
		"c.html":        {Data: []byte(`<html lang="zh"><head><title>页面</title><meta property="og:site_name" content="新闻网"><style>.x{}</style><script>alert(1)</script></head><body><p>短剧市场规模达504.4亿元。</p><nav>菜单</nav></body></html>`)},
		"d.jsonl":       {Data: []byte("{\"id\":\"p1\",\"title\":\"T\",\"text\":\"one\"}\nnot json\n{\"id\":\"p2\",\"title\":\"T\"}\n{\"id\":\"p3\",\"title\":\"U\",\"text\":\"three\"}\n")},
		"bad.md":        {Data: []byte("---\ntitle: [unclosed\n---\nbody")},
		"binary.md":     {Data: []byte("PK\x03\x04\x00\x00binary")},
		"latin1.txt":    {Data: []byte("caf\xe9")},
		"ignored.xlsx":  {Data: []byte("PK\x03\x04")},
		"nodate.md":     {Data: []byte("---\ndate: yesterday\n---\ntext")},
		"sub/nested.md": {Data: []byte("Nested text.")},
	}
	docs, problems := LoadFS(fsys, ".", "test/")
	byID := map[string]int{}
	for i, d := range docs {
		byID[d.Source.ID] = i
	}
	wantProblems := []string{"test/bad.md", "test/binary.md", "test/latin1.txt", "test/nodate.md", "test/d.jsonl:2", "test/d.jsonl:3"}
	got := map[string]bool{}
	for _, p := range problems {
		got[p.Path] = true
	}
	for _, w := range wantProblems {
		if !got[w] {
			t.Errorf("missing problem for %s; problems: %v", w, problems)
		}
	}
	if len(problems) != len(wantProblems) {
		t.Errorf("problems = %v, want %d", problems, len(wantProblems))
	}
	a := docs[byID["a"]]
	if a.Source.Title != "Market report" || a.Source.Date != "2024-03-01" || a.Passages[1].Heading != "Section" {
		t.Errorf("a.md = %+v", a)
	}
	c := docs[byID["c"]]
	if c.Source.Title != "页面" || c.Source.Publisher != "新闻网" || c.Source.Lang != "zh" {
		t.Errorf("c.html source = %+v", c.Source)
	}
	for _, p := range c.Passages {
		if strings.Contains(p.Text, "alert") || strings.Contains(p.Text, "菜单") || strings.Contains(p.Text, ".x{}") {
			t.Errorf("html passage kept invisible text: %q", p.Text)
		}
	}
	if _, ok := byID["sub/nested"]; !ok {
		t.Errorf("nested file not loaded; ids %v", byID)
	}
	var jsonl []string
	for _, d := range docs {
		if strings.HasPrefix(d.Source.ID, "d/") {
			for _, p := range d.Passages {
				jsonl = append(jsonl, p.ID)
			}
		}
	}
	if strings.Join(jsonl, ",") != "p1,p3" {
		t.Errorf("jsonl passages = %v, want p1,p3", jsonl)
	}
}
