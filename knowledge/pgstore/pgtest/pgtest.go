// Package pgtest gives tests a PostgreSQL server with pgvector on loopback:
// PGlite (PostgreSQL 18 compiled to WASM, from npm) served over TCP by
// pglite-socket, or the server named by DRAMABOT_TEST_POSTGRES.
//
// PGlite is one PostgreSQL session behind a socket. pglite-socket accepts
// several connections (--max-connections) but runs every one of them in that
// single session, one protocol message at a time: messages of two
// connections interleave (an extended-protocol Parse of one between the
// Parse and Bind of another), prepared statement names collide, session
// settings are shared and a NOTIFY reaches whichever connection committed.
// So the DSNs returned here for PGlite ask pgx for the simple protocol (each
// query is one message) and one pooled connection; pglite-socket keeps an
// open transaction's connection first in its queue, so transactions stay
// whole.
package pgtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Environment variables the helpers read.
const (
	// EnvDSN names a PostgreSQL server with pgvector to use instead of
	// PGlite. Tests may drop and create dramabot's tables in its database.
	EnvDSN = "DRAMABOT_TEST_POSTGRES"
	// EnvRequire, set to 1, turns a missing PGlite (no node, or no
	// node_modules) from a skip into a failure. CI sets it.
	EnvRequire = "DRAMABOT_REQUIRE_POSTGRES"
)

// PGliteDSNParams are the connection settings a PGlite DSN carries (see the
// package comment).
const PGliteDSNParams = "sslmode=disable&pool_max_conns=1&default_query_exec_mode=simple_protocol&connect_timeout=10"

// maxConnections is what pglite-socket accepts at once: a store's pool, a
// second store in the same test (an indexer and a replica) and a LISTEN
// connection each.
const maxConnections = 6

// ServerDir is the folder with the package.json of the PGlite server.
func ServerDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "server")
}

// DSN returns the address of an empty database with pgvector available,
// for this test only: a PGlite server started for it (stopped when the test
// ends), or the database of DRAMABOT_TEST_POSTGRES. Without node or the
// server's node_modules the test is skipped, unless
// DRAMABOT_REQUIRE_POSTGRES=1.
func DSN(t testing.TB) string {
	t.Helper()
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return dsn
	}
	return StartPGlite(t, true)
}

// DSNWithoutVector returns the address of a PGlite server that lacks the
// pgvector extension, to test how a store reports it. It always uses
// PGlite, whatever DRAMABOT_TEST_POSTGRES says.
func DSNWithoutVector(t testing.TB) string {
	t.Helper()
	return StartPGlite(t, false)
}

var listening = regexp.MustCompile(`listening on (\{.*\})`)

// StartPGlite starts a PGlite server on a free 127.0.0.1 port, with pgvector
// loaded if vector is set, and returns its DSN. The data directory is a
// copy of a template initialized once per machine (initdb in WASM takes
// 15 s or more; starting from a copy about 2 s).
func StartPGlite(t testing.TB, vector bool) string {
	t.Helper()
	dir := ServerDir()
	missing := func(why string) {
		t.Helper()
		msg := "PostgreSQL for tests unavailable: " + why + "; run `npm ci --prefix " + dir + "` or set " + EnvDSN
		if os.Getenv(EnvRequire) == "1" {
			t.Fatal(msg + " (" + EnvRequire + "=1)")
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	script := filepath.Join(dir, "node_modules", "@electric-sql", "pglite-socket", "dist", "scripts", "server.js")
	if _, err := os.Stat(script); err != nil {
		missing("node_modules is missing")
	}
	template, err := templateDir(t, node, script)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	data := filepath.Join(t.TempDir(), "pgdata")
	if err := copyDir(template, data); err != nil {
		t.Fatalf("pgtest: copy the template data dir: %v", err)
	}
	port, stop, err := serve(t, node, script, data, vector)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(stop)
	return fmt.Sprintf("postgres://postgres:postgres@127.0.0.1:%d/postgres?%s", port, PGliteDSNParams)
}

// serve runs the server on data and waits until it listens.
func serve(t testing.TB, node, script, data string, vector bool) (port int, stop func(), err error) {
	args := []string{script, "--db=" + data, "--host=127.0.0.1", "--port=0", "--max-connections=" + strconv.Itoa(maxConnections)}
	if vector {
		args = append(args, "--extensions=@electric-sql/pglite-pgvector:vector")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = ServerDir()
	cmd.Stderr = &logWriter{t: t}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	setParentDeathSignal(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return 0, nil, err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return 0, nil, fmt.Errorf("start node: %w", err)
	}
	stop = func() {
		cancel()
		_ = cmd.Wait()
	}
	ready := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			m := listening.FindStringSubmatch(sc.Text())
			if m == nil || sent {
				continue
			}
			var addr struct{ Port int }
			if json.Unmarshal([]byte(m[1]), &addr) == nil && addr.Port > 0 {
				ready <- addr.Port
				sent = true
			}
		}
		close(ready)
	}()
	select {
	case p, ok := <-ready:
		if !ok {
			stop()
			return 0, nil, errors.New("pglite-server exited before it listened")
		}
		return p, stop, nil
	case <-time.After(2 * time.Minute):
		stop()
		return 0, nil, errors.New("pglite-server not listening after 2 minutes")
	}
}

// templateDir returns a data directory initialized by PGlite, making it
// the first time (in the user cache dir, so every test binary and run on
// the machine shares it). The key holds the PGlite version: another version
// initializes its own.
func templateDir(t testing.TB, node, script string) (string, error) {
	version, err := pgliteVersion()
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "dramabot", "pgtest", "pglite-"+version)
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	// Initialize beside the final place and rename, so that two test
	// binaries racing here never see a half-made template.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "init-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	data := filepath.Join(tmp, "pgdata")
	t.Logf("pgtest: initializing a PGlite data dir template in %s (once per machine)", dir)
	_, stop, err := serve(t, node, script, data, true)
	if err != nil {
		return "", fmt.Errorf("initialize the template: %w", err)
	}
	stop()
	if err := os.Rename(data, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "PG_VERSION")); statErr == nil {
			return dir, nil // another process made it first
		}
		return "", err
	}
	return dir, nil
}

func pgliteVersion() (string, error) {
	b, err := os.ReadFile(filepath.Join(ServerDir(), "node_modules", "@electric-sql", "pglite", "package.json"))
	if err != nil {
		return "", err
	}
	var pkg struct{ Version string }
	if err := json.Unmarshal(b, &pkg); err != nil || pkg.Version == "" {
		return "", fmt.Errorf("read the PGlite version: %v", err)
	}
	return pkg.Version, nil
}

func copyDir(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		dst, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, src); err != nil {
			dst.Close()
			return err
		}
		return dst.Close()
	})
}

// logWriter passes the server's stderr to the test log.
type logWriter struct{ t testing.TB }

func (w *logWriter) Write(p []byte) (int, error) {
	if s := strings.TrimSpace(string(bytes.TrimRight(p, "\n"))); s != "" {
		w.t.Logf("pglite: %s", s)
	}
	return len(p), nil
}
