//go:build reliability

package reliability

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dramabot/knowledge"
	"dramabot/knowledge/embed"
	"dramabot/knowledge/store"
)

// openStore opens the index in a data dir the way dramabot does with its
// default embedder.
func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	emb := embed.NewLocal(embed.DefaultDim)
	st, err := store.Open(store.Options{Dir: dir, Embedder: store.Embedder{Name: emb.Name(), Embed: emb.Embed}})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// storeMatches checks that the snapshot in dir is whole (manifest, vectors
// and lexicon agree, or store.Open would report it) and holds exactly one
// of the versions: every passage once, with its text. It returns the
// index of the version, or an error saying what is wrong.
func storeMatches(t *testing.T, dir string, versions ...[]knowledge.Passage) (int, error) {
	t.Helper()
	if _, err := os.Stat(store.SnapshotPath(dir)); err != nil {
		return -1, fmt.Errorf("no snapshot: %w", err)
	}
	st := openStore(t, dir)
	if r := st.Recovered(); r != "" {
		return -1, fmt.Errorf("snapshot not usable: %s", r)
	}
	n := st.Stats().Passages
	got := st.Passages(n)
	seen := make(map[string]bool, n)
	for _, h := range got {
		if seen[h.Passage.ID] {
			return -1, fmt.Errorf("passage %s is in the index twice", h.Passage.ID)
		}
		seen[h.Passage.ID] = true
	}
	match := -1
	for v, want := range versions {
		if len(want) != n {
			continue
		}
		same := true
		for i := range want {
			if got[i].Passage.ID != want[i].ID || got[i].Passage.Text != want[i].Text {
				same = false
				break
			}
		}
		if same {
			match = v
			break
		}
	}
	if match < 0 {
		lens := make([]string, len(versions))
		for i, v := range versions {
			lens[i] = fmt.Sprint(len(v))
		}
		return -1, fmt.Errorf("the index holds %d passages, matching none of the versions (%s passages)", n, strings.Join(lens, ", "))
	}
	// The vectors and the lexicon belong to the manifest: a passage's own
	// text finds it.
	for _, i := range []int{0, n / 2, n - 1} {
		p := got[i].Passage
		ret, err := st.Search(context.Background(), p.Text, 10)
		if err != nil {
			return -1, fmt.Errorf("search: %w", err)
		}
		found := false
		for _, h := range ret.Hits {
			found = found || h.Passage.ID == p.ID
		}
		if !found {
			return -1, fmt.Errorf("passage %s is not found by its own text: vectors or lexicon do not match the manifest", p.ID)
		}
	}
	return match, nil
}

// tempSnapshots lists the temp files snapshot writes left in dir.
func tempSnapshots(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "index.snapshot.tmp-*"))
	return m
}

// killIndex starts "dramabot index" and kills it with SIGKILL after delay,
// or, with duringWrite, as soon as a snapshot temp file appears. It
// reports what happened.
func killIndex(t *testing.T, envv map[string]string, dataDir string, delay time.Duration, duringWrite bool) string {
	t.Helper()
	before := map[string]bool{}
	for _, f := range tempSnapshots(dataDir) {
		before[f] = true
	}
	cmd := exec.Command(binary, "index")
	cmd.Env = env(envv)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(5 * time.Minute)
	if duringWrite {
		tick := time.NewTicker(500 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case err := <-done:
				return fmt.Sprintf("finished before a snapshot write was seen (%v)", err)
			case <-deadline:
				_ = cmd.Process.Kill()
				<-done
				t.Fatal("index did not finish")
			case <-tick.C:
			}
			for _, f := range tempSnapshots(dataDir) {
				if !before[f] {
					_ = cmd.Process.Kill()
					<-done
					return "killed while writing the snapshot"
				}
			}
		}
	}
	select {
	case err := <-done:
		return fmt.Sprintf("finished before the kill (%v)", err)
	case <-time.After(delay):
		_ = cmd.Process.Kill()
		err := <-done
		return fmt.Sprintf("killed after %s (%v)", delay.Round(time.Millisecond), err)
	}
}
