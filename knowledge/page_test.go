package knowledge

import "testing"

func TestCitationSourcePage(t *testing.T) {
	tests := []struct {
		name string
		c    Citation
		want string
	}{
		{"paragraph", Citation{Title: "报告", Publisher: "新华网", Paragraph: 3}, `"报告", 新华网, paragraph 3`},
		{"page instead of paragraph", Citation{Title: "报告", Publisher: "新华网", Paragraph: 40, Page: 12, URL: "https://example.com/r.pdf"}, `"报告", 新华网, p. 12, https://example.com/r.pdf`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.Source(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
