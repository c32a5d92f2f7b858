package discordtest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// These tests speak the protocol by hand, to check the fake itself.

func dial(t *testing.T, s *Server) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(s.gatewayURL()+"/?v=9&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func read(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m map[string]any
	if err := ws.ReadJSON(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestHandshakeDispatchAndResume(t *testing.T) {
	s := New(t, Options{HeartbeatInterval: time.Second})
	ws := dial(t, s)
	if hello := read(t, ws); hello["op"] != 10.0 || hello["d"].(map[string]any)["heartbeat_interval"] != 1000.0 {
		t.Fatalf("hello = %v", hello)
	}
	_ = ws.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "Bot " + Token, "intents": 4609, "shard": []int{0, 2}}})
	ready := read(t, ws)
	d := ready["d"].(map[string]any)
	if ready["t"] != "READY" || ready["s"] != 1.0 || d["user"].(map[string]any)["id"] != BotUserID || d["application"].(map[string]any)["id"] != AppID {
		t.Fatalf("ready = %v", ready)
	}
	if id := s.Identifies(); len(id) != 1 || id[0].Intents != 4609 || len(id[0].Shard) != 2 {
		t.Errorf("identifies = %+v", id)
	}
	_ = ws.WriteJSON(map[string]any{"op": 1, "d": 1})
	if ack := read(t, ws); ack["op"] != 11.0 {
		t.Errorf("heartbeat answer = %v", ack)
	}
	it := s.SendCommand(t, From{UserID: "1", ChannelID: "2"}, "ask", map[string]string{"question": "q"})
	ev := read(t, ws)
	if ev["t"] != "INTERACTION_CREATE" || ev["s"] != 2.0 || ev["d"].(map[string]any)["token"] != it.Token {
		t.Errorf("dispatch = %v", ev)
	}

	s.Drop()
	ws2 := dial(t, s)
	read(t, ws2)
	_ = ws2.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": "Bot " + Token, "session_id": d["session_id"], "seq": 2}})
	if r := read(t, ws2); r["t"] != "RESUMED" {
		t.Errorf("resume answer = %v", r)
	}
	// An unknown session cannot be resumed: op 9.
	ws3 := dial(t, s)
	read(t, ws3)
	_ = ws3.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": "Bot " + Token, "session_id": "nope", "seq": 2}})
	if r := read(t, ws3); r["op"] != 9.0 {
		t.Errorf("bad resume answer = %v", r)
	}
}

func TestCloseCodes(t *testing.T) {
	s := New(t, Options{})
	ws := dial(t, s)
	read(t, ws)
	_ = ws.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "Bot wrong"}})
	_, _, err := ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4004 {
		t.Errorf("bad token: %v, want close 4004", err)
	}
	s.RejectIdentify(4014)
	ws = dial(t, s)
	read(t, ws)
	_ = ws.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "Bot " + Token}})
	if _, _, err := ws.ReadMessage(); !errors.As(err, &ce) || ce.Code != 4014 {
		t.Errorf("rejected identify: %v, want close 4014", err)
	}
}

func TestInteractionCallbacksBehaveLikeDiscord(t *testing.T) {
	s := New(t, Options{})
	ws := dial(t, s)
	read(t, ws)
	_ = ws.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "Bot " + Token}})
	read(t, ws)
	it := s.SendCommand(t, From{UserID: "1", ChannelID: "2"}, "ask", nil)
	post := func(method, path, body string) int {
		req, _ := http.NewRequest(method, s.URL+"/api/v9"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bot "+Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	original := "/webhooks/" + AppID + "/" + it.Token + "/messages/@original"
	if got := post("PATCH", original, `{"content":"x"}`); got != 404 {
		t.Errorf("edit before the callback = %d, want 404", got)
	}
	if got := post("POST", "/interactions/"+it.ID+"/"+it.Token+"/callback", `{"type":5}`); got != 204 {
		t.Errorf("callback = %d", got)
	}
	if got := post("POST", "/interactions/"+it.ID+"/"+it.Token+"/callback", `{"type":5}`); got != 400 {
		t.Errorf("second callback = %d, want 400 (already acknowledged)", got)
	}
	if got := post("PATCH", original, `{"content":"x"}`); got != 200 {
		t.Errorf("edit = %d", got)
	}
	if got := post("DELETE", original, ""); got != 204 {
		t.Errorf("delete = %d", got)
	}
	if got := post("PATCH", original, `{"content":"x"}`); got != 404 {
		t.Errorf("edit after delete = %d, want 404", got)
	}
	if got := post("POST", "/channels/1/messages", `{"content":"`+strings.Repeat("x", 2001)+`"}`); got != 400 {
		t.Errorf("2001 characters = %d, want 400", got)
	}
	calls := s.AwaitCalls(t, 2, For(it))
	var body map[string]any
	_ = json.Unmarshal(calls[0].Body, &body)
	if calls[0].Route != RouteEditOriginal || calls[0].Status != 404 || body["content"] != "x" {
		t.Errorf("first recorded call = %+v", calls[0])
	}
}
