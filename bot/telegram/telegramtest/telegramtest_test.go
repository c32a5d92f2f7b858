package telegramtest

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseHTML(t *testing.T) {
	tests := []struct {
		in, plain string
		bad       bool
	}{
		{in: "plain", plain: "plain"},
		{in: `<b>a</b> &lt;&gt;&amp;&quot;&#34;&#x27; <a href="https://x.org/?a=1&amp;b=2">l</a>`, plain: `a <>&""' l`},
		{in: "<blockquote expandable>q</blockquote><span class=\"tg-spoiler\">s</span>", plain: "qs"},
		{in: "<b><i>x</i></b>", plain: "x"},
		{in: "<b>x", bad: true},
		{in: "<b><i>x</b></i>", bad: true},
		{in: "x</b>", bad: true},
		{in: "<script>x</script>", bad: true},
		{in: "<a>x</a>", bad: true},
		{in: `<a href="x" onclick="y">x</a>`, bad: true},
		{in: "a & b", bad: true},
		{in: "a < b", bad: true},
		{in: "a > b", bad: true},
		{in: "&nbsp;", bad: true},
		{in: "<span>x</span>", bad: true},
		{in: "\xff", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseHTML(tt.in)
		if (err != nil) != tt.bad || got != tt.plain {
			t.Errorf("ParseHTML(%q) = %q, %v; want %q, bad=%v", tt.in, got, err, tt.plain, tt.bad)
		}
	}
}

func TestEntitiesCountUTF16(t *testing.T) {
	got := entities("/ask@DramaTestBot 😀 hi @DramaTestBot")
	want := []MessageEntity{{Type: "bot_command", Offset: 0, Length: 17}, {Type: "mention", Offset: 24, Length: 13}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// call posts form fields to the fake like a client would.
func call(t *testing.T, s *Server, method, contentType string, body []byte) map[string]any {
	t.Helper()
	resp, err := http.Post(s.URL+"/bot"+s.Token+"/"+method, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestServerReadsEveryEncoding(t *testing.T) {
	s := New(t, Options{})
	s.Push(Private(Alice, "hi"))
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("chat_id", "1001")
	_ = w.WriteField("text", "<b>multipart</b>")
	_ = w.WriteField("parse_mode", "HTML")
	_ = w.Close()
	bodies := []struct{ ct, body string }{
		{w.FormDataContentType(), mp.String()},
		{"application/x-www-form-urlencoded", url.Values{"chat_id": {"1001"}, "text": {"form"}}.Encode()},
		{"application/json", `{"chat_id":1001,"text":"json","link_preview_options":{"is_disabled":true}}`},
	}
	for _, b := range bodies {
		if out := call(t, s, "sendMessage", b.ct, []byte(b.body)); out["ok"] != true {
			t.Errorf("%s: %v", b.ct, out)
		}
	}
	var got []string
	for _, m := range s.Sent(Alice.ID) {
		got = append(got, m.Plain)
	}
	if strings.Join(got, ",") != "multipart,form,json" || !s.Sent(0)[2].LinkPreviewDisabled {
		t.Errorf("sent %q", got)
	}
}

func TestServerRejectsWhatTelegramRejects(t *testing.T) {
	s := New(t, Options{})
	s.Push(Private(Alice, "hi"))
	form := func(kv ...string) []byte {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return []byte(v.Encode())
	}
	const ct = "application/x-www-form-urlencoded"
	tests := []struct {
		name, method string
		body         []byte
		want         string
	}{
		{"unknown chat", "sendMessage", form("chat_id", "5", "text", "x"), "chat not found"},
		{"bad HTML", "sendMessage", form("chat_id", "1001", "text", "<b>x", "parse_mode", "HTML"), "can't parse entities"},
		{"too long", "sendMessage", form("chat_id", "1001", "text", strings.Repeat("😀", 2049)), "message is too long"},
		{"empty", "sendMessage", form("chat_id", "1001", "text", " "), "message text is empty"},
		{"missing reply", "sendMessage", form("chat_id", "1001", "text", "x", "reply_parameters", `{"message_id":99}`), "message to be replied not found"},
		{"bad command", "setMyCommands", form("commands", `[{"command":"Ask","description":"x"}]`), "BOT_COMMAND_INVALID"},
		{"unknown query", "answerInlineQuery", form("inline_query_id", "nope", "results", "[]"), "query is too old"},
		{"bad secret", "setWebhook", form("url", "https://x.org/h", "secret_token", "a b"), "unallowed characters"},
		{"unknown method", "sendTelepathy", nil, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := call(t, s, tt.method, ct, tt.body)
			if desc, _ := out["description"].(string); out["ok"] != false || !strings.Contains(desc, tt.want) {
				t.Errorf("got %v, want an error containing %q", out, tt.want)
			}
		})
	}
	if resp, err := http.Post(s.URL+"/botWRONG/getMe", ct, nil); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %v %v, want 401", resp, err)
	}
}

func TestGetUpdatesConfirmsAndFilters(t *testing.T) {
	s := New(t, Options{})
	s.Push(Private(Alice, "one"))
	s.PushInlineQuery(Alice, "q")
	s.Push(Private(Alice, "two"))
	get := func(kv ...string) []Update {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		out := call(t, s, "getUpdates", "application/x-www-form-urlencoded", []byte(v.Encode()))
		b, _ := json.Marshal(out["result"])
		var ups []Update
		_ = json.Unmarshal(b, &ups)
		return ups
	}
	if ups := get("allowed_updates", `["message"]`); len(ups) != 2 || ups[1].Message.Text != "two" {
		t.Fatalf("got %+v, want the two messages and not the inline query", ups)
	}
	if ups := get("offset", "3"); len(ups) != 1 || s.Pending() != 1 {
		t.Fatalf("offset 3: got %d updates, %d pending; want 1, 1", len(ups), s.Pending())
	}
	begin := time.Now()
	if ups := get("offset", "4", "timeout", "1"); len(ups) != 0 || time.Since(begin) < 900*time.Millisecond {
		t.Errorf("long poll returned %d updates after %s, want none after 1 s", len(ups), time.Since(begin))
	}
}

func TestFaults(t *testing.T) {
	s := New(t, Options{})
	s.Fail("getMe", 1, TooManyRequests(3))
	out := call(t, s, "getMe", "", nil)
	params, _ := out["parameters"].(map[string]any)
	if out["error_code"] != float64(429) || params["retry_after"] != float64(3) {
		t.Errorf("got %v, want a 429 with retry_after 3", out)
	}
	if out := call(t, s, "getMe", "", nil); out["ok"] != true {
		t.Errorf("the fault outlived its count: %v", out)
	}
	s.FailFor("*", time.Hour, ServerError(503))
	if out := call(t, s, "getMe", "", nil); out["error_code"] != float64(503) {
		t.Errorf("outage: got %v", out)
	}
	s.ClearFaults()
	if out := call(t, s, "getMe", "", nil); out["ok"] != true {
		t.Errorf("after ClearFaults: %v", out)
	}
}
