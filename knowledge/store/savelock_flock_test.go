//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func openIn(t *testing.T, dir string) *Store {
	t.Helper()
	st, err := Open(Options{Dir: dir, Embedder: Embedder{Name: "test", Embed: func(context.Context, string) ([]float32, error) {
		return []float32{1, 0}, nil
	}}})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return st
}

func writeTemp(t *testing.T, dir, name string, age time.Duration) string {
	t.Helper()
	p := filepath.Join(dir, snapshotName+".tmp-"+name)
	if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	if age > 0 {
		at := time.Now().Add(-age)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// Temp snapshots are removed when the store opens unless a save that is
// running may be writing them: one holds the save lock. A temp snapshot
// older than any save is removed even then.
func TestTempSnapshotsRemovedUnlessBeingWritten(t *testing.T) {
	tests := []struct {
		name      string
		saving    bool // another save holds the save lock
		keepFresh bool
	}{
		{name: "no save running", saving: false, keepFresh: false},
		{name: "a save running", saving: true, keepFresh: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.saving {
				unlock, err := lockFile(filepath.Join(dir, saveLockName), false)
				if err != nil {
					t.Fatal(err)
				}
				defer unlock()
			}
			fresh := writeTemp(t, dir, "fresh", 0)
			old := writeTemp(t, dir, "old", time.Hour)
			openIn(t, dir)
			if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("old temp snapshot kept: %v", err)
			}
			_, err := os.Stat(fresh)
			if kept := err == nil; kept != tt.keepFresh {
				t.Errorf("fresh temp snapshot kept = %v, want %v (stat: %v)", kept, tt.keepFresh, err)
			}
		})
	}
}

// A save killed while it writes leaves its temp snapshot behind. While the
// saving process lives, a store opening the data dir keeps the file; once
// it is killed (SIGKILL, so nothing of its own cleans up), the next store
// to open removes it. The saving process is this test binary run again.
func TestTempSnapshotOfAKilledSaveRemoved(t *testing.T) {
	if dir := os.Getenv("STORE_TEST_SAVING_IN"); dir != "" {
		// The child: hold the save lock and a temp snapshot, say so, and
		// wait to be killed (or for the parent to go: stdin closes).
		if _, err := lockFile(filepath.Join(dir, saveLockName), false); err != nil {
			fmt.Println("lock:", err)
			os.Exit(1)
		}
		writeTemp(t, dir, "child", 0)
		fmt.Println("saving")
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTempSnapshotOfAKilledSaveRemoved$")
	cmd.Env = append(os.Environ(), "STORE_TEST_SAVING_IN="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if line != "saving\n" {
		t.Fatalf("child said %q (%v), want saving", line, err)
	}
	temp := filepath.Join(dir, snapshotName+".tmp-child")

	openIn(t, dir)
	if _, err := os.Stat(temp); err != nil {
		t.Fatalf("the temp snapshot of a running save was removed: %v", err)
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	openIn(t, dir)
	if _, err := os.Stat(temp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temp snapshot of a killed save was kept: %v", err)
	}
}
