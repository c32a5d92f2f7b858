//go:build reliability

package reliability

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dramabot/bot/telegram/telegramtest"
)

// loadQuestions mixes questions the default corpus answers, questions
// about the synthetic reports, Chinese questions and questions no source
// answers (abstentions).
var loadQuestions = []string{
	"How many jobs has the mini series boom created?",
	"How much has the mini series market grown in four years?",
	"How many followers do mini series actors have on Douyin?",
	"How many performers earn more than 100,000 a month?",
	"Who published the article about the 185-fold boom?",
	"短剧行业创造了多少就业岗位？",
	"短剧市场规模有多大？",
	"What new careers does the mini series industry create?",
	"How many new jobs did short drama apps in Hengdian report?",
	"What did vertical drama studios in Zhengzhou earn?",
	"How many episodes did micro-drama producers in Hangzhou release?",
	"What revenue did streaming services in Shanghai report in report d3p7?",
	"How many overseas deals did overseas distributors license?",
	"What is the capital of France?",
	"Who won the 1998 football world cup?",
	"微短剧带动就业的情况如何？",
}

// loadCorpus writes the synthetic corpus the load runs answer from.
func loadCorpus(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "docs")
	docs, paragraphs := 100, 100 // 10,000 passages
	if testing.Short() {
		docs, paragraphs = 20, 50
	}
	writeCorpus(t, dir, 0, docs, paragraphs, 1)
	return dir
}

func TestLoadHTTP(t *testing.T) {
	sz := scale()
	r := record(t, "load", fmt.Sprintf("HTTP POST /v1/ask, %d at once", sz.httpConcurrency))
	docs := loadCorpus(t)
	srv := startServe(t, serveOptions{env: map[string]string{
		"DRAMABOT_RATE_LIMIT": "-1", "DRAMABOT_DATA": t.TempDir(), "DRAMABOT_DOCS": docs,
	}})
	passages := len(expectedPassages(t, docs))

	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: sz.httpConcurrency}}
	var next, errs, lost, abstained atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for range sz.httpConcurrency {
		wg.Go(func() {
			var mine []time.Duration
			for {
				i := int(next.Add(1)) - 1
				if i >= sz.httpQuestions {
					break
				}
				q := loadQuestions[i%len(loadQuestions)]
				t0 := time.Now()
				code, m, err := srv.ask(client, q)
				d := time.Since(t0)
				switch {
				case err != nil && code == 0:
					lost.Add(1) // no answer at all
					firstErr.CompareAndSwap(nil, err.Error())
				case err != nil || code != http.StatusOK:
					errs.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d %v %v", code, m, err))
				case m["answer"] == "" || m["answer"] == nil:
					errs.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("answer without text: %v", m))
				default:
					if m["abstained"] == true {
						abstained.Add(1)
					}
					mine = append(mine, d)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	rss := srv.peakRSS()
	srv.stop()
	slices.Sort(lat)
	r.set(sz.httpQuestions, int(lost.Load()), "%d errors, %d lost replies, p50 %s, p99 %s, %.0f answers/s, %d abstained; %d passages; peak RSS %s",
		errs.Load(), lost.Load(), ms(percentile(lat, 50)), ms(percentile(lat, 99)), float64(len(lat))/elapsed.Seconds(), abstained.Load(), passages, mib(rss))
	if errs.Load() > 0 || lost.Load() > 0 {
		t.Errorf("%d errors and %d lost replies of %d; first: %v", errs.Load(), lost.Load(), sz.httpQuestions, firstErr.Load())
	}
}

func TestLoadTelegram(t *testing.T) {
	sz := scale()
	r := record(t, "load", fmt.Sprintf("Telegram fake Bot API, %d chats at once", sz.telegramConcurrency))
	tg := newTelegram(t)
	docs := loadCorpus(t)
	srv := startServe(t, serveOptions{env: map[string]string{
		"DRAMABOT_RATE_LIMIT": "-1", "DRAMABOT_DATA": t.TempDir(), "DRAMABOT_DOCS": docs,
		"TELEGRAM_TOKEN": tg.fake.Token, "TELEGRAM_API_URL": tg.URL,
	}})

	var next, lost atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	start := time.Now()
	var wg sync.WaitGroup
	for range sz.telegramConcurrency {
		wg.Go(func() {
			var mine []time.Duration
			for {
				i := int(next.Add(1)) - 1
				if i >= sz.telegramQuestions {
					break
				}
				u := telegramtest.User{ID: 2_000_000 + int64(i), FirstName: "Load", Username: fmt.Sprintf("load%d", i)}
				t0 := time.Now()
				tg.fake.Push(telegramtest.Private(u, loadQuestions[i%len(loadQuestions)]))
				if at, ok := tg.waitReply(u.ID, 1, 60*time.Second); ok {
					mine = append(mine, at[0].Sub(t0))
				} else {
					lost.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	rss := srv.peakRSS()
	srv.stop()
	slices.Sort(lat)
	rejected, dups := tg.rejectedSends(), tg.duplicates()
	r.set(sz.telegramQuestions, int(lost.Load()), "%d errors (sends the fake refused), %d lost replies, %d duplicated, p50 %s, p99 %s, %.0f answers/s; peak RSS %s",
		rejected, lost.Load(), dups, ms(percentile(lat, 50)), ms(percentile(lat, 99)), float64(len(lat))/elapsed.Seconds(), mib(rss))
	if lost.Load() > 0 || rejected > 0 || dups > 0 {
		t.Errorf("%d lost replies, %d refused sends, %d duplicated replies of %d questions", lost.Load(), rejected, dups, sz.telegramQuestions)
	}
}
