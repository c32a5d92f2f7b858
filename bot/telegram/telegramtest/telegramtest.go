// Package telegramtest is a fake Telegram Bot API server for tests: it
// queues updates for getUpdates (with long polling) or delivers them to a
// webhook, records and validates what the bot sends (HTML parse mode,
// the 4096-character limit, replies, inline answers, the command menu), and
// can answer the next calls of a method with a 429 or a 5xx.
//
// It reads multipart/form-data, which go-telegram/bot always sends, as well
// as url-encoded and JSON bodies. Pushing a message and waiting for the
// bot's replies are one call each:
//
//	tg := telegramtest.New(t, telegramtest.Options{})
//	// start the bot with APIURL: tg.URL, Token: tg.Token
//	tg.Push(telegramtest.Private(telegramtest.Alice, "How many jobs?"))
//	replies := tg.WaitSent(t, telegramtest.Alice.ID, 1)
package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // photos a bot may send
	_ "image/png"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// Default identities.
const (
	DefaultToken       = "7000001:fake-telegram-token"
	DefaultBotUsername = "DramaTestBot"
	// PlaceholderURL is the API URL of an in-memory server: its Client
	// never dials it, and it is on loopback in case something does.
	PlaceholderURL = "http://127.0.0.1:9"
)

// Users and chats for tests.
var (
	Alice = User{ID: 1001, FirstName: "Alice", Username: "alice"}
	Bob   = User{ID: 1002, FirstName: "Bob", Username: "bob"}
	Group = Chat{ID: -1005001, Type: "supergroup", Title: "Mini-series desk"}
)

// Options configures a Server; zero values get the defaults.
type Options struct {
	Token string // DefaultToken
	Bot   User   // ID from the token, DefaultBotUsername
	// WaitTimeout bounds the Wait* helpers; default 10 s.
	WaitTimeout time.Duration
}

// Server is a fake Bot API. Its methods are safe for concurrent use.
type Server struct {
	URL   string // pass as the bot's API URL
	Token string
	Bot   User

	waitTimeout time.Duration
	httpSrv     *httptest.Server
	closeOnce   sync.Once
	closed      chan struct{}

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every change
	nextUpdate int64
	pending    []Update
	allowed    []string
	calls      []Call
	sent       []SentMessage
	answers    []InlineAnswer
	callbacks  map[string]bool // callback query id -> answered
	cbAnswers  []CallbackAnswer
	reactions  []Reaction
	queries    map[string]bool // inline query id -> answered
	nextQuery  int
	faults     map[string][]Fault
	outages    []outage
	webhook    Webhook
	deliveries []Delivery
	commands   []BotCommand
	localized  map[string][]BotCommand // language code -> menu
	chats      map[int64]Chat
	lastMsgID  map[int64]int
	messages   map[msgKey]Message
	// files are the documents users sent, by file id; Downloads counts
	// the downloads of each.
	files     map[string]fakeFile
	downloads map[string]int
}

type fakeFile struct {
	path string
	data []byte
}

type msgKey struct {
	chat int64
	id   int
}

// Call is one request the bot made.
type Call struct {
	Method string
	Params map[string]string // form fields; JSON-valued fields as JSON text
	Status int               // the HTTP status the fake answered
	Error  string            // the error description, when Status is not 200
	At     time.Time         // when the fake answered
}

// SentMessage is a message the bot sent (sendMessage answered 200).
type SentMessage struct {
	MessageID           int
	ChatID              int64
	ThreadID            int
	Text                string // as sent, markup included
	Plain               string // as a user sees it
	ParseMode           string
	ReplyTo             int // the message it replies to, if any
	LinkPreviewDisabled bool
	// Keyboard is the inline keyboard sent with the message, if any.
	Keyboard *InlineKeyboardMarkup
	// Photo is the image a sendPhoto uploaded (a PNG or JPEG the fake
	// decoded); Text and Plain are then its caption.
	Photo []byte
}

// CallbackAnswer is an answerCallbackQuery call the fake accepted.
type CallbackAnswer struct {
	QueryID   string
	Text      string
	ShowAlert bool
}

// Reaction is a setMessageReaction call the fake accepted.
type Reaction struct {
	ChatID    int64
	MessageID int
	Emoji     []string
}

// InlineAnswer is an answerInlineQuery call the fake accepted.
type InlineAnswer struct {
	QueryID    string
	Results    []InlineResult
	CacheTime  int
	IsPersonal bool
}

// InlineResult is one article of an inline answer.
type InlineResult struct {
	ID, Title, Description string
	Text                   string // the message it sends, as sent
	Plain                  string // as a user sees it
	ParseMode              string
}

// Webhook is the webhook the bot set.
type Webhook struct {
	URL            string
	Secret         string
	AllowedUpdates []string
}

