//go:build reliability

package reliability

import (
	"encoding/json"
	"fmt"
	"testing"
	"unicode/utf8"

	"dramabot/bot/discord/discordtest"
)

// discordMessage is the part of a sent Discord message the checks read.
type discordMessage struct {
	Content         string `json:"content"`
	AllowedMentions *struct {
		Parse       *[]string `json:"parse"`
		RepliedUser bool      `json:"replied_user"`
	} `json:"allowed_mentions"`
	Embeds []struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Fields      []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"fields"`
		Footer *struct {
			Text string `json:"text"`
		} `json:"footer"`
	} `json:"embeds"`
	Components []json.RawMessage `json:"components"`
}

func decodeDiscord(c discordtest.Call) (discordMessage, bool) {
	var m discordMessage
	msg := c.Message()
	if msg == nil {
		return m, false
	}
	b, _ := json.Marshal(msg)
	return m, json.Unmarshal(b, &m) == nil
}

// empty reports whether a message shows nothing (a deferred response).
func (m discordMessage) empty() bool {
	return m.Content == "" && len(m.Embeds) == 0
}

// pingsNobody: allowed_mentions is present with an empty parse list.
func (m discordMessage) pingsNobody() bool {
	return m.AllowedMentions != nil && m.AllowedMentions.Parse != nil && len(*m.AllowedMentions.Parse) == 0 && !m.AllowedMentions.RepliedUser
}

// limitsError checks Discord's message and embed limits.
func (m discordMessage) limitsError() error {
	n := utf8.RuneCountInString
	if n(m.Content) > 2000 {
		return fmt.Errorf("content has %d characters", n(m.Content))
	}
	if len(m.Embeds) > 10 {
		return fmt.Errorf("%d embeds", len(m.Embeds))
	}
	total := 0
	for _, e := range m.Embeds {
		if n(e.Title) > 256 || n(e.Description) > 4096 || len(e.Fields) > 25 {
			return fmt.Errorf("embed over a limit: title %d, description %d, fields %d", n(e.Title), n(e.Description), len(e.Fields))
		}
		total += n(e.Title) + n(e.Description)
		for _, f := range e.Fields {
			if f.Name == "" || f.Value == "" || n(f.Name) > 256 || n(f.Value) > 1024 {
				return fmt.Errorf("field %q: name %d, value %d characters", f.Name, n(f.Name), n(f.Value))
			}
			total += n(f.Name) + n(f.Value)
		}
		if e.Footer != nil {
			total += n(e.Footer.Text)
		}
	}
	if total > 6000 {
		return fmt.Errorf("embeds total %d characters", total)
	}
	return nil
}

// checkDiscordSends checks every message the bot sent: nobody pinged,
// within Discord's limits. It returns how many it checked.
func checkDiscordSends(t *testing.T, calls []discordtest.Call) int {
	t.Helper()
	n := 0
	for _, c := range calls {
		if !c.SendsMessage() {
			continue
		}
		n++
		m, ok := decodeDiscord(c)
		if !ok {
			t.Errorf("%s: body is not a message: %.300s", c.Route, c.Body)
			continue
		}
		if !m.pingsNobody() {
			t.Errorf("%s: allowed_mentions does not rule out pings: %.300s", c.Route, c.Body)
		}
		if err := m.limitsError(); err != nil {
			t.Errorf("%s: %v", c.Route, err)
		}
	}
	return n
}
