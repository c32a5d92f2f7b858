// Package discordtest is an in-process fake of Discord for tests of
// bot/discord: an httptest REST API that records every call, and a websocket
// gateway that speaks the part of the protocol a bot needs (HELLO, IDENTIFY,
// RESUME, READY, heartbeats, dispatch, close codes).
//
// It deliberately does not import discordgo: it checks the client against
// Discord's wire format, not against the client's own structs.
//
// Point a bot at it by using Server.URL as the REST base (bot/discord's
// Config.APIURL); /gateway and /gateway/bot then hand out the fake gateway.
package discordtest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Identities of the fake bot.
const (
	BotUserID = "100000000000000001"
	BotName   = "dramabot"
	AppID     = "200000000000000002"
	// Token is the bot token the fake accepts unless Options.Token says otherwise.
	Token = "fake-token"
)

// InteractionDeadline is how long after dispatch the fake accepts the first
// interaction callback, as Discord does.
const InteractionDeadline = 3 * time.Second

// Options configures a Server. The zero value is usable.
type Options struct {
	Token string // accepted bot token, without "Bot "; default Token
	// HeartbeatInterval is sent in HELLO; default 45 s.
	HeartbeatInterval time.Duration
}

// Route classifies a recorded REST call.
type Route string

// Routes the fake serves.
const (
	RouteGateway        Route = "gateway"
	RouteGatewayBot     Route = "gateway_bot"
	RouteCommands       Route = "commands"        // PUT bulk overwrite
	RouteMessage        Route = "channel_message" // POST /channels/{id}/messages
	RouteCallback       Route = "interaction_callback"
	RouteEditOriginal   Route = "edit_original"   // PATCH /webhooks/{app}/{token}/messages/@original
	RouteDeleteOriginal Route = "delete_original" // DELETE the same
	RouteFollowup       Route = "followup"        // POST /webhooks/{app}/{token}
	RouteReaction       Route = "reaction"        // PUT /channels/{id}/messages/{id}/reactions/{emoji}/@me
	RouteThread         Route = "thread_start"    // POST /channels/{id}/messages/{id}/threads
	RouteUnknown        Route = "unknown"
)

// Call is one recorded REST request.
type Call struct {
	Route  Route
	Method string
	Path   string // without the /api/vN prefix
	Query  url.Values
	Auth   string
	Body   json.RawMessage // nil without a body
	Status int             // the status the fake answered with
	// Interaction is the id of the interaction a callback or webhook call
	// belongs to; ChannelID is set for channel messages.
	Interaction string
	ChannelID   string
	// MessageID is the id of the message a successful call created or
	// edited, as the fake answered it.
	MessageID string
	At        time.Time
	// Files are the files a multipart call attached (files[n] parts);
	// Body is then its payload_json part.
	Files []File
}

// File is a file attached to a message.
type File struct {
	Field, Name, ContentType string
	Data                     []byte
}

// Message returns the message object a call sends: the body itself, or
// the "data" of an interaction callback. It is nil for calls without one.
func (c Call) Message() map[string]any {
	var m map[string]any
	if json.Unmarshal(c.Body, &m) != nil {
		return nil
	}
	if c.Route == RouteCallback {
		d, _ := m["data"].(map[string]any)
		return d
	}
	return m
}

// CallbackType returns the "type" of an interaction callback.
func (c Call) CallbackType() int {
	var m struct {
		Type int `json:"type"`
	}
	_ = json.Unmarshal(c.Body, &m)
	return m.Type
}

// SendsMessage reports whether the call creates or edits a message (and so
// must carry allowed_mentions).
func (c Call) SendsMessage() bool {
	switch c.Route {
	case RouteMessage, RouteCallback, RouteEditOriginal, RouteFollowup:
		return true
	}
	return false
}

// Identify is a recorded IDENTIFY payload.
type Identify struct {
	Token   string
	Intents int
	Shard   []int // nil when the client sent none
}

// Resume is a recorded RESUME payload.
type Resume struct {
	Token     string
	SessionID string
	Seq       int64
}

// From says who sends an event and where. An empty GuildID means a DM.
type From struct {
	UserID, Username string
	GuildID          string
	ChannelID        string
}

// Interaction identifies a dispatched interaction.
type Interaction struct {
	ID, Token string
}

