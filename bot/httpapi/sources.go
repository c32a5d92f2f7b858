package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"io"
	"net/http"
	"strings"

	"dramabot/bot"
)

// MaxUploadBytes bounds a document sent to POST /v1/sources.
const MaxUploadBytes = 64 << 20

// addSourceRequest is the body of POST /v1/sources for a web source.
type addSourceRequest struct {
	URL string `json:"url"`
}

// addSourceResponse is what POST /v1/sources answers: what was added, or
// why nothing could be.
type addSourceResponse struct {
	bot.Added
	Error     string `json:"error,omitempty"`
	RequestID string `json:"request_id"`
}

// adminAuth lets through a request that carries the admin key; routes
// that use it exist only when one is configured.
func (s *Server) adminAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := ""
		if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			key = strings.TrimSpace(token)
		}
		sum := sha256.Sum256([]byte(key))
		if key == "" || subtle.ConstantTimeCompare(sum[:], s.adminHash[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dramabot admin"`)
			s.writeError(w, r, http.StatusUnauthorized, `this needs the admin key, as "Authorization: Bearer KEY"`)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// handleAddSource adds a web source ({"url": "..."}) or a PDF or DOCX
// document (the file as the body, its name in ?name=).
func (s *Server) handleAddSource(w http.ResponseWriter, r *http.Request) {
	req := bot.Request{Platform: bot.PlatformHTTP, UserID: "admin-key"}
	var reply bot.Reply
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	switch ct {
	case "application/json", "":
		var body addSourceRequest
		if !s.decodeJSON(w, r, &body) {
			return
		}
		if strings.TrimSpace(body.URL) == "" {
			s.writeError(w, r, http.StatusBadRequest, `send {"url": "https://..."}, or a PDF or DOCX file as the body with ?name=FILE`)
			return
		}
		reply = s.core.AddSource(r.Context(), req, body.URL, true)
	case "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/octet-stream":
		name := r.URL.Query().Get("name")
		if name == "" {
			s.writeError(w, r, http.StatusBadRequest, "name the file with ?name=FILE.pdf or ?name=FILE.docx")
			return
		}
		if r.ContentLength > MaxUploadBytes {
			s.writeError(w, r, http.StatusRequestEntityTooLarge, "the file is too large")
			return
		}
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxUploadBytes))
		if err != nil {
			s.writeError(w, r, http.StatusRequestEntityTooLarge, "the file is too large")
			return
		}
		reply = s.core.AddFile(r.Context(), req, name, data, true)
	default:
		s.writeError(w, r, http.StatusUnsupportedMediaType, "send JSON {\"url\": ...}, or a PDF or DOCX file")
		return
	}
	stateOf(r).id = reply.RequestID
	resp := addSourceResponse{RequestID: reply.RequestID}
	if reply.Added != nil {
		resp.Added = *reply.Added
	}
	status := http.StatusCreated
	switch reply.Kind {
	case bot.KindInfo:
		if reply.Added == nil {
			status, resp.Error = http.StatusNotImplemented, reply.Message
		}
	case bot.KindRefused:
		status, resp.Error = http.StatusForbidden, reply.Message
	case bot.KindInvalid:
		status, resp.Error = http.StatusBadRequest, reply.Message
	default:
		status, resp.Error = http.StatusUnprocessableEntity, reply.Message
	}
	if resp.Documents == nil {
		resp.Documents = []bot.AddedDocument{}
	}
	s.writeJSON(w, r, status, resp)
}
