package httpapi_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"dramabot/knowledge/knowledgetest"
)

// chromiumPath finds Debian's chromium, or skips the test; with
// DRAMABOT_REQUIRE_CHROMIUM=1 (as in CI) a missing browser fails it instead.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "chromium not found: install Debian's chromium package (apt-get install -y chromium) to test the web page"
	if os.Getenv("DRAMABOT_REQUIRE_CHROMIUM") == "1" {
		t.Fatal(msg + "; DRAMABOT_REQUIRE_CHROMIUM=1 requires it")
	}
	t.Skip(msg)
	return ""
}

// browserLog collects what the page requests and complains about.
type browserLog struct {
	mu       sync.Mutex
	requests []string
	problems []string
}

func (b *browserLog) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	case *runtime.EventExceptionThrown:
		b.problems = append(b.problems, "exception: "+ev.ExceptionDetails.Text+" "+exceptionDescription(ev))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
			b.problems = append(b.problems, "console."+string(ev.Type))
		}
	case *log.EventEntryAdded:
		// CSP and Trusted Types violations and failed loads land here.
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
			b.problems = append(b.problems, string(ev.Entry.Source)+": "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	}
}

func exceptionDescription(ev *runtime.EventExceptionThrown) string {
	if ev.ExceptionDetails.Exception != nil {
		return ev.ExceptionDetails.Exception.Description
	}
	return ""
}