type interactionState struct {
	dispatched time.Time
	acked      bool
	deleted    bool
}

type injected struct {
	status  int
	body    string
	headers map[string]string
}

// Server is a fake Discord. It is safe for concurrent use.
type Server struct {
	URL   string // http://127.0.0.1:port; REST lives under /api/v9
	token string
	hbMS  int64
	srv   *httptest.Server

	mu           sync.Mutex
	changed      chan struct{} // closed and replaced on every change
	calls        []Call
	inject       map[Route][]injected
	interactions map[string]*interactionState // by token
	nextID       int64
	seq          int64
	conns        map[*gwConn]bool
	current      *gwConn // the connection that got READY or RESUMED last
	sessions     map[string]bool
	identifies   []Identify
	resumes      []Resume
	heartbeats   int
	connects     int
	rejectCode   int
	// attachments are the files users attached, by path under
	// /attachments/; downloads counts their downloads.
	attachments map[string][]byte
	downloads   map[string]int
}

// New starts a fake Discord on 127.0.0.1 and stops it when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = Token
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = 45 * time.Second
	}
	s := &Server{
		token:        opts.Token,
		hbMS:         opts.HeartbeatInterval.Milliseconds(),
		changed:      make(chan struct{}),
		inject:       map[Route][]injected{},
		interactions: map[string]*interactionState{},
		nextID:       300000000000000000,
		conns:        map[*gwConn]bool{},
		sessions:     map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/gw", s.serveGateway)
	mux.HandleFunc("/gw/", s.serveGateway)
	mux.HandleFunc("/api/", s.serveREST)
	mux.HandleFunc("/attachments/", s.serveAttachment)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// PlaceholderURL is the REST base of an in-memory server: nothing listens
// there, its Client hands requests to the fake directly.
const PlaceholderURL = "http://127.0.0.1:9"

// NewInMemory returns a fake REST API that listens nowhere and has no
// gateway: pass Client() as the bot's HTTP client and s.URL as its API URL,
// and hand events to the bot's handlers with Interaction. Inside a
// testing/synctest bubble fake time then drives timers and recorded times.
func NewInMemory(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = Token
	}
	s := &Server{
		URL:          PlaceholderURL,
		token:        opts.Token,
		changed:      make(chan struct{}),
		inject:       map[Route][]injected{},
		interactions: map[string]*interactionState{},
		nextID:       300000000000000000,
		conns:        map[*gwConn]bool{},
		sessions:     map[string]bool{},
	}
	return s
}

// Client returns an HTTP client that hands REST requests straight to the
// fake, without a network.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: inMemory{http.HandlerFunc(s.serveREST)}}
}

type inMemory struct{ h http.Handler }

func (m inMemory) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	return rec.Result(), nil
}

// Interaction registers an interaction as dispatched and returns it with
// the INTERACTION_CREATE payload ("d") that the gateway would carry, for a
// test that hands it to the bot's handler itself.
func (s *Server) Interaction(from From, typ int, data, message map[string]any) (Interaction, json.RawMessage) {
	id := s.newID()
	it := Interaction{ID: id, Token: "tok-" + id}
	d := interactionPayload(it, from, typ, data, message)
	s.mu.Lock()
	s.interactions[it.Token] = &interactionState{dispatched: time.Now()}
	s.mu.Unlock()
	raw, _ := json.Marshal(d)
	return it, raw
}

// CommandData is the data of a slash command with string options.
func (s *Server) CommandData(name string, options map[string]string) map[string]any {
	opts := []any{}
	for k, v := range options {
		opts = append(opts, map[string]any{"name": k, "type": 3, "value": v})
	}
	return map[string]any{"id": s.newID(), "name": name, "type": 1, "options": opts}
}

// Close stops the server and drops every gateway connection.
func (s *Server) Close() {
	s.mu.Lock()
	conns := make([]*gwConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.ws.Close()
	}
	if s.srv != nil {
		s.srv.Close()
	}
}

// notify wakes waiters; s.mu must be held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait blocks until cond (called with s.mu held) is true or the timeout
// passes, and reports which.
func (s *Server) wait(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}

func (s *Server) newID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

// ---- REST ----

