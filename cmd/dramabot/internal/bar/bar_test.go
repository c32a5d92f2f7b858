package bar

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, w := range map[string]any{"buffer": &bytes.Buffer{}, "file": f} {
		if IsTerminal(w.(interface{ Write([]byte) (int, error) })) {
			t.Errorf("%s is a terminal", name)
		}
	}
}

// TestBar draws into a buffer what a terminal would show: the source and
// the pages done, then clears it.
func TestBar(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "fetching")
	b.Describe("Test Wire")
	for range 3 {
		b.Add(1)
	}
	b.Finish()
	out := buf.String()
	for _, want := range []string{"Test Wire", "(3/-"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar output lacks %q: %q", want, out)
		}
	}
}
