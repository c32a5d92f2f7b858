package bot

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Feedback: 👍 / 👎 on every answer, a reason for a 👎, and a vote can be
// changed. Every vote is counted in metrics and appended to a log in the
// data dir that an operator reads with `dramabot feedback`. The log holds
// no user names or ids: a change of vote is recorded with the vote it
// replaces, which is all a summary needs.

// FeedbackFile is the feedback log's name in the data dir.
const FeedbackFile = "feedback.jsonl"

// Votes.
const (
	VoteUp   = "up"
	VoteDown = "down"
)

// FeedbackEntry is one line of the feedback log.
type FeedbackEntry struct {
	Time     time.Time `json:"time"`
	Platform string    `json:"platform"`
	AnswerID string    `json:"answer_id"`
	Question string    `json:"question,omitempty"`
	// Vote is "up" or "down"; Reason one of the Reason* constants, for a
	// down vote whose reason was given.
	Vote   string `json:"vote"`
	Reason string `json:"reason,omitempty"`
	// Previous is the vote this one replaces, when a voter changed theirs.
	Previous string `json:"previous,omitempty"`
}

// VoteResult says what a vote did.
type VoteResult int

// Results of Core.Vote.
const (
	VoteNew     VoteResult = iota // a first vote
	VoteChanged                   // replaced the voter's other vote
	VoteSame                      // the voter's vote already (maybe with a new reason)
	VoteInvalid                   // not a vote
)

type voteKey struct{ answer, voter string }

type voteState struct{ vote, reason string }

// Vote records a voter's 👍 or 👎 (vote "up" or "down", with an optional
// reason for "down") on an answer, replacing their earlier vote on it.
func (c *Core) Vote(platform, userID, answerID, vote, reason string) VoteResult {
	if vote != VoteUp && vote != VoteDown {
		return VoteInvalid
	}
	if vote == VoteUp || !validReason(reason) {
		reason = ""
	}
	key := voteKey{answer: answerID, voter: platform + adminPrefix + userID}
	c.feedbackMu.Lock()
	old, had := c.votes[key]
	result := VoteNew
	switch {
	case had && old.vote == vote && (reason == "" || reason == old.reason):
		c.feedbackMu.Unlock()
		return VoteSame
	case had && old.vote == vote:
		result = VoteSame // a reason added to a 👎
	case had:
		result = VoteChanged
		c.feedback[old.vote]--
	}
	if result != VoteSame {
		c.feedback[vote]++
	}
	if len(c.votes) > 100000 {
		clear(c.votes) // bounded: an old voter changing their vote then counts as new
	}
	c.votes[key] = voteState{vote: vote, reason: reason}
	c.feedbackMu.Unlock()

	if result != VoteSame && c.metrics != nil {
		c.metrics.ObserveFeedback(platform, vote)
	}
	e := FeedbackEntry{Time: time.Now().UTC(), Platform: platform, AnswerID: answerID, Vote: vote, Reason: reason}
	if had {
		// Previous == Vote marks a reason added to a vote already counted.
		e.Previous = old.vote
	}
	if t, ok := c.turns.get(answerID); ok {
		e.Question = t.resolved
	}
	if c.feedbackLog != nil {
		if err := c.feedbackLog.Append(e); err != nil {
			c.log.Error("feedback not logged", "err", err)
		}
	}
	c.log.Info("feedback", "platform", platform, "request_id", answerID, "vote", vote, "reason", reason, "changed", result == VoteChanged)
	return result
}

// Feedback records a vote without a reason; see Vote.
func (c *Core) Feedback(platform, userID, requestID, vote string) {
	c.Vote(platform, userID, requestID, vote, "")
}

// FeedbackCounts returns the current votes: a changed vote counts once, as
// changed.
func (c *Core) FeedbackCounts() (up, down int) {
	c.feedbackMu.Lock()
	defer c.feedbackMu.Unlock()
	return c.feedback[VoteUp], c.feedback[VoteDown]
}

func validReason(r string) bool {
	for _, v := range Reasons {
		if r == v {
			return true
		}
	}
	return false
}

// FeedbackLog appends feedback entries to a JSONL file, creating it (and
// its folder) on first use. Each entry is one write to a file opened for
// appending, so concurrent processes do not interleave lines.
type FeedbackLog struct {
	path string
	mu   sync.Mutex
}

// NewFeedbackLog returns a log at path; nothing is created until the first
// entry.
func NewFeedbackLog(path string) *FeedbackLog { return &FeedbackLog{path: path} }

