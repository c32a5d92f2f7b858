package pdf_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dramabot/knowledge/fetch"
	"dramabot/knowledge/pdf"
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

// TestWebSource plugs the reader into knowledge/websource: a PDF fetched
// from the web becomes passages that keep their page.
func TestWebSource(t *testing.T) {
	r := pdf.New()
	if err := r.Available(); err != nil {
		if os.Getenv("DRAMABOT_REQUIRE_PDFTOTEXT") == "1" {
			t.Fatalf("DRAMABOT_REQUIRE_PDFTOTEXT=1: %v", err)
		}
		t.Skipf("skipped: %v", err)
	}
	data, err := os.ReadFile(filepath.Join("testdata", "identity-h.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	var _ websource.TextReader = r
	ws, err := websource.New(websource.Options{Fetcher: fileFetcher{data, "application/pdf"}, PDF: r})
	if err != nil {
		t.Fatal(err)
	}
	rep, docs := ws.Fetch(context.Background(), []websource.Source{{URL: "https://example.com/report.pdf", Name: "Example"}})
	if errs := rep.Errors(); len(errs) > 0 || len(docs) != 1 {
		t.Fatalf("errors %v, %d documents", errs, len(docs))
	}
	pages := map[int]bool{}
	found := false
	for _, p := range docs[0].Passages {
		pages[p.Page] = true
		if strings.Contains(p.Text, "微短劇用戶規模達6.62億人") {
			found = p.Page == 2
		}
	}
	if !found || !pages[1] || !pages[3] {
		t.Errorf("passages %+v", docs[0].Passages)
	}
}
