//go:build reliability

package reliability

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"dramabot/knowledge/knowledgetest"
)

// env returns the environment for a dramabot process: this process's,
// without any dramabot, Telegram or Discord setting (a token in the
// caller's environment must never reach a test process), plus extra.
func env(extra map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "DRAMABOT_") || strings.HasPrefix(k, "TELEGRAM_") || strings.HasPrefix(k, "DISCORD_") {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range extra {
		out = append(out, k+"="+v)
	}
	return out
}

// server is a running "dramabot serve".
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	URL  string // http://127.0.0.1:PORT
	logs *knowledgetest.SyncBuffer
	done chan struct{}
	err  error // from Wait, once done is closed
	// secrets must never appear in the log.
	secrets []string
}

type serveOptions struct {
	env  map[string]string
	args []string
	// wrap runs the binary under another command (unshare, for a tmpfs).
	wrap []string
	// notReady skips waiting for /readyz.
	notReady bool
	// startTimeout bounds the start (index build included); default 60 s.
	startTimeout time.Duration
}

// startServe starts "dramabot serve" on a free loopback port and waits until
// it is ready. The process is killed when the test ends, if still running.
func startServe(t *testing.T, o serveOptions) *server {
	t.Helper()
	args := append([]string{binary, "serve", "--addr", "127.0.0.1:0"}, o.args...)
	args = append(append([]string(nil), o.wrap...), args...)
	cmd := exec.Command(args[0], args[1:]...)
	if o.env == nil {
		o.env = map[string]string{}
	}
	if _, ok := o.env["DRAMABOT_LOG_LEVEL"]; !ok {
		o.env["DRAMABOT_LOG_LEVEL"] = "warn"
	}
	cmd.Env = env(o.env)
	s := &server{t: t, cmd: cmd, logs: &knowledgetest.SyncBuffer{}, done: make(chan struct{})}
	for k, v := range o.env {
		if strings.HasSuffix(k, "_TOKEN") || strings.HasSuffix(k, "_KEY") || strings.HasSuffix(k, "_SECRET") {
			s.secrets = append(s.secrets, v)
		}
	}
	cmd.Stderr = s.logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "dramabot serving on "); ok {
				select {
				case addr <- u:
				default:
				}
			}
		}
	}()
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		s.kill()
		s.checkLog()
	})
	timeout := o.startTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	select {
	case s.URL = <-addr:
	case <-s.done:
		t.Fatalf("dramabot serve exited at start (%v); log:\n%s", s.err, tail(s.logs.String()))
	case <-time.After(timeout):
		t.Fatalf("dramabot serve did not start within %s; log:\n%s", timeout, tail(s.logs.String()))
	}
	if !o.notReady {
		s.waitReady(30 * time.Second)
	}
	return s
}

// waitReady waits for /readyz to answer 200.
func (s *server) waitReady(timeout time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		code, body := s.get("/readyz")
		if code == http.StatusOK {
			return
		}
		last = fmt.Sprintf("%d %s", code, body)
		select {
		case <-s.done:
			s.t.Fatalf("dramabot serve exited (%v); log:\n%s", s.err, tail(s.logs.String()))
		case <-time.After(50 * time.Millisecond):
		}
	}
	s.t.Fatalf("not ready within %s (last /readyz: %s); log:\n%s", timeout, last, tail(s.logs.String()))
}

var probe = &http.Client{Timeout: 5 * time.Second}

func (s *server) get(path string) (int, string) {
	resp, err := probe.Get(s.URL + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// ask posts a question and decodes the answer (or the error) as a map.
func (s *server) ask(client *http.Client, question string) (int, map[string]any, error) {
	body, _ := json.Marshal(map[string]string{"question": question})
	return s.postRaw(client, body)
}

func (s *server) postRaw(client *http.Client, body []byte) (int, map[string]any, error) {
	resp, err := client.Post(s.URL+"/v1/ask", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("response is not JSON: %w: %.200s", err, raw)
	}
	return resp.StatusCode, m, nil
}

// peakRSS is the process's peak resident set size (VmHWM), in bytes.
func (s *server) peakRSS() int64 {
	return peakRSS(s.cmd.Process.Pid)
}

func peakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// stop sends SIGTERM and waits for a clean exit (status 0).
func (s *server) stop() {
	s.t.Helper()
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			s.kill()
			s.t.Errorf("dramabot serve did not exit within 30 s of SIGTERM")
			return
		}
	}
	if s.err != nil {
		s.t.Errorf("dramabot serve exited with %v; log:\n%s", s.err, tail(s.logs.String()))
	}
}

// signal sends sig to the process.
func (s *server) signal(sig os.Signal) {
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
}

func (s *server) kill() {
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// checkLog fails the test if a secret shows in the log.
func (s *server) checkLog() {
	log := s.logs.String()
	for _, sec := range s.secrets {
		if sec != "" && strings.Contains(log, sec) {
			s.t.Errorf("a secret appears in the log of dramabot serve")
		}
	}
	if strings.Contains(log, "panic") {
		s.t.Errorf("the log of dramabot serve reports a panic:\n%s", tail(log))
	}
}

// waitLog waits until the log contains substr. The log comes through a
// pipe: it may lag behind the process's HTTP answers.
func (s *server) waitLog(substr string, timeout time.Duration) bool {
	return s.waitCount(substr, 1, timeout)
}

// waitCount waits until the log contains substr n times.
func (s *server) waitCount(substr string, n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if strings.Count(s.logs.String(), substr) >= n {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cliResult is the outcome of one dramabot command.
type cliResult struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// runCLI runs one dramabot command to completion (bounded by timeout).
func runCLI(t *testing.T, extra map[string]string, timeout time.Duration, args ...string) cliResult {
	t.Helper()
	return runWrapped(t, nil, extra, timeout, args...)
}

// runWrapped runs one dramabot command under another command (unshare).
func runWrapped(t *testing.T, wrap []string, extra map[string]string, timeout time.Duration, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	argv := append(append(append([]string(nil), wrap...), binary), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env(extra)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := cliResult{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		t.Fatalf("dramabot %s: did not finish within %s", strings.Join(args, " "), timeout)
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	default:
		t.Fatalf("dramabot %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// tail keeps the end of a long log for failure messages.
func tail(s string) string {
	const n = 4000
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// percentile returns the p-th percentile (0..100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}
