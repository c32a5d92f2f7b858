package telegramtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RequireEmulatorEnv, set to 1, turns a missing emulator (no node, or no
// node_modules: run `npm ci` in the emulator folder) from a skip into a
// failure. CI sets it.
const RequireEmulatorEnv = "DRAMABOT_REQUIRE_EMULATOR"

// Emulator is a running telegram-test-api 4.2.1 (npm), the public Bot API
// emulator, listening on 127.0.0.1.
type Emulator struct {
	URL string
}

// EmulatorDir is the folder with the emulator's package.json and start.js.
func EmulatorDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "emulator")
}

// StartEmulator starts the emulator on a free 127.0.0.1 port and stops it
// when the test ends. Without node or node_modules it skips the test, unless
// DRAMABOT_REQUIRE_EMULATOR=1.
func StartEmulator(t testing.TB) *Emulator {
	t.Helper()
	dir := EmulatorDir()
	missing := func(why string) {
		t.Helper()
		msg := "telegram-test-api emulator unavailable: " + why + "; run `npm ci` in " + dir
		if os.Getenv(RequireEmulatorEnv) == "1" {
			t.Fatal(msg + " (" + RequireEmulatorEnv + "=1)")
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "telegram-test-api", "package.json")); err != nil {
		missing("node_modules is missing")
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("emulator: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, "start.js", strconv.Itoa(port))
	cmd.Dir = dir
	cmd.Stderr = &prefixWriter{t: t}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	setParentDeathSignal(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("emulator: %v", err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("emulator: start node: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- strings.TrimSpace(u)
			}
		}
		close(ready)
	}()
	select {
	case u, ok := <-ready:
		if !ok {
			t.Fatal("emulator: node exited before it was ready")
		}
		return &Emulator{URL: u}
	case <-time.After(20 * time.Second):
		t.Fatal("emulator: not ready after 20 s")
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type prefixWriter struct{ t testing.TB }

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.t.Logf("emulator: %s", bytes.TrimRight(p, "\n"))
	return len(p), nil
}

// HTTPClient returns a client for the bot that bridges what the emulator
// lacks, in test code only:
//   - it re-encodes go-telegram/bot's multipart/form-data bodies as JSON
//     (the emulator reads only JSON and url-encoded bodies, and would see an
//     empty request);
//   - it answers methods the emulator does not implement (setMyCommands,
//     sendChatAction, ...) with ok:true instead of the emulator's HTTP 500;
//   - it waits 50 ms before each getUpdates, since the emulator answers at
//     once instead of long polling and the client would spin.
func (e *Emulator) HTTPClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: emulatorBridge{next: http.DefaultTransport}}
}

type emulatorBridge struct{ next http.RoundTripper }

// The emulator implements only these bot methods.
var emulatorMethods = map[string]bool{
	"getUpdates": true, "getMe": true, "sendMessage": true, "editMessageText": true,
	"editMessageReplyMarkup": true, "answerCallbackQuery": true, "deleteMessage": true,
	"setWebhook": true, "deleteWebhook": true,
}

// Fields the client sends as JSON text inside a form field.
var jsonFields = map[string]bool{
	"reply_parameters": true, "link_preview_options": true, "reply_markup": true, "entities": true,
	"allowed_updates": true, "commands": true, "results": true,
}

func (b emulatorBridge) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	method := path.Base(req.URL.Path)
	if !emulatorMethods[method] {
		return stubResponse(req), nil
	}
	if method == "getUpdates" {
		select {
		case <-time.After(50 * time.Millisecond):
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	body, err := multipartToJSON(req)
	if err != nil {
		return nil, fmt.Errorf("emulator bridge: %s: %w", method, err)
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	out.Header.Set("Content-Type", "application/json")
	return b.next.RoundTrip(out)
}

func stubResponse(req *http.Request) *http.Response {
	body := `{"ok":true,"result":true}`
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, ContentLength: int64(len(body)),
		Body: io.NopCloser(strings.NewReader(body)), Request: req,
	}
}

func multipartToJSON(req *http.Request) ([]byte, error) {
	fields := map[string]json.RawMessage{}
	_, params, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err == nil && params["boundary"] != "" && req.Body != nil {
		mr := multipart.NewReader(req.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if len(fields) == 0 { // an empty body: getMe and friends
					break
				}
				return nil, err
			}
			if part.FileName() != "" {
				return nil, errors.New("file uploads are not supported by the emulator")
			}
			v, err := io.ReadAll(part)
			if err != nil {
				return nil, err
			}
			if jsonFields[part.FormName()] && json.Valid(v) {
				fields[part.FormName()] = v
			} else {
				fields[part.FormName()], _ = json.Marshal(string(v))
			}
		}
	}
	return json.Marshal(fields)
}

// EmulatorMessage is a message the bot sent, as the emulator's client API
// reports it: the raw parameters of the bot's sendMessage call.
type EmulatorMessage struct {
	ChatID    string `json:"chat_id"`
	Text      string `json:"text"`
	ParseMode string `json:"parse_mode"`
}

// SendMessage posts a user's text message for the bot with this token,
// through the emulator's client API.
func (e *Emulator) SendMessage(t testing.TB, token string, from User, chat Chat, text string) {
	t.Helper()
	body := map[string]any{
		"botToken": token, "text": text, "date": time.Now().Unix(),
		"from": from, "chat": chat,
	}
	if err := e.post("/sendMessage", body, nil); err != nil {
		t.Fatalf("emulator: send message: %v", err)
	}
}

// WaitBotMessages waits until the bot has sent n messages to chatID (each
// is returned once by the emulator) and returns them.
func (e *Emulator) WaitBotMessages(t testing.TB, token string, chatID int64, n int) []EmulatorMessage {
	t.Helper()
	var got []EmulatorMessage
	deadline := time.Now().Add(15 * time.Second)
	for len(got) < n {
		var resp struct {
			OK     bool `json:"ok"`
			Result []struct {
				Message EmulatorMessage `json:"message"`
			} `json:"result"`
		}
		if err := e.post("/getUpdates", map[string]any{"token": token, "chatId": chatID}, &resp); err != nil {
			t.Fatalf("emulator: get bot messages: %v", err)
		}
		for _, r := range resp.Result {
			got = append(got, r.Message)
		}
		if len(got) >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("emulator: %d of %d bot messages after 15 s", len(got), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return got
}

func (e *Emulator) post(p string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Post(e.URL+p, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("%s: %s: %s", p, resp.Status, msg)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