// Delivery is one POST of an update to the bot's webhook.
type Delivery struct {
	UpdateID int64
	Status   int // 0 when the request failed
}

// Fault is an error answer injected with Fail.
type Fault struct {
	Status      int    // HTTP status and error_code
	Description string // default: the status text
	RetryAfter  int    // seconds, for 429
	HTML        bool   // an HTML body, as from a proxy, instead of JSON
}

// TooManyRequests is Telegram's flood-control answer.
func TooManyRequests(retryAfter int) Fault {
	return Fault{Status: http.StatusTooManyRequests, Description: "Too Many Requests: retry after " + strconv.Itoa(retryAfter), RetryAfter: retryAfter}
}

// ServerError is a 5xx answer with a JSON body.
func ServerError(status int) Fault {
	return Fault{Status: status, Description: http.StatusText(status)}
}

// New starts a fake on 127.0.0.1; it is closed when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	s := newServer(opts)
	s.httpSrv = httptest.NewServer(s)
	s.URL = s.httpSrv.URL
	t.Cleanup(s.Close)
	return s
}

// NewInMemory returns a fake that listens nowhere: pass Client() as the
// bot's HTTP client and PlaceholderURL (s.URL) as its API URL. Inside a
// testing/synctest bubble it lets fake time drive retries and long polls.
func NewInMemory(t testing.TB, opts Options) *Server {
	s := newServer(opts)
	s.URL = PlaceholderURL
	t.Cleanup(s.Close)
	return s
}

func newServer(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.Bot.ID == 0 {
		id, _ := strconv.ParseInt(strings.SplitN(opts.Token, ":", 2)[0], 10, 64)
		opts.Bot.ID = id
	}
	if opts.Bot.Username == "" {
		opts.Bot.Username = DefaultBotUsername
	}
	if opts.Bot.FirstName == "" {
		opts.Bot.FirstName = "Drama Bot"
	}
	opts.Bot.IsBot = true
	opts.Bot.CanJoinGroups = true
	opts.Bot.SupportsInlineQueries = true
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = 10 * time.Second
	}
	return &Server{
		Token: opts.Token, Bot: opts.Bot, waitTimeout: opts.WaitTimeout,
		closed: make(chan struct{}), changed: make(chan struct{}),
		queries: map[string]bool{}, faults: map[string][]Fault{}, callbacks: map[string]bool{},
		chats: map[int64]Chat{}, lastMsgID: map[int64]int{}, messages: map[msgKey]Message{},
	}
}

// Close ends pending long polls and stops the listener, if any.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		if s.httpSrv != nil {
			s.httpSrv.Close()
		}
	})
}

// Client returns an HTTP client that hands requests straight to the fake's
// handler, without a network.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: inMemory{s}}
}

type inMemory struct{ h http.Handler }

func (m inMemory) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close() // as a transport must, so the client's body writer ends
	}
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	return rec.Result(), nil
}

// notify wakes everyone waiting for a change; s.mu must be held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Fail makes the next n calls of method ("*" for any method) fail with f.
func (s *Server) Fail(method string, n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], f)
	}
}

type outage struct {
	method string
	until  time.Time
	fault  Fault
}

// FailFor makes every call of method ("*" for any method) fail with f for
// the next d, as in an outage.
func (s *Server) FailFor(method string, d time.Duration, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outages = append(s.outages, outage{method: method, until: time.Now().Add(d), fault: f})
}

// ClearFaults drops the faults not used yet and ends outages.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
	s.outages = nil
}

// MaxDownloadBytes is the Bot API's limit on files a bot downloads:
// getFile refuses larger ones.
const MaxDownloadBytes = 20 << 20

// File stores a file as if a user had uploaded it and returns the
// Document a message carries. size, when larger than data, is the size
// Telegram reports (to test the download limit without the bytes).
func (s *Server) File(name, mimeType string, data []byte, size int64) *Document {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files == nil {
		s.files, s.downloads = map[string]fakeFile{}, map[string]int{}
	}
	id := fmt.Sprintf("BQACAgIAAxkBAAI%d", len(s.files)+1)
	s.files[id] = fakeFile{path: fmt.Sprintf("documents/file_%d%s", len(s.files)+1, path.Ext(name)), data: data}
	return &Document{FileID: id, FileUniqueID: "AgAD" + id[len(id)-4:], FileName: name, MimeType: mimeType, FileSize: max(size, int64(len(data)))}
}

// Downloads is how many times the file was downloaded.
func (s *Server) Downloads(fileID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.downloads[fileID]
}

// PrivateDocument is a document sent by u in its private chat with the bot.
func PrivateDocument(u User, d *Document, caption string) Message {
	m := Private(u, "")
	m.Document, m.Caption = d, caption
	return m
}

