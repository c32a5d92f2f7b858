package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dramabot/bot/telegram/telegramtest"
	"dramabot/knowledge/websource"
)

func TestParseSources(t *testing.T) {
	tests := []struct {
		name, in string
		want     []websource.Source
		err      string
	}{
		{name: "url alone", in: "https://example.com/feed.xml\n",
			want: []websource.Source{{URL: "https://example.com/feed.xml", Refresh: time.Hour}}},
		{name: "every setting, comments and blank lines",
			in: "# news\n\n  https://example.com/news/ refresh=6h scope=domain pages=100 name=\"Example News\"  \nhttps://example.org/a.pdf name=Report\n",
			want: []websource.Source{
				{URL: "https://example.com/news/", Refresh: 6 * time.Hour, Scope: "domain", MaxPages: 100, Name: "Example News"},
				{URL: "https://example.org/a.pdf", Refresh: time.Hour, Name: "Report"},
			}},
		{name: "prefix scope", in: "https://example.com/sitemap.xml scope=https://example.com/news/",
			want: []websource.Source{{URL: "https://example.com/sitemap.xml", Refresh: time.Hour, Scope: "https://example.com/news/"}}},
		{name: "bad refresh names the line", in: "# x\nhttps://example.com/ refresh=often\n", err: "sources.txt:2: refresh=often: want a duration such as 6h or 30m"},
		{name: "unknown setting", in: "https://example.com/ depth=3", err: `sources.txt:1: unknown setting "depth": use refresh, scope, pages or name`},
		{name: "no key", in: "https://example.com/ hourly", err: `sources.txt:1: "hourly": want key=value (refresh, scope, pages or name)`},
		{name: "pages out of range", in: "https://example.com/ pages=0", err: "sources.txt:1: pages=0: want a whole number from 1 to 5000"},
		{name: "open quote", in: `https://example.com/ name="Example`, err: "sources.txt:1: a quote is not closed"},
		// The URL and the scope are checked at fetch time, one problem line
		// for the source.
		{name: "not http", in: "ftp://example.com/x", want: []websource.Source{{URL: "ftp://example.com/x", Refresh: time.Hour}}},
		{name: "settings first", in: "name=x https://example.com/", err: `sources.txt:1: "name=x": the line must start with the URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSources("sources.txt", strings.NewReader(tt.in), time.Hour)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			// What formatSource writes reads back the same.
			for _, s := range got {
				back, err := parseSourceLine(formatSource(s), time.Hour)
				if err != nil || back != s {
					t.Errorf("round trip of %q = %+v, %v", formatSource(s), back, err)
				}
			}
		})
	}
}

// page renders a news article around paragraphs, as the test sites serve.
func page(title string, paras ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s | Test Wire</title>
<meta property="og:site_name" content="Test Wire"><meta property="article:published_time" content="2026-11-02T08:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/about">About us</a></nav>
<article><h1>%s</h1>`, title, title)
	for _, p := range paras {
		fmt.Fprintf(&b, "<p>%s</p>\n", p)
	}
	b.WriteString(`</article><footer>Copyright 2026 Test Wire</footer></body></html>`)
	return b.String()
}

var zorblax = []string{
	"Zorblax Studios shot 37 vertical mini series in 2026, most of them in its new studio park outside Hangzhou, the company said on Monday.",
	"The studio hired about 400 actors and crew for the season and plans to double its output next year, according to its production head.",
}

var quibble = []string{
	"Quibble Pictures signed a distribution deal covering 52 short dramas with an overseas streaming app in November 2026.",
	"The titles will be dubbed into English and Spanish and released weekly from January, with the first ten free to watch.",
}

// zipBomb is a DOCX whose document part inflates to far more than the
// reader's budget.
func zipBomb(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	w, _ := zw.Create("word/document.xml")
	w.Write([]byte(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>`))
	chunk := bytes.Repeat([]byte("A"), 1<<20)
	for range 100 { // 100 MiB of text
		w.Write(chunk)
	}
	w.Write([]byte(`</w:t></w:r></w:p></w:body></w:document>`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// troubleSite serves two good sources and every kind of bad one.
func troubleSite(t *testing.T) *httptest.Server {
	bomb := zipBomb(t)
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	encryptedPDF, encryptedDOCX := read("../../knowledge/pdf/testdata/encrypted.pdf"), read("../../knowledge/docx/testdata/encrypted.docx")
	slowDone := make(chan struct{})
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 64)...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		case p == "/zorblax.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, page("Zorblax Studios shot 37 mini series", zorblax...))
		case p == "/feed.xml":
			var b strings.Builder
			b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Test Wire</title><link>/</link>`)
			for i := range 10000 {
				fmt.Fprintf(&b, `<item><title>Item %d</title><link>/item/%d.html</link></item>`, i, i)
			}
			b.WriteString(`</channel></rss>`)
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, b.String())
		case strings.HasPrefix(p, "/item/"):
			n := strings.TrimSuffix(strings.TrimPrefix(p, "/item/"), ".html")
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, page("Quibble Pictures deal, part "+n, quibble[0]+" (Part "+n+".)", quibble[1]))
		case p == "/missing.html":
			http.NotFound(w, r)
		case p == "/broken.html":
			http.Error(w, "oops", http.StatusInternalServerError)
		case p == "/huge.html":
			w.Header().Set("Content-Type", "text/html")
			chunk := bytes.Repeat([]byte("<p>a very long page</p>"), 4096)
			for written := 0; written < 2<<30; written += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		case p == "/loop.html":
			http.Redirect(w, r, "/loop.html", http.StatusFound)
		case p == "/image.html":
			w.Header().Set("Content-Type", "text/html")
			w.Write(png)
		case p == "/bomb.docx":
			w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
			w.Write(bomb)
		case p == "/broken.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			fmt.Fprint(w, "%PDF-1.7\n1 0 obj\n<< /Type /Catalog\nthis is not a PDF at all\n")
		case p == "/encrypted.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			w.Write(encryptedPDF)
		case p == "/encrypted.docx":
			w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
			w.Write(encryptedDOCX)
		case p == "/slow.html":
			select { // longer than the test's fetch timeout
			case <-slowDone:
			case <-r.Context().Done():
			}
		case strings.HasPrefix(p, "/private/"):
			t.Errorf("robots.txt not honoured: %s", p)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(slowDone) })
	return srv
}

