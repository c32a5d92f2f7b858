//go:build reliability

package reliability

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dramabot/knowledge/store"
)

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFaultKillDuringIndex kills "dramabot index" with SIGKILL at several
// points while it brings an index from version 1 of a corpus to version 2
// (passages added, changed and removed), including while it writes the
// snapshot. After every kill the data dir must hold version 1 or version 2
// whole, never a mix; a restart must then reach version 2, every passage
// once.
func TestFaultKillDuringIndex(t *testing.T) {
	sz := scale()
	r := record(t, "fault", "kill -9 during dramabot index, then restart")
	root := t.TempDir()
	docs, data := filepath.Join(root, "docs"), filepath.Join(root, "data")
	envv := map[string]string{"DRAMABOT_DATA": data, "DRAMABOT_DOCS": docs, "DRAMABOT_LOG_LEVEL": "warn"}

	writeCorpus(t, docs, 0, sz.killCorpusDocs, sz.killParagraphs, 1)
	v1 := expectedPassages(t, docs)
	res := runCLI(t, envv, 10*time.Minute, "index")
	if res.code != 0 {
		t.Fatalf("index v1: exit %d: %s", res.code, res.stderr)
	}
	first := res.took
	if _, err := storeMatches(t, data, v1); err != nil {
		t.Fatalf("after a clean index of version 1: %v", err)
	}
	v1Snapshot := filepath.Join(root, "v1.snapshot")
	copyFile(t, store.SnapshotPath(data), v1Snapshot)

	// Version 2: every seventh paragraph changed, a quarter more documents,
	// the first tenth removed.
	writeCorpus(t, docs, 0, sz.killCorpusDocs, sz.killParagraphs, 2)
	writeCorpus(t, docs, sz.killCorpusDocs, sz.killCorpusDocs/4, sz.killParagraphs, 1)
	for d := range sz.killCorpusDocs / 10 {
		if err := os.Remove(filepath.Join(docs, fmt.Sprintf("report-%05d.md", d))); err != nil {
			t.Fatal(err)
		}
	}
	v2 := expectedPassages(t, docs)

	// How long an uninterrupted update from v1 to v2 takes, in a copy.
	probe := filepath.Join(root, "probe")
	if err := os.MkdirAll(probe, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, v1Snapshot, store.SnapshotPath(probe))
	probeEnv := map[string]string{"DRAMABOT_DATA": probe, "DRAMABOT_DOCS": docs, "DRAMABOT_LOG_LEVEL": "warn"}
	res = runCLI(t, probeEnv, 10*time.Minute, "index")
	if res.code != 0 {
		t.Fatalf("index v2: exit %d: %s", res.code, res.stderr)
	}
	update := res.took
	t.Logf("index v1 (%d passages) %s; update to v2 (%d passages): %s, %s", len(v1), first.Round(time.Millisecond), len(v2), update.Round(time.Millisecond), strings.TrimSpace(res.stdout))

	rng := rand.New(rand.NewPCG(7, 7))
	var outcomes []string
	kills, sawV1, sawV2 := 0, 0, 0
	for k := range sz.kills {
		// Start again from version 1 each time, so every kill interrupts
		// the same work at a different point.
		copyFile(t, v1Snapshot, store.SnapshotPath(data))
		duringWrite := k%3 == 1
		delay := time.Duration(float64(update) * (0.1 + 0.8*rng.Float64()))
		what := killIndex(t, envv, data, delay, duringWrite)
		if strings.HasPrefix(what, "killed") {
			kills++
		}
		v, err := storeMatches(t, data, v1, v2)
		if err != nil {
			t.Errorf("kill %d (%s): %v", k+1, what, err)
			continue
		}
		if v == 0 {
			sawV1++
		} else {
			sawV2++
		}
		// The restart finishes the job.
		res := runCLI(t, envv, 10*time.Minute, "index")
		if res.code != 0 {
			t.Errorf("restart after kill %d: exit %d: %s", k+1, res.code, res.stderr)
			continue
		}
		if v, err := storeMatches(t, data, v2); err != nil || v != 0 {
			t.Errorf("restart after kill %d (%s): %v", k+1, what, err)
		}
		outcomes = append(outcomes, what)
	}
	for _, o := range outcomes {
		t.Log(o)
	}
	stale := len(tempSnapshots(data))
	r.set(kills, 0, "%d kills (%d while writing the snapshot; %d more runs finished first) in an update of %d→%d passages taking %s: afterwards the snapshot held v1 %d×, v2 %d×, never a mix; each restart reached v2 exactly (no passage lost or duplicated); %d stale temp snapshot files left behind",
		kills, countPrefix(outcomes, "killed while writing"), len(outcomes)-kills, len(v1), len(v2), update.Round(time.Millisecond), sawV1, sawV2, stale)
	if kills == 0 {
		t.Error("no kill landed during indexing")
	}
}

