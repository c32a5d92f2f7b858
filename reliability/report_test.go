//go:build reliability

package reliability

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"
)

// report collects one row per check; TestMain prints it as the table.
var report = &table{}

type row struct {
	area   string // load, fault, hostile
	check  string
	count  int // requests, inputs or faults tried
	lost   int // questions that got no reply
	result string
	failed bool
	order  int
}

type table struct {
	mu      sync.Mutex
	rows    []row
	started time.Time
}

// record adds a row when the test ends, marked FAIL if the test failed.
// It returns the row for the test to fill in.
func record(t *testing.T, area, check string) *row {
	r := &row{area: area, check: check}
	t.Cleanup(func() {
		r.failed = t.Failed()
		if t.Skipped() && r.result == "" {
			r.result = "skipped"
		}
		report.mu.Lock()
		r.order = len(report.rows)
		report.rows = append(report.rows, *r)
		report.mu.Unlock()
	})
	return r
}

func (r *row) set(count, lost int, format string, args ...any) {
	r.count, r.lost = count, lost
	r.result = fmt.Sprintf(format, args...)
}

func (tb *table) lost() int {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	n := 0
	for _, r := range tb.rows {
		n += r.lost
	}
	return n
}

var areaOrder = map[string]int{"load": 0, "fault": 1, "hostile": 2}

func (tb *table) print(w io.Writer, name string) {
	tb.mu.Lock()
	rows := append([]row(nil), tb.rows...)
	tb.mu.Unlock()
	sort.SliceStable(rows, func(i, j int) bool {
		if areaOrder[rows[i].area] != areaOrder[rows[j].area] {
			return areaOrder[rows[i].area] < areaOrder[rows[j].area]
		}
		return rows[i].order < rows[j].order
	})
	var loadN, faults, faultsOK, hostile, lost, failed int
	for _, r := range rows {
		switch r.area {
		case "load":
			loadN += r.count
		case "fault":
			faults++
			if !r.failed {
				faultsOK++
			}
		case "hostile":
			hostile += r.count
		}
		lost += r.lost
		if r.failed {
			failed++
		}
	}
	fmt.Fprintf(w, "\n== dramabot reliability (%s run, %s, all on 127.0.0.1; %d CPUs, load average %s at the end) ==\n",
		name, time.Since(tb.started).Round(time.Second), runtime.NumCPU(), loadAverage())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AREA\tCHECK\tN\tLOST\tOK\tRESULT")
	for _, r := range rows {
		ok := "ok"
		if r.failed {
			ok = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", r.area, r.check, r.count, r.lost, ok, oneLine(r.result))
	}
	tw.Flush()
	fmt.Fprintf(w, "load held: %d questions · faults survived: %d of %d · hostile inputs tried: %d · replies lost: %d (must be 0) · checks failed: %d\n",
		loadN, faultsOK, faults, hostile, lost, failed)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// loadAverage is the machine's 1, 5 and 15 minute load averages: latencies
// on a shared machine depend on them.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
