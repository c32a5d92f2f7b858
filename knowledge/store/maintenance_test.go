package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

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
