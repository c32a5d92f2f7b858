package docx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func readFile(t *testing.T, name string) (Doc, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return Read(bytes.NewReader(data), int64(len(data)))
}

// body is the text testdata/gen.py writes into report.docx and
// zh-styles.docx, as Read must return it.
var body = []Paragraph{
	{Text: "市场规模", Level: 1},
	// "504" and ".4亿元" are separate runs.
	{Text: "2024年中国微短剧市场规模达到504.4亿元，同比增长34.9%。"},
	{Text: "Market size\t50.44 billion yuan\nGrowth: 34.9%"},
	// "5.76" is a tracked deletion, "6.62" its insertion; the PAGE field's
	// instruction is left out and its result kept.
	{Text: "用户规模达6.62亿人。（见第3页）"},
	{Text: "年份 | 市场规模 | 增长率\n2023 | 373.9亿元 | 267.7%\n2024 | 504.4亿元 | 34.9%"},
	{Text: "红果短剧"},
	{Text: "ReelShort"},
	{Text: "微短劇用戶規模達6.62億人，佔網民整體的59.7%。"},
	// The footnote, after the body.
	{Text: "数据来源：中国网络视听协会，2025年3月。"},
}

func TestRead(t *testing.T) {
	tests := []struct {
		file  string
		title string
	}{
		{"report.docx", "2024年微短剧市场报告"},
		// Heading style id "1" (as Chinese Word writes it), no core.xml.
		{"zh-styles.docx", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			d, err := readFile(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if d.Title != tt.title {
				t.Errorf("title %q, want %q", d.Title, tt.title)
			}
			if len(d.Paragraphs) != len(body) {
				t.Errorf("%d paragraphs, want %d:\n%v", len(d.Paragraphs), len(body), d.Paragraphs)
			}
			for i := range min(len(d.Paragraphs), len(body)) {
				if d.Paragraphs[i] != body[i] {
					t.Errorf("paragraph %d:\ngot  %q (level %d)\nwant %q (level %d)", i, d.Paragraphs[i].Text, d.Paragraphs[i].Level, body[i].Text, body[i].Level)
				}
			}
		})
	}
}

func TestText(t *testing.T) {
	d := Doc{Paragraphs: []Paragraph{{Text: "市场规模", Level: 2}, {Text: "第一段。"}, {Text: "a\nb"}}}
	if got, want := d.Text(), "## 市场规模\n\n第一段。\n\na\nb"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	data, err := os.ReadFile(filepath.Join("testdata", "report.docx"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := Reader{}.ReadText(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, "# 市场规模\n\n2024年中国微短剧市场规模达到504.4亿元") {
		t.Errorf("ReadText: %q", text)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		file string
		is   error
		msg  string
	}{
		{file: "encrypted.docx", is: ErrEncrypted, msg: "encrypted with a password"},
		{file: "legacy.docx", msg: "Word 97-2003 (.doc) file"},
		{file: "bomb.docx", is: ErrTooLarge, msg: "word/document.xml inflates to more than 64 MiB"},
		{file: "truncated.docx", msg: "not a DOCX file (not a valid zip archive)"},
		{file: "not-word.docx", msg: "not a Word document"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			d, err := readFile(t, tt.file)
			if err == nil {
				t.Fatalf("no error; read %v", d.Paragraphs)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %q", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}

// zipOf builds a DOCX-like archive in memory from name, content pairs.
func zipOf(t *testing.T, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		// Stored, not deflated: a deflate writer a file makes ten
		// thousand files slow to write.
		w, err := zw.CreateHeader(&zip.FileHeader{Name: files[i], Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const wDoc = `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>`

func TestArchives(t *testing.T) {
	var many []string
	for i := range MaxEntries + 1 {
		many = append(many, "f"+strconv.Itoa(i), "")
	}
	tests := []struct {
		name  string
		data  []byte
		want  string // the text, or
		error string // the error it must contain
	}{
		{name: "text box and fallback", data: zipOf(t, "word/document.xml", wDoc+
			`<w:p><w:r><w:t>正文</w:t></w:r><w:r><mc:AlternateContent><mc:Choice><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></mc:Choice>`+
			`<mc:Fallback><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p></w:body></w:document>`),
			want: "文本框\n\n正文"},
		{name: "nested table", data: zipOf(t, "word/document.xml", wDoc+
			`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>A</w:t></w:r></w:p></w:tc><w:tc><w:tbl><w:tr><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>y</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc></w:tr>`+
			`<w:tr><w:tc><w:p/></w:tc><w:tc><w:p/></w:tc></w:tr></w:tbl></w:body></w:document>`),
			want: "A | x | y"},
		{name: "outline level and moved text", data: zipOf(t, "word/document.xml", wDoc+
			`<w:p><w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:r><w:t>第二级</w:t></w:r></w:p><w:p><w:moveFrom><w:r><w:t>旧</w:t></w:r></w:moveFrom><w:r><w:t>新</w:t></w:r></w:p></w:body></w:document>`),
			want: "## 第二级\n\n新"},
		{name: "document named by the package relationships", data: zipOf(t,
			"_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/document2.xml"/></Relationships>`,
			"word/document2.xml", wDoc+`<w:p><w:r><w:t>第二个</w:t></w:r></w:p></w:body></w:document>`),
			want: "第二个"},
		{name: "too many entries", data: zipOf(t, many...), error: "more than 10000"},
		{name: "bad xml", data: zipOf(t, "word/document.xml", wDoc+`<w:p><w:r><w:t>x</w:p>`), error: "word/document.xml: XML syntax error"},
		{name: "empty document", data: zipOf(t, "word/document.xml", wDoc+`<w:p/></w:body></w:document>`), error: "no text found"},
		{name: "not a zip", data: []byte("hello"), error: "not a DOCX file"},
		{name: "empty", data: nil, error: "not a DOCX file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Read(bytes.NewReader(tt.data), int64(len(tt.data)))
			if tt.error != "" {
				if err == nil || !strings.Contains(err.Error(), tt.error) {
					t.Fatalf("error %v, want it to contain %q", err, tt.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Text(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestBudget checks that the inflate limit holds for all the parts read
// together: each part here is under it, the two together are not.
func TestBudget(t *testing.T) {
	defer func(m int64) { maxUncompressed = m }(maxUncompressed)
	maxUncompressed = 1 << 20
	pad := strings.Repeat(" ", 600<<10)
	data := zipOf(t,
		"word/document.xml", wDoc+pad+`<w:p><w:r><w:t>正文</w:t></w:r></w:p></w:body></w:document>`,
		"word/_rels/document.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>`,
		"word/footnotes.xml", `<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">`+pad+`</w:footnotes>`)
	_, err := Read(bytes.NewReader(data), int64(len(data)))
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "word/footnotes.xml inflates to more than 1 MiB") {
		t.Fatalf("error %v", err)
	}
}

// TestHugeSize checks that a size over the limit is refused before
// anything is read.
func TestHugeSize(t *testing.T) {
	_, err := Read(bytes.NewReader(nil), MaxFileBytes+1)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error %v, want ErrTooLarge", err)
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"report.docx", "truncated.docx", "not-word.docx"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Read(bytes.NewReader(data), int64(len(data)))
		if err == nil && len(d.Paragraphs) == 0 {
			t.Error("no error and no paragraphs")
		}
	})
}
