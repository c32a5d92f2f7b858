package webpage

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixture is one labelled page: testdata/NAME.html with its main text in
// testdata/NAME.txt, and the metadata it should yield.
type fixture struct {
	File        string `json:"file"`
	ContentType string `json:"content_type"`
	Title       string `json:"title"`
	Site        string `json:"site"`
	Date        string `json:"date"`
	Lang        string `json:"lang"`
}

func fixtures(t testing.TB) []fixture {
	t.Helper()
	b, err := os.ReadFile("testdata/fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx []fixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	return fx
}

// tokens splits text into Han characters and lower-cased words, so that
// bigrams compare Chinese by characters and English by words.
func tokens(s string) []string {
	var out []string
	var w []rune
	flush := func() {
		if len(w) > 0 {
			out = append(out, strings.ToLower(string(w)))
			w = w[:0]
		}
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			out = append(out, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			w = append(w, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

func bigrams(t []string) map[string]int {
	m := map[string]int{}
	for i := 0; i+1 < len(t); i++ {
		m[t[i]+"\x00"+t[i+1]]++
	}
	return m
}

// measure counts, for one page, the labelled bigrams and how many of them
// the extraction holds (recall), and the extracted characters and how many
// of them belong to no bigram of the label or the title (boilerplate).
type measure struct{ labelled, found, chars, boiler int }

func (m *measure) add(label, title, got string) measure {
	lt := tokens(label)
	lb := bigrams(lt)
	allowed := bigrams(append(append([]string{}, lt...), tokens(title)...))
	gt := tokens(got)
	gb := bigrams(gt)
	var one measure
	for k, n := range lb {
		one.labelled += n
		one.found += min(n, gb[k])
	}
	for i, tk := range gt {
		n := len([]rune(tk))
		one.chars += n
		if !(i > 0 && allowed[gt[i-1]+"\x00"+tk] > 0) && !(i+1 < len(gt) && allowed[tk+"\x00"+gt[i+1]] > 0) {
			one.boiler += n
		}
	}
	m.labelled += one.labelled
	m.found += one.found
	m.chars += one.chars
	m.boiler += one.boiler
	return one
}

func (m measure) recall() float64      { return float64(m.found) / float64(max(m.labelled, 1)) }
func (m measure) boilerplate() float64 { return float64(m.boiler) / float64(max(m.chars, 1)) }

type result struct {
	File        string
	Title       string
	Site        string
	Date        string
	Lang        string
	Charset     string
	Extractor   string
	Recall      string
	Boilerplate string
}

func TestFixtures(t *testing.T) {
	fx := fixtures(t)
	if len(fx) < 20 {
		t.Fatalf("%d fixtures, want at least 20", len(fx))
	}
	var total measure
	var results []result
	for _, f := range fx {
		t.Run(f.File, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", f.File))
			if err != nil {
				t.Fatal(err)
			}
			label, err := os.ReadFile(filepath.Join("testdata", strings.TrimSuffix(f.File, ".html")+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse("https://example.com/" + f.File)
			p, err := Extract(body, f.ContentType, u)
			if err != nil {
				t.Fatal(err)
			}
			one := total.add(string(label), p.Title, p.Text)
			if one.recall() < 0.95 {
				t.Errorf("recall %.3f", one.recall())
			}
			if p.Title != f.Title {
				t.Errorf("title %q, want %q", p.Title, f.Title)
			}
			if p.SiteName != f.Site {
				t.Errorf("site %q, want %q", p.SiteName, f.Site)
			}
			if p.Date != f.Date {
				t.Errorf("date %q, want %q", p.Date, f.Date)
			}
			if !strings.HasPrefix(p.Lang, f.Lang) {
				t.Errorf("lang %q, want %q", p.Lang, f.Lang)
			}
			results = append(results, result{
				File: f.File, Title: p.Title, Site: p.SiteName, Date: p.Date, Lang: p.Lang,
				Charset: p.Charset, Extractor: p.Extractor,
				Recall: fmt.Sprintf("%.3f", one.recall()), Boilerplate: fmt.Sprintf("%.3f", one.boilerplate()),
			})
		})
	}
	t.Logf("over %d pages: main-text recall %.4f, boilerplate %.4f of the extracted characters", len(fx), total.recall(), total.boilerplate())
	if total.recall() < 0.95 {
		t.Errorf("main-text recall %.4f, want >= 0.95", total.recall())
	}
	if total.boilerplate() > 0.05 {
		t.Errorf("boilerplate %.4f of the extracted characters, want <= 0.05", total.boilerplate())
	}
	golden(t, "testdata/results.golden.json", results)
}

func golden(t *testing.T, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; the new results:\n%s", path, got)
	}
}
