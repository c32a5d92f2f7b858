package bot

import (
	"container/list"
	"sync"
	"time"

	"dramabot/knowledge"
)

// Conversations: every answer is a turn, kept in memory for a while so
// that a reply to it ("what about 2023?") can be understood against it, and
// so that its buttons (more sources, feedback) still find it. Turns are
// keyed by chat: a reply in one chat never reaches a turn of another.

// defaultTurns bounds the turns kept in memory, across chats.
const defaultTurns = 2000

// maxChain is how many turns back a conversation is remembered.
const maxChain = 3

type turn struct {
	id       string
	chat     string // chatKey
	user     string
	at       time.Time
	question string // as asked
	resolved string // as answered: the follow-up merged with the turn before
	answer   knowledge.Answer
	lang     Lang
	parent   *turn
	anchors  []string // anchor keys that point here
}

// Turn is what the core remembers of an answer, for the surfaces' buttons.
type Turn struct {
	ID       string
	Question string // as answered
	Answer   knowledge.Answer
	Lang     Lang
}

type turns struct {
	mu      sync.Mutex
	ttl     time.Duration
	size    int
	order   *list.List // of *turn, most recent first
	byID    map[string]*list.Element
	anchors map[string]string // chat + "\x00" + anchor -> turn id
}

func newTurns(size int, ttl time.Duration) *turns {
	return &turns{ttl: ttl, size: size, order: list.New(), byID: map[string]*list.Element{}, anchors: map[string]string{}}
}

func chatKey(req Request) string { return req.Platform + ":" + req.ChatID }

func anchorKey(chat, anchor string) string { return chat + "\x00" + anchor }

// lastKey is the anchor of a user's latest turn in a chat, which a
// follow-up in a private chat continues without a reply.
func lastKey(user string) string { return "\x01last:" + user }

// convKey is the anchor of a conversation's latest turn.
func convKey(conv string) string { return "\x01conv:" + conv }

// add remembers a turn: as the asker's latest in the chat, as the latest of
// conv if given, and by its id. The chain behind it is cut at maxChain.
func (s *turns) add(t *turn, conv string) {
	p := t
	for i := 0; p != nil; i++ {
		if i == maxChain-1 {
			p.parent = nil
			break
		}
		p = p.parent
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID[t.id] = s.order.PushFront(t)
	s.linkLocked(t, lastKey(t.user))
	if conv != "" {
		s.linkLocked(t, convKey(conv))
	}
	for s.order.Len() > s.size {
		old := s.order.Remove(s.order.Back()).(*turn)
		delete(s.byID, old.id)
		for _, a := range old.anchors {
			if s.anchors[a] == old.id {
				delete(s.anchors, a)
			}
		}
	}
}

func (s *turns) linkLocked(t *turn, anchor string) {
	k := anchorKey(t.chat, anchor)
	s.anchors[k] = t.id
	t.anchors = append(t.anchors, k)
}

// link records that a surface's message (anchor) shows the turn id, so
// that a reply to that message continues the turn.
func (s *turns) link(chat, anchor, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byID[id]
	if !ok {
		return
	}
	t := e.Value.(*turn)
	if t.chat != chat {
		return // a turn belongs to its chat
	}
	s.linkLocked(t, anchor)
}

// get returns a turn by id, in any chat (for buttons, which carry the id).
func (s *turns) get(id string) (*turn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byID[id]
	if !ok {
		return nil, false
	}
	return e.Value.(*turn), true
}

// previous finds the turn a request continues: the answer it replies to,
// the conversation's latest turn, or (in a private chat, for a message that
// reads as a follow-up) the asker's latest turn. Turns older than the time
// limit are not continued.
func (s *turns) previous(req Request, now time.Time) *turn {
	chat := chatKey(req)
	var keys []string
	switch {
	case req.ReplyTo != "":
		keys = []string{req.ReplyTo}
	case req.Conversation != "":
		keys = []string{convKey(req.Conversation)}
	case !req.Group && req.UserID != "" && req.Platform != PlatformHTTP && req.Platform != PlatformCLI:
		keys = []string{lastKey(req.UserID)}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		id, ok := s.anchors[anchorKey(chat, k)]
		if !ok {
			continue
		}
		e, ok := s.byID[id]
		if !ok {
			continue
		}
		t := e.Value.(*turn)
		if t.chat != chat || now.Sub(t.at) > s.ttl {
			continue
		}
		return t
	}
	return nil
}

// Link records that the surface's message id in a chat shows the answer
// requestID: a reply to that message then continues its conversation.
func (c *Core) Link(platform, chatID, messageID, requestID string) {
	if messageID == "" || requestID == "" {
		return
	}
	c.turns.link(platform+":"+chatID, messageID, requestID)
}

// Turn returns a remembered answer by its request id (what the surfaces'
// buttons carry), or false once it is forgotten.
func (c *Core) Turn(requestID string) (Turn, bool) {
	t, ok := c.turns.get(requestID)
	if !ok {
		return Turn{}, false
	}
	return Turn{ID: t.id, Question: t.resolved, Answer: t.answer, Lang: t.lang}, true
}

// whoSaid answers "who said that?" from the previous answer's citations.
func (c *Core) whoSaid(prev *turn, q string, lang Lang) knowledge.Answer {
	// The sources list under the answer names them; the text introduces
	// the list, and the figures stay with the answer they came from.
	return knowledge.Answer{Question: q, Text: T(lang).WhoSaid, Citations: ChatAnswer(prev.answer, lang).Citations}
}

// notices remembers, per user, until when a rate-limit notice given holds,
// so that a group sees one notice per user and cool-down, not one per
// message.
type notices struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func newNotices() *notices { return &notices{until: map[string]time.Time{}} }

// first reports whether no notice holds for key at now, and records one
// until now+wait.
func (n *notices) first(key string, now time.Time, wait time.Duration) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.until) > 10000 {
		for k, u := range n.until {
			if now.After(u) {
				delete(n.until, k)
			}
		}
	}
	if u, ok := n.until[key]; ok && now.Before(u) {
		return false
	}
	n.until[key] = now.Add(wait)
	return true
}
