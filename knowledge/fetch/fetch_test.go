package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// mapResolver resolves the names it holds and nothing else.
type mapResolver map[string][]netip.Addr

func (m mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := m[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func addrs(s ...string) []netip.Addr {
	var out []netip.Addr
	for _, a := range s {
		out = append(out, netip.MustParseAddr(a))
	}
	return out
}

// serverOn starts srv listening on ip (any 127/8 address works on Linux).
func serverOn(t *testing.T, ip string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", ip, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func local(t *testing.T, opts Options) *Client {
	t.Helper()
	opts.AllowPrivate = true
	if opts.MinInterval == 0 {
		opts.MinInterval = -1
	}
	return New(opts)
}

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		addr   string
		reason string // empty: public
	}{
		{"127.0.0.1", "a loopback address"},
		{"127.9.9.9", "a loopback address"},
		{"::1", "a loopback address"},
		{"::ffff:127.0.0.1", "a loopback address"},
		{"10.0.0.1", "a private address"},
		{"172.16.5.4", "a private address"},
		{"172.32.0.1", ""},
		{"192.168.1.1", "a private address"},
		{"fd12:3456::1", "a private (ULA) address"},
		{"169.254.1.1", "a link-local address"},
		{"fe80::1", "a link-local address"},
		{"169.254.169.254", "the cloud metadata address"},
		{"fd00:ec2::254", "the cloud metadata address"},
		{"100.64.0.1", "a shared (CGNAT) address"},
		{"0.0.0.0", "an unspecified address"},
		{"::", "an unspecified address"},
		{"224.0.0.251", "a multicast address"},
		{"ff02::1", "a multicast address"},
		{"64:ff9b::10.0.0.1", "a private address"},
		{"8.8.8.8", ""},
		{"2606:4700::1111", ""},
		{"64:ff9b::8.8.8.8", ""},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			r := checkAddr(netip.MustParseAddr(tt.addr))
			got := ""
			if r != nil {
				got = r.Reason
			}
			if got != tt.reason {
				t.Errorf("checkAddr(%s) = %q, want %q", tt.addr, got, tt.reason)
			}
		})
	}
}

func TestGet(t *testing.T) {
	var lastUA atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private\n\nUser-agent: otherbot\nDisallow: /\n")
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		lastUA.Store(r.UserAgent())
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 02 Nov 2026 10:00:00 GMT")
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=GBK")
		fmt.Fprint(w, "<p>hello</p>")
	})
	mux.HandleFunc("/private/x", func(w http.ResponseWriter, r *http.Request) { t.Error("robots.txt not honoured") })
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", 500) })
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "2147483648")
		w.Write(make([]byte, 1024))
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		// Two gigabytes, written lazily and without a length, until the
		// client hangs up.
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for i := 0; i < 2<<20/64; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(make([]byte, 8<<20))
	zw.Close()
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		// 8 KiB on the wire, 8 MiB once inflated.
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb.Bytes())
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/to-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/x", http.StatusFound)
	})
	mux.HandleFunc("/to-private", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/private/x", http.StatusFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := serverOn(t, "127.0.0.1", mux)
	c := local(t, Options{UserAgent: "dramabot/test (+https://example.org/bot)", MaxBodyBytes: 1 << 20, Timeout: 300 * time.Millisecond})

	tests := []struct {
		name    string
		url     string
		prev    Validators
		wantErr string
		check   func(t *testing.T, r *Response)
	}{
		{name: "ok", url: "/page", check: func(t *testing.T, r *Response) {
			if string(r.Body) != "<p>hello</p>" || r.ContentType != "text/html" || r.Charset != "GBK" {
				t.Errorf("got %q %q %q", r.Body, r.ContentType, r.Charset)
			}
			if r.Validators.ETag != `"v1"` || r.Validators.LastModified == "" {
				t.Errorf("validators %+v", r.Validators)
			}
			if ua := lastUA.Load(); ua != "dramabot/test (+https://example.org/bot)" {
				t.Errorf("User-Agent %q", ua)
			}
		}},
		{name: "not modified", url: "/page", prev: Validators{ETag: `"v1"`}, check: func(t *testing.T, r *Response) {
			if !r.NotModified || len(r.Body) != 0 || r.Validators.ETag != `"v1"` {
				t.Errorf("got %+v", r)
			}
		}},
		{name: "robots", url: "/private/x?a=1", wantErr: "robots.txt disallows /private/x?a=1"},
		{name: "404", url: "/missing", wantErr: "HTTP 404"},
		{name: "410", url: "/gone", wantErr: "HTTP 410"},
		{name: "500", url: "/broken", wantErr: "HTTP 500"},
		{name: "429", url: "/busy", wantErr: "HTTP 429"},
		{name: "declared too large", url: "/big", wantErr: "body larger than 1 MiB"},
		{name: "streamed too large", url: "/stream", wantErr: "body larger than 1 MiB"},
		{name: "gzip bomb", url: "/bomb", wantErr: "body larger than 1 MiB"},
		{name: "redirect loop", url: "/loop", wantErr: "too many redirects"},
		{name: "redirect to ftp", url: "/to-ftp", wantErr: `unsupported URL scheme "ftp" (only http and https)`},
		{name: "redirect into disallowed path", url: "/to-private", wantErr: "robots.txt disallows /private/x"},
		{name: "timeout", url: "/slow", wantErr: "timeout after 300ms"},
		{name: "file scheme", url: "file:///etc/passwd", wantErr: `unsupported URL scheme "file" (only http and https)`},
		{name: "no host", url: "http:///x", wantErr: `bad URL "http:///x": no host`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.url
			if strings.HasPrefix(u, "/") {
				u = srv.URL + u
			}
			r, err := c.Get(t.Context(), u, tt.prev)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
		})
	}
}