// TestIndexWebSources: index fetches a sources file of two good sources
// and a dozen bad ones; each bad one is one line naming it and the reason,
// the good ones are indexed and answer questions, sources lists them, and
// sources remove forgets one.
func TestIndexWebSources(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100 MiB zip bomb and streams a 2 GB body")
	}
	defer func(a, b time.Duration) { fetchMinInterval, fetchTimeout = a, b }(fetchMinInterval, fetchTimeout)
	fetchMinInterval, fetchTimeout = -1, time.Second
	srv := troubleSite(t)
	u := func(p string) string { return srv.URL + p }
	// A server whose certificate no one trusts.
	tlsSrv := httptest.NewUnstartedServer(srv.Config.Handler)
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	file := filepath.Join(t.TempDir(), "sources.txt")
	lines := []string{
		"# the good ones",
		u("/zorblax.html") + ` name="Zorblax page"`,
		u("/feed.xml") + ` pages=3 name="Big feed"`,
		"# the bad ones",
		u("/missing.html") + " name=missing",
		u("/broken.html") + " name=broken",
		u("/huge.html") + " name=huge",
		u("/loop.html") + " name=loop",
		u("/image.html") + " name=image",
		u("/bomb.docx") + " name=bomb",
		u("/broken.pdf") + " name=pdf",
		u("/private/x.html") + " name=robots",
		tlsSrv.URL + "/zorblax.html name=tls",
		u("/encrypted.pdf") + " name=encrypted-pdf",
		u("/encrypted.docx") + " name=encrypted-docx",
		u("/slow.html") + " name=slow",
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := testEnv(t)
	env["DRAMABOT_NO_DEFAULT_CORPUS"] = "true"
	env["DRAMABOT_SOURCES_FILE"] = file
	env["DRAMABOT_ALLOW_PRIVATE_SOURCES"] = "true"

	out, errOut, code := runProg(t, env, "index")
	if code != 0 {
		t.Fatalf("index: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("index:\n%s", out)
	for _, want := range []string{
		"source Zorblax page: 1 added (" + u("/zorblax.html") + ")\n",
		"source Big feed: 3 added (" + u("/feed.xml") + ")\n",
		"problem: missing: HTTP 404\n",
		"problem: broken: HTTP 500\n",
		"problem: huge: body larger than 20 MiB\n",
		"problem: loop: too many redirects\n",
		"problem: image: served as text/html but the body is image/png\n",
		"problem: bomb: ",
		"problem: pdf: ",
		"problem: robots: robots.txt disallows /private/x.html\n",
		"problem: tls: TLS: tls: failed to verify certificate: x509: certificate signed by unknown authority\n",
		"problem: encrypted-pdf: PDF: ",
		"problem: encrypted-docx: DOCX: ",
		"problem: slow: timeout after 1s\n",
		"now 12 passages from 4 sources",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("index output lacks %q", want)
		}
	}
	// One line for each bad source: its name and why.
	if n := strings.Count(out, "problem: "); n != 12 {
		t.Errorf("%d problem lines, want 12", n)
	}

	// ask answers from the fetched page without fetching again: the site
	// is gone.
	srv.Close()
	delete(env, "DRAMABOT_SOURCES_FILE")
	out, errOut, code = runProg(t, env, "ask", "How many mini series did Zorblax Studios shoot in 2026?")
	if code != 0 {
		t.Fatalf("ask: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "37") || !strings.Contains(out, "Test Wire") {
		t.Errorf("ask did not answer from the web page:\n%s", out)
	}

	out, _, code = runProg(t, env, "sources", "--web", "--json")
	if code != 0 {
		t.Fatalf("sources --web --json: exit %d", code)
	}
	var web []websource.Status
	if err := json.Unmarshal([]byte(out), &web); err != nil {
		t.Fatal(err)
	}
	byURL := map[string]websource.Status{}
	for _, s := range web {
		byURL[s.URL] = s
	}
	if s := byURL[u("/zorblax.html")]; s.Kind != "page" || s.Result != "ok" || s.Documents != 1 || s.Passages == 0 || s.LastFetch.IsZero() || s.NextRefresh.IsZero() {
		t.Errorf("zorblax status = %+v", s)
	}
	if s := byURL[u("/feed.xml")]; s.Kind != "feed" || s.Documents != 3 {
		t.Errorf("feed status = %+v", s)
	}
	if s := byURL[u("/missing.html")]; s.Result != "HTTP 404" || s.Documents != 0 {
		t.Errorf("missing status = %+v", s)
	}
	out, _, _ = runProg(t, env, "sources")
	for _, want := range []string{"Web sources:", "KIND", u("/zorblax.html"), "feed", "HTTP 404"} {
		if !strings.Contains(out, want) {
			t.Errorf("sources lacks %q:\n%s", want, out)
		}
	}

	out, errOut, code = runProg(t, env, "sources", "remove", u("/zorblax.html"))
	if code != 0 || out != "removed "+u("/zorblax.html")+" (1 documents)\n" {
		t.Fatalf("sources remove: exit %d: %q %s", code, out, errOut)
	}
	out, _, _ = runProg(t, env, "ask", "How many mini series did Zorblax Studios shoot in 2026?")
	if strings.Contains(out, "37") {
		t.Errorf("a removed source still answers:\n%s", out)
	}
	_, errOut, code = runProg(t, env, "sources", "remove", u("/zorblax.html"))
	if code != 1 || !strings.Contains(errOut, "no web source") {
		t.Errorf("removing it twice: exit %d: %s", code, errOut)
	}
}

// TestIndexRefusesLoopback: without --allow-private-sources a source on
// 127.0.0.1 is refused, in one line, and the rest still indexes.
func TestIndexRefusesLoopback(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	env := testEnv(t)
	env["DRAMABOT_SOURCES"] = srv.URL + "/page.html ftp://example.com/x"
	out, errOut, code := runProg(t, env, "index")
	if code != 0 {
		t.Fatalf("index: exit %d\n%s", code, errOut)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, want := range []string{
		"problem: " + host + ": refused: 127.0.0.1 is a loopback address (set --allow-private-sources to allow)\n",
		`problem: example.com: unsupported URL scheme "ftp" (only http and https)` + "\n",
	} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("output lacks %q:\n%s\n%s", want, out, errOut)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the loopback server was asked %d times", hits.Load())
	}
}

// eventually polls cond until it holds or 20 seconds pass: serve runs on
// real sockets and its own goroutines, where a fake clock cannot reach.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func metricsText(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestServeRefreshesWebSources runs serve with a web source on a local
// server and Telegram (the fake Bot API): the first refresh indexes the
// page and a chat subscribed to its topic hears of it; a server error
// keeps the last good content; a changed page is swapped in while serve
// answers; three 404s in a row remove it; metrics count all of it.
func TestServeRefreshesWebSources(t *testing.T) {
	defer func(a, b time.Duration) { fetchMinInterval, refreshTick = a, b }(fetchMinInterval, refreshTick)
	fetchMinInterval, refreshTick = -1, 20*time.Millisecond
	var state atomic.Int32 // 0: 404, 1: first text, 2: 500, 3: new text, 4: 404
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/robots.txt":
			http.NotFound(w, r)
		case r.URL.Path != "/zorblax.html":
			http.NotFound(w, r)
		case state.Load() == 1:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, page("Zorblax Studios shot 37 mini series", zorblax...))
		case state.Load() == 2:
			http.Error(w, "down for maintenance", http.StatusInternalServerError)
		case state.Load() == 3:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, page("Zorblax Studios raises its count", "Zorblax Studios now says it shot 41 vertical mini series in 2026, four more than it first reported.", zorblax[1]))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	tg := telegramtest.New(t, telegramtest.Options{})
	env := testEnv(t)
	docs := t.TempDir()
	if err := os.WriteFile(filepath.Join(docs, "weather.md"), []byte("---\ntitle: Weather\npublisher: Test Wire\ndate: 2026-06-01\n---\nIt rained 12 days in June.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env["DRAMABOT_DOCS"] = docs
	env["DRAMABOT_NO_DEFAULT_CORPUS"] = "true"
	env["DRAMABOT_RATE_LIMIT"] = "-1"
	env["DRAMABOT_SOURCES"] = srv.URL + "/zorblax.html"
	env["DRAMABOT_REFRESH"] = "100ms"
	env["DRAMABOT_ALLOW_PRIVATE_SOURCES"] = "true"
	env["TELEGRAM_TOKEN"] = tg.Token
	env["TELEGRAM_API_URL"] = tg.URL
	base, stop := startServe(t, env)
	defer stop()

	alice := telegramtest.Alice
	tg.Push(telegramtest.Private(alice, "/subscribe Zorblax"))
	if m := tg.WaitSent(t, alice.ID, 1)[0]; !strings.Contains(m.Plain, "Subscribed") {
		t.Fatalf("subscribe: %q", m.Plain)
	}
	answer := func() string {
		a, code, err := askHTTP(base, "How many mini series did Zorblax Studios shoot in 2026?")
		if err != nil || code != 200 {
			t.Fatalf("ask: %d %v", code, err)
		}
		if a.Abstained {
			return ""
		}
		return a.Text
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	series := func(change string) string {
		return `dramabot_web_pages_total{change="` + change + `",source="` + host + `"} `
	}

	state.Store(1)
	m := tg.WaitSent(t, alice.ID, 2)[1]
	if !strings.Contains(m.Plain, "37") || !strings.Contains(m.Plain, "Zorblax") {
		t.Errorf("alert:\n%s", m.Plain)
	}
	if a := answer(); !strings.Contains(a, "37") {
		t.Fatalf("answer after the first fetch: %q", a)
	}
	if mt := metricsText(t, base); !strings.Contains(mt, series("added")+"1") ||
		!strings.Contains(mt, `dramabot_web_last_success_timestamp_seconds{source="`+host+`"}`) {
		t.Errorf("metrics after the first fetch lack the source's series:\n%s", grepLines(mt, "dramabot_web_"))
	}

	state.Store(2)
	eventually(t, "two failed fetches", func() bool {
		return strings.Contains(metricsText(t, base), `dramabot_web_fetches_total{result="error",source="`+host+`"} 2`)
	})
	if a := answer(); !strings.Contains(a, "37") {
		t.Fatalf("a server error lost the last good content: %q", a)
	}

	state.Store(3)
	eventually(t, "the changed page", func() bool { return strings.Contains(answer(), "41") })
	if mt := metricsText(t, base); !strings.Contains(mt, series("changed")+"1") {
		t.Errorf("metrics lack the change:\n%s", grepLines(mt, "dramabot_web_"))
	}

	state.Store(4)
	eventually(t, "the page removed after three 404s", func() bool { return !strings.Contains(answer(), "41") })
	mt := metricsText(t, base)
	if !strings.Contains(mt, series("removed")+"1") || !strings.Contains(mt, `dramabot_web_source_passages{source="`+host+`"} 0`) {
		t.Errorf("metrics lack the removal:\n%s", grepLines(mt, "dramabot_web_"))
	}
	// The removal came on the third 404, not before.
	if !strings.Contains(mt, `dramabot_web_fetches_total{result="error",source="`+host+`"} `) {
		t.Errorf("no failed fetches counted")
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestAddSources: an administrator adds a web page with /add in Telegram
// and a DOCX report over HTTP with the admin key; others are refused; what
// was added is answered from, alerts the subscribed chat, and outlives a
// restart of serve.
func TestAddSources(t *testing.T) {
	defer func(d time.Duration) { fetchMinInterval = d }(fetchMinInterval)
	fetchMinInterval = -1
	srv := troubleSite(t)
	tg := telegramtest.New(t, telegramtest.Options{})
	env := testEnv(t)
	docs := t.TempDir()
	if err := os.WriteFile(filepath.Join(docs, "weather.md"), []byte("---\ntitle: Weather\npublisher: Test Wire\ndate: 2026-06-01\n---\nIt rained 12 days in June.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env["DRAMABOT_DOCS"] = docs
	env["DRAMABOT_NO_DEFAULT_CORPUS"] = "true"
	env["DRAMABOT_RATE_LIMIT"] = "-1"
	env["DRAMABOT_ALLOW_PRIVATE_SOURCES"] = "true"
	env["DRAMABOT_ADMINS"] = fmt.Sprintf("telegram:%d", telegramtest.Alice.ID)
	env["DRAMABOT_ADMIN_KEY"] = "admin-secret"
	env["TELEGRAM_TOKEN"] = tg.Token
	env["TELEGRAM_API_URL"] = tg.URL
	base, stop := startServe(t, env)

	alice, bob := telegramtest.Alice, telegramtest.Bob
	tg.Push(telegramtest.Private(bob, "/subscribe Zorblax"))
	tg.WaitSent(t, bob.ID, 1)
	tg.Push(telegramtest.Private(bob, "/add "+srv.URL+"/zorblax.html"))
	if m := tg.WaitSent(t, bob.ID, 2)[1]; !strings.Contains(m.Plain, "only the bot's administrators can add sources") {
		t.Errorf("bob's /add: %q", m.Plain)
	}
	tg.Push(telegramtest.Private(alice, "/add "+srv.URL+"/missing.html"))
	if m := tg.WaitSent(t, alice.ID, 1)[0]; !strings.Contains(m.Plain, "Could not add "+srv.URL+"/missing.html: HTTP 404") {
		t.Errorf("/add of a missing page: %q", m.Plain)
	}
	tg.Push(telegramtest.Private(alice, "/add "+srv.URL+"/zorblax.html"))
	m := tg.WaitSent(t, alice.ID, 2)[1]
	for _, want := range []string{"Added " + srv.URL + "/zorblax.html: 1 document", "Zorblax Studios shot 37 mini series — Test Wire, 2026-11-02"} {
		if !strings.Contains(m.Plain, want) {
			t.Errorf("/add reply lacks %q:\n%s", want, m.Plain)
		}
	}
	// Bob's subscription hears of it.
	if m := tg.WaitSent(t, bob.ID, 3)[2]; !strings.Contains(m.Plain, "37") {
		t.Errorf("alert:\n%s", m.Plain)
	}

	report, err := os.ReadFile("../../knowledge/docx/testdata/report.docx")
	if err != nil {
		t.Fatal(err)
	}
	// Documents in a private chat: Bob's is refused before it is
	// downloaded, one too large for the Bot API is refused, Alice's is
	// downloaded through getFile and added.
	const docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	bobs := tg.File("report.docx", docxType, report, 0)
	before := len(tg.Sent(bob.ID))
	tg.Push(telegramtest.PrivateDocument(bob, bobs, ""))
	// The alerts for the page may still be arriving: look for the reply.
	tg.WaitFor(t, "the refusal of bob's document", func() bool {
		for _, m := range tg.Sent(bob.ID)[before:] {
			if strings.Contains(m.Plain, "only the bot's administrators can add sources") {
				return true
			}
		}
		return false
	})
	if n := tg.Downloads(bobs.FileID); n != 0 {
		t.Errorf("bob's document was downloaded %d times", n)
	}
	big := tg.File("huge.pdf", "application/pdf", []byte("%PDF-1.7"), 30<<20)
	tg.Push(telegramtest.PrivateDocument(alice, big, ""))
	if m := tg.WaitSent(t, alice.ID, 3)[2]; !strings.Contains(m.Plain, "larger than 20 MiB") {
		t.Errorf("a 30 MiB document: %q", m.Plain)
	}
	alices := tg.File("Quarterly report.docx", docxType, report, 0)
	tg.Push(telegramtest.PrivateDocument(alice, alices, ""))
	m = tg.WaitSent(t, alice.ID, 4)[3]
	if !strings.Contains(m.Plain, "Added Quarterly report.docx: 1 document") || tg.Downloads(alices.FileID) != 1 {
		t.Errorf("alice's document (%d downloads): %q", tg.Downloads(alices.FileID), m.Plain)
	}
	post := func(key, ctype, query string, body []byte) (int, string) {
		req, _ := http.NewRequest("POST", base+"/v1/sources"+query, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		name, key, ctype, query string
		body                    []byte
		code                    int
		inBody                  string
	}{
		{"no key", "", "application/json", "", []byte(`{"url": "` + srv.URL + `/feed.xml"}`), 401, "admin key"},
		{"wrong key", "nope", "application/json", "", []byte(`{"url": "` + srv.URL + `/feed.xml"}`), 401, "admin key"},
		{"not http", "admin-secret", "application/json", "", []byte(`{"url": "ftp://example.com/x"}`), 422, `unsupported URL scheme`},
		{"no url", "admin-secret", "application/json", "", []byte(`{}`), 400, `{\"url\"`},
		{"docx without a name", "admin-secret", "application/octet-stream", "", report, 400, "?name="},
		{"zip bomb", "admin-secret", "application/octet-stream", "?name=bomb.docx", zipBomb(t), 422, "zip bomb"},
		{"not a document", "admin-secret", "application/octet-stream", "?name=notes.txt", []byte("hello"), 422, "PDF or DOCX"},
		{"docx", "admin-secret", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "?name=report.docx", report, 201, `"passages":`},
	}
	for _, tt := range tests {
		code, body := post(tt.key, tt.ctype, tt.query, tt.body)
		if code != tt.code || !strings.Contains(body, tt.inBody) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, code, body, tt.code, tt.inBody)
		}
	}
	stop()

	// After a restart, without fetching: the added page and document are
	// still there.
	srv.Close()
	base, stop = startServe(t, env)
	defer stop()
	a, _, err := askHTTP(base, "How many mini series did Zorblax Studios shoot in 2026?")
	if err != nil || !strings.Contains(a.Text, "37") {
		t.Errorf("after a restart: %v %q", err, a.Text)
	}
	resp, err := http.Get(base + "/v1/sources")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "report") {
		t.Errorf("the uploaded report is not listed after a restart:\n%s", b)
	}
}

func TestSourcesFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "sources.txt")
	if err := os.WriteFile(bad, []byte("# news\nhttps://example.com/feed.xml refresh=often\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file string
		code int
		want string
	}{
		{bad, 2, "dramabot: " + bad + ":2: refresh=often: want a duration such as 6h or 30m\n"},
		{filepath.Join(dir, "none.txt"), 1, "--sources-file: open " + filepath.Join(dir, "none.txt")},
	}
	for _, tt := range tests {
		env := testEnv(t)
		env["DRAMABOT_SOURCES_FILE"] = tt.file
		_, errOut, code := runProg(t, env, "index")
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: exit %d, %q; want %d with %q", tt.file, code, errOut, tt.code, tt.want)
		}
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":            "report.pdf",
		"Quarterly report.docx": "Quarterly_report.docx",
		"短剧报告.pdf":              "短剧报告.pdf",
		"../../etc/passwd.pdf":  "_.._etc_passwd.pdf",
		".hidden.docx":          "hidden.docx",
		".pdf":                  "document.pdf",
		"a\x00b.pdf":            "a_b.pdf",
	} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}
