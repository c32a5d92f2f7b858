//go:build reliability

// Package reliability is dramabot's reliability suite: load, faults and
// hostile input, run against the real dramabot binary (built once into a
// temp dir and started as a subprocess) and the in-repo fakes of Telegram,
// Discord and embedding servers, all on 127.0.0.1. It ends by printing one
// table: load held, faults survived, hostile inputs tried, replies lost.
//
// Run it with scripts/reliability (the full version, a few minutes) or
// scripts/reliability -short (the version CI runs: fewer requests, shorter
// outages, a smaller corpus).
package reliability

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// binary is the dramabot binary under test, built by TestMain.
var binary string

// moduleRoot is the directory of go.mod.
var moduleRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}()

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "dramabot-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "dramabot")
	start := time.Now()
	build := exec.Command("go", "build", "-o", binary, "./cmd/dramabot")
	build.Dir = moduleRoot
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "reliability: building dramabot:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	report.started = start
	code := m.Run()
	report.print(os.Stdout, scale().name)
	os.RemoveAll(dir)
	if code == 0 && report.lost() > 0 {
		code = 1
	}
	os.Exit(code)
}

// sizes are the bounded counts and times of one run.
type sizes struct {
	name string
	// Load.
	httpQuestions, httpConcurrency int
	telegramQuestions              int
	telegramConcurrency            int
	// Faults.
	killCorpusDocs, killParagraphs int // synthetic corpus for kill -9
	kills                          int
	outage                         time.Duration
	retryAfter                     int // seconds, in the 429 outage
}

// scale returns the full sizes, or the short ones with -short (CI).
func scale() sizes {
	if testing.Short() {
		return sizes{
			name:          "short",
			httpQuestions: 1000, httpConcurrency: 64,
			telegramQuestions: 200, telegramConcurrency: 32,
			killCorpusDocs: 60, killParagraphs: 100, kills: 3,
			outage: 3 * time.Second, retryAfter: 1,
		}
	}
	return sizes{
		name:          "full",
		httpQuestions: 10000, httpConcurrency: 64,
		telegramQuestions: 2000, telegramConcurrency: 64,
		killCorpusDocs: 400, killParagraphs: 125, kills: 6,
		outage: 30 * time.Second, retryAfter: 5,
	}
}
