package discord

import (
	"container/list"
	"sync"

	"dramabot/knowledge"
)

// answerCache keeps the most recent answers, by request id, for the Sources
// and feedback buttons. It forgets the least recently used beyond its size.
type answerCache struct {
	mu    sync.Mutex
	size  int
	order *list.List // of *cachedAnswer, most recent first
	byID  map[string]*list.Element
}

type cachedAnswer struct {
	id     string
	answer knowledge.Answer
	votes  map[string]string // user id -> vote
}

func newAnswerCache(size int) *answerCache {
	return &answerCache{size: size, order: list.New(), byID: map[string]*list.Element{}}
}

func (c *answerCache) put(id string, a knowledge.Answer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[id]; ok {
		e.Value.(*cachedAnswer).answer = a
		c.order.MoveToFront(e)
		return
	}
	c.byID[id] = c.order.PushFront(&cachedAnswer{id: id, answer: a})
	for c.order.Len() > c.size {
		old := c.order.Remove(c.order.Back()).(*cachedAnswer)
		delete(c.byID, old.id)
	}
}

func (c *answerCache) get(id string) (knowledge.Answer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[id]
	if !ok {
		return knowledge.Answer{}, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cachedAnswer).answer, true
}

// vote records a user's vote on an answer and reports whether it is new:
// one vote per user and answer, so that repeated clicks are not counted.
// Votes on forgotten answers are accepted (they cannot be deduplicated).
func (c *answerCache) vote(id, userID, vote string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[id]
	if !ok {
		return true
	}
	ca := e.Value.(*cachedAnswer)
	if _, voted := ca.votes[userID]; voted {
		return false
	}
	if ca.votes == nil {
		ca.votes = map[string]string{}
	}
	ca.votes[userID] = vote
	return true
}

func (c *answerCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// idSet is a bounded set of ids (messages the bot sent, threads it
// started), forgetting the oldest beyond its size.
type idSet struct {
	mu    sync.Mutex
	size  int
	order []string
	ids   map[string]bool
}

func newIDSet(size int) *idSet { return &idSet{size: size, ids: map[string]bool{}} }

func (s *idSet) add(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids[id] {
		return
	}
	s.ids[id] = true
	s.order = append(s.order, id)
	if len(s.order) > s.size {
		delete(s.ids, s.order[0])
		s.order = s.order[1:]
	}
}

func (s *idSet) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[id]
}
