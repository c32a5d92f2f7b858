package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAskConversation: POST /v1/ask returns a conversation id, and a
// question sent with it follows up on the answer before.
func TestAskConversation(t *testing.T) {
	e := newEnv(t, envOptions{})
	post := func(body map[string]string) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		r := e.do("POST", "/v1/ask", strings.NewReader(string(b)), map[string]string{"Content-Type": "application/json"})
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var out map[string]any
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	first := post(map[string]string{"question": "How many jobs has the mini series boom created?"})
	conv, _ := first["conversation"].(string)
	if conv == "" {
		t.Fatalf("no conversation id in %v", first)
	}
	follow := post(map[string]string{"question": "and in 2023?", "conversation": conv})
	if follow["understood_as"] != "How many jobs has the mini series boom created in 2023?" || follow["conversation"] != conv {
		t.Errorf("follow-up: understood as %v in %v", follow["understood_as"], follow["conversation"])
	}
	lost := post(map[string]string{"question": "and in 2022?", "conversation": "unknown"})
	if text, _ := lost["answer"].(string); !strings.Contains(text, "full question") {
		t.Errorf("a follow-up in an unknown conversation: %v", lost)
	}
}