// Append writes one entry.
func (l *FeedbackLog) Append(e FeedbackEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("feedback log: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(l.path), 0o755); err != nil {
		return fmt.Errorf("feedback log: %w", err)
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("feedback log: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("feedback log: %w", err)
	}
	return nil
}

// ReadFeedback reads a feedback log. A line that does not parse is skipped
// and counted, so one torn line does not hide the rest.
func ReadFeedback(r io.Reader) (entries []FeedbackEntry, bad int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var e FeedbackEntry
		if json.Unmarshal([]byte(line), &e) != nil || (e.Vote != VoteUp && e.Vote != VoteDown) {
			bad++
			continue
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return entries, bad, fmt.Errorf("reading feedback: %w", err)
	}
	return entries, bad, nil
}

// FeedbackSummary tallies a feedback log: votes as they stand after
// changes, by platform and by reason, and the questions with most 👎.
type FeedbackSummary struct {
	Entries    int               `json:"entries"`
	Up         int               `json:"up"`
	Down       int               `json:"down"`
	Changed    int               `json:"changed"`
	ByPlatform map[string][2]int `json:"by_platform"` // [up, down]
	Reasons    map[string]int    `json:"reasons"`
	MostDown   []QuestionVotes   `json:"most_down"`
	First      time.Time         `json:"first,omitzero"`
	Last       time.Time         `json:"last,omitzero"`
}

// QuestionVotes is a question's tally.
type QuestionVotes struct {
	Question string `json:"question"`
	Up       int    `json:"up"`
	Down     int    `json:"down"`
}

// SummarizeFeedback tallies entries; top bounds MostDown.
func SummarizeFeedback(entries []FeedbackEntry, top int) FeedbackSummary {
	s := FeedbackSummary{Entries: len(entries), ByPlatform: map[string][2]int{}, Reasons: map[string]int{}}
	byQ := map[string]*QuestionVotes{}
	add := func(platform, q, vote string, d int) {
		p := s.ByPlatform[platform]
		qv := byQ[q]
		if qv == nil {
			qv = &QuestionVotes{Question: q}
			byQ[q] = qv
		}
		if vote == VoteUp {
			s.Up += d
			p[0] += d
			qv.Up += d
		} else {
			s.Down += d
			p[1] += d
			qv.Down += d
		}
		s.ByPlatform[platform] = p
	}
	for _, e := range entries {
		if s.First.IsZero() || e.Time.Before(s.First) {
			s.First = e.Time
		}
		if e.Time.After(s.Last) {
			s.Last = e.Time
		}
		q := e.Question
		if q == "" {
			q = "(answer " + e.AnswerID + ")"
		}
		if e.Previous != e.Vote { // equal: a reason added to a vote already counted
			if e.Previous != "" {
				s.Changed++
				add(e.Platform, q, e.Previous, -1)
			}
			add(e.Platform, q, e.Vote, 1)
		}
		if e.Reason != "" {
			s.Reasons[e.Reason]++
		}
	}
	for _, qv := range byQ {
		if qv.Down > 0 {
			s.MostDown = append(s.MostDown, *qv)
		}
	}
	sort.Slice(s.MostDown, func(i, j int) bool {
		if s.MostDown[i].Down != s.MostDown[j].Down {
			return s.MostDown[i].Down > s.MostDown[j].Down
		}
		return s.MostDown[i].Question < s.MostDown[j].Question
	})
	if len(s.MostDown) > top {
		s.MostDown = s.MostDown[:top]
	}
	return s
}

// String renders the summary for a terminal.
func (s FeedbackSummary) String() string {
	if s.Entries == 0 {
		return "No feedback yet.\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d votes recorded, %s to %s: 👍 %d, 👎 %d (%d changed)\n", s.Entries,
		s.First.Format("2006-01-02"), s.Last.Format("2006-01-02"), s.Up, s.Down, s.Changed)
	platforms := make([]string, 0, len(s.ByPlatform))
	for p := range s.ByPlatform {
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)
	for _, p := range platforms {
		v := s.ByPlatform[p]
		fmt.Fprintf(&b, "  %-9s 👍 %d  👎 %d\n", p, v[0], v[1])
	}
	if len(s.Reasons) > 0 {
		b.WriteString("Reasons given for 👎:\n")
		for _, r := range Reasons {
			if n := s.Reasons[r]; n > 0 {
				fmt.Fprintf(&b, "  %-15s %d\n", textsEN.Reasons[r], n)
			}
		}
	}
	if len(s.MostDown) > 0 {
		b.WriteString("Questions with most 👎:\n")
		for _, q := range s.MostDown {
			fmt.Fprintf(&b, "  %d👎 %d👍  %s\n", q.Down, q.Up, Excerpt(q.Question, 100))
		}
	}
	return b.String()
}