func (s *Server) getFile(p map[string]string) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := p["file_id"]
	f, ok := s.files[id]
	if !ok {
		return nil, badRequest("invalid file_id")
	}
	if len(f.data) > MaxDownloadBytes {
		return nil, badRequest("file is too big")
	}
	return File{FileID: id, FileUniqueID: "AgAD" + id[len(id)-4:], FileSize: int64(len(f.data)), FilePath: f.path}, nil
}

// serveFile serves GET /file/bot<token>/<file_path>.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	token, fp, ok := strings.Cut(rest, "/")
	if !ok || token != s.Token {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	var data []byte
	found := false
	for id, f := range s.files {
		if f.path == fp {
			data, found = f.data, true
			s.downloads[id]++
		}
	}
	s.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(data)
}

// Private is a text message from u in its private chat with the bot.
func Private(u User, text string) Message {
	return Message{From: &u, Chat: Chat{ID: u.ID, Type: "private", FirstName: u.FirstName, Username: u.Username}, Text: text}
}

// InChat is a text message from u in chat.
func InChat(chat Chat, u User, text string) Message {
	return Message{From: &u, Chat: chat, Text: text}
}

// ReplyTo is a text message from u replying to a message the bot sent.
func (s *Server) ReplyTo(sent SentMessage, u User, text string) Message {
	s.mu.Lock()
	orig, ok := s.messages[msgKey{sent.ChatID, sent.MessageID}]
	chat := s.chats[sent.ChatID]
	s.mu.Unlock()
	if !ok {
		orig = Message{MessageID: sent.MessageID, From: &s.Bot, Chat: chat, Text: sent.Plain}
	}
	m := InChat(chat, u, text)
	m.ReplyToMessage = &orig
	return m
}

var mentionRE = regexp.MustCompile(`@[A-Za-z0-9_]{3,32}`)

// Push queues a message update (or delivers it to the webhook) as a user
// would send it: it fills the message id, date, and the bot_command and
// mention entities Telegram computes (in UTF-16 units), unless set.
func (s *Server) Push(m Message) Message {
	s.mu.Lock()
	if m.MessageID == 0 {
		s.lastMsgID[m.Chat.ID]++
		m.MessageID = s.lastMsgID[m.Chat.ID]
	}
	if m.Date == 0 {
		m.Date = time.Now().Unix()
	}
	if m.Entities == nil && m.Text != "" {
		m.Entities = entities(m.Text)
	}
	s.chats[m.Chat.ID] = m.Chat
	s.messages[msgKey{m.Chat.ID, m.MessageID}] = m
	s.mu.Unlock()
	s.PushUpdate(Update{Message: &m})
	return m
}

func entities(text string) []MessageEntity {
	var es []MessageEntity
	if strings.HasPrefix(text, "/") {
		end := strings.IndexAny(text, " \n\t")
		if end < 0 {
			end = len(text)
		}
		es = append(es, MessageEntity{Type: "bot_command", Offset: 0, Length: UTF16Len(text[:end])})
	}
	for _, loc := range mentionRE.FindAllStringIndex(text, -1) {
		if loc[0] > 0 && (isWordByte(text[loc[0]-1]) || text[loc[0]-1] == '/') {
			continue // part of a word, or /cmd@bot
		}
		if strings.HasPrefix(text, "/") && loc[0] < len(text) && !strings.ContainsAny(text[:loc[0]], " \n\t") {
			continue // inside the command token
		}
		es = append(es, MessageEntity{Type: "mention", Offset: UTF16Len(text[:loc[0]]), Length: UTF16Len(text[loc[0]:loc[1]])})
	}
	return es
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// PushInlineQuery queues an inline query from u and returns its id.
func (s *Server) PushInlineQuery(u User, query string) string {
	s.mu.Lock()
	s.nextQuery++
	id := "iq-" + strconv.Itoa(s.nextQuery)
	s.queries[id] = false
	s.mu.Unlock()
	s.PushUpdate(Update{InlineQuery: &InlineQuery{ID: id, From: u, Query: query, ChatType: "sender"}})
	return id
}

// PushCallbackQuery queues a press by u of the button with data on a
// message the bot sent, and returns the query id.
func (s *Server) PushCallbackQuery(u User, sent SentMessage, data string) string {
	s.mu.Lock()
	s.nextQuery++
	id := "cb-" + strconv.Itoa(s.nextQuery)
	s.callbacks[id] = false
	m, ok := s.messages[msgKey{sent.ChatID, sent.MessageID}]
	s.mu.Unlock()
	if !ok {
		m = Message{MessageID: sent.MessageID, From: &s.Bot, Chat: Chat{ID: sent.ChatID}, Text: sent.Plain}
	}
	s.PushUpdate(Update{CallbackQuery: &CallbackQuery{ID: id, From: u, Message: &m, ChatInstance: strconv.FormatInt(sent.ChatID, 10), Data: data}})
	return id
}

// CallbackAnswers returns the accepted answerCallbackQuery calls.
func (s *Server) CallbackAnswers() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.cbAnswers)
}

