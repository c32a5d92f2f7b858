// Package llm is a client for OpenAI-compatible chat completions
// (POST {base}/chat/completions), the API that OpenAI, Ollama (/v1),
// llama.cpp's server and vLLM all serve. It uses plain net/http.
//
// The client never logs. Its errors name what failed and the server's own
// message, never the API key or a URL.
package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Defaults for Config.
const (
	DefaultBaseURL       = "https://api.openai.com/v1"
	DefaultTimeout       = 20 * time.Second
	DefaultMaxConcurrent = 4
	// maxReplyBytes bounds a response body; a chat answer is a few KiB.
	maxReplyBytes = 4 << 20
	// maxErrorText bounds the server message quoted in an error.
	maxErrorText = 300
)

// ErrBadReply reports a 2xx answer without a usable message: not JSON, no
// choices, or empty content.
var ErrBadReply = errors.New("llm: bad reply")

// Config configures a Client. Model is required.
type Config struct {
	// BaseURL is the API base, to which "/chat/completions" is appended:
	// https://api.openai.com/v1, http://localhost:11434/v1 (Ollama),
	// http://localhost:8080/v1 (llama.cpp, vLLM). A URL that already ends
	// in /chat/completions is used as is. Default DefaultBaseURL.
	BaseURL string
	Model   string
	// APIKey is sent as "Authorization: Bearer KEY" when set; local
	// servers usually need none.
	APIKey string
	// Timeout bounds one Complete call, the wait for a free slot included,
	// so that a saturated model makes callers fall back rather than queue.
	// Default DefaultTimeout.
	Timeout time.Duration
	// MaxConcurrent bounds the calls in flight; more wait for a slot.
	// Default DefaultMaxConcurrent.
	MaxConcurrent int
	// MaxTokens bounds the reply's length; 0 leaves it to the server.
	MaxTokens int
	// HTTPClient is optional (tests pass an in-memory one). Its own
	// Timeout, if any, applies on top of Timeout.
	HTTPClient *http.Client
}

// Client calls a chat-completions endpoint. It is safe for concurrent use.
type Client struct {
	endpoint string
	model    string
	key      string
	timeout  time.Duration
	maxTok   int
	http     *http.Client
	slots    chan struct{}
}

// New returns a Client. It checks the configuration but does not connect.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("llm: no model")
	}
	base := strings.TrimSpace(cfg.BaseURL)
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("llm: the base URL must be an absolute http(s) URL")
	}
	if u.User != nil {
		return nil, errors.New("llm: put the API key in its own setting, not in the base URL")
	}
	endpoint := strings.TrimRight(u.String(), "/")
	if !strings.HasSuffix(endpoint, "/chat/completions") {
		endpoint += "/chat/completions"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = DefaultMaxConcurrent
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	return &Client{
		endpoint: endpoint, model: strings.TrimSpace(cfg.Model), key: strings.TrimSpace(cfg.APIKey),
		timeout: cfg.Timeout, maxTok: cfg.MaxTokens, http: cfg.HTTPClient,
		slots: make(chan struct{}, cfg.MaxConcurrent),
	}, nil
}

// Model is the model name sent with every call.
func (c *Client) Model() string { return c.model }

// Timeout is the bound on one call.
func (c *Client) Timeout() time.Duration { return c.timeout }

// StatusError is a non-2xx answer from the server.
type StatusError struct {
	StatusCode int
	// Message is the server's error message (or its body), shortened and
	// cleaned of the API key.
	Message string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("llm: server answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// HTTPStatus lets callers classify the error without importing this
// package.
func (e *StatusError) HTTPStatus() int { return e.StatusCode }

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type request struct {
	Model       string    `json:"model"`
	Messages    []message `json:"messages"`
	Temperature float64   `json:"temperature"`
	MaxTokens   int       `json:"max_tokens,omitempty"`
	Stream      bool      `json:"stream"`
}

type response struct {
	Choices []struct {
		Message struct {
			Content *string `json:"content"`
		} `json:"message"`
	} `json:"choices"`
}

// Complete sends the system instructions and the conversation, whose turns
// alternate user and assistant starting with the user, and returns the
// model's reply, trimmed and without a <think> section. The temperature is
// 0: answers are to be checked, not varied.
func (c *Client) Complete(ctx context.Context, system string, turns []string) (string, error) {
	if len(turns) == 0 {
		return "", errors.New("llm: no user message")
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("llm: waiting for a free slot: %w", ctx.Err())
	}
	defer func() { <-c.slots }()

	msgs := make([]message, 0, len(turns)+1)
	if system != "" {
		msgs = append(msgs, message{Role: "system", Content: system})
	}
	for i, t := range turns {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		msgs = append(msgs, message{Role: role, Content: t})
	}
	body, err := json.Marshal(request{Model: c.model, Messages: msgs, MaxTokens: c.maxTok})
	if err != nil {
		return "", fmt.Errorf("llm: encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("llm: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("llm: chat completion: %w", withoutURL(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err != nil {
		return "", fmt.Errorf("llm: read reply: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", &StatusError{StatusCode: resp.StatusCode, Message: c.errorText(raw)}
	}
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadReply, err)
	}
	if len(r.Choices) == 0 || r.Choices[0].Message.Content == nil {
		return "", fmt.Errorf("%w: no message", ErrBadReply)
	}
	text := strings.TrimSpace(thinkRE.ReplaceAllString(*r.Choices[0].Message.Content, ""))
	if text == "" {
		return "", fmt.Errorf("%w: empty message", ErrBadReply)
	}
	return text, nil
}

// thinkRE matches the reasoning some local models (Qwen3, DeepSeek-R1)
// print before their answer.
var thinkRE = regexp.MustCompile(`(?s)<think>.*?(</think>|$)`)

// errorText extracts the message of an error body: OpenAI's
// {"error":{"message":...}}, Ollama's {"error":"..."}, or the body itself.
func (c *Client) errorText(raw []byte) string {
	var body struct {
		Error json.RawMessage `json:"error"`
	}
	msg := string(raw)
	if json.Unmarshal(raw, &body) == nil && len(body.Error) > 0 {
		var s string
		var obj struct {
			Message string `json:"message"`
		}
		switch {
		case json.Unmarshal(body.Error, &s) == nil:
			msg = s
		case json.Unmarshal(body.Error, &obj) == nil && obj.Message != "":
			msg = obj.Message
		}
	}
	if c.key != "" {
		msg = strings.ReplaceAll(msg, c.key, "***")
	}
	msg = strings.Join(strings.Fields(strings.ToValidUTF8(msg, "")), " ")
	if utf8.RuneCountInString(msg) > maxErrorText {
		msg = string([]rune(msg)[:maxErrorText]) + "…"
	}
	return msg
}

// withoutURL drops the request URL from a transport error: errors end up
// in logs, and logs never hold URLs.
func withoutURL(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}