func TestPageInChromium(t *testing.T) {
	execPath := chromiumPath(t)
	e := newEnv(t, envOptions{})

	var chromeOut knowledgetest.SyncBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("chromium output:\n%s", chromeOut.String())
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.CombinedOutput(&chromeOut),
	)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	defer cancelTab()

	var blog browserLog
	if err := chromedp.Listen(ctx, blog.listen); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// Each step gets its own deadline, so a page that never shows what a
	// step waits for fails in seconds, with what the browser reported.
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Do(stepCtx, actions...); err != nil {
			blog.mu.Lock()
			defer blog.mu.Unlock()
			t.Fatalf("%s: %v\nbrowser reported: %q", step, err, blog.problems)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return s
	}
	// askInPage types the question into the empty field of a fresh page,
	// or replaces the field's value.
	askInPage := func(seq, question string, typed bool) {
		t.Helper()
		fill := chromedp.SetValue(chromedp.ID("question"), question)
		if typed {
			fill = chromedp.SendKeys(chromedp.ID("question"), question)
		}
		run("ask "+question,
			fill,
			chromedp.Click(chromedp.ID("ask")),
			chromedp.WaitReady(chromedp.CSS(`body[data-state="idle"] #result[data-seq="`+seq+`"]`)),
		)
	}

	// 1. Type a question and get a cited answer with highlighted figures.
	run("open the page", chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(chromedp.ID("question")))
	askInPage("1", qJobs, true)
	run("see the answer", chromedp.WaitVisible(chromedp.CSS("#citations blockquote mark")))
	marks := strings.Split(eval(`[...document.querySelectorAll('#citations blockquote mark')].map(m => m.textContent).join('|')`), "|")
	if !slices.Contains(marks, "647,000") || !slices.Contains(marks, "185-fold") {
		t.Errorf("highlighted figures %q, want 647,000 and 185-fold", marks)
	}
	if quote := eval(`document.querySelector('#citations blockquote').textContent`); !strings.Contains(quote, "generating 647,000 jobs in just four years") {
		t.Errorf("quoted passage %q, want the cited passage with the figure inside it", quote)
	}
	src := knowledgetest.SampleSources()[0]
	if got := eval(`document.querySelector('#cite-1 .source').textContent`); !strings.Contains(got, src.Title) || !strings.Contains(got, src.Publisher) || !strings.Contains(got, "paragraph 2") {
		t.Errorf("source line %q, want title, publisher and paragraph", got)
	}
	if got := eval(`document.querySelector('#cite-1 .source a').href`); got != src.URL {
		t.Errorf("source link %q, want %q", got, src.URL)
	}
	if got := eval(`document.getElementById('answer-text').textContent`); !strings.Contains(got, "647,000 jobs") || !strings.Contains(got, "[1]") {
		t.Errorf("answer text %q", got)
	}
	if got := eval(`document.querySelector('#answer-text a.marker').getAttribute('href')`); got != "#cite-1" {
		t.Errorf("citation marker links to %q, want #cite-1", got)
	}
	if got := eval(`[...document.querySelectorAll('#figures li')].map(li => li.textContent).join('|')`); got != "185-fold [1]|647,000 jobs [1]" {
		t.Errorf("figures list %q", got)
	}
	run("list the corpus", chromedp.WaitReady(chromedp.CSS("#corpus-list li")))
	if got := eval(`document.getElementById('corpus-list').textContent`); !strings.Contains(got, src.Title) || !strings.Contains(got, "9 passages") {
		t.Errorf("corpus list %q", got)
	}

	// 2. Markup in the question and the passages stays text.
	hostile := `<img src=x onerror="document.title='pwned'"> <b>bold</b> @everyone`
	askInPage("2", hostile, false)
	if got := eval(`String(document.querySelectorAll('#result img, #result b').length)`); got != "0" {
		t.Errorf("%s elements made from document text, want none", got)
	}
	if got := eval(`document.title`); strings.Contains(got, "pwned") {
		t.Errorf("injected script ran: title %q", got)
	}
	if got := eval(`document.querySelector('#citations blockquote').textContent`); got != hostile {
		t.Errorf("quote shown as %q, want the literal text %q", got, hostile)
	}

	// 3. An abstention shows the nearest passages and no sources.
	askInPage("3", qUnknown, false)
	if got := eval(`document.getElementById('result').className + '|' + document.getElementById('related-title').textContent + '|' + document.querySelectorAll('#related li').length + '|' + document.getElementById('sources-box').hidden`); got != "abstained|Nearest passages|2|true" {
		t.Errorf("abstention rendered as %q", got)
	}

	// 4. An error is shown as such, with its request id.
	run("ask a failing question",
		chromedp.SetValue(chromedp.ID("question"), qFail),
		chromedp.Click(chromedp.ID("ask")),
		chromedp.WaitVisible(chromedp.ID("error")),
	)
	if got := eval(`document.getElementById('error').textContent`); !strings.Contains(got, "Sorry") || !strings.Contains(got, "request id") {
		t.Errorf("error shown as %q", got)
	}

	// 5. A shared link (/?q=...) asks at once.
	run("open a shared link",
		chromedp.Navigate(e.url+"/?q="+url.QueryEscape(qJobs)),
		chromedp.WaitVisible(chromedp.CSS("#citations blockquote mark")),
	)
	if got := eval(`document.getElementById('answer-text').textContent`); !strings.Contains(got, "647,000 jobs") {
		t.Errorf("answer from a shared link %q", got)
	}

	blog.mu.Lock()
	defer blog.mu.Unlock()
	for _, u := range blog.requests {
		if !strings.HasPrefix(u, e.url+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("page requested %s: everything must come from the server itself", u)
		}
	}
	for _, want := range []string{e.url + "/", e.url + "/app.js", e.url + "/style.css", e.url + "/v1/ask", e.url + "/v1/sources"} {
		if !slices.Contains(blog.requests, want) {
			t.Errorf("page never requested %s; requests: %q", want, blog.requests)
		}
	}
	for _, p := range blog.problems {
		// The failing question's 500 is expected; nothing else may complain.
		if strings.Contains(p, "500") && strings.Contains(p, "/v1/ask") {
			continue
		}
		t.Errorf("browser reported: %s", p)
	}
	if qs := e.fake.Questions(); len(qs) != 5 || qs[0] != qJobs || qs[4] != qJobs {
		t.Errorf("engine got %q, want the 5 questions asked in the page", qs)
	}
}