var (
	reVersion   = regexp.MustCompile(`^/api/v\d+`)
	reCommands  = regexp.MustCompile(`^/applications/([^/]+)(?:/guilds/[^/]+)?/commands$`)
	reMessages  = regexp.MustCompile(`^/channels/([^/]+)/messages$`)
	reCallback  = regexp.MustCompile(`^/interactions/([^/]+)/([^/]+)/callback$`)
	reOriginal  = regexp.MustCompile(`^/webhooks/([^/]+)/([^/]+)/messages/@original$`)
	reFollowup  = regexp.MustCompile(`^/webhooks/([^/]+)/([^/]+)$`)
	reReaction  = regexp.MustCompile(`^/channels/([^/]+)/messages/([^/]+)/reactions/([^/]+)/@me$`)
	reThread    = regexp.MustCompile(`^/channels/([^/]+)/messages/([^/]+)/threads$`)
	errNotFound = `{"message": "404: Not Found", "code": 0}`
)

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	var body []byte
	var files []File
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		// A message with files: its JSON is the payload_json part.
		if err := r.ParseMultipartForm(25 << 20); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"message": "Invalid Form Body", "code": 50035}`)
			return
		}
		body = []byte(r.FormValue("payload_json"))
		for field, fhs := range r.MultipartForm.File {
			for _, fh := range fhs {
				f, err := fh.Open()
				if err != nil {
					continue
				}
				data, _ := io.ReadAll(f)
				f.Close()
				files = append(files, File{Field: field, Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
			}
		}
	} else {
		body, _ = io.ReadAll(r.Body)
	}
	path := reVersion.ReplaceAllString(r.URL.Path, "")
	call := Call{Method: r.Method, Path: path, Query: r.URL.Query(), Auth: r.Header.Get("Authorization"), At: time.Now(), Files: files}
	if len(body) > 0 {
		call.Body = json.RawMessage(body)
	}
	status, resp := s.route(&call, r)
	if status < 300 && call.SendsMessage() {
		var m struct {
			ID string `json:"id"`
		}
		if json.Unmarshal([]byte(resp), &m) == nil {
			call.MessageID = m.ID
		}
	}
	s.mu.Lock()
	if inj := s.inject[call.Route]; len(inj) > 0 && status < 300 {
		s.inject[call.Route] = inj[1:]
		status, resp = inj[0].status, inj[0].body
		for k, v := range inj[0].headers {
			w.Header().Set(k, v)
		}
		if call.Route == RouteCallback { // a refused callback did not acknowledge
			if st := s.interactions[tokenOf(path)]; st != nil {
				st.acked = false
			}
		}
	}
	call.Status = status
	s.calls = append(s.calls, call)
	s.notify()
	s.mu.Unlock()
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, resp)
}

func tokenOf(path string) string {
	if m := reCallback.FindStringSubmatch(path); m != nil {
		return m[2]
	}
	return ""
}

// route answers one REST call and fills in its Route.
func (s *Server) route(c *Call, r *http.Request) (int, string) {
	if c.Path == "/gateway" && c.Method == http.MethodGet {
		c.Route = RouteGateway
		return 200, fmt.Sprintf(`{"url": %q}`, s.gatewayURL())
	}
	if c.Auth != "Bot "+s.token {
		c.Route = RouteUnknown
		return 401, `{"message": "401: Unauthorized", "code": 0}`
	}
	switch {
	case c.Path == "/gateway/bot" && c.Method == http.MethodGet:
		c.Route = RouteGatewayBot
		return 200, fmt.Sprintf(`{"url": %q, "shards": 1, "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}}`, s.gatewayURL())
	case reCommands.MatchString(c.Path) && c.Method == http.MethodPut:
		c.Route = RouteCommands
		if reCommands.FindStringSubmatch(c.Path)[1] != AppID {
			return 403, `{"message": "Missing Access", "code": 50001}`
		}
		var cmds []map[string]any
		if json.Unmarshal(c.Body, &cmds) != nil {
			return 400, `{"message": "Invalid Form Body", "code": 50035}`
		}
		for _, cmd := range cmds {
			cmd["id"] = s.newID()
			cmd["application_id"] = AppID
		}
		out, _ := json.Marshal(cmds)
		return 200, string(out)
	case reReaction.MatchString(c.Path) && c.Method == http.MethodPut:
		c.Route = RouteReaction
		c.ChannelID = reReaction.FindStringSubmatch(c.Path)[1]
		return http.StatusNoContent, ""
	case reThread.MatchString(c.Path) && c.Method == http.MethodPost:
		c.Route = RouteThread
		m := reThread.FindStringSubmatch(c.Path)
		c.ChannelID = m[1]
		var body struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(c.Body, &body) != nil || body.Name == "" || len([]rune(body.Name)) > 100 {
			return 400, `{"message": "Invalid Form Body", "code": 50035}`
		}
		// A thread started on a message has the message's id.
		out, _ := json.Marshal(map[string]any{"id": m[2], "type": 11, "parent_id": m[1], "name": body.Name})
		return 201, string(out)
	case reMessages.MatchString(c.Path) && c.Method == http.MethodPost:
		c.Route = RouteMessage
		c.ChannelID = reMessages.FindStringSubmatch(c.Path)[1]
		return s.message(c.ChannelID, c.Body)
	case reCallback.MatchString(c.Path) && c.Method == http.MethodPost:
		c.Route = RouteCallback
		m := reCallback.FindStringSubmatch(c.Path)
		c.Interaction = m[1]
		return s.callback(m[2])
	case reOriginal.MatchString(c.Path) && (c.Method == http.MethodPatch || c.Method == http.MethodDelete):
		m := reOriginal.FindStringSubmatch(c.Path)
		c.Route = RouteEditOriginal
		if c.Method == http.MethodDelete {
			c.Route = RouteDeleteOriginal
		}
		c.Interaction = s.interactionID(m[2])
		return s.original(c, m[1], m[2])
	case reFollowup.MatchString(c.Path) && c.Method == http.MethodPost:
		c.Route = RouteFollowup
		m := reFollowup.FindStringSubmatch(c.Path)
		c.Interaction = s.interactionID(m[2])
		if st, code, msg := s.webhook(m[1], m[2]); st == nil {
			return code, msg
		}
		return s.message("", c.Body)
	}
	c.Route = RouteUnknown
	return 404, errNotFound
}

