// Package httpapi serves dramabot over HTTP: the JSON API (POST /v1/ask,
// GET /v1/sources, GET /v1/figures), the /healthz and /readyz probes,
// Prometheus metrics at /metrics and a small self-contained web page at /.
//
// Every question goes through bot.Core, like on Telegram and Discord, so the
// HTTP API gives the same answers and shares Core's validation and per-user
// rate limit (the user being the client address). This is the only package
// that imports the Prometheus client.
package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"dramabot/bot"
)

// Limits.
const (
	// MaxBodyBytes bounds a request body; larger bodies get 413.
	MaxBodyBytes = 16 << 10
	// DefaultAskTimeout bounds the work for one question when
	// Config.AskTimeout is zero.
	DefaultAskTimeout = 30 * time.Second
)

// Config configures a Server. Core is required.
type Config struct {
	Core   *bot.Core
	Logger *slog.Logger
	// Metrics is served at /metrics. Pass the same value to
	// bot.Config.Metrics so that questions on every platform are counted.
	// Nil means a fresh Metrics that only sees HTTP requests.
	Metrics *Metrics
	// APIKey, when set, is required for /v1/*, as "Authorization: Bearer
	// KEY" or "X-API-Key: KEY". The page, probes and metrics stay open.
	APIKey string
	// AdminKey, when set, lets POST /v1/sources add a web source or a
	// document, as "Authorization: Bearer KEY" (instead of the API key).
	// Unset, the route does not exist (405).
	AdminKey string
	// Ready reports readiness for /readyz: nil when the index is loaded and
	// every configured platform is connected. Nil means always ready. The
	// error's text is shown to the prober, so it must hold no secret.
	Ready func() error
	// Mount adds handlers, keyed by http.ServeMux pattern (for example the
	// Telegram webhook). They get request ids, panic recovery and access
	// logs, but neither the API key check nor their path in the logs, since
	// a webhook path can hold a secret. A pattern that conflicts with the
	// server's own routes makes New panic, as ServeMux.Handle does.
	Mount map[string]http.Handler
	// TrustedProxies are the reverse proxies in front of dramabot. When the
	// peer of a request is in one of these prefixes, the client address is
	// taken from X-Forwarded-For: its right-most address that is not a
	// trusted proxy, since every proxy appends the address it saw and only
	// what trusted proxies appended is not the client's own claim. Empty:
	// X-Forwarded-For is ignored, so clients that connect directly cannot
	// choose their address and slip past the rate limit.
	TrustedProxies []netip.Prefix
	// AskTimeout bounds one question or figures lookup; 0 means
	// DefaultAskTimeout.
	AskTimeout time.Duration
}

// Server is the HTTP handler of dramabot. It is safe for concurrent use.
type Server struct {
	core       *bot.Core
	log        *slog.Logger
	metrics    *Metrics
	keyHash    *[sha256.Size]byte // nil: no API key
	adminHash  *[sha256.Size]byte // nil: no admin key
	ready      func() error
	proxies    []netip.Prefix
	askTimeout time.Duration
	mux        *http.ServeMux
}

// contentSecurityPolicy allows only the page's own script, style and API
// calls, and with Trusted Types a stray innerHTML throws instead of parsing
// document text as markup.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; " +
	"require-trusted-types-for 'script'; trusted-types 'none'"

// New returns a Server. It panics if cfg.Core is nil.
func New(cfg Config) *Server {
	if cfg.Core == nil {
		panic("httpapi: Config.Core is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	if cfg.AskTimeout <= 0 {
		cfg.AskTimeout = DefaultAskTimeout
	}
	s := &Server{
		core:       cfg.Core,
		log:        cfg.Logger,
		metrics:    cfg.Metrics,
		ready:      cfg.Ready,
		proxies:    cfg.TrustedProxies,
		askTimeout: cfg.AskTimeout,
		mux:        http.NewServeMux(),
	}
	if cfg.APIKey != "" {
		// Comparing hashes keeps the comparison constant-time whatever the
		// length of the key a client sends.
		sum := sha256.Sum256([]byte(cfg.APIKey))
		s.keyHash = &sum
	}
	if cfg.AdminKey != "" {
		sum := sha256.Sum256([]byte(cfg.AdminKey))
		s.adminHash = &sum
	}
	s.routes(cfg.Mount)
	return s
}

func (s *Server) routes(mount map[string]http.Handler) {
	s.endpoint(http.MethodPost, "/v1/ask", "ask", s.handleAsk)
	s.endpoint(http.MethodGet, "/v1/sources", "sources", s.handleSources)
	if s.adminHash != nil {
		// Without an admin key the route does not exist: POST is a 405.
		s.handle("POST /v1/sources", "add_source", s.adminAuth(http.HandlerFunc(s.handleAddSource)))
	}
	s.endpoint(http.MethodGet, "/v1/figures", "figures", s.handleFigures)
	s.endpoint(http.MethodGet, "/v1/figures/chart.png", "chart", s.handleChart)
	s.handle("/v1/", "not_found", s.auth(http.HandlerFunc(s.notFound)))
	s.endpoint(http.MethodGet, "/healthz", "healthz", s.handleHealth)
	s.endpoint(http.MethodGet, "/readyz", "readyz", s.handleReady)
	s.endpoint(http.MethodGet, "/metrics", "metrics", s.metrics.Handler().ServeHTTP)
	s.endpoint(http.MethodGet, "/{$}", "page", serveAsset(pageHTML))
	s.endpoint(http.MethodGet, "/app.js", "static", serveAsset(appJS))
	s.endpoint(http.MethodGet, "/style.css", "static", serveAsset(styleCSS))
	s.handle("/", "not_found", http.HandlerFunc(s.notFound))
	for pattern, h := range mount {
		s.handle(pattern, "mount", h)
	}
}

// endpoint registers h for method (GET also serves HEAD) and a JSON 405 for
// every other method on the same path. Paths under /v1/ need the API key.
func (s *Server) endpoint(method, path, route string, h http.HandlerFunc) {
	allow := method
	if method == http.MethodGet {
		allow = "GET, HEAD"
	}
	wrong := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		s.writeError(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use "+allow)
	})
	var right http.Handler = h
	var other http.Handler = wrong
	if strings.HasPrefix(path, "/v1/") {
		right, other = s.auth(right), s.auth(other)
	}
	s.handle(method+" "+path, route, right)
	s.handle(path, route, other)
}

