package feed

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got, as indented JSON, with testdata/NAME.golden.json.
func golden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s differs from the golden file:\n%s", name, b)
	}
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDetect(t *testing.T) {
	tests := []struct {
		file string
		want Kind
	}{
		{"rss.xml", RSS},
		{"atom.xml", Atom},
		{"rdf.xml", RDF},
		{"gbk.xml", RSS},
		{"sitemap.xml", URLSet},
		{"sitemap.xml.gz", URLSet},
		{"sitemap-index.xml", SitemapIndex},
		{"not-xml.html", Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			if got := Detect(read(t, tt.file)); got != tt.want {
				t.Errorf("Detect = %v, want %v", got, tt.want)
			}
		})
	}
	for _, junk := range [][]byte{nil, []byte("\x1f\x8b garbage"), []byte("%PDF-1.7"), []byte("\x89PNG\r\n")} {
		if got := Detect(junk); got != Unknown {
			t.Errorf("Detect(%q) = %v", junk, got)
		}
	}
}

func TestParse(t *testing.T) {
	for _, file := range []string{"rss.xml", "atom.xml", "rdf.xml", "gbk.xml"} {
		t.Run(file, func(t *testing.T) {
			f, err := Parse(read(t, file), 0)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(file, ".xml"), f)
		})
	}
}

func TestParseSitemap(t *testing.T) {
	for _, file := range []string{"sitemap.xml", "sitemap.xml.gz", "sitemap-index.xml"} {
		t.Run(file, func(t *testing.T) {
			sm, err := ParseSitemap(read(t, file), 0)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(strings.TrimSuffix(file, ".gz"), ".xml"), sm)
		})
	}
}

func TestLimits(t *testing.T) {
	var rss, atom, sm strings.Builder
	rss.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>`)
	atom.WriteString(`<feed xmlns="http://www.w3.org/2005/Atom"><title>big</title>`)
	sm.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	for i := range 10000 {
		fmt.Fprintf(&rss, `<item><title>item %d</title><link>https://big.example/%d</link></item>`, i, i)
		fmt.Fprintf(&atom, `<entry><title>item %d</title><link href="https://big.example/%d"/></entry>`, i, i)
		fmt.Fprintf(&sm, `<url><loc>https://big.example/%d</loc></url>`, i)
	}
	rss.WriteString(`</channel></rss>`)
	atom.WriteString(`</feed>`)
	sm.WriteString(`</urlset>`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(sm.String()))
	zw.Close()

	tests := []struct {
		name  string
		parse func(max int) (n int, truncated bool, err error)
	}{
		{"rss", func(max int) (int, bool, error) {
			f, err := Parse([]byte(rss.String()), max)
			if err != nil {
				return 0, false, err
			}
			return len(f.Items), f.Truncated, nil
		}},
		{"atom", func(max int) (int, bool, error) {
			f, err := Parse([]byte(atom.String()), max)
			if err != nil {
				return 0, false, err
			}
			return len(f.Items), f.Truncated, nil
		}},
		{"sitemap.gz", func(max int) (int, bool, error) {
			s, err := ParseSitemap(gz.Bytes(), max)
			if err != nil {
				return 0, false, err
			}
			return len(s.URLs), s.Truncated, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, trunc, err := tt.parse(50)
			if err != nil || n != 50 || !trunc {
				t.Errorf("limit 50: %d items, truncated %v, err %v", n, trunc, err)
			}
			n, trunc, err = tt.parse(0)
			if err != nil || n != 10000 || trunc {
				t.Errorf("no limit: %d items, truncated %v, err %v", n, trunc, err)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	bomb := func() []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(`<urlset>`))
		zw.Write(make([]byte, MaxDecompressedBytes+10))
		zw.Close()
		return b.Bytes()
	}()
	tests := []struct {
		name    string
		data    []byte
		sitemap bool
		want    string
	}{
		{"html as feed", read(t, "not-xml.html"), false, "not a feed or sitemap (root element is not rss, feed or rdf:RDF)"},
		{"feed as sitemap", read(t, "rss.xml"), true, "not a feed or sitemap (root element is not urlset or sitemapindex)"},
		{"empty", nil, false, "not a feed or sitemap"},
		{"truncated gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0}, true, "gzip: unexpected EOF"},
		{"gzip bomb", bomb, true, "gzip: more than 50 MiB uncompressed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.sitemap {
				_, err = ParseSitemap(tt.data, 10)
			} else {
				_, err = Parse(tt.data, 10)
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.HasPrefix(tt.want, "not a feed") && !errors.Is(err, ErrNotXML) {
				t.Error("not ErrNotXML")
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"rss.xml", "atom.xml", "rdf.xml", "sitemap.xml", "sitemap-index.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Parse(data, 20)
		_, _ = ParseSitemap(data, 20)
	})
}
