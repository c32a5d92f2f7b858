package bot

import (
	"context"
	"fmt"
	"sync"
	"time"

	"dramabot/knowledge"
	"dramabot/knowledge/text"
)

// Progress while a slow answer is composed. An engine that writes answers
// with a language model (knowledge.Generative) implements ProgressAnswerer;
// a surface that can show progress sets Request.Progress, and Core passes
// the engine's reports on as fixed status texts (ProgressText). The
// extractive engine reports nothing and is called as before.

// ProgressAnswerer is implemented by knowledge engines that report their
// progress while they answer.
type ProgressAnswerer interface {
	AnswerProgress(ctx context.Context, question string, progress func(knowledge.Progress)) (knowledge.Answer, error)
}

// ProgressInterval is the least time between two progress updates a
// surface shows: chat platforms rate-limit edits.
const ProgressInterval = time.Second

// ProgressDelay is how long a surface waits before showing the first
// status, so that quick answers arrive without a status flashing first.
const ProgressDelay = 500 * time.Millisecond

// ProgressText is the status shown for a progress report, in the language
// of the question. It is never text from the model: nothing unverified is
// shown.
func ProgressText(p knowledge.Progress, question string) string {
	zh := text.IsCJKText(question)
	switch p.Stage {
	case knowledge.StageReading:
		if zh {
			return fmt.Sprintf("正在阅读 %d 个段落…", p.Passages)
		}
		if p.Passages == 1 {
			return "Reading 1 passage…"
		}
		return fmt.Sprintf("Reading %d passages…", p.Passages)
	case knowledge.StageChecking:
		if zh {
			return "正在核对数字和出处…"
		}
		return "Checking the figures…"
	case knowledge.StageRewriting:
		if zh {
			return "有内容未通过核对，正在重写…"
		}
		return "A check failed: rewriting the answer…"
	}
	if zh {
		return "正在作答…"
	}
	return "Working on it…"
}

// Pacer shows the latest status at most once per interval, on its own
// goroutine, so that a slow platform call never holds up the answer.
// Update never blocks; Stop waits for a status being shown, after which
// nothing more is.
type Pacer struct {
	show     func(status string)
	delay    time.Duration
	interval time.Duration

	mu      sync.Mutex
	latest  string
	wake    chan struct{}
	stop    chan struct{}
	stopped bool
	wg      sync.WaitGroup
}

// NewPacer starts a Pacer that shows the first status after delay, and
// later ones at least interval apart.
func NewPacer(delay, interval time.Duration, show func(status string)) *Pacer {
	p := &Pacer{show: show, delay: delay, interval: interval, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	p.wg.Go(p.run)
	return p
}

// Update sets the status to show.
func (p *Pacer) Update(status string) {
	p.mu.Lock()
	p.latest = status
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Stop ends the Pacer and waits until no status is being shown.
func (p *Pacer) Stop() {
	p.mu.Lock()
	if !p.stopped {
		p.stopped = true
		close(p.stop)
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Pacer) run() {
	shown := ""
	next := time.Now().Add(p.delay) // the earliest time to show a status
	for {
		select {
		case <-p.stop:
			return
		case <-p.wake:
		}
		if d := time.Until(next); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-p.stop:
				t.Stop()
				return
			case <-t.C:
			}
		}
		select {
		case <-p.stop: // the answer is ready: a status now would only flash
			return
		default:
		}
		p.mu.Lock()
		status := p.latest
		p.mu.Unlock()
		if status == shown {
			continue
		}
		p.show(status)
		shown = status
		next = time.Now().Add(p.interval)
	}
}
