package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dramabot/bot"
	"dramabot/knowledge"
)

// askRequest is the body of POST /v1/ask.
type askRequest struct {
	Question *string `json:"question"`
	// Conversation is the id a previous answer returned: the question
	// follows up on it ("what about 2023?").
	Conversation string `json:"conversation,omitempty"`
}

// askResponse is the answer with what continues its conversation.
type askResponse struct {
	knowledge.Answer
	// Conversation is sent back to ask a follow-up.
	Conversation string `json:"conversation,omitempty"`
	// UnderstoodAs is the full question a follow-up was merged into.
	UnderstoodAs string `json:"understood_as,omitempty"`
}

// errorResponse is the body of every error.
type errorResponse struct {
	Error     string `json:"error"`
	RequestID string `json:"request_id"`
	// RetryAfter repeats the Retry-After header of a 429, in seconds.
	RetryAfter int `json:"retry_after,omitempty"`
}

// sourcesResponse is the body of GET /v1/sources.
type sourcesResponse struct {
	About   knowledge.About        `json:"about"`
	Sources []knowledge.SourceStat `json:"sources"`
}

func (s *Server) handleAsk(w http.ResponseWriter, r *http.Request) {
	if !isJSON(r.Header.Get("Content-Type")) {
		s.writeError(w, r, http.StatusUnsupportedMediaType, "unsupported Content-Type: send application/json")
		return
	}
	var req askRequest
	if !s.decodeJSON(w, r, &req) {
		return
	}
	if req.Question == nil {
		s.writeError(w, r, http.StatusBadRequest, `missing "question": send {"question": "..."}`)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.askTimeout)
	defer cancel()
	// Conversations are kept per client, so an id reaches only its own.
	client := s.clientKey(r)
	reply := s.core.Ask(ctx, bot.Request{Platform: bot.PlatformHTTP, UserID: client, ChatID: client, Text: *req.Question, Conversation: req.Conversation})
	switch reply.Kind {
	case bot.KindAnswer:
		stateOf(r).id = reply.RequestID
		s.writeJSON(w, r, http.StatusOK, askResponse{Answer: reply.Answer, Conversation: reply.Conversation, UnderstoodAs: reply.Understood})
		return
	case bot.KindInfo:
		// Thanks, or a follow-up to nothing known: said in the answer's shape.
		stateOf(r).id = reply.RequestID
		s.writeJSON(w, r, http.StatusOK, askResponse{Answer: knowledge.Answer{
			Question: *req.Question, Text: reply.Message,
			Citations: []knowledge.Citation{}, Figures: []knowledge.Figure{}, Related: []knowledge.Related{},
		}, Conversation: req.Conversation})
		return
	}
	s.writeReply(w, r, reply)
}

func (s *Server) handleFigures(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("q") {
		s.handleTimeline(w, r)
		return
	}
	topic := strings.TrimSpace(r.URL.Query().Get("topic"))
	ctx, cancel := context.WithTimeout(r.Context(), s.askTimeout)
	defer cancel()
	reply := s.core.Command(ctx, bot.Request{Platform: bot.PlatformHTTP, UserID: s.clientKey(r)}, "figures", topic)
	if reply.Kind == bot.KindInfo {
		// No figures for the topic: still an Answer, so clients handle one shape.
		stateOf(r).id = reply.RequestID
		s.writeJSON(w, r, http.StatusOK, knowledge.Answer{
			Question: topic, Text: reply.Message,
			Citations: []knowledge.Citation{}, Figures: []knowledge.Figure{}, Related: []knowledge.Related{},
		})
		return
	}
	s.writeReply(w, r, reply)
}

// figureTopic reads ?q= of the figure endpoints, or writes the error: a
// missing or blank topic, or one too long.
func (s *Server) figureTopic(w http.ResponseWriter, r *http.Request) (string, bool) {
	topic := strings.TrimSpace(r.URL.Query().Get("q"))
	switch {
	case topic == "":
		s.writeError(w, r, http.StatusBadRequest, `missing topic: send ?q=TOPIC, for example ?q=market+size`)
		return "", false
	case utf8.RuneCountInString(topic) > bot.DefaultMaxQuestionRunes:
		s.writeError(w, r, http.StatusBadRequest, fmt.Sprintf("topic too long: the limit is %d characters", bot.DefaultMaxQuestionRunes))
		return "", false
	}
	return topic, true
}

// writeFigureError answers a timeline or chart that cannot be had: a
// topic that is not a metric is unprocessable (422), a metric without
// figures, or with one (no chart), is not found (404); anything else is
// ours (500).
func (s *Server) writeFigureError(w http.ResponseWriter, r *http.Request, topic string, err error) {
	lang := bot.DetectLang(topic)
	msg, known := bot.FigureMessage(lang, topic, err)
	switch {
	case !known:
		s.log.Error("figures failed", "request_id", stateOf(r).id, "err", err)
		s.writeError(w, r, http.StatusInternalServerError, bot.T(lang).Apology)
	case errors.Is(err, knowledge.ErrNotAMetric):
		s.writeError(w, r, http.StatusUnprocessableEntity, msg)
	default:
		s.writeError(w, r, http.StatusNotFound, msg)
	}
}