func countPrefix(ss []string, prefix string) int {
	n := 0
	for _, s := range ss {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// TestFaultCorruptSnapshot damages a good snapshot in several ways; each
// must be detected, reported and rebuilt from the sources, by "dramabot
// index" and by "dramabot serve", which must never serve an empty index.
func TestFaultCorruptSnapshot(t *testing.T) {
	r := record(t, "fault", "truncated or corrupted snapshot")
	root := t.TempDir()
	docs, data := filepath.Join(root, "docs"), filepath.Join(root, "data")
	writeCorpus(t, docs, 0, 10, 20, 1)
	want := expectedPassages(t, docs)
	envv := map[string]string{"DRAMABOT_DATA": data, "DRAMABOT_DOCS": docs}
	if res := runCLI(t, envv, time.Minute, "index"); res.code != 0 {
		t.Fatalf("index: exit %d: %s", res.code, res.stderr)
	}
	good, err := os.ReadFile(store.SnapshotPath(data))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(root, "other")
	if res := runCLI(t, map[string]string{"DRAMABOT_DATA": other, "DRAMABOT_DOCS": docs, "DRAMABOT_EMBED_DIM": "32"}, time.Minute, "index"); res.code != 0 {
		t.Fatalf("index with dim 32: %s", res.stderr)
	}
	otherEmbedder, _ := os.ReadFile(store.SnapshotPath(other))

	flip := func(at int) []byte {
		b := append([]byte(nil), good...)
		b[at] ^= 0x5a
		return b
	}
	damages := []damage{
		{"truncated to half", good[:len(good)/2]},
		{"truncated by one byte", good[:len(good)-1]},
		{"truncated to 10 bytes", good[:10]},
		{"empty file", []byte{}},
		{"byte flipped in the manifest", flip(len(good) / 10)},
		{"byte flipped in the vectors", flip(len(good) * 3 / 4)},
		{"byte flipped in the checksum", flip(len(good) - 6)},
		{"garbage appended", append(append([]byte(nil), good...), "garbage"...)},
		{"random bytes", randomBytes(len(good))},
		{"zeroed", make([]byte, len(good))},
		{"another embedder's snapshot", otherEmbedder},
	}
	for _, d := range damages {
		if err := os.WriteFile(store.SnapshotPath(data), d.data, 0o644); err != nil {
			t.Fatal(err)
		}
		res := runCLI(t, envv, time.Minute, "index")
		switch {
		case res.code != 0:
			t.Errorf("%s: index exit %d: %s", d.name, res.code, res.stderr)
		case !strings.Contains(res.stdout, "note: rebuilt because"):
			t.Errorf("%s: index did not say it rebuilt the snapshot:\n%s%s", d.name, res.stdout, res.stderr)
		}
		if _, err := storeMatches(t, data, want); err != nil {
			t.Errorf("%s: after index: %v", d.name, err)
		}
	}

	// serve on a corrupt snapshot: rebuilt at start, answers at once.
	if err := os.WriteFile(store.SnapshotPath(data), good[:len(good)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, serveOptions{env: map[string]string{"DRAMABOT_DATA": data, "DRAMABOT_DOCS": docs, "DRAMABOT_RATE_LIMIT": "-1"}})
	code, m, err := srv.ask(http.DefaultClient, "How many jobs has the mini series boom created?")
	if err != nil || code != http.StatusOK || len(asSlice(m["citations"])) == 0 {
		t.Errorf("serve after corruption: %d %v %v", code, m, err)
	}
	_, sources := srv.get("/v1/sources")
	if !strings.Contains(sources, `"passages":`) || strings.Contains(sources, `"passages":0`) {
		t.Errorf("serve after corruption lists no passages: %s", sources)
	}
	if !srv.waitLog("snapshot not usable", 5*time.Second) {
		t.Errorf("serve did not report the corrupt snapshot:\n%s", srv.logs.String())
	}
	srv.stop()
	if _, err := storeMatches(t, data, want); err != nil {
		t.Errorf("after serve: %v", err)
	}
	aside, _ := filepath.Glob(filepath.Join(data, "*.corrupt"))
	r.set(len(damages)+1, 0, "%s, and serve started on a truncated one: each detected, reported (\"rebuilt because …\"), rebuilt from the sources to the same %d passages; the damaged file kept as .corrupt (%d)",
		strings.Join(names(damages), ", "), len(want), len(aside))
}

type damage struct {
	name string
	data []byte
}

func names(ds []damage) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.name
	}
	return out
}

func randomBytes(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