// message answers a created message with a Message object.
func (s *Server) message(channelID string, body []byte) (int, string) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return 400, `{"message": "Cannot send an empty message", "code": 50006}`
	}
	if content, _ := m["content"].(string); len([]rune(content)) > 2000 {
		return 400, `{"message": "Invalid Form Body", "code": 50035, "errors": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}}}`
	}
	m["id"] = s.newID()
	m["channel_id"] = channelID
	m["type"] = 0
	m["timestamp"] = time.Now().UTC().Format(time.RFC3339)
	m["author"] = map[string]any{"id": BotUserID, "username": BotName, "bot": true}
	delete(m, "allowed_mentions")
	delete(m, "message_reference")
	out, _ := json.Marshal(m)
	return 200, string(out)
}

func (s *Server) callback(token string) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.interactions[token]
	if st == nil || time.Since(st.dispatched) > InteractionDeadline {
		return 404, `{"message": "Unknown interaction", "code": 10062}`
	}
	if st.acked {
		return 400, `{"message": "Interaction has already been acknowledged.", "code": 40060}`
	}
	st.acked = true
	return http.StatusNoContent, ""
}

// webhook checks an interaction webhook: the token must belong to an
// acknowledged interaction.
func (s *Server) webhook(appID, token string) (*interactionState, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.interactions[token]
	if appID != AppID || st == nil {
		return nil, 404, `{"message": "Unknown Webhook", "code": 10015}`
	}
	if !st.acked {
		return nil, 404, `{"message": "Unknown Webhook", "code": 10015}`
	}
	return st, 0, ""
}

func (s *Server) original(c *Call, appID, token string) (int, string) {
	st, code, msg := s.webhook(appID, token)
	if st == nil {
		return code, msg
	}
	s.mu.Lock()
	deleted := st.deleted
	if c.Method == http.MethodDelete {
		st.deleted = true
	}
	s.mu.Unlock()
	if deleted {
		return 404, `{"message": "Unknown Message", "code": 10008}`
	}
	if c.Method == http.MethodDelete {
		return http.StatusNoContent, ""
	}
	return s.message("", c.Body)
}

func (s *Server) interactionID(token string) string {
	// Tokens are "tok-<id>", see dispatchInteraction.
	return strings.TrimPrefix(token, "tok-")
}

// FailNext makes the next n calls on route answer with status and body
// instead of succeeding.
func (s *Server) FailNext(route Route, n, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.inject[route] = append(s.inject[route], injected{status: status, body: body})
	}
}

