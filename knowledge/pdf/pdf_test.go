package pdf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fixtures are made by testdata/gen.py; these are the texts it draws.
var (
	page1 = []string{
		"中国微短剧市场报告",
		"2024年中国微短剧市场规模达到504.4亿元，同比增长34.9%。",
		"2024年中國微短劇市場規模達到504.4億元，同比增長34.9%。",
		"China's micro-drama market reached 50.44 billion yuan in 2024, up 34.9% year on year.",
	}
	page2 = []string{
		"微短剧用户规模达6.62亿人，占网民整体的59.7%。",
		"微短劇用戶規模達6.62億人，佔網民整體的59.7%。",
		"The boom created 647,000 jobs and grew 185-fold; 2025 forecast: 677.9亿元.",
	}
	// Chromium's third page: two paragraphs that wrap, and a table whose
	// rows read as lines.
	page3 = []string{
		"据行业报告，2024年中国微短剧市场规模达到504.4亿元，首次超过同年全国电影票房，预计2027年将超过1000亿元；用户规模达6.62亿人，占网民整体的59.7%，其中付费用户占比持续上升，免费模式带动广告收入快速增长。",
		"Industry reports put the 2024 market at 50.44 billion yuan, more than the national box office of the same year, with a forecast above 100 billion yuan by 2027 as free, ad-supported apps keep growing.",
		"年份 市场规模 增长率",
		"2023 373.9亿元 267.7%",
		"2024 504.4亿元 34.9%",
	}
)

// needPdftotext skips the test when pdftotext is missing, unless CI asks
// for it with DRAMABOT_REQUIRE_PDFTOTEXT=1.
func needPdftotext(t testing.TB) *Reader {
	t.Helper()
	r := New()
	if err := r.Available(); err != nil {
		if os.Getenv("DRAMABOT_REQUIRE_PDFTOTEXT") == "1" {
			t.Fatalf("DRAMABOT_REQUIRE_PDFTOTEXT=1: %v", err)
		}
		t.Skipf("skipped: %v", err)
	}
	return r
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestKnownText compares every paragraph of each kind of Chinese PDF with
// the text drawn into it: a digit turned into another, a character
// dropped or a wrapped line joined wrongly fails the test.
func TestKnownText(t *testing.T) {
	r := needPdftotext(t)
	tests := []struct {
		file  string
		kind  string
		title string
		want  [][]string
	}{
		{"ttf-subset.pdf", "embedded subset TrueType with ToUnicode", "", [][]string{page1, page2}},
		{"identity-h.pdf", "Type0 CIDFontType2 Identity-H (Chromium)", "identity-h", [][]string{page1, page2, page3}},
		{"cid-stsong.pdf", "non-embedded STSong-Light, UniGB-UCS2-H, no ToUnicode", "", [][]string{page1, page2}},
		{"nocopy.pdf", "owner password only, copying not allowed", "", [][]string{page1, page2}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			doc, err := r.Read(context.Background(), readFixture(t, tt.file))
			if errors.Is(err, ErrNoPopplerData) && os.Getenv("DRAMABOT_REQUIRE_PDFTOTEXT") != "1" {
				t.Skipf("skipped: %v", err)
			}
			if err != nil {
				t.Fatalf("%s: %v", tt.kind, err)
			}
			if doc.Title != tt.title {
				t.Errorf("title %q, want %q", doc.Title, tt.title)
			}
			pages := doc.Pages
			if len(pages) != len(tt.want) {
				t.Fatalf("%s: %d pages, want %d", tt.kind, len(pages), len(tt.want))
			}
			for i, p := range pages {
				if p.Number != i+1 {
					t.Errorf("page %d numbered %d", i+1, p.Number)
				}
				if got, want := strings.Join(p.Paragraphs, "\n"), strings.Join(tt.want[i], "\n"); got != want {
					t.Errorf("%s, page %d:\ngot\n%s\nwant\n%s", tt.kind, i+1, got, want)
				}
			}
		})
	}
}