// WaitCallbackAnswer waits for the answer to a callback query.
func (s *Server) WaitCallbackAnswer(t testing.TB, id string) CallbackAnswer {
	t.Helper()
	var got CallbackAnswer
	s.WaitFor(t, "answer to callback query "+id, func() bool {
		for _, a := range s.CallbackAnswers() {
			if a.QueryID == id {
				got = a
				return true
			}
		}
		return false
	})
	return got
}

// Reactions returns the accepted setMessageReaction calls.
func (s *Server) Reactions() []Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reactions)
}

// Keyboard returns the current inline keyboard of a message the bot sent.
func (s *Server) Keyboard(chatID int64, messageID int) *InlineKeyboardMarkup {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messages[msgKey{chatID, messageID}].ReplyMarkup
}

// PushUpdate assigns the next update id and queues the update, or POSTs it
// to the webhook when one is set (synchronously, like one Telegram
// delivery). It returns the update id.
func (s *Server) PushUpdate(u Update) int64 {
	s.mu.Lock()
	s.nextUpdate++
	u.UpdateID = s.nextUpdate
	hook := s.webhook
	if len(s.allowed) > 0 && !slices.Contains(s.allowed, u.kind()) {
		s.mu.Unlock()
		return u.UpdateID // Telegram does not produce kinds the bot did not ask for
	}
	if hook.URL == "" {
		s.pending = append(s.pending, u)
		s.notify()
		s.mu.Unlock()
		return u.UpdateID
	}
	s.mu.Unlock()
	status := s.deliver(hook, u)
	s.mu.Lock()
	s.deliveries = append(s.deliveries, Delivery{UpdateID: u.UpdateID, Status: status})
	if status < 200 || status > 299 {
		s.pending = append(s.pending, u) // Telegram keeps it for a later try
	}
	s.notify()
	s.mu.Unlock()
	return u.UpdateID
}

func (s *Server) deliver(hook Webhook, u Update) int {
	if !isLoopbackURL(hook.URL) {
		return 0 // never send test traffic off this machine
	}
	body, _ := json.Marshal(u)
	req, err := http.NewRequest(http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	if hook.Secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hook.Secret)
	}
	resp, err := (&http.Client{Timeout: s.waitTimeout}).Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// Pending returns how many updates the bot has not confirmed yet.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// Calls returns the recorded calls of method ("" for all).
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Sent returns the messages the bot sent to chatID (0 for every chat).
func (s *Server) Sent(chatID int64) []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sentLocked(chatID)
}

func (s *Server) sentLocked(chatID int64) []SentMessage {
	var out []SentMessage
	for _, m := range s.sent {
		if chatID == 0 || m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out
}

// Message returns a message of chatID as it stands now, edits included
// (its Text is what a user sees).
func (s *Server) Message(chatID int64, id int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[msgKey{chatID, id}]
	return m, ok
}

// InlineAnswers returns the accepted answerInlineQuery calls.
func (s *Server) InlineAnswers() []InlineAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.answers)
}

// Commands returns the command menu the bot set.
func (s *Server) Commands() []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands)
}

// Webhook returns the webhook the bot set, if any.
func (s *Server) Webhook() Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

// Deliveries returns the webhook deliveries made so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// WaitFor waits until cond holds, re-checking it after every change of the
// fake's state, or fails the test after the wait timeout. cond runs without
// the fake's lock held, so it may use the accessors.
func (s *Server) WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(s.waitTimeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("telegramtest: timed out after %s waiting for %s", s.waitTimeout, what)
		}
	}
}

// WaitSent waits until the bot has sent at least n messages to chatID and
// returns them all.
func (s *Server) WaitSent(t testing.TB, chatID int64, n int) []SentMessage {
	t.Helper()
	var got []SentMessage
	s.WaitFor(t, fmt.Sprintf("%d messages to chat %d", n, chatID), func() bool {
		got = s.Sent(chatID)
		return len(got) >= n
	})
	return got
}