// RateLimitNext makes the next n calls on route answer 429 with Discord's
// rate-limit body and headers, asking to retry after the given delay.
func (s *Server) RateLimitNext(route Route, n int, retryAfter time.Duration) {
	secs := strconv.FormatFloat(retryAfter.Seconds(), 'f', 3, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.inject[route] = append(s.inject[route], injected{
			status: http.StatusTooManyRequests,
			body:   `{"message": "You are being rate limited.", "retry_after": ` + secs + `, "global": false}`,
			headers: map[string]string{
				"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
				"X-RateLimit-Reset-After": secs, "X-RateLimit-Bucket": "fake", "Retry-After": "1",
			},
		})
	}
}

// Calls returns the REST calls recorded so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// AwaitCalls waits until at least n recorded calls satisfy match and
// returns those calls; it fails the test after a timeout.
func (s *Server) AwaitCalls(t testing.TB, n int, match func(Call) bool) []Call {
	t.Helper()
	var got []Call
	ok := s.wait(5*time.Second, func() bool {
		got = got[:0]
		for _, c := range s.calls {
			if match(c) {
				got = append(got, c)
			}
		}
		return len(got) >= n
	})
	if !ok {
		t.Fatalf("timed out waiting for %d matching REST calls, have %d; all calls:\n%s", n, len(got), s.describe())
	}
	return got
}

// For matches calls that belong to an interaction.
func For(it Interaction) func(Call) bool {
	return func(c Call) bool { return c.Interaction == it.ID }
}

// InChannel matches messages created in a channel.
func InChannel(id string) func(Call) bool {
	return func(c Call) bool { return c.Route == RouteMessage && c.ChannelID == id }
}

// OnRoute matches calls on a route.
func OnRoute(r Route) func(Call) bool {
	return func(c Call) bool { return c.Route == r }
}

func (s *Server) describe() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, c := range s.calls {
		fmt.Fprintf(&b, "  %s %s %s -> %d %s\n", c.Route, c.Method, c.Path, c.Status, c.Body)
	}
	return b.String()
}

// ---- events ----

// SendMessage dispatches MESSAGE_CREATE and returns the message id. With
// mentionBot the message mentions the bot (in Mentions; put "<@BotUserID>"
// in content yourself if the test needs it there).
func (s *Server) SendMessage(t testing.TB, from From, content string, mentionBot bool) string {
	t.Helper()
	id := s.newID()
	mentions := []any{}
	if mentionBot {
		mentions = append(mentions, map[string]any{"id": BotUserID, "username": BotName, "bot": true})
	}
	d := map[string]any{
		"id": id, "channel_id": from.ChannelID, "type": 0, "content": content,
		"timestamp": time.Now().UTC().Format(time.RFC3339), "mentions": mentions,
		"author": user(from), "mention_everyone": false, "tts": false, "pinned": false,
	}
	if from.GuildID != "" {
		d["guild_id"] = from.GuildID
	}
	s.Dispatch(t, "MESSAGE_CREATE", d)
	return id
}

// SendAttachment dispatches MESSAGE_CREATE for a message with one
// attached file, served by the fake (as Discord's CDN would) at the URL
// the message gives, and returns the message id. size, when larger than
// data, is the size the message reports.
func (s *Server) SendAttachment(t testing.TB, from From, content, name, contentType string, data []byte, size int) string {
	t.Helper()
	id := s.newID()
	fileID := s.newID()
	p := "/attachments/" + from.ChannelID + "/" + fileID + "/" + name
	s.mu.Lock()
	if s.attachments == nil {
		s.attachments, s.downloads = map[string][]byte{}, map[string]int{}
	}
	s.attachments[p] = data
	s.mu.Unlock()
	d := map[string]any{
		"id": id, "channel_id": from.ChannelID, "type": 0, "content": content,
		"timestamp": time.Now().UTC().Format(time.RFC3339), "mentions": []any{},
		"author": user(from), "mention_everyone": false, "tts": false, "pinned": false,
		"attachments": []any{map[string]any{
			"id": fileID, "filename": name, "content_type": contentType, "size": max(size, len(data)),
			"url": s.URL + p + "?ex=1&is=2&hm=signature", "proxy_url": s.URL + p,
		}},
	}
	if from.GuildID != "" {
		d["guild_id"] = from.GuildID
	}
	s.Dispatch(t, "MESSAGE_CREATE", d)
	return id
}

