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

// FuzzResolveFollowUp: whatever the previous question and the follow-up,
// resolving never panics, and a merged question is valid UTF-8, not empty,
// and bounded by what it was made of.
func FuzzResolveFollowUp(f *testing.F) {
	for _, s := range [][2]string{
		{"How big was China's micro-drama market in 2023?", "what about 2024?"},
		{"2023年中国微短剧市场规模多大？", "那用户呢？"},
		{"How many users does Hongguo have?", "Kuaishou?"},
		{"", "who said that?"},
		{"How many jobs in 2023 and 2024?", "and 2025 2026 2027?"},
		{"\xff2023", "and \u202e2024"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, prevQ, q string) {
		prevQ, q = sanitize(prevQ), sanitize(q)
		var prev *turn
		if prevQ != "" {
			prev = &turn{resolved: prevQ}
		}
		fu := resolveFollowUp(prev, q)
		if fu.kind != followMerged {
			return
		}
		if fu.question == "" || !utf8.ValidString(fu.question) {
			t.Fatalf("merge(%q, %q) = %q", prevQ, q, fu.question)
		}
		if len(fu.question) > 4*(len(prevQ)+len(q))+64 {
			t.Fatalf("merge(%q, %q) = %d bytes", prevQ, q, len(fu.question))
		}
	})
}
