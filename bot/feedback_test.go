package bot

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dramabot/knowledge/knowledgetest"
)

type countingMetrics struct {
	mu    sync.Mutex
	votes []string
}

func (m *countingMetrics) ObserveQuestion(string, Outcome, time.Duration) {}
func (m *countingMetrics) ObserveFeedback(platform, vote string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.votes = append(m.votes, platform+":"+vote)
}

func TestVotesAreLoggedAndCanChange(t *testing.T) {
	dir := t.TempDir()
	metrics := &countingMetrics{}
	c := New(Config{Knowledge: &knowledgetest.Fake{}, RateLimit: -1, DataDir: dir, Metrics: metrics})
	r := c.Ask(context.Background(), Request{Platform: PlatformTelegram, UserID: "42", ChatID: "42", Text: "How many jobs?"})

	steps := []struct {
		user, vote, reason string
		want               VoteResult
		up, down           int
	}{
		{"42", VoteUp, "", VoteNew, 1, 0},
		{"42", VoteUp, "", VoteSame, 1, 0},
		{"42", VoteDown, "", VoteChanged, 0, 1},
		{"42", VoteDown, ReasonWrongFigure, VoteSame, 0, 1},
		{"7", VoteDown, "no such reason", VoteNew, 0, 2},
		{"42", "sideways", "", VoteInvalid, 0, 2},
	}
	for i, s := range steps {
		if got := c.Vote(PlatformTelegram, s.user, r.RequestID, s.vote, s.reason); got != s.want {
			t.Errorf("step %d: Vote = %v, want %v", i, got, s.want)
		}
		if up, down := c.FeedbackCounts(); up != s.up || down != s.down {
			t.Errorf("step %d: counts %d/%d, want %d/%d", i, up, down, s.up, s.down)
		}
	}
	if got := strings.Join(metrics.votes, " "); got != "telegram:up telegram:down telegram:down" {
		t.Errorf("metrics saw %q", got)
	}

	f, err := os.Open(filepath.Join(dir, FeedbackFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, bad, err := ReadFeedback(f)
	if err != nil || bad != 0 || len(entries) != 4 {
		t.Fatalf("log: %d entries, %d bad, %v; want 4", len(entries), bad, err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, FeedbackFile))
	if strings.Contains(string(raw), `"42"`) || strings.Contains(string(raw), "user") {
		t.Errorf("the log names a user:\n%s", raw)
	}
	for _, e := range entries {
		if e.Question != "How many jobs?" || e.AnswerID != r.RequestID || e.Platform != PlatformTelegram || e.Time.IsZero() {
			t.Errorf("entry %+v lacks the question, answer id, platform or time", e)
		}
	}
	if entries[2].Reason != ReasonWrongFigure || entries[2].Previous != VoteDown {
		t.Errorf("reason entry %+v", entries[2])
	}

	s := SummarizeFeedback(entries, 5)
	if s.Up != 0 || s.Down != 2 || s.Changed != 1 || s.Reasons[ReasonWrongFigure] != 1 || len(s.MostDown) != 1 || s.MostDown[0].Down != 2 {
		t.Errorf("summary %+v", s)
	}
	out := s.String()
	for _, want := range []string{"4 votes recorded", "👍 0, 👎 2 (1 changed)", "Wrong figure", "How many jobs?"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestReadFeedbackSkipsTornLines(t *testing.T) {
	in := `{"time":"2026-01-01T00:00:00Z","platform":"discord","answer_id":"a","vote":"up"}
{"time":"2026-01-01T00:00:01Z","platform":"disc
{"time":"2026-01-01T00:00:02Z","platform":"discord","answer_id":"a","vote":"down","previous":"up"}
`
	entries, bad, err := ReadFeedback(strings.NewReader(in))
	if err != nil || bad != 1 || len(entries) != 2 {
		t.Fatalf("%d entries, %d bad, %v", len(entries), bad, err)
	}
	if s := SummarizeFeedback(entries, 3); s.Up != 0 || s.Down != 1 || s.ByPlatform["discord"] != [2]int{0, 1} {
		t.Errorf("summary %+v", s)
	}
}