// WaitReplyTo waits for the bot's message replying to messageID in chatID.
func (s *Server) WaitReplyTo(t testing.TB, chatID int64, messageID int) SentMessage {
	t.Helper()
	var got SentMessage
	s.WaitFor(t, fmt.Sprintf("a reply to message %d in chat %d", messageID, chatID), func() bool {
		for _, m := range s.Sent(chatID) {
			if m.ReplyTo == messageID {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// WaitCalls waits until the bot has made at least n calls of method.
func (s *Server) WaitCalls(t testing.TB, method string, n int) []Call {
	t.Helper()
	var got []Call
	s.WaitFor(t, fmt.Sprintf("%d %s calls", n, method), func() bool {
		got = s.Calls(method)
		return len(got) >= n
	})
	return got
}

// WaitInlineAnswer waits for the bot's answer to an inline query.
func (s *Server) WaitInlineAnswer(t testing.TB, queryID string) InlineAnswer {
	t.Helper()
	var got InlineAnswer
	s.WaitFor(t, "the answer to inline query "+queryID, func() bool {
		for _, a := range s.InlineAnswers() {
			if a.QueryID == queryID {
				got = a
				return true
			}
		}
		return false
	})
	return got
}

// apiError is an error answer of the Bot API.
type apiError struct {
	status     int
	desc       string
	retryAfter int
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, desc: "Bad Request: " + fmt.Sprintf(format, args...)}
}

// ServeHTTP implements the Bot API: POST or GET /bot<token>/<method>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		s.serveFile(w, r, rest)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || method == "" || strings.Contains(method, "/") {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	if token != s.Token {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	params, err := readParams(r)
	if err != nil {
		s.finish(w, Call{Method: method}, nil, badRequest("%v", err))
		return
	}
	call := Call{Method: method, Params: params}
	if f, ok := s.takeFault(method); ok {
		s.record(call, f.Status, f.Description)
		writeFault(w, f)
		return
	}
	result, aerr := s.dispatch(r, method, params)
	s.finish(w, call, result, aerr)
}

func (s *Server) takeFault(method string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for _, o := range s.outages {
		if (o.method == method || o.method == "*") && now.Before(o.until) {
			return o.fault, true
		}
	}
	for _, key := range []string{method, "*"} {
		if q := s.faults[key]; len(q) > 0 {
			s.faults[key] = q[1:]
			return q[0], true
		}
	}
	return Fault{}, false
}

func writeFault(w http.ResponseWriter, f Fault) {
	if f.Description == "" {
		f.Description = http.StatusText(f.Status)
	}
	if f.HTML {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", f.Status, http.StatusText(f.Status))
		return
	}
	body := map[string]any{"ok": false, "error_code": f.Status, "description": f.Description}
	if f.RetryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": f.RetryAfter}
	}
	writeJSON(w, f.Status, body)
}

func (s *Server) finish(w http.ResponseWriter, call Call, result any, aerr *apiError) {
	if aerr != nil {
		s.record(call, aerr.status, aerr.desc)
		writeFault(w, Fault{Status: aerr.status, Description: aerr.desc, RetryAfter: aerr.retryAfter})
		return
	}
	s.record(call, http.StatusOK, "")
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func (s *Server) record(c Call, status int, desc string) {
	c.Status, c.Error, c.At = status, desc, time.Now()
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.notify()
	s.mu.Unlock()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readParams reads a multipart, url-encoded or JSON body (and the query
// string) into strings; JSON-valued fields keep their JSON text.
func readParams(r *http.Request) (map[string]string, error) {
	params := map[string]string{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]json.RawMessage
		body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, fmt.Errorf("invalid JSON body: %w", err)
			}
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				params[k] = str
			} else {
				params[k] = string(v)
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(10 << 20); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("invalid multipart body: %w", err)
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, fmt.Errorf("invalid form body: %w", err)
		}
	}
	for k, v := range r.Form {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	if r.MultipartForm != nil {
		for k, v := range r.MultipartForm.Value {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
	}
	return params, nil
}

func (s *Server) dispatch(r *http.Request, method string, p map[string]string) (any, *apiError) {
	switch strings.ToLower(method) {
	case "getme":
		return s.Bot, nil
	case "getfile":
		return s.getFile(p)
	case "getupdates":
		return s.getUpdates(r, p)
	case "sendmessage":
		return s.sendMessage(p)
	case "sendphoto":
		return s.sendPhoto(r, p)
	case "editmessagetext":
		return s.editMessageText(p)
	case "sendchataction":
		if _, err := s.chat(p["chat_id"]); err != nil {
			return nil, err
		}
		if p["action"] == "" {
			return nil, badRequest("action is empty")
		}
		return true, nil
	case "answerinlinequery":
		return s.answerInlineQuery(p)
	case "answercallbackquery":
		return s.answerCallbackQuery(p)
	case "editmessagereplymarkup":
		return s.editMessageReplyMarkup(p)
	case "setmessagereaction":
		return s.setMessageReaction(p)
	case "setmycommands":
		return s.setMyCommands(p)
	case "getmycommands":
		return s.Commands(), nil
	case "deletemycommands":
		s.mu.Lock()
		s.commands = nil
		s.mu.Unlock()
		return true, nil
	case "setwebhook":
		return s.setWebhook(p)
	case "deletewebhook":
		s.mu.Lock()
		s.webhook = Webhook{}
		if p["drop_pending_updates"] == "true" {
			s.pending = nil
		}
		s.mu.Unlock()
		return true, nil
	case "getwebhookinfo":
		s.mu.Lock()
		defer s.mu.Unlock()
		return map[string]any{"url": s.webhook.URL, "has_custom_certificate": false, "pending_update_count": len(s.pending)}, nil
	}
	return nil, &apiError{status: http.StatusNotFound, desc: "Not Found: method not found"}
}

func (s *Server) getUpdates(r *http.Request, p map[string]string) (any, *apiError) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	if a := p["allowed_updates"]; a != "" {
		var allowed []string
		if err := json.Unmarshal([]byte(a), &allowed); err != nil {
			return nil, badRequest("can't parse allowed_updates: %v", err)
		}
		s.mu.Lock()
		s.allowed = allowed
		s.mu.Unlock()
	}
	timer := time.NewTimer(time.Duration(timeout) * time.Second)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if s.webhook.URL != "" {
			s.mu.Unlock()
			return nil, &apiError{status: http.StatusConflict, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
		}
		// An offset confirms every update before it; updates of a kind
		// the bot did not ask for are never sent.
		kept := s.pending[:0]
		for _, u := range s.pending {
			if u.UpdateID >= offset && (len(s.allowed) == 0 || slices.Contains(s.allowed, u.kind())) {
				kept = append(kept, u)
			}
		}
		s.pending = kept
		out := slices.Clone(s.pending[:min(limit, len(s.pending))])
		ch := s.changed
		s.mu.Unlock()
		if len(out) > 0 || timeout <= 0 {
			return out, nil
		}
		select {
		case <-ch:
		case <-timer.C:
			return []Update{}, nil
		case <-s.closed:
			return []Update{}, nil
		case <-r.Context().Done():
			return []Update{}, nil
		}
	}
}

// chat resolves a chat_id the fake has seen.
func (s *Server) chat(raw string) (Chat, *apiError) {
	if raw == "" {
		return Chat{}, badRequest("chat_id is empty")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return Chat{}, badRequest("chat not found")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[id]
	if !ok {
		return Chat{}, badRequest("chat not found")
	}
	return c, nil
}

// checkText validates a message text as Telegram does and returns what the
// user sees.
func checkText(text, parseMode string) (string, *apiError) {
	plain := text
	switch parseMode {
	case "":
	case "HTML":
		var err error
		if plain, err = ParseHTML(text); err != nil {
			return "", badRequest("can't parse entities: %v", err)
		}
	case "MarkdownV2", "Markdown":
		// Not validated: dramabot renders HTML only.
	default:
		return "", badRequest("unsupported parse_mode")
	}
	if strings.TrimSpace(plain) == "" {
		return "", badRequest("message text is empty")
	}
	if UTF16Len(plain) > MaxMessageLen {
		return "", badRequest("message is too long")
	}
	return plain, nil
}

func (s *Server) sendMessage(p map[string]string) (any, *apiError) {
	chat, aerr := s.chat(p["chat_id"])
	if aerr != nil {
		return nil, aerr
	}
	plain, aerr := checkText(p["text"], p["parse_mode"])
	if aerr != nil {
		return nil, aerr
	}
	var lpo linkPreviewOptions
	if raw := p["link_preview_options"]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &lpo); err != nil {
			return nil, badRequest("can't parse link_preview_options: %v", err)
		}
	}
	var rp replyParameters
	if raw := p["reply_parameters"]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &rp); err != nil {
			return nil, badRequest("can't parse reply parameters JSON object")
		}
	} else if raw := p["reply_to_message_id"]; raw != "" {
		rp.MessageID, _ = strconv.Atoi(raw)
	}
	thread, _ := strconv.Atoi(p["message_thread_id"])
	kb, aerr := keyboard(p["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var replyTo *Message
	if rp.MessageID != 0 {
		if orig, ok := s.messages[msgKey{chat.ID, rp.MessageID}]; ok {
			replyTo = &orig
		} else if !rp.AllowSendingWithoutReply {
			return nil, badRequest("message to be replied not found")
		}
	}
	s.lastMsgID[chat.ID]++
	m := Message{
		MessageID: s.lastMsgID[chat.ID], MessageThreadID: thread, From: &s.Bot, Chat: chat,
		Date: time.Now().Unix(), Text: plain, ReplyToMessage: replyTo, ReplyMarkup: kb,
	}
	s.messages[msgKey{chat.ID, m.MessageID}] = m
	s.sent = append(s.sent, SentMessage{
		MessageID: m.MessageID, ChatID: chat.ID, ThreadID: thread, Text: p["text"], Plain: plain,
		ParseMode: p["parse_mode"], ReplyTo: rp.MessageID, LinkPreviewDisabled: lpo.IsDisabled, Keyboard: kb,
	})
	return m, nil
}

// MaxCaptionLen is Telegram's limit on a photo's caption, in UTF-16 code
// units after entity parsing.
const MaxCaptionLen = 1024

// sendPhoto accepts an uploaded image that decodes, with a caption within
// MaxCaptionLen; a photo by URL or file id is refused, since the fake has
// nothing to fetch it from.
func (s *Server) sendPhoto(r *http.Request, p map[string]string) (any, *apiError) {
	chat, aerr := s.chat(p["chat_id"])
	if aerr != nil {
		return nil, aerr
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["photo"]) == 0 {
		return nil, badRequest("there is no photo in the request")
	}
	f, err := r.MultipartForm.File["photo"][0].Open()
	if err != nil {
		return nil, badRequest("can't read the photo: %v", err)
	}
	photo, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil, badRequest("can't read the photo: %v", err)
	}
	if _, _, err := image.DecodeConfig(bytes.NewReader(photo)); err != nil {
		return nil, badRequest("IMAGE_PROCESS_FAILED")
	}
	plain := ""
	if p["caption"] != "" {
		var aerr *apiError
		if plain, aerr = checkText(p["caption"], p["parse_mode"]); aerr != nil {
			return nil, aerr
		}
		if UTF16Len(plain) > MaxCaptionLen {
			return nil, badRequest("message caption is too long")
		}
	}
	thread, _ := strconv.Atoi(p["message_thread_id"])
	var rp replyParameters
	if raw := p["reply_parameters"]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &rp); err != nil {
			return nil, badRequest("can't parse reply parameters JSON object")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastMsgID[chat.ID]++
	m := Message{MessageID: s.lastMsgID[chat.ID], MessageThreadID: thread, From: &s.Bot, Chat: chat, Date: time.Now().Unix(), Text: plain}
	s.messages[msgKey{chat.ID, m.MessageID}] = m
	s.sent = append(s.sent, SentMessage{
		MessageID: m.MessageID, ChatID: chat.ID, ThreadID: thread, Text: p["caption"], Plain: plain,
		ParseMode: p["parse_mode"], ReplyTo: rp.MessageID, Photo: photo,
	})
	return m, nil
}

// keyboard parses and checks an inline keyboard as Telegram does: 1-64
// bytes of callback data, a text on every button.
func keyboard(raw string) (*InlineKeyboardMarkup, *apiError) {
	if raw == "" {
		return nil, nil
	}
	var kb InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(raw), &kb); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			if b.Text == "" {
				return nil, badRequest("text buttons are unallowed in the inline keyboard")
			}
			if b.URL == "" && (len(b.CallbackData) < 1 || len(b.CallbackData) > 64) {
				return nil, badRequest("BUTTON_DATA_INVALID")
			}
		}
	}
	return &kb, nil
}

