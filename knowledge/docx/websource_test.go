package docx_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dramabot/knowledge/docx"
	"dramabot/knowledge/fetch"
	"dramabot/knowledge/websource"
)

// fileFetcher serves one file for every URL.
type fileFetcher struct {
	body        []byte
	contentType string
}

func (f fileFetcher) Get(_ context.Context, raw string, _ fetch.Validators) (*fetch.Response, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	return &fetch.Response{URL: u, Status: 200, ContentType: f.contentType, Body: f.body}, nil
}

// TestWebSource plugs the reader into knowledge/websource: a DOCX fetched
// from the web becomes passages under their headings.
func TestWebSource(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "report.docx"))
	if err != nil {
		t.Fatal(err)
	}
	var _ websource.TextReader = docx.Reader{}
	ws, err := websource.New(websource.Options{
		Fetcher: fileFetcher{data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		DOCX:    docx.Reader{},
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, docs := ws.Fetch(context.Background(), []websource.Source{{URL: "https://example.com/report.docx", Name: "Example"}})
	if errs := rep.Errors(); len(errs) > 0 || len(docs) != 1 {
		t.Fatalf("errors %v, %d documents", errs, len(docs))
	}
	for _, p := range docs[0].Passages {
		if strings.Contains(p.Text, "504.4亿元，同比增长34.9%") {
			if p.Heading != "市场规模" {
				t.Errorf("heading %q", p.Heading)
			}
			return
		}
	}
	t.Errorf("no passage holds the split figure: %+v", docs[0].Passages)
}
