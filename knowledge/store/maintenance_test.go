package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"dramabot/knowledge/store"
)

// A save that failed is tried again by the next Sync, even when nothing
// changed, so the index reaches the disk once the disk is fixed.
func TestFailedSaveIsRetried(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	if err := os.WriteFile(dir, []byte("not a dir"), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, dir, newCounting().embedder())
	if _, err := st.Sync(t.Context(), seedDocs()); !errors.Is(err, store.ErrSnapshot) {
		t.Fatalf("Sync into a file path: %v, want ErrSnapshot", err)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	mustSync(t, st, seedDocs())
	if _, err := os.Stat(store.SnapshotPath(dir)); err != nil {
		t.Fatalf("the unchanged Sync did not save the snapshot: %v", err)
	}
}

// Temp snapshots left by a crash are removed when the store opens; fresh
// ones, which another process may be writing, are kept.
func TestStaleTempSnapshotsRemoved(t *testing.T) {
	dir := t.TempDir()
	stale := store.SnapshotPath(dir) + ".tmp-123"
	fresh := store.SnapshotPath(dir) + ".tmp-456"
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	openStore(t, dir, newCounting().embedder())
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temp snapshot kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temp snapshot removed: %v", err)
	}
}
