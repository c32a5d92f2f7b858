package discordtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// gwConn is one gateway connection.
type gwConn struct {
	ws    *websocket.Conn
	mu    sync.Mutex // gorilla allows one writer at a time
	ready bool
}

func (c *gwConn) send(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

func (c *gwConn) close(code int, text string) {
	c.mu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.mu.Unlock()
	c.ws.Close()
}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
}

func (s *Server) gatewayURL() string {
	return "ws" + strings.TrimPrefix(s.URL, "http") + "/gw"
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("v") == "" || r.URL.Query().Get("encoding") != "json" {
		http.Error(w, "missing v and encoding", http.StatusBadRequest)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws}
	s.mu.Lock()
	s.conns[c] = true
	s.connects++
	s.notify()
	s.mu.Unlock()
	defer func() {
		ws.Close()
		s.mu.Lock()
		delete(s.conns, c)
		if s.current == c {
			s.current = nil
		}
		s.notify()
		s.mu.Unlock()
	}()

	if c.send(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": s.hbMS}}) != nil {
		return
	}
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			c.close(4002, "Decode error")
			return
		}
		switch f.Op {
		case 1: // heartbeat
			s.mu.Lock()
			s.heartbeats++
			s.mu.Unlock()
			if c.send(map[string]any{"op": 11}) != nil {
				return
			}
		case 2:
			if !s.identify(c, f.D) {
				return
			}
		case 6:
			if !s.resume(c, f.D) {
				return
			}
		}
	}
}

// identify answers IDENTIFY with READY, or closes the connection the way
// Discord does for a bad token or a rejected identify.
func (s *Server) identify(c *gwConn, raw json.RawMessage) bool {
	var d struct {
		Token   string `json:"token"`
		Intents int    `json:"intents"`
		Shard   []int  `json:"shard"`
	}
	_ = json.Unmarshal(raw, &d)
	s.mu.Lock()
	s.identifies = append(s.identifies, Identify{Token: d.Token, Intents: d.Intents, Shard: d.Shard})
	reject := s.rejectCode
	s.seq = 0
	s.mu.Unlock()
	if d.Token != "Bot "+s.token {
		reject = 4004
	}
	if reject != 0 {
		c.close(reject, closeText(reject))
		return false
	}
	sessionID := "session-" + s.newID()
	ready := map[string]any{
		"v": 9, "session_id": sessionID,
		"user":        map[string]any{"id": BotUserID, "username": BotName, "discriminator": "0", "bot": true},
		"application": map[string]any{"id": AppID, "flags": 0},
		"guilds":      []any{}, "private_channels": []any{},
		"resume_gateway_url": s.gatewayURL(),
	}
	if d.Shard != nil {
		ready["shard"] = d.Shard
	}
	s.mu.Lock()
	s.sessions[sessionID] = true
	s.mu.Unlock()
	return s.becomeCurrent(c, "READY", ready)
}

func (s *Server) resume(c *gwConn, raw json.RawMessage) bool {
	var d struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	_ = json.Unmarshal(raw, &d)
	s.mu.Lock()
	s.resumes = append(s.resumes, Resume{Token: d.Token, SessionID: d.SessionID, Seq: d.Seq})
	reject := s.rejectCode
	known := s.sessions[d.SessionID]
	s.mu.Unlock()
	if d.Token != "Bot "+s.token {
		reject = 4004
	}
	if reject != 0 {
		c.close(reject, closeText(reject))
		return false
	}
	if !known {
		// Invalid session, not resumable: the client must identify again.
		return c.send(map[string]any{"op": 9, "d": false}) == nil
	}
	return s.becomeCurrent(c, "RESUMED", map[string]any{})
}

// becomeCurrent sends READY or RESUMED and makes c the connection that
// receives dispatches.
func (s *Server) becomeCurrent(c *gwConn, t string, d any) bool {
	s.mu.Lock()
	s.seq++
	seq := s.seq
	s.mu.Unlock()
	if c.send(map[string]any{"op": 0, "t": t, "s": seq, "d": d}) != nil {
		return false
	}
	s.mu.Lock()
	c.ready = true
	s.current = c
	s.notify()
	s.mu.Unlock()
	return true
}

func closeText(code int) string {
	switch code {
	case 4004:
		return "Authentication failed."
	case 4010:
		return "Invalid shard."
	case 4011:
		return "Sharding required."
	case 4012:
		return "Invalid API version."
	case 4013:
		return "Invalid intent(s)."
	case 4014:
		return "Disallowed intent(s)."
	}
	return "closed by the fake"
}

// Dispatch sends an op 0 event to the current gateway connection, waiting
// for one to be ready if needed.
func (s *Server) Dispatch(t testing.TB, eventType string, d any) {
	t.Helper()
	var c *gwConn
	if !s.wait(5*time.Second, func() bool { c = s.current; return c != nil && c.ready }) {
		t.Fatalf("dispatch %s: no ready gateway connection", eventType)
	}
	s.mu.Lock()
	s.seq++
	seq := s.seq
	s.mu.Unlock()
	if err := c.send(map[string]any{"op": 0, "t": eventType, "s": seq, "d": d}); err != nil {
		t.Fatalf("dispatch %s: %v", eventType, err)
	}
}

// SendRaw writes a raw text frame to the current connection.
func (s *Server) SendRaw(t testing.TB, frame string) {
	t.Helper()
	var c *gwConn
	if !s.wait(5*time.Second, func() bool { c = s.current; return c != nil && c.ready }) {
		t.Fatal("no ready gateway connection")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		t.Fatal(err)
	}
}

// AwaitSession waits until a gateway connection is ready (READY or RESUMED
// sent) and the client has counted at least the given connections.
func (s *Server) AwaitSession(t testing.TB, connects int) {
	t.Helper()
	if !s.wait(5*time.Second, func() bool {
		return s.current != nil && s.current.ready && s.connects >= connects
	}) {
		t.Fatalf("timed out waiting for a ready gateway session (connects so far: %d)", s.Connects())
	}
}

// CloseConn closes the current connection with a close code.
func (s *Server) CloseConn(code int) {
	s.mu.Lock()
	c := s.current
	s.current = nil
	s.mu.Unlock()
	if c != nil {
		c.close(code, closeText(code))
	}
}

// Drop cuts the current connection without a close frame, as a network
// failure would; the client should reconnect and RESUME.
func (s *Server) Drop() {
	s.mu.Lock()
	c := s.current
	s.current = nil
	s.mu.Unlock()
	if c != nil {
		c.ws.Close()
	}
}

// RejectIdentify makes every later IDENTIFY and RESUME close the connection
// with code (0 accepts again).
func (s *Server) RejectIdentify(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectCode = code
}

// Identifies returns the IDENTIFY payloads received.
func (s *Server) Identifies() []Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Identify(nil), s.identifies...)
}

// Resumes returns the RESUME payloads received.
func (s *Server) Resumes() []Resume {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Resume(nil), s.resumes...)
}

// Heartbeats returns how many heartbeats the client sent.
func (s *Server) Heartbeats() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heartbeats
}

// Connects returns how many gateway connections were opened.
func (s *Server) Connects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}

// Connected reports how many gateway connections are open now.
func (s *Server) Connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// AwaitDisconnected waits until no gateway connection is open.
func (s *Server) AwaitDisconnected(t testing.TB) {
	t.Helper()
	if !s.wait(5*time.Second, func() bool { return len(s.conns) == 0 }) {
		t.Fatalf("timed out waiting for the client to disconnect (%d open)", s.Connected())
	}
}
