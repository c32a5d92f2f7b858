package discordtest

import "testing"

func TestUnescapedMarkdown(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want rune
	}{
		{`plain text`, 0},
		{`a \*starred\* word`, 0},
		{`a *starred* word`, '*'},
		{`• **696 million** — livedoor News`, 0},        // dramabot's own bold around an escaped figure
		{"*Sources differ.*\n• **6.96亿** — udn", 0},     // its own italic notice line
		{`**bold with *inner* star**`, '*'},             // markup inside its bold is still caught
		{`**unclosed bold`, '*'},                        // not its own markup
		{`[title](https://example.com/a) and _x_`, '_'}, // its link, then raw markup
		{"- a list", '-'},
	} {
		if got := UnescapedMarkdown(tt.in); got != tt.want {
			t.Errorf("UnescapedMarkdown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
