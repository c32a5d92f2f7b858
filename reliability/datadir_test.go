//go:build reliability

package reliability

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"dramabot/knowledge/store"
)

// mountWrap returns a command prefix that runs a program in a private mount
// namespace after running script (mounts), or nil if this machine cannot
// do that (no unshare, not root): chmod does not stop root from writing,
// so a read-only or full data dir needs a mount.
func mountWrap(t *testing.T, script string) []string {
	t.Helper()
	if _, err := exec.LookPath("unshare"); err != nil {
		return nil
	}
	probe := t.TempDir()
	if exec.Command("unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs '"+probe+"'").Run() != nil {
		return nil
	}
	return []string{"unshare", "-m", "sh", "-c", script + ` && exec "$@"`, "sh"}
}

// TestFaultDataDirUnwritable runs index and serve on data dirs that cannot
// be written: index must fail with a clear error; serve must say so in its
// log and keep answering from the index in memory, new documents included.
func TestFaultDataDirUnwritable(t *testing.T) {
	r := record(t, "fault", "read-only or full data dir")
	root := t.TempDir()
	docs := filepath.Join(root, "docs")
	writeCorpus(t, docs, 0, 3, 10, 1) // report 3 comes later, with a SIGHUP

	// A data dir with a good snapshot of the default corpus only: mounted
	// read-only below, with the synthetic documents as the change.
	kept := filepath.Join(root, "kept")
	if res := runCLI(t, map[string]string{"DRAMABOT_DATA": kept}, time.Minute, "index"); res.code != 0 {
		t.Fatalf("index: %s", res.stderr)
	}
	file := filepath.Join(root, "a-file")
	if err := os.WriteFile(file, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	tiny, full, ro := filepath.Join(root, "tiny"), filepath.Join(root, "full"), filepath.Join(root, "ro")
	for _, d := range []string{tiny, full, ro} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name       string
		data       string
		wrap       []string
		needsMount bool
	}{
		{"data dir under a regular file (ENOTDIR)", filepath.Join(file, "data"), nil, false},
		{"read-only tmpfs (EROFS)", ro, mountWrap(t, fmt.Sprintf("mount -t tmpfs -o ro,size=1m tmpfs '%s'", ro)), true},
		{"full tmpfs (ENOSPC)", full, mountWrap(t, fmt.Sprintf("mount -t tmpfs -o size=128k tmpfs '%[1]s' && head -c 122880 /dev/zero > '%[1]s/filler'", full)), true},
		{"existing snapshot, dir remounted read-only", kept, mountWrap(t, fmt.Sprintf("mount --bind '%[1]s' '%[1]s' && mount -o remount,bind,ro '%[1]s'", kept)), true},
	}
	var tried, skipped []string
	for _, c := range cases {
		if c.needsMount && c.wrap == nil {
			skipped = append(skipped, c.name)
			continue
		}
		tried = append(tried, c.name)
		envv := map[string]string{"DRAMABOT_DATA": c.data, "DRAMABOT_DOCS": docs}
		res := runWrapped(t, c.wrap, envv, time.Minute, "index")
		last := lastLine(res.stderr)
		if res.code == 0 || !strings.HasPrefix(last, "dramabot: index not saved in the data dir") {
			t.Errorf("%s: index exit %d, last stderr line %q; want a non-zero exit and a clear error", c.name, res.code, last)
		}

		os.Remove(filepath.Join(docs, "report-00003.md"))
		srv := startServe(t, serveOptions{wrap: c.wrap, env: map[string]string{
			"DRAMABOT_DATA": c.data, "DRAMABOT_DOCS": docs, "DRAMABOT_RATE_LIMIT": "-1", "DRAMABOT_LOG_LEVEL": "info",
		}})
		if !srv.waitLog("index kept in memory only", 5*time.Second) || strings.Count(srv.logs.String(), "index kept in memory only") != 1 {
			t.Errorf("%s: serve did not log that the index is in memory only:\n%s", c.name, srv.logs.String())
		}
		// Synthetic documents exist only in the index in memory.
		askSynthetic(t, c.name, srv, 1)
		// A new document, then SIGHUP: reindexed, again in memory only.
		writeCorpus(t, docs, 3, 1, 10, 1)
		srv.signal(syscall.SIGHUP)
		if !srv.waitLog("reindex on SIGHUP done", 30*time.Second) || !srv.waitCount("index kept in memory only", 2, 5*time.Second) {
			t.Errorf("%s: SIGHUP did not reindex in memory:\n%s", c.name, srv.logs.String())
		}
		askSynthetic(t, c.name+", after SIGHUP", srv, 3)
		srv.stop()
	}
	// The read-only remount must not have touched the kept snapshot.
	if _, err := os.Stat(store.SnapshotPath(kept)); err != nil {
		t.Error(err)
	}
	note := ""
	if len(skipped) > 0 {
		note = " (not tried, no private mount namespace here: " + strings.Join(skipped, "; ") + ")"
	}
	r.set(len(tried), 0, "%s: index fails with \"index not saved in the data dir …\"; serve logs \"index kept in memory only\" and answers from memory (new documents included), before and after a SIGHUP reindex%s",
		strings.Join(tried, "; "), note)
}

// askSynthetic asks about a paragraph of synthetic report doc and checks
// that the answer cites that report.
func askSynthetic(t *testing.T, what string, srv *server, doc int) {
	t.Helper()
	code, m, err := srv.ask(http.DefaultClient, fmt.Sprintf("What was reported in report d%dp4?", doc))
	if err != nil || code != http.StatusOK {
		t.Errorf("%s: ask: %d %v %v", what, code, m, err)
		return
	}
	found := false
	for _, c := range asSlice(m["citations"]) {
		cm, _ := c.(map[string]any)
		found = found || strings.HasPrefix(fmt.Sprint(cm["passage_id"]), fmt.Sprintf("report-%05d#", doc))
	}
	if !found {
		t.Errorf("%s: the answer does not cite report %d: %v", what, doc, m["answer"])
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
