package knowledgetest

import (
	"context"
	"time"

	"dramabot/knowledge"
)

// Step is a progress report made after a pause.
type Step struct {
	After    time.Duration
	Progress knowledge.Progress
}

// Progressive is a Fake that reports progress as knowledge.Generative does
// (bot.ProgressAnswerer): each step after its pause, then the answer after
// Final, marked as written by Model. Inside a testing/synctest bubble the
// pauses take fake time.
type Progressive struct {
	Fake
	Steps []Step
	Final time.Duration
	Model string
}

// AnswerProgress reports the steps, then answers like Fake.Answer.
func (p *Progressive) AnswerProgress(ctx context.Context, q string, progress func(knowledge.Progress)) (knowledge.Answer, error) {
	for _, s := range p.Steps {
		if err := sleep(ctx, s.After); err != nil {
			return knowledge.Answer{}, err
		}
		progress(s.Progress)
	}
	if err := sleep(ctx, p.Final); err != nil {
		return knowledge.Answer{}, err
	}
	a, err := p.Fake.Answer(ctx, q)
	a.Generated = p.Model
	return a, err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
