package websource

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dramabot/knowledge/fetch"
)

// article renders a plausible news page around paragraphs.
func article(title string, paras ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>%s_测试日报</title>
<meta property="og:site_name" content="测试日报"><meta property="article:published_time" content="2026-11-02T08:00:00+08:00"></head>
<body><div class="nav"><a href="/">首页</a> <a href="/news">新闻</a> <a href="/tech">科技</a> <a href="/about">关于我们</a></div>
<div class="main"><h1>%s</h1><div class="content">`, title, title)
	for _, p := range paras {
		fmt.Fprintf(&b, "<p>%s</p>\n", p)
	}
	b.WriteString(`</div><div class="related"><h3>相关新闻</h3><ul><li><a href="/x1">另一条新闻标题一</a></li><li><a href="/x2">另一条新闻标题二</a></li><li><a href="/x3">另一条新闻标题三</a></li></ul></div></div>
<div class="footer">版权所有 © 2026 测试日报</div></body></html>`)
	return b.String()
}

var paraA = []string{
	"今年第三季度，某短剧平台的日均播放量比上一季度增长了百分之十二，新上线的作品数量达到三百余部，其中现实题材的比重明显上升。",
	"平台负责人表示，下一步将加大对原创剧本的扶持力度，并为中小制作团队提供拍摄场地和后期制作方面的支持，预计全年扶持项目超过一百个。",
}
var paraB = []string{
	"一家位于杭州的制作公司在两周内完成了一部八十集竖屏短剧的拍摄，全剧在三个取景地完成，演职人员共计四十余人。",
	"公司制片人介绍，剧本在开拍前经过了五轮修改，每一集都设置了明确的悬念点，以保证观众的追看意愿。",
}
var paraC = []string{
	"新的行业报告显示，免费短剧在总播放量中的占比已经超过六成，广告收入成为越来越多制作公司的主要收入来源。",
	"报告同时指出，付费短剧的单部收入仍然较高，但用户对单集付费的接受度正在下降，行业集中度可能进一步提高。",
}

// site is the test web site: a feed that gains an item and a page that
// disappears, with ETags, robots.txt and every kind of trouble.
type site struct {
	round    atomic.Int32
	hits     sync.Map // path -> *atomic.Int32
	notMod   atomic.Int32
	srv      *httptest.Server
	pngBytes []byte
}

func (s *site) hit(p string) int32 {
	v, _ := s.hits.LoadOrStore(p, new(atomic.Int32))
	return v.(*atomic.Int32).Load()
}

func newSite(t *testing.T) *site {
	s := &site{pngBytes: append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 64)...)}
	mux := http.NewServeMux()
	serve := func(w http.ResponseWriter, r *http.Request, etag, ctype, body string) {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			s.notMod.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", ctype)
		fmt.Fprint(w, body)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		v, _ := s.hits.LoadOrStore(r.URL.Path, new(atomic.Int32))
		v.(*atomic.Int32).Add(1)
		round := s.round.Load()
		switch p := r.URL.Path; {
		case p == "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		case p == "/feed.xml":
			items := []string{"a", "b"}
			if round >= 2 {
				items = []string{"c", "a", "b"}
			}
			var b strings.Builder
			b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>测试日报</title><link>/</link>`)
			for _, it := range items {
				fmt.Fprintf(&b, `<item><title>%s</title><link>/news/%s.html</link><pubDate>Mon, 02 Nov 2026 08:00:00 +0800</pubDate></item>`, it, it)
			}
			b.WriteString(`<item><title>elsewhere</title><link>https://elsewhere.example/x.html</link></item></channel></rss>`)
			serve(w, r, fmt.Sprintf(`"feed-%d"`, len(items)), "application/rss+xml", b.String())
		case p == "/news/a.html":
			serve(w, r, `"a1"`, "text/html; charset=utf-8", article("平台第三季度播放量增长", paraA...))
		case p == "/news/b.html":
			if round >= 2 {
				http.NotFound(w, r)
				return
			}
			serve(w, r, `"b1"`, "text/html; charset=utf-8", article("八十集短剧两周拍完", paraB...))
		case p == "/news/c.html":
			// No validators: the text hash tells that it is unchanged.
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, article("免费短剧占比超过六成", paraC...))
		case p == "/page.html":
			serve(w, r, `"p1"`, "text/html", article("平台第三季度播放量增长", paraA...))
		case p == "/private/x.html":
			t.Errorf("robots.txt not honoured")
		case p == "/missing.html":
			http.NotFound(w, r)
		case p == "/broken.html":
			http.Error(w, "oops", 500)
		case p == "/huge.html":
			w.Header().Set("Content-Type", "text/html")
			chunk := bytes.Repeat([]byte("<p>很长很长的页面</p>"), 4096)
			for written := 0; written < 2<<30; written += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case p == "/loop.html":
			http.Redirect(w, r, "/loop.html", http.StatusFound)
		case p == "/image.html":
			w.Header().Set("Content-Type", "text/html")
			w.Write(s.pngBytes)
		case p == "/report.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			fmt.Fprint(w, "%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
		case p == "/big-feed.xml":
			var b strings.Builder
			b.WriteString(`<rss version="2.0"><channel><title>big</title>`)
			for i := range 10000 {
				fmt.Fprintf(&b, `<item><title>%d</title><link>/item/%d.html</link></item>`, i, i)
			}
			b.WriteString(`</channel></rss>`)
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprint(w, b.String())
		case strings.HasPrefix(p, "/item/"):
			w.Header().Set("Content-Type", "text/html")
			n := strings.TrimSuffix(strings.TrimPrefix(p, "/item/"), ".html")
			fmt.Fprint(w, article("第"+n+"号条目", paraA[0]+"（条目"+n+"）", paraB[0]))
		case p == "/sitemap-index.xml":
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprint(w, `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>/sitemap-1.xml</loc><lastmod>2026-11-01</lastmod></sitemap><sitemap><loc>https://elsewhere.example/sitemap.xml</loc></sitemap></sitemapindex>`)
		case p == "/sitemap-1.xml":
			fmt.Fprint(w, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/news/a.html</loc><lastmod>2026-11-01</lastmod></url><url><loc>/news/c.html</loc><lastmod>2026-11-02</lastmod></url><url><loc>/private/x.html</loc></url></urlset>`)
		default:
			http.NotFound(w, r)
		}
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func localClient() *fetch.Client {
	return fetch.New(fetch.Options{AllowPrivate: true, MinInterval: -1, Timeout: 5 * time.Second})
}

// clock steps a day at each call of advance.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestRefreshScenario(t *testing.T) {
	s := newSite(t)
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	src := []Source{{URL: s.srv.URL + "/feed.xml", Name: "测试日报", Refresh: 24 * time.Hour}}
	r, err := New(Options{Fetcher: localClient(), DataDir: dir, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	u := func(p string) string { return s.srv.URL + p }

	type want struct {
		added, changed, unchanged, removed []string
		errors                             []string
		docs                               int
	}
	rounds := []want{
		{added: []string{u("/news/a.html"), u("/news/b.html")}, docs: 2},
		{added: []string{u("/news/c.html")}, unchanged: []string{u("/news/a.html")}, docs: 3,
			errors: []string{"测试日报: " + u("/news/b.html") + ": HTTP 404 (1 of 3 before removal; the last content is kept)"}},
		{unchanged: []string{u("/news/c.html"), u("/news/a.html")}, docs: 3,
			errors: []string{"测试日报: " + u("/news/b.html") + ": HTTP 404 (2 of 3 before removal; the last content is kept)"}},
		{unchanged: []string{u("/news/c.html"), u("/news/a.html")}, removed: []string{u("/news/b.html")}, docs: 2,
			errors: []string{"测试日报: " + u("/news/b.html") + ": HTTP 404 (3 times in a row: removed)"}},
	}
	for i, w := range rounds {
		s.round.Store(int32(i + 1))
		rep, docs := r.Fetch(t.Context(), src)
		if rep.SaveError != nil {
			t.Fatal(rep.SaveError)
		}
		sr := rep.Sources[0]
		t.Logf("round %d: %s", i+1, sr.Summary())
		check := func(what string, got, want []string) {
			if !slices.Equal(got, want) {
				t.Errorf("round %d %s = %q, want %q", i+1, what, got, want)
			}
		}
		check("added", sr.Added, w.added)
		check("changed", sr.Changed, w.changed)
		check("unchanged", sr.Unchanged, w.unchanged)
		check("removed", sr.Removed, w.removed)
		check("errors", sr.Errors, w.errors)
		if len(docs) != w.docs || sr.Documents != w.docs {
			t.Errorf("round %d: %d documents (report %d), want %d", i+1, len(docs), sr.Documents, w.docs)
		}
		clk.advance(25 * time.Hour)
	}
	if n := s.notMod.Load(); n < 4 {
		t.Errorf("%d conditional requests answered 304, want at least 4", n)
	}
	if n := s.hit("/private/x.html"); n != 0 {
		t.Errorf("robots.txt not honoured")
	}

	// The documents are on disk for offline use.
	docs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, d := range docs {
		titles = append(titles, d.Source.Title)
		if d.Source.Publisher != "测试日报" || d.Source.Date != "2026-11-02" || d.Source.Lang != "zh-CN" || len(d.Passages) < 2 {
			t.Errorf("document %+v with %d passages", d.Source, len(d.Passages))
		}
		for _, p := range d.Passages {
			if strings.Contains(p.Text, "相关新闻") || strings.Contains(p.Text, "版权所有") {
				t.Errorf("boilerplate in passage %s: %q", p.ID, p.Text)
			}
		}
	}
	slices.Sort(titles)
	if !slices.Equal(titles, []string{"免费短剧占比超过六成", "平台第三季度播放量增长"}) {
		t.Errorf("stored titles %q", titles)
	}

	// A new refresher on the same dir does nothing until the source is due.
	before := s.hit("/feed.xml")
	r2, err := New(Options{Fetcher: localClient(), DataDir: dir, Now: func() time.Time { return clk.t.Add(-24 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	rep, docs := r2.Fetch(t.Context(), src)
	if s.hit("/feed.xml") != before || rep.Sources[0].Fetched || len(docs) != 2 {
		t.Errorf("not-due source fetched: %s, %d docs", rep.Sources[0].Summary(), len(docs))
	}
	// Dropping the source from the configuration removes its documents.
	rep, docs = r2.Fetch(t.Context(), nil)
	if len(docs) != 0 || len(rep.Sources) != 1 || len(rep.Sources[0].Removed) != 2 {
		t.Errorf("unconfigured source: %+v, %d docs", rep.Sources, len(docs))
	}
	if docs, _ := Load(dir); len(docs) != 0 {
		t.Errorf("%d documents left on disk", len(docs))
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.tmp-*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// mapResolver resolves the names it holds.
type mapResolver map[string]string

func (m mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := m[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

type fakePDF struct{}

func (fakePDF) ReadText(_ context.Context, data []byte) (string, error) {
	return "报告正文：二〇二六年微短剧市场规模预计达到一千亿元。", nil
}

func TestSourceErrors(t *testing.T) {
	s := newSite(t)
	s.round.Store(1)
	_, port, _ := net.SplitHostPort(s.srv.Listener.Addr().String())

	// A "public" server on 127.0.0.2 that redirects to the loopback site.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	pub := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, s.srv.URL+"/page.html", http.StatusFound)
	}))
	pub.Listener.Close()
	pub.Listener = ln
	pub.Start()
	defer pub.Close()

	strict := fetch.New(fetch.Options{MinInterval: -1, Timeout: 5 * time.Second,
		Resolver:   mapResolver{"intranet.test": "10.0.0.1", "news.test": "127.0.0.1"},
		AllowAddrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	u := func(p string) string { return s.srv.URL + p }

	tests := []struct {
		name    string
		fetcher Fetcher
		pdf     TextReader
		src     Source
		errs    []string
		added   int
	}{
		{name: "loopback refused", fetcher: strict, src: Source{URL: u("/page.html"), Name: "s"},
			errs: []string{"s: refused: 127.0.0.1 is a loopback address (set --allow-private-sources to allow)"}},
		{name: "redirect to loopback refused", fetcher: strict, src: Source{URL: pub.URL + "/go", Name: "s"},
			errs: []string{"s: refused: 127.0.0.1 is a loopback address (set --allow-private-sources to allow)"}},
		{name: "name resolving to a private address", fetcher: strict, src: Source{URL: "http://intranet.test:" + port + "/page.html", Name: "s"},
			errs: []string{"s: refused: 10.0.0.1 is a private address (set --allow-private-sources to allow)"}},
		{name: "name resolving to loopback", fetcher: strict, src: Source{URL: "http://news.test:" + port + "/page.html"},
			errs: []string{"news.test:" + port + ": refused: 127.0.0.1 is a loopback address (set --allow-private-sources to allow)"}},
		{name: "robots", src: Source{URL: u("/private/x.html"), Name: "s"}, errs: []string{"s: robots.txt disallows /private/x.html"}},
		{name: "404", src: Source{URL: u("/missing.html"), Name: "s"}, errs: []string{"s: HTTP 404"}},
		{name: "500", src: Source{URL: u("/broken.html"), Name: "s"}, errs: []string{"s: HTTP 500"}},
		{name: "2 GB body", src: Source{URL: u("/huge.html"), Name: "s"}, errs: []string{"s: body larger than 20 MiB"}},
		{name: "redirect loop", src: Source{URL: u("/loop.html"), Name: "s"}, errs: []string{"s: too many redirects"}},
		{name: "image as text/html", src: Source{URL: u("/image.html"), Name: "s"}, errs: []string{"s: served as text/html but the body is image/png"}},
		{name: "feed of 10,000 items", src: Source{URL: u("/big-feed.xml"), Name: "s", MaxPages: 5}, added: 5},
		{name: "ftp", src: Source{URL: "ftp://example.com/x", Name: "s"}, errs: []string{`s: unsupported URL scheme "ftp" (only http and https)`}},
		{name: "bad scope", src: Source{URL: u("/feed.xml"), Name: "s", Scope: "planet"}, errs: []string{`s: scope "planet": want host, domain, any or a URL prefix`}},
		{name: "pdf without reader", src: Source{URL: u("/report.pdf"), Name: "s"}, errs: []string{"s: PDF documents are not supported yet"}},
		{name: "pdf with reader", pdf: fakePDF{}, src: Source{URL: u("/report.pdf"), Name: "s"}, added: 1},
		{name: "sitemap index in scope", src: Source{URL: u("/sitemap-index.xml"), Name: "s"}, added: 2,
			errs: []string{"s: " + u("/private/x.html") + ": robots.txt disallows /private/x.html"}},
		{name: "sitemap with prefix scope", src: Source{URL: u("/sitemap-1.xml"), Name: "s", Scope: u("/news/c")}, added: 1},
		{name: "single page", src: Source{URL: u("/page.html"), Name: "s"}, added: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.fetcher
			if f == nil {
				f = localClient()
			}
			r, err := New(Options{Fetcher: f, PDF: tt.pdf})
			if err != nil {
				t.Fatal(err)
			}
			rep, docs := r.Fetch(t.Context(), []Source{tt.src})
			sr := rep.Sources[0]
			if !slices.Equal(sr.Errors, tt.errs) {
				t.Errorf("errors = %q, want %q", sr.Errors, tt.errs)
			}
			if len(sr.Added) != tt.added || len(docs) != tt.added {
				t.Errorf("added %d (%d documents), want %d", len(sr.Added), len(docs), tt.added)
			}
		})
	}
}

func TestSourceID(t *testing.T) {
	for in, want := range map[string]string{
		"https://News.Example.com/2026/11/a.html?x=1": "web/news.example.com/2026/11/a.html-",
		"http://example.com/":                         "web/example.com-",
		"https://例子.cn/新闻/一.html":                     "web/例子.cn/新闻/一.html-",
	} {
		u, _ := fetch.ParseURL(in)
		if got := sourceID(u); !strings.HasPrefix(got, want) || len(got) != len(want)+8 {
			t.Errorf("sourceID(%s) = %q, want %q + 8 hex", in, got, want)
		}
	}
}

func TestLoadBadState(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, StateFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), StateFile) {
		t.Errorf("Load of a corrupt state: %v", err)
	}
	if docs, err := Load(t.TempDir()); err != nil || len(docs) != 0 {
		t.Errorf("Load of an empty dir: %v %v", docs, err)
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without a fetcher")
	}
}

// TestPageLifecycle follows a single-page source through a server error
// (content kept), then 404s until it is removed.
func TestPageLifecycle(t *testing.T) {
	var status atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		if code := int(status.Load()); code != 200 {
			http.Error(w, "no", code)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, article("八十集短剧两周拍完", paraB...))
	}))
	defer srv.Close()
	r, err := New(Options{Fetcher: localClient(), IgnoreSchedule: true})
	if err != nil {
		t.Fatal(err)
	}
	src := []Source{{URL: srv.URL + "/p.html", Name: "p"}}
	steps := []struct {
		status int
		err    string
		docs   int
	}{
		{200, "", 1},
		{200, "", 1},
		{500, "p: HTTP 500 (the last content is kept)", 1},
		{404, "p: HTTP 404 (1 of 3 before its pages are removed; the last content is kept)", 1},
		{404, "p: HTTP 404 (2 of 3 before its pages are removed; the last content is kept)", 1},
		{404, "p: HTTP 404 (3 times in a row: its pages are removed)", 0},
		{404, "p: HTTP 404", 0},
		{200, "", 1},
	}
	for i, st := range steps {
		status.Store(int32(st.status))
		rep, docs := r.Fetch(t.Context(), src)
		var got string
		if errs := rep.Errors(); len(errs) > 0 {
			got = strings.Join(errs, " | ")
		}
		if got != st.err || len(docs) != st.docs {
			t.Errorf("step %d (HTTP %d): errors %q, %d documents; want %q, %d", i+1, st.status, got, len(docs), st.err, st.docs)
		}
	}
}
