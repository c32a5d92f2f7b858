package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/chromedp"

	"dramabot/bot"
	"dramabot/bot/bottest"
	"dramabot/bot/httpapi"
	"dramabot/knowledge"
)

// figureServer serves the real engine over the default corpus, with its
// figure records, on loopback.
func figureServer(t *testing.T) string {
	t.Helper()
	core := bot.New(bot.Config{Knowledge: bottest.Engine(t), RateLimit: -1, Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Core: core, Metrics: httpapi.NewMetrics(nil)}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func get(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestAskCarriesTheFigureTable: POST /v1/ask answers a figure question
// with every source's figure and the sources_differ flag.
func TestAskCarriesTheFigureTable(t *testing.T) {
	base := figureServer(t)
	resp, err := http.Post(base+"/v1/ask", "application/json", strings.NewReader(`{"question": "How big was China's micro-drama market in 2024?"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		FigureTable   []knowledge.FigureRecord `json:"figure_table"`
		SourcesDiffer bool                     `json:"sources_differ"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	if len(a.FigureTable) < 5 || !a.SourcesDiffer {
		t.Errorf("figure_table of %d rows, sources_differ %v; want the 2024 sizes of at least 5 sources, differing", len(a.FigureTable), a.SourcesDiffer)
	}
}

// TestTimelineAndChart: GET /v1/figures?q= and /v1/figures/chart.png?q=
// for a metric, and the clear errors for everything else.
func TestTimelineAndChart(t *testing.T) {
	base := figureServer(t)
	for _, tc := range []struct {
		name, topic string
		status      int
		errHas      string
	}{
		{name: "market size", topic: "market size", status: 200},
		{name: "market size in Chinese", topic: "市场规模", status: 200},
		{name: "users", topic: "users", status: 200},
		{name: "not a metric", topic: "the weather in Paris", status: 422, errHas: "not a figure"},
		{name: "blank", topic: "  ", status: 400, errHas: "missing topic"},
		{name: "too long", topic: strings.Repeat("market size ", 100), status: 400, errHas: "too long"},
		{name: "markup", topic: "<script>alert(1)</script>", status: 422, errHas: "not a figure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, base+"/v1/figures?q="+url.QueryEscape(tc.topic))
			if resp.StatusCode != tc.status {
				t.Fatalf("timeline: status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			chart, png := get(t, base+"/v1/figures/chart.png?q="+url.QueryEscape(tc.topic))
			if tc.status != 200 {
				for _, r := range []struct {
					resp *http.Response
					body []byte
				}{{resp, body}, {chart, png}} {
					var e struct{ Error string }
					if r.resp.StatusCode != tc.status || !strings.HasPrefix(r.resp.Header.Get("Content-Type"), "application/json") ||
						json.Unmarshal(r.body, &e) != nil || !strings.Contains(e.Error, tc.errHas) {
						t.Errorf("%s: status %d, %s: %s; want %d, a JSON error saying %q", r.resp.Request.URL.Path, r.resp.StatusCode, r.resp.Header.Get("Content-Type"), r.body, tc.status, tc.errHas)
					}
				}
				return
			}
			var tl knowledge.FigureTimeline
			if err := json.Unmarshal(body, &tl); err != nil {
				t.Fatal(err)
			}
			if chart.StatusCode != 200 || chart.Header.Get("Content-Type") != "image/png" {
				t.Fatalf("chart: status %d, %s: %.200s", chart.StatusCode, chart.Header.Get("Content-Type"), png)
			}
			img, err := pngDecode(png)
			if err != nil {
				t.Fatalf("chart is not a PNG: %v", err)
			}
			if b := img; b.Dx() < 800 || b.Dy() < 450 {
				t.Errorf("chart %dx%d, want at least 800x450", b.Dx(), b.Dy())
			}
			series, _ := strconv.Atoi(chart.Header.Get("X-Chart-Series"))
			if want := chartSeries(tl); series != want {
				t.Errorf("chart has %d series, the timeline's main unit %d producers", series, want)
			}
		})
	}
}

type bounds struct{ dx, dy int }

func (b bounds) Dx() int { return b.dx }
func (b bounds) Dy() int { return b.dy }

func pngDecode(b []byte) (bounds, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return bounds{}, err
	}
	return bounds{img.Bounds().Dx(), img.Bounds().Dy()}, nil
}

// chartSeries counts the series a chart of the timeline draws: one a
// producer (brackets aside) of the unit with most figures, yearly figures
// only when an amount has two or more.
func chartSeries(tl knowledge.FigureTimeline) int {
	main := tl.Series[0].Records
	if u := tl.Series[0].Unit; u == "CNY" || u == "USD" {
		var years []knowledge.FigureRecord
		for _, r := range main {
			if r.Period.Kind == "year" {
				years = append(years, r)
			}
		}
		if len(years) >= 2 {
			main = years
		}
	}
	seen := map[string]bool{}
	for _, r := range main {
		name := r.Source.Producer
		if name == "" || strings.HasPrefix(strings.ToLower(name), "not named") {
			name = r.Source.Publisher
		}
		seen[producerKey(name)] = true
	}
	return len(seen)
}

func producerKey(name string) string {
	var b strings.Builder
	depth := 0
	for _, r := range name {
		switch r {
		case '(', '（':
			depth++
		case ')', '）':
			depth = max(0, depth-1)
		default:
			if depth == 0 {
				b.WriteRune(unicode.ToLower(r))
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// TestPageShowsTheFigureTableAndChart opens the page in headless Chromium
// on the real engine: a figure question shows every source's figure, says
// that the sources differ, and shows the metric's chart under them (a
// loaded image at least 800 pixels wide); a question that is not about a
// figure shows neither table nor chart, and no broken image.
func TestPageShowsTheFigureTableAndChart(t *testing.T) {
	execPath := chromiumPath(t)
	base := figureServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(execPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()))
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	defer cancelTab()
	var blog browserLog
	if err := chromedp.Listen(ctx, blog.listen); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
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

	for _, tc := range []struct{ q, differ string }{
		{"How big was China's micro-drama market in 2024?", "Sources differ."},
		{"2024年微短剧市场规模是多少？", "来源说法不一。"},
	} {
		run("ask "+tc.q,
			chromedp.Navigate(base+"/?q="+url.QueryEscape(tc.q)),
			chromedp.WaitVisible(chromedp.CSS(`#chart-img[data-loaded="1"]`)))
		if w, _ := strconv.Atoi(eval(`String(document.getElementById('chart-img').naturalWidth)`)); w < 800 {
			t.Errorf("%s: chart %d pixels wide, want at least 800", tc.q, w)
		}
		if n, _ := strconv.Atoi(eval(`String(document.querySelectorAll('#figure-table tbody tr').length)`)); n < 5 {
			t.Errorf("%s: %d reported figures in the table, want at least 5", tc.q, n)
		}
		table := eval(`document.getElementById('figure-table').textContent`)
		if !strings.Contains(table, "504.4亿元") || !strings.Contains(table, "Media Partners Asia") {
			t.Errorf("%s: table lacks iiMedia's 504.4亿元 or Media Partners Asia: %s", tc.q, table)
		}
		if got := eval(`document.getElementById('differ').hidden ? '' : document.getElementById('differ').textContent`); got != tc.differ {
			t.Errorf("%s: differ note %q, want %q", tc.q, got, tc.differ)
		}
	}

	// On a phone the page does not scroll sideways: a wide table scrolls
	// in its own box, and the chart shrinks to the width.
	run("a phone's width",
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(base+"/?q="+url.QueryEscape("How big was China's micro-drama market in 2024?")),
		chromedp.WaitVisible(chromedp.CSS(`#chart-img[data-loaded="1"]`)))
	if w, _ := strconv.Atoi(eval(`String(document.documentElement.scrollWidth)`)); w > 390 {
		t.Errorf("on a 390-pixel screen the page is %d pixels wide", w)
	}
	if w, _ := strconv.Atoi(eval(`String(Math.round(document.getElementById('chart-img').getBoundingClientRect().width))`)); w > 390 || w < 300 {
		t.Errorf("on a 390-pixel screen the chart is %d pixels wide", w)
	}

	run("ask a question without figures",
		chromedp.Navigate(base+"/?q="+url.QueryEscape("Who regulates micro-dramas in China?")),
		chromedp.WaitReady(chromedp.CSS(`body[data-state="idle"] #result[data-seq="1"]`)))
	if got := eval(`String(document.getElementById('table-box').hidden) + '|' + String(document.getElementById('chart').hidden)`); got != "true|true" {
		t.Errorf("question without figures: table and chart hidden = %s, want true|true", got)
	}
	blog.mu.Lock()
	defer blog.mu.Unlock()
	for _, p := range blog.problems {
		t.Errorf("browser reported: %s", p)
	}
}