func TestStatusErrorGone(t *testing.T) {
	for code, gone := range map[int]bool{404: true, 410: true, 500: false, 403: false} {
		if got := (&StatusError{Code: code}).Gone(); got != gone {
			t.Errorf("%d: Gone() = %v", code, got)
		}
	}
}

func TestRefusesPrivateAddresses(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-loopback":
			http.Redirect(w, r, "http://127.0.0.1:"+r.URL.Query().Get("port")+"/secret", http.StatusFound)
		case "/to-name":
			http.Redirect(w, r, "http://intranet.test:"+r.URL.Query().Get("port")+"/secret", http.StatusFound)
		default:
			fmt.Fprint(w, "ok")
		}
	})
	public := serverOn(t, "127.0.0.2", h) // stands for a public server
	var secretHits atomic.Int32
	secret := serverOn(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/robots.txt" {
			secretHits.Add(1)
		}
	}))
	_, secretPort, _ := net.SplitHostPort(secret.Listener.Addr().String())
	_, publicPort, _ := net.SplitHostPort(public.Listener.Addr().String())
	res := mapResolver{
		"public.test":   addrs("127.0.0.2"),
		"localhost":     addrs("127.0.0.1"),
		"intranet.test": addrs("10.0.0.1"),
		"rebind.test":   addrs("127.0.0.1"),
		"mixed.test":    addrs("169.254.169.254", "127.0.0.1"),
	}
	c := New(Options{Resolver: res, MinInterval: -1, Timeout: 2 * time.Second,
		AllowAddrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})

	tests := []struct {
		name, url, wantErr string
	}{
		{"literal loopback", "http://127.0.0.1:" + secretPort + "/", "refused: 127.0.0.1 is a loopback address (set --allow-private-sources to allow)"},
		{"name to loopback", "http://localhost:" + secretPort + "/", "refused: 127.0.0.1 is a loopback address (set --allow-private-sources to allow)"},
		{"name to private", "http://intranet.test:" + secretPort + "/", "refused: 10.0.0.1 is a private address (set --allow-private-sources to allow)"},
		{"metadata first", "http://mixed.test/latest/meta-data/", "refused: 169.254.169.254 is the cloud metadata address (set --allow-private-sources to allow)"},
		{"ipv6 loopback", "http://[::1]:" + secretPort + "/", "refused: ::1 is a loopback address (set --allow-private-sources to allow)"},
		{"redirect to loopback", "http://public.test:" + publicPort + "/to-loopback?port=" + secretPort, "refused: 127.0.0.1 is a loopback address (set --allow-private-sources to allow)"},
		{"redirect to private name", "http://public.test:" + publicPort + "/to-name?port=" + secretPort, "refused: 10.0.0.1 is a private address (set --allow-private-sources to allow)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Get(t.Context(), tt.url, Validators{})
			var refused *RefusedError
			if !errors.As(err, &refused) || err.Error() != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if r, err := c.Get(t.Context(), "http://public.test:"+publicPort+"/", Validators{}); err != nil || string(r.Body) != "ok" {
		t.Fatalf("exempt address: %v", err)
	}
	if n := secretHits.Load(); n != 0 {
		t.Fatalf("the private server was reached %d times", n)
	}
	// With AllowPrivate the same name is fetched.
	open := New(Options{Resolver: res, MinInterval: -1, AllowPrivate: true})
	if _, err := open.Get(t.Context(), "http://rebind.test:"+secretPort+"/", Validators{}); err != nil {
		t.Fatalf("AllowPrivate: %v", err)
	}
	if n := secretHits.Load(); n != 1 {
		t.Fatalf("with AllowPrivate the private server was reached %d times, want 1", n)
	}
}

func TestRobots(t *testing.T) {
	tests := []struct {
		name       string
		robots     func(w http.ResponseWriter)
		path       string
		wantErr    string
		wantDelay  time.Duration
		minimumGap time.Duration
	}{
		{name: "agent group", robots: func(w http.ResponseWriter) {
			fmt.Fprint(w, "User-agent: *\nAllow: /\n\nUser-agent: dramabot\nDisallow: /news/\nCrawl-delay: 7\n")
		}, path: "/news/a.html", wantErr: "robots.txt disallows /news/a.html", wantDelay: 7 * time.Second},
		{name: "crawl delay capped", robots: func(w http.ResponseWriter) {
			fmt.Fprint(w, "User-agent: *\nCrawl-delay: 86400\n")
		}, path: "/a", wantDelay: MaxCrawlDelay},
		{name: "missing", robots: func(w http.ResponseWriter) { w.WriteHeader(404) }, path: "/a", wantDelay: time.Millisecond},
		{name: "server error", robots: func(w http.ResponseWriter) { w.WriteHeader(503) }, path: "/a",
			wantErr: "robots.txt unavailable (HTTP 503): not fetching /a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serverOn(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/robots.txt" {
					tt.robots(w)
					return
				}
				fmt.Fprint(w, "page")
			}))
			c := New(Options{AllowPrivate: true, MinInterval: time.Millisecond})
			// Read the rules without paying the crawl delay in this test.
			err := c.allowed(t.Context(), mustParse(t, srv.URL+tt.path))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			h := c.hosts.get(mustParse(t, srv.URL).Host)
			if tt.wantDelay != 0 {
				if got := h.limiter.Limit(); got != every(tt.wantDelay) {
					t.Errorf("limit = %v, want one per %v", got, tt.wantDelay)
				}
			}
		})
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := ParseURL(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hosts := newHostTable(2 * time.Second)
		start := time.Now()
		for range 4 {
			if err := hosts.wait(t.Context(), "a.example"); err != nil {
				t.Fatal(err)
			}
		}
		if got := time.Since(start); got != 6*time.Second {
			t.Errorf("4 requests to one host took %v, want 6s", got)
		}
		// Another host has its own budget.
		start = time.Now()
		if err := hosts.wait(t.Context(), "b.example"); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 0 {
			t.Errorf("first request to another host waited %v", got)
		}
		// A crawl delay longer than the floor slows the host down.
		h := hosts.get("c.example")
		_, _ = h.robots(t.Context(), func(context.Context) (*robotsRules, error) {
			return &robotsRules{crawlDelay: 5 * time.Second}, nil
		})
		start = time.Now()
		for range 3 {
			_ = hosts.wait(t.Context(), "c.example")
		}
		if got := time.Since(start); got != 10*time.Second {
			t.Errorf("3 requests with Crawl-delay 5 took %v, want 10s", got)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{"Mon, 02 Nov 2026 10:00:30 GMT", 30 * time.Second, true},
		{"Mon, 02 Nov 2026 09:00:00 GMT", 0, true},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v %v, want %v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if got := (&StatusError{Code: 429, RetryAfter: 30 * time.Second}).Error(); got != "HTTP 429 (retry after 30s)" {
		t.Errorf("Error() = %q", got)
	}
	synctest.Test(t, func(t *testing.T) {
		hosts := newHostTable(0)
		hosts.pause("a.example", 20*time.Second)
		hosts.pause("a.example", 5*time.Second) // a shorter pause does not shorten it
		start := time.Now()
		if err := hosts.wait(t.Context(), "a.example"); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 20*time.Second {
			t.Errorf("waited %v after Retry-After 20s", got)
		}
		hosts.pause("b.example", time.Hour)
		start = time.Now()
		_ = hosts.wait(t.Context(), "b.example")
		if got := time.Since(start); got != MaxCrawlDelay {
			t.Errorf("waited %v after Retry-After 1h, want the cap %v", got, MaxCrawlDelay)
		}
	})
}

func TestTLSError(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "x") }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	srv.StartTLS()
	defer srv.Close()
	c := local(t, Options{})
	_, err := c.Get(t.Context(), srv.URL+"/", Validators{})
	if err == nil || !strings.HasPrefix(err.Error(), "TLS: ") {
		t.Fatalf("err = %v, want a TLS error", err)
	}
	// Trusting the test CA makes it work.
	c = local(t, Options{TLSConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig})
	if _, err := c.Get(t.Context(), srv.URL+"/", Validators{}); err != nil {
		t.Fatal(err)
	}
}