func (s *Server) answerCallbackQuery(p map[string]string) (any, *apiError) {
	id := p["callback_query_id"]
	s.mu.Lock()
	defer s.mu.Unlock()
	answered, known := s.callbacks[id]
	if !known || answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	if len([]rune(p["text"])) > 200 {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	s.callbacks[id] = true
	s.cbAnswers = append(s.cbAnswers, CallbackAnswer{QueryID: id, Text: p["text"], ShowAlert: p["show_alert"] == "true"})
	return true, nil
}

func (s *Server) editMessageReplyMarkup(p map[string]string) (any, *apiError) {
	chat, aerr := s.chat(p["chat_id"])
	if aerr != nil {
		return nil, aerr
	}
	kb, aerr := keyboard(p["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	id, _ := strconv.Atoi(p["message_id"])
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[msgKey{chat.ID, id}]
	if !ok || m.From == nil || m.From.ID != s.Bot.ID {
		return nil, badRequest("message to edit not found")
	}
	m.ReplyMarkup = kb
	s.messages[msgKey{chat.ID, id}] = m
	return m, nil
}

func (s *Server) setMessageReaction(p map[string]string) (any, *apiError) {
	chat, aerr := s.chat(p["chat_id"])
	if aerr != nil {
		return nil, aerr
	}
	id, _ := strconv.Atoi(p["message_id"])
	var rs []struct {
		Type  string `json:"type"`
		Emoji string `json:"emoji"`
	}
	if raw := p["reaction"]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &rs); err != nil {
			return nil, badRequest("can't parse reaction types JSON object")
		}
	}
	r := Reaction{ChatID: chat.ID, MessageID: id}
	for _, x := range rs {
		if x.Type != "emoji" || !allowedReactions[x.Emoji] {
			return nil, badRequest("REACTION_INVALID")
		}
		r.Emoji = append(r.Emoji, x.Emoji)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.messages[msgKey{chat.ID, id}]; !ok {
		return nil, badRequest("message to react not found")
	}
	s.reactions = append(s.reactions, r)
	return true, nil
}

// allowedReactions is part of the emoji Telegram accepts as reactions.
var allowedReactions = map[string]bool{"👍": true, "👎": true, "👀": true, "🤔": true, "🙏": true, "👌": true, "✍": true, "🫡": true}

func (s *Server) editMessageText(p map[string]string) (any, *apiError) {
	chat, aerr := s.chat(p["chat_id"])
	if aerr != nil {
		return nil, aerr
	}
	plain, aerr := checkText(p["text"], p["parse_mode"])
	if aerr != nil {
		return nil, aerr
	}
	id, _ := strconv.Atoi(p["message_id"])
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[msgKey{chat.ID, id}]
	if !ok || m.From == nil || m.From.ID != s.Bot.ID {
		return nil, badRequest("message to edit not found")
	}
	m.Text = plain
	s.messages[msgKey{chat.ID, id}] = m
	return m, nil
}

func (s *Server) answerInlineQuery(p map[string]string) (any, *apiError) {
	id := p["inline_query_id"]
	s.mu.Lock()
	answered, known := s.queries[id]
	s.mu.Unlock()
	if !known || answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	var results []inlineResult
	if err := json.Unmarshal([]byte(p["results"]), &results); err != nil {
		return nil, badRequest("can't parse inline query results JSON object: %v", err)
	}
	if len(results) > 50 {
		return nil, badRequest("too many inline query results specified")
	}
	ans := InlineAnswer{QueryID: id, IsPersonal: p["is_personal"] == "true"}
	ans.CacheTime, _ = strconv.Atoi(p["cache_time"])
	seen := map[string]bool{}
	for i, r := range results {
		switch {
		case r.Type != "article":
			return nil, badRequest("result %d: unsupported type %q", i, r.Type)
		case r.ID == "" || len(r.ID) > 64 || seen[r.ID]:
			return nil, badRequest("RESULT_ID_INVALID")
		case r.Title == "":
			return nil, badRequest("RESULT_TITLE_EMPTY")
		case r.InputMessageContent == nil:
			return nil, badRequest("result %d: input_message_content is missing", i)
		}
		seen[r.ID] = true
		plain, aerr := checkText(r.InputMessageContent.MessageText, r.InputMessageContent.ParseMode)
		if aerr != nil {
			return nil, aerr
		}
		ans.Results = append(ans.Results, InlineResult{
			ID: r.ID, Title: r.Title, Description: r.Description, Text: r.InputMessageContent.MessageText,
			Plain: plain, ParseMode: r.InputMessageContent.ParseMode,
		})
	}
	s.mu.Lock()
	s.queries[id] = true
	s.answers = append(s.answers, ans)
	s.mu.Unlock()
	return true, nil
}

var commandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func (s *Server) setMyCommands(p map[string]string) (any, *apiError) {
	var cmds []BotCommand
	if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands")
	}
	for _, c := range cmds {
		if !commandRE.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := len(utf16.Encode([]rune(c.Description))); n < 1 || n > 256 {
			return nil, badRequest("command description must be 1-256 characters")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if lang := p["language_code"]; lang != "" {
		// A menu for users of one language, besides the default menu.
		if s.localized == nil {
			s.localized = map[string][]BotCommand{}
		}
		s.localized[lang] = cmds
		return true, nil
	}
	s.commands = cmds
	return true, nil
}

// CommandsFor returns the menu set for users of a language ("zh"), or nil.
func (s *Server) CommandsFor(lang string) []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.localized[lang])
}

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (s *Server) setWebhook(p map[string]string) (any, *apiError) {
	u, err := url.Parse(p["url"])
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, badRequest("bad webhook: an HTTPS URL must be provided for webhook")
	}
	if sec := p["secret_token"]; sec != "" && !secretRE.MatchString(sec) {
		return nil, badRequest("secret token contains unallowed characters")
	}
	var allowed []string
	if a := p["allowed_updates"]; a != "" {
		if err := json.Unmarshal([]byte(a), &allowed); err != nil {
			return nil, badRequest("can't parse allowed_updates")
		}
	}
	s.mu.Lock()
	s.webhook = Webhook{URL: p["url"], Secret: p["secret_token"], AllowedUpdates: allowed}
	if len(allowed) > 0 {
		s.allowed = allowed
	}
	if p["drop_pending_updates"] == "true" {
		s.pending = nil
	}
	s.notify()
	s.mu.Unlock()
	return true, nil
}
