package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStripMention(t *testing.T) {
	tests := []struct{ text, want string }{
		{"@DramaTestBot how many jobs?", "how many jobs?"},
		{"how many @dramatestbot jobs", "how many jobs"},
		{"@DramaTestBot", ""},
		{"@DramaTestBotX jobs", "X jobs"},
		// Lower-casing changes these letters' byte lengths: the mention is
		// still found, and the text around it kept whole.
		{strings.Repeat("Ⱥ", 16) + "@DramaTestBot", strings.Repeat("Ⱥ", 16)},
		{"İİİİ@DramaTestBot how many jobs?", "İİİİ how many jobs?"},
		{"\xff\xfe@DramaTestBot jobs", "\xff\xfe jobs"},
	}
	for _, tt := range tests {
		if got := StripMention(tt.text, "DramaTestBot"); got != tt.want {
			t.Errorf("StripMention(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// FuzzStripMention: never panics, keeps valid UTF-8 valid, folds white
// space, and only removes.
func FuzzStripMention(f *testing.F) {
	for _, s := range []string{"@DramaTestBot hi", "ȺȺ@dramatestbot", "İ@DRAMATESTBOT x", "K@bot", "\xff@DramaTestBot"} {
		f.Add(s, "DramaTestBot")
	}
	f.Fuzz(func(t *testing.T, text, name string) {
		got := StripMention(text, name)
		if utf8.ValidString(text) && !utf8.ValidString(got) {
			t.Fatalf("StripMention(%q, %q) = %q: invalid UTF-8", text, name, got)
		}
		if got != strings.Join(strings.Fields(got), " ") {
			t.Fatalf("StripMention(%q, %q) = %q: white space not folded", text, name, got)
		}
		if len(got) > len(text) {
			t.Fatalf("StripMention(%q, %q) = %q: longer than the text", text, name, got)
		}
		if !strings.Contains(text, "@") && got != strings.Join(strings.Fields(text), " ") && strings.TrimPrefix(name, "@") != "" {
			t.Fatalf("StripMention(%q, %q) = %q: changed a text without a mention", text, name, got)
		}
	})
}