// handleTimeline is GET /v1/figures?q=TOPIC: the metric's figures across
// periods and sources, grouped by unit.
func (s *Server) handleTimeline(w http.ResponseWriter, r *http.Request) {
	topic, ok := s.figureTopic(w, r)
	if !ok {
		return
	}
	tl, err := s.core.FigureTimeline(r.Context(), topic)
	if err != nil {
		s.writeFigureError(w, r, topic, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, tl)
}

// handleChart is GET /v1/figures/chart.png?q=TOPIC: the metric's figures
// drawn over time. Every failure is a JSON error, never a broken image.
func (s *Server) handleChart(w http.ResponseWriter, r *http.Request) {
	topic, ok := s.figureTopic(w, r)
	if !ok {
		return
	}
	ch, err := s.core.FigureChart(r.Context(), topic)
	if err != nil {
		s.writeFigureError(w, r, topic, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Content-Length", strconv.Itoa(len(ch.PNG)))
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Chart-Series", strconv.Itoa(ch.Series))
	h.Set("X-Chart-Points", strconv.Itoa(ch.Points))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(ch.PNG)
	}
}

func (s *Server) handleSources(w http.ResponseWriter, r *http.Request) {
	reply := s.core.Command(r.Context(), bot.Request{Platform: bot.PlatformHTTP, UserID: s.clientKey(r)}, "sources", "")
	stateOf(r).id = reply.RequestID
	srcs := make([]knowledge.SourceStat, len(reply.Sources))
	for i, src := range reply.Sources {
		src.Origin = "" // a server path, not for clients
		srcs[i] = src
	}
	s.writeJSON(w, r, http.StatusOK, sourcesResponse{About: s.core.About(), Sources: srcs})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if s.ready != nil {
		if err := s.ready(); err != nil {
			s.writeError(w, r, http.StatusServiceUnavailable, "not ready: "+err.Error())
			return
		}
	}
	s.writeJSON(w, r, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, http.StatusNotFound, "not found: see GET /, POST /v1/ask, GET /v1/sources, GET /v1/figures?topic=, GET /v1/figures?q=, GET /v1/figures/chart.png?q=")
}

// writeReply renders a question's Reply with the status its kind calls for.
func (s *Server) writeReply(w http.ResponseWriter, r *http.Request, reply bot.Reply) {
	stateOf(r).id = reply.RequestID
	switch reply.Kind {
	case bot.KindAnswer, bot.KindFigures:
		s.writeJSON(w, r, http.StatusOK, reply.Answer)
	case bot.KindRateLimited:
		secs := retryAfterSeconds(reply.RetryAfter)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		s.writeJSON(w, r, http.StatusTooManyRequests, errorResponse{Error: reply.Message, RequestID: reply.RequestID, RetryAfter: secs})
	case bot.KindInvalid:
		s.writeError(w, r, http.StatusBadRequest, reply.Message)
	case bot.KindError:
		s.writeError(w, r, http.StatusInternalServerError, reply.Message)
	default:
		s.log.Error("unexpected reply kind", "request_id", reply.RequestID, "kind", int(reply.Kind))
		s.writeError(w, r, http.StatusInternalServerError, bot.MsgApology)
	}
}

// isJSON reports whether a request's Content-Type is JSON. A missing type
// is taken as JSON, for clients that send none; a form or text body is
// refused rather than guessed at.
func isJSON(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// retryAfterSeconds rounds up, as bot.RateLimitMessage does, so the header
// and the message agree and a client that waits that long gets through.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// decodeJSON reads one JSON object of at most MaxBodyBytes into v, or
// writes the error response and returns false.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.ContentLength > MaxBodyBytes {
		s.writeError(w, r, http.StatusRequestEntityTooLarge, tooLargeMessage)
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	err := dec.Decode(v)
	if err == nil {
		if _, err = dec.Token(); errors.Is(err, io.EOF) {
			return true
		}
		var tooLarge *http.MaxBytesError
		if !errors.As(err, &tooLarge) {
			err = errTrailingData
		}
	}
	var (
		tooLarge  *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		msg       string
	)
	switch {
	case errors.As(err, &tooLarge):
		s.writeError(w, r, http.StatusRequestEntityTooLarge, tooLargeMessage)
		return false
	case errors.Is(err, io.EOF):
		msg = `empty request body: send {"question": "..."}`
	case errors.As(err, &syntaxErr):
		msg = fmt.Sprintf("invalid JSON at byte %d: %v", syntaxErr.Offset, err)
	case errors.As(err, &typeErr) && typeErr.Field != "":
		msg = fmt.Sprintf("invalid JSON: %q must be a %s, not a %s", typeErr.Field, typeErr.Type.Kind(), typeErr.Value)
	case errors.As(err, &typeErr):
		msg = `invalid JSON: the body must be an object like {"question": "..."}`
	default:
		msg = "invalid JSON: " + err.Error()
	}
	s.writeError(w, r, http.StatusBadRequest, msg)
	return false
}

var errTrailingData = errors.New("unexpected data after the JSON object")

var tooLargeMessage = fmt.Sprintf("request body too large: the limit is %d bytes", MaxBodyBytes)

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.writeJSON(w, r, status, errorResponse{Error: msg, RequestID: stateOf(r).id})
}

func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// For example a NaN score: still answer in JSON, and say why in the log.
		id := stateOf(r).id
		s.log.Error("encode response", "request_id", id, "err", err)
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorResponse{Error: bot.MsgApology, RequestID: id})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
