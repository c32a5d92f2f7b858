package webpage

import (
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

func TestDecode(t *testing.T) {
	const zh = "短剧平台月活跃用户数量持续增长，市场规模达到五百亿元。"
	const tw = "台灣業者搶進直式短劇，製作成本僅傳統劇集十分之一。"
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(zh)
	big5, _ := traditionalchinese.Big5.NewEncoder().String(tw)
	page := func(head, body string) []byte {
		return []byte("<html><head>" + head + "<title>t</title></head><body><p>" + body + "</p></body></html>")
	}
	tests := []struct {
		name        string
		body        []byte
		contentType string
		wantCharset string
		want        string
	}{
		{"header", page("", gbk), "text/html; charset=GBK", "gbk", zh},
		{"header beats meta", page(`<meta charset="big5">`, gbk), "text/html; charset=gb2312", "gbk", zh},
		{"meta charset", page(`<meta charset="gbk">`, gbk), "text/html", "gbk", zh},
		{"http-equiv", page(`<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`, gbk), "", "gbk", zh},
		{"sniffed GBK", page("", gbk), "text/html", "gb18030", zh},
		{"sniffed Big5", page("", big5), "", "big5", tw},
		{"declared UTF-8 but GBK", page(`<meta charset="utf-8">`, gbk), "text/html; charset=utf-8", "gb18030", zh},
		{"unknown label ignored", page(`<meta charset="x-martian">`, zh), "", "utf-8", zh},
		{"BOM", append([]byte("\xef\xbb\xbf"), page("", zh)...), "text/html; charset=gbk", "utf-8", zh},
		{"latin-1", page("", "Caf\xe9 Scripts"), "", "windows-1252", "Café Scripts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cs, err := Decode(tt.body, tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if cs != tt.wantCharset || !strings.Contains(got, tt.want) {
				t.Errorf("Decode = %q (%s), want %q (%s)", got, cs, tt.want, tt.wantCharset)
			}
		})
	}
}

func TestExtractEdgeCases(t *testing.T) {
	png, _ := os.ReadFile("testdata/fixtures.json") // any bytes; a PNG header is prepended
	tests := []struct {
		name      string
		body      string
		wantErr   string
		extractor string
		text      string
	}{
		{name: "binary", body: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + string(png[:10]), wantErr: "not an HTML page (binary data)"},
		{name: "empty", body: "<html><body><script>x()</script></body></html>", wantErr: ErrNoText.Error()},
		{name: "a page of links falls back to visible text", extractor: "visible text",
			body: "<html><head><title>通知公告</title></head><body><ul>" +
				"<li><a href=/1>关于调整十一月份工作日办公时间的通知</a></li>" +
				"<li><a href=/2>关于开展年度短剧创作扶持项目申报工作的通知</a></li>" +
				"<li><a href=/3>关于公布第三季度网络视听节目备案情况的公告</a></li>" +
				"<li><a href=/4>关于举办乡村短剧创作大赛颁奖典礼的通知</a></li>" +
				"<li><a href=/5>关于进一步规范短剧拍摄场地管理的意见</a></li></ul></body></html>",
			text: "关于进一步规范短剧拍摄场地管理的意见"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Extract([]byte(tt.body), "text/html", nil)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Extractor != tt.extractor || !strings.Contains(p.Text, tt.text) {
				t.Errorf("got %q by %q", p.Text, p.Extractor)
			}
		})
	}
	if _, err := Extract(nil, "", nil); !errors.Is(err, ErrNoText) {
		t.Errorf("nil body: %v", err)
	}
}

func TestTitleAndSite(t *testing.T) {
	tests := []struct {
		m           meta
		title, site string
	}{
		{meta{title: "Headline - Site"}, "Headline", "Site"},
		{meta{title: "Headline - Section - Site", h1: "Headline"}, "Headline", "Site"},
		{meta{title: "标题_网站", site: "网站"}, "标题", "网站"},
		{meta{title: "A - B", site: "Other"}, "A - B", "Other"},
		{meta{title: "Only a title"}, "Only a title", ""},
		{meta{ogTitle: "OG", title: "OG | Site", site: "Site"}, "OG", "Site"},
		{meta{h1: "Heading"}, "Heading", ""},
	}
	for _, tt := range tests {
		title, site := tt.m.titleAndSite()
		if title != tt.title || site != tt.site {
			t.Errorf("%+v: got %q %q, want %q %q", tt.m, title, site, tt.title, tt.site)
		}
	}
}

func TestFindDate(t *testing.T) {
	for in, want := range map[string]string{
		"2026年09月03日 10:21":         "2026-09-03",
		"发布时间：2026-5-18":            "2026-05-18",
		"2026/09/19 11:08":          "2026-09-19",
		"Published July 27, 2026":   "2026-07-27",
		"27 Jul 2026":               "2026-07-27",
		"2026-02-30":                "",
		"call 2026-13-01":           "",
		"no date here":              "",
		"Posted on 2026-09-12 by x": "2026-09-12",
	} {
		if got := findDate(in); got != want {
			t.Errorf("findDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte("<html><body><h1>x</h1><p>2026-01-01 来源：y</p></body></html>"), "text/html; charset=gbk")
	f.Add([]byte("\xff\xfe<\x00h\x00"), "")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		_, _ = Extract(body, ct, nil)
	})
}
