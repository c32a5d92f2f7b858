package websource

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// benchSite serves a sitemap of n pages of about 50 KB each (a realistic
// news page: scripts, a long navigation, the article, related links).
func benchSite(tb testing.TB, n int) *httptest.Server {
	tb.Helper()
	script := "<script>" + strings.Repeat("window.__cfg=window.__cfg||{};__cfg.k=Math.random();", 600) + "</script>"
	nav := "<div class=\"nav\">" + strings.Repeat("<a href=\"/c\">频道栏目</a> ", 400) + "</div>"
	mux := http.NewServeMux()
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := range n {
			fmt.Fprintf(&b, "<url><loc>/p/%d.html</loc></url>", i)
		}
		b.WriteString(`</urlset>`)
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, b.String())
	})
	mux.HandleFunc("/p/", func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/p/"), ".html")
		paras := []string{}
		for k := range 6 {
			paras = append(paras, fmt.Sprintf("第%s篇第%d段：", id, k+1)+paraA[k%2]+paraB[k%2]+paraC[k%2])
		}
		page := article("测试文章"+id, paras...)
		page = strings.Replace(page, "<body>", "<body>"+script+nav, 1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return srv
}

// peakHeap samples the live heap until stop is closed.
func peakHeap(stop <-chan struct{}) *atomic.Uint64 {
	var peak atomic.Uint64
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return &peak
}

func fetch200(tb testing.TB, srv *httptest.Server) (time.Duration, int) {
	tb.Helper()
	r, err := New(Options{Fetcher: localClient(), DataDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	rep, docs := r.Fetch(tb.Context(), []Source{{URL: srv.URL + "/sitemap.xml", Name: "bench", MaxPages: 200}})
	d := time.Since(start)
	if errs := rep.Errors(); len(errs) > 0 || rep.SaveError != nil {
		tb.Fatalf("errors: %q %v", errs, rep.SaveError)
	}
	return d, len(docs)
}

// TestFetch200Pages is the budget: 200 local pages fetched, extracted,
// chunked and stored in at most 30 seconds.
func TestFetch200Pages(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	srv := benchSite(t, 200)
	runtime.GC()
	stop := make(chan struct{})
	peak := peakHeap(stop)
	var runs []time.Duration
	for range 3 {
		d, n := fetch200(t, srv)
		if n != 200 {
			t.Fatalf("%d documents, want 200", n)
		}
		runs = append(runs, d)
	}
	close(stop)
	slices.Sort(runs)
	t.Logf("200 pages of ~50 KB on %d CPUs: median %v (runs %v), peak live heap %.1f MiB, peak RSS %s",
		runtime.GOMAXPROCS(0), runs[1], runs, float64(peak.Load())/(1<<20), vmHWM())
	if runs[1] > 30*time.Second {
		t.Errorf("median %v, want <= 30s", runs[1])
	}
	// The live heap while 200 pages are fetched, extracted and kept: the
	// documents themselves are a few MiB, the rest is bodies in flight.
	if peak := peak.Load(); peak > 300<<20 {
		t.Errorf("peak live heap %.1f MiB, want <= 300 MiB", float64(peak)/(1<<20))
	}
}

// vmHWM is the process's peak resident set size, from /proc.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func BenchmarkFetch200Pages(b *testing.B) {
	srv := benchSite(b, 200)
	for b.Loop() {
		if _, n := fetch200(b, srv); n != 200 {
			b.Fatalf("%d documents", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/200, "ms/page")
}