// handle names the route for logs and metrics: never the URL itself.
func (s *Server) handle(pattern, route string, h http.Handler) {
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stateOf(r).route = route
		h.ServeHTTP(w, r)
	}))
}

// reqState is what the middleware learns while a request runs.
type reqState struct {
	// id starts as a fresh request id; handlers that go through Core
	// replace it with the id of Core's reply, so that the response, the
	// access log and Core's own log lines share one id.
	id    string
	route string
}

type stateKey struct{}

func stateOf(r *http.Request) *reqState {
	if st, ok := r.Context().Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{id: bot.NewRequestID()}
}

// ServeHTTP implements http.Handler: request id, security headers, panic
// recovery, access log and request metrics around the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	st := &reqState{id: bot.NewRequestID(), route: "not_found"}
	rw := &responseWriter{ResponseWriter: w, st: st}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
	defer func() {
		v := recover()
		if v == nil {
			s.finish(rw, r, start, nil)
			return
		}
		if v == http.ErrAbortHandler { // net/http's way to abort a response quietly
			s.finish(rw, r, start, nil)
			panic(v)
		}
		reply := s.core.Recovered(bot.PlatformHTTP, v)
		st.id = reply.RequestID
		if rw.status != 0 {
			// Too late for an error response: cut the connection so the
			// client does not take a truncated body for a whole one.
			s.finish(rw, r, start, debug.Stack())
			panic(http.ErrAbortHandler)
		}
		s.writeError(rw, r, http.StatusInternalServerError, reply.Message)
		s.finish(rw, r, start, debug.Stack())
	}()
	s.mux.ServeHTTP(rw, r)
}

// quietRoutes are polled by probes and scrapers: logged at debug level
// unless they fail.
var quietRoutes = map[string]bool{"healthz": true, "readyz": true, "metrics": true, "static": true}

func (s *Server) finish(rw *responseWriter, r *http.Request, start time.Time, stack []byte) {
	status := rw.status
	if status == 0 {
		status = http.StatusOK // net/http sends 200 for a handler that writes nothing
	}
	st := rw.st
	s.metrics.observeRequest(st.route, status)
	level := slog.LevelInfo
	switch {
	case stack != nil:
		level = slog.LevelError
	case status >= 500:
		level = slog.LevelWarn
	case status < 400 && quietRoutes[st.route]:
		level = slog.LevelDebug
	}
	if !s.log.Enabled(r.Context(), level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", st.id),
		slog.String("method", r.Method),
		slog.String("route", st.route),
		slog.Int("status", status),
		slog.Int64("bytes", rw.bytes),
		slog.Duration("latency", time.Since(start)),
		slog.String("client", s.clientAddr(r)),
	}
	if stack != nil {
		attrs = append(attrs, slog.String("stack", string(stack)))
	}
	s.log.LogAttrs(r.Context(), level, "http request", attrs...)
}

// auth requires the API key, when one is configured.
func (s *Server) auth(h http.Handler) http.Handler {
	if s.keyHash == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("X-API-Key")
		if key == "" {
			if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
				key = strings.TrimSpace(token)
			}
		}
		sum := sha256.Sum256([]byte(key))
		if key == "" || subtle.ConstantTimeCompare(sum[:], s.keyHash[:]) != 1 {
			msg := "missing API key: send it as \"Authorization: Bearer KEY\" or \"X-API-Key: KEY\""
			if key != "" {
				msg = "wrong API key"
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="dramabot"`)
			s.writeError(w, r, http.StatusUnauthorized, msg)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// clientKey is the rate-limit key of the client: its IP address, or its
// /64 for IPv6, since one host usually holds a whole /64.
func (s *Server) clientKey(r *http.Request) string {
	addr := s.clientAddr(r)
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.WithZone("").Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}

// clientAddr is the client's IP address as text.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		return host
	}
	// Walk the chain from the peer leftwards while the hops are trusted.
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage: keep the last address a trusted hop vouched for
		}
		peer = ip.Unmap()
		if !s.trusted(peer) {
			break
		}
	}
	return peer.String()
}

// trusted reports whether ip is one of the trusted proxies.
func (s *Server) trusted(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range s.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// HTTPServer returns an http.Server for s with timeouts suited to it, and
// net/http's own error log sent to the logger at warn level.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      s.askTimeout + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// responseWriter records the status and size for the access log, and sets
// X-Request-Id from the request state when the header goes out.
type responseWriter struct {
	http.ResponseWriter
	st     *reqState
	status int
	bytes  int64
}

func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
		w.Header().Set("X-Request-Id", w.st.id)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers (mounted ones, promhttp) flush.
func (w *responseWriter) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