func TestReadText(t *testing.T) {
	r := needPdftotext(t)
	text, err := r.ReadText(context.Background(), readFixture(t, "ttf-subset.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(page1, "\n\n") + "\f" + strings.Join(page2, "\n\n")
	if text != want {
		t.Errorf("got %q\nwant %q", text, want)
	}
}

func TestBadInput(t *testing.T) {
	r := needPdftotext(t)
	tests := []struct {
		name string
		data []byte
		is   error  // when set, errors.Is must hold
		msg  string // otherwise the message must contain this
	}{
		{name: "encrypted", data: readFixture(t, "encrypted.pdf"), is: ErrEncrypted},
		{name: "no text", data: readFixture(t, "no-text.pdf"), is: ErrNoText},
		{name: "truncated", data: readFixture(t, "truncated.pdf"), msg: "not a readable PDF"},
		{name: "garbage after a header", data: readFixture(t, "not-a-pdf.pdf"), msg: "not a readable PDF"},
		{name: "not a PDF", data: []byte("<html>hello</html>"), msg: "not a PDF file"},
		{name: "empty", data: nil, msg: "not a PDF file"},
		{name: "too large", data: make([]byte, MaxInputBytes+1), msg: "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := r.Read(context.Background(), tt.data)
			if err == nil {
				t.Fatalf("no error; pages %v", doc.Pages)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q, want %q", err, tt.is)
			}
			if tt.msg != "" && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}

func TestMissingPdftotext(t *testing.T) {
	r := New()
	r.command = "pdftotext-not-installed"
	_, err := r.Read(context.Background(), readFixture(t, "ttf-subset.pdf"))
	if !errors.Is(err, ErrNoPdftotext) {
		t.Fatalf("error %v, want ErrNoPdftotext", err)
	}
	if !strings.Contains(err.Error(), "PDF support needs pdftotext (poppler-utils)") {
		t.Errorf("message %q does not say what to install", err)
	}
	if r.Available() == nil {
		t.Error("Available() is nil for a missing program")
	}
}

// TestFailingTool runs stand-ins for pdftotext that hang, print without
// end, or fail, and checks that each ends in a clear error.
func TestFailingTool(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh for the stand-in scripts")
	}
	tests := []struct {
		name   string
		script string
		msg    string
	}{
		{"hangs", "exec sleep 30", "took longer than"},
		{"prints without end", "exec yes '<page><flow><block><line><word>x</word></line></block></flow></page>'", "printed more than 4 MiB"},
		{"fails", "echo 'Syntax Error: broken xref' >&2; exit 1", "not a readable PDF (pdftotext: Syntax Error: broken xref)"},
		{"missing language pack", "cat >/dev/null; echo \"Missing language pack for 'Adobe-GB1' mapping\" >&2; " +
			"echo '<doc><page><flow><block><line><word>x</word></line></block></flow></page></doc>'", "needs poppler-data"},
		{"bad output", "cat >/dev/null; echo '<doc><page><flow'", "reading pdftotext's output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := filepath.Join(t.TempDir(), "pdftotext")
			if err := os.WriteFile(script, []byte("#!/bin/sh\n"+tt.script+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			r := New()
			r.command = script
			r.timeout = 2 * time.Second
			r.maxOutput = 4 << 20
			if tt.name == "prints without end" {
				r.timeout = time.Minute
			}
			start := time.Now()
			_, err := r.Read(context.Background(), []byte("%PDF-1.7\n"))
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %v, want it to contain %q", err, tt.msg)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

func TestParagraphs(t *testing.T) {
	// Boxes as pdftotext gives them: a block whose lines wrap, and lines
	// that merely sit close together.
	ln := func(x0, y0, x1 float64, words ...string) line {
		l := line{box: box{x0, y0, x1, y0 + 12}}
		x := x0
		w := (x1 - x0) / float64(len(words))
		for _, s := range words {
			l.words = append(l.words, word{text: s, box: box{x, y0, x + w - 1, y0 + 12}})
			x += w
		}
		return l
	}
	// wide moves a line's words apart, as table cells are.
	wide := func(l line) line {
		for i := range l.words {
			l.words[i].xMax -= 20
		}
		return l
	}
	tests := []struct {
		name  string
		lines []line
		want  []string
	}{
		{"chinese wrapped before a figure", []line{ln(0, 0, 200, "规模达到"), ln(0, 12, 120, "504.4亿元。")}, []string{"规模达到504.4亿元。"}},
		{"english wrapped", []line{ln(0, 0, 195, "reached", "50.44"), ln(0, 12, 100, "billion", "yuan.")}, []string{"reached 50.44 billion yuan."}},
		{"hyphen at the end of a line", []line{ln(0, 0, 198, "grew", "185-"), ln(0, 12, 60, "fold.")}, []string{"grew 185-fold."}},
		{"short line ends a paragraph", []line{ln(0, 0, 80, "标题"), ln(0, 12, 200, "正文第一句。")}, []string{"标题", "正文第一句。"}},
		{"first-line indent", []line{ln(0, 0, 200, "上一段的最后一行正好排满了。"), ln(24, 12, 200, "下一段首行缩进两个字"), ln(0, 24, 100, "符。")}, []string{"上一段的最后一行正好排满了。", "下一段首行缩进两个字符。"}},
		{"hanging indent", []line{ln(0, 0, 200, "•", "第一项很长，排满一行"), ln(12, 12, 200, "接着第二行"), ln(12, 24, 100, "和第三行。")}, []string{"•第一项很长，排满一行接着第二行和第三行。"}},
		{"gap between lines", []line{ln(0, 0, 200, "第一段。"), ln(0, 40, 200, "第二段。")}, []string{"第一段。", "第二段。"}},
		{"letter-spaced chinese", []line{ln(0, 0, 200, "市场", "规模", "504.4", "亿元")}, []string{"市场规模504.4亿元"}},
		{"table cells far apart", []line{wide(ln(0, 0, 200, "年份", "市场规模", "增长率"))}, []string{"年份 市场规模 增长率"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &textBlock{lines: tt.lines, box: box{0, 0, 200, 100}}
			got := blockParagraphs(b)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCleanTitle(t *testing.T) {
	tests := map[string]string{
		"2024年微短剧市场报告":             "2024年微短剧市场报告",
		"Microsoft Word - 报告.docx": "",
		"Microsoft Word - 行业  报告":  "行业 报告",
		"untitled":                 "",
		"":                         "",
	}
	for in, want := range tests {
		if got := cleanTitle(in); got != want {
			t.Errorf("cleanTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanPages(t *testing.T) {
	var pages []Page
	for i := 1; i <= 4; i++ {
		n := strconv.Itoa(i)
		pages = append(pages, Page{Number: i, Paragraphs: []string{
			"2024年微短剧行业报告 " + n, // a running header with the page number
			"正文" + strings.Repeat("长", i) + "，市场规模504.4亿元。",
			"2024",
			"第" + strings.Repeat("二", i) + "节",
			"- " + n + " -",
		}})
	}
	pages[2].Paragraphs = append(pages[2].Paragraphs, "第3页，共4页")
	cleanPages(pages)
	want := map[int]string{
		// A year on its own in the middle of a page is kept.
		0: "正文长，市场规模504.4亿元。|2024|第二节",
		2: "正文长长长，市场规模504.4亿元。|2024|第二二二节",
	}
	for i, w := range want {
		if got := strings.Join(pages[i].Paragraphs, "|"); got != w {
			t.Errorf("page %d: %s, want %s", i+1, got, w)
		}
	}
	// Two pages are too few to tell a running header from text.
	two := []Page{{Number: 1, Paragraphs: []string{"标题", "正文。"}}, {Number: 2, Paragraphs: []string{"标题", "正文。"}}}
	cleanPages(two)
	if got := strings.Join(two[1].Paragraphs, "|"); got != "标题|正文。" {
		t.Errorf("two pages: %s", got)
	}
}

// BenchmarkRead50 reads a 50-page PDF (the budget is 5 s).
func BenchmarkRead50(b *testing.B) {
	r := needPdftotext(b)
	data := readFixture(b, "bench-50.pdf")
	for b.Loop() {
		doc, err := r.Read(context.Background(), data)
		if err != nil {
			b.Fatal(err)
		}
		if len(doc.Pages) != 50 {
			b.Fatalf("%d pages", len(doc.Pages))
		}
	}
}

// TestReport reads a longer report as Chromium prints it: justified,
// indented paragraphs that wrap, and a running header (date and title) and
// footer (file URL and "1/3") on every page, which must not become text.
func TestReport(t *testing.T) {
	r := needPdftotext(t)
	doc, err := r.Read(context.Background(), readFixture(t, "report.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range doc.Pages {
		got = append(got, p.Paragraphs...)
	}
	var want []string
	for k := 1; k <= 45; k++ {
		want = append(want, fmt.Sprintf("第%d段：据行业报告，2024年中国微短剧市场规模达到504.4亿元，同比增长34.9%%，"+
			"第%d类平台的用户规模达6.62亿人，占网民整体的59.7%%；预计2027年市场规模将超过1000亿元。", k, k))
	}
	if len(doc.Pages) < 3 {
		t.Errorf("%d pages, want 3 or more", len(doc.Pages))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if doc.Title != "微短剧市场报告" {
		t.Errorf("title %q", doc.Title)
	}
}

// FuzzParseBBox feeds arbitrary output to the parser in place of
// pdftotext's: it must return pages or an error, never panic.
func FuzzParseBBox(f *testing.F) {
	f.Add(`<doc><page><flow><block xMin="0" yMin="0" xMax="200" yMax="24"><line xMin="0" yMin="0" xMax="200" yMax="12"><word xMin="0" yMin="0" xMax="90" yMax="12">规模达到</word></line>` +
		`<line xMin="0" yMin="12" xMax="50" yMax="24"><word xMin="0" yMin="12" xMax="50" yMax="24">504.4亿元</word></line></block></flow></page></doc>`)
	f.Add(`<html><head><title>t</title></head><body><doc><page><line><word>x</word></line></page></doc></body></html>`)
	f.Add(`<page><block><line xMin="NaN" xMax="-1e308"><word xMin="1e308">a</word><word>b</word></line></block></page>`)
	f.Fuzz(func(t *testing.T, s string) {
		doc, err := parseBBox(strings.NewReader(s))
		if err == nil {
			cleanPages(doc.Pages)
			_ = checkText(doc.Pages)
		}
	})
}