// AttachmentDownloads is how many times the attachment named name was
// downloaded.
func (s *Server) AttachmentDownloads(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.downloads {
		if path.Base(p) == name {
			n += c
		}
	}
	return n
}

func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	data, ok := s.attachments[r.URL.Path]
	if ok {
		s.downloads[r.URL.Path]++
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(data)
}

// SendReply dispatches MESSAGE_CREATE for a reply (type 19) to the bot's
// message replyTo, with the reply ping (the bot in mentions) or without,
// and returns the message id. Discord includes the replied message.
func (s *Server) SendReply(t testing.TB, from From, content, replyTo string, ping bool) string {
	t.Helper()
	id := s.newID()
	mentions := []any{}
	if ping {
		mentions = append(mentions, map[string]any{"id": BotUserID, "username": BotName, "bot": true})
	}
	d := map[string]any{
		"id": id, "channel_id": from.ChannelID, "type": 19, "content": content,
		"timestamp": time.Now().UTC().Format(time.RFC3339), "mentions": mentions,
		"author": user(from), "mention_everyone": false, "tts": false, "pinned": false,
		"message_reference": map[string]any{"message_id": replyTo, "channel_id": from.ChannelID, "guild_id": from.GuildID},
		"referenced_message": map[string]any{
			"id": replyTo, "channel_id": from.ChannelID, "type": 0, "content": "",
			"author":    map[string]any{"id": BotUserID, "username": BotName, "bot": true},
			"timestamp": time.Now().UTC().Format(time.RFC3339), "mentions": []any{},
		},
	}
	if from.GuildID != "" {
		d["guild_id"] = from.GuildID
	}
	s.Dispatch(t, "MESSAGE_CREATE", d)
	return id
}

// SendCommand dispatches INTERACTION_CREATE for a slash command with
// string options.
func (s *Server) SendCommand(t testing.TB, from From, name string, options map[string]string) Interaction {
	t.Helper()
	return s.dispatchInteraction(t, from, 2, s.CommandData(name, options), nil)
}

// ClickButton dispatches INTERACTION_CREATE for a button press on a bot
// message.
func (s *Server) ClickButton(t testing.TB, from From, customID string) Interaction {
	t.Helper()
	msg := map[string]any{
		"id": s.newID(), "channel_id": from.ChannelID, "type": 0, "content": "",
		"timestamp": time.Now().UTC().Format(time.RFC3339),
		"author":    map[string]any{"id": BotUserID, "username": BotName, "bot": true},
	}
	return s.dispatchInteraction(t, from, 3, map[string]any{"custom_id": customID, "component_type": 2}, msg)
}

// DispatchInteraction dispatches INTERACTION_CREATE with raw data; for
// unusual payloads.
func (s *Server) DispatchInteraction(t testing.TB, from From, typ int, data, message map[string]any) Interaction {
	t.Helper()
	return s.dispatchInteraction(t, from, typ, data, message)
}

func (s *Server) dispatchInteraction(t testing.TB, from From, typ int, data, message map[string]any) Interaction {
	t.Helper()
	id := s.newID()
	it := Interaction{ID: id, Token: "tok-" + id}
	d := interactionPayload(it, from, typ, data, message)
	s.mu.Lock()
	s.interactions[it.Token] = &interactionState{dispatched: time.Now()}
	s.mu.Unlock()
	s.Dispatch(t, "INTERACTION_CREATE", d)
	return it
}

func interactionPayload(it Interaction, from From, typ int, data, message map[string]any) map[string]any {
	d := map[string]any{
		"id": it.ID, "application_id": AppID, "type": typ, "token": it.Token, "version": 1,
		"channel_id": from.ChannelID, "data": data, "locale": "en-US",
	}
	if message != nil {
		d["message"] = message
	}
	if from.GuildID != "" {
		d["guild_id"] = from.GuildID
		d["member"] = map[string]any{"user": user(from), "roles": []any{}}
	} else {
		d["user"] = user(from)
	}
	return d
}

func user(from From) map[string]any {
	name := from.Username
	if name == "" {
		name = "user" + from.UserID
	}
	return map[string]any{"id": from.UserID, "username": name, "discriminator": "0", "bot": false}
}
