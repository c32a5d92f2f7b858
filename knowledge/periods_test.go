package knowledge

import (
	"slices"
	"testing"
	"time"
)

func TestPeriodExpansions(t *testing.T) {
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		q    string
		own  string
		want string // one of the alternatives
	}{
		{"How much did they make in the first eight months of 2025?", "first eight months of 2025", "2025年1-8月"},
		{"2025年1-8月市场规模多大？", "2025年1-8月", "January to August 2025"},
		{"2025年前8个月收入多少？", "2025年前8个月", "January to August 2025"},
		{"How many users at the end of 2024?", "at the end of 2024", "2024年12月"},
		{"截至2024年底有多少用户？", "2024年底", "December 2024"},
		{"Users in mid-2024?", "mid-2024", "June 2024"},
		{"Revenue in H1 2024?", "H1 2024", "2024年上半年"},
		{"2024年上半年收入多少？", "2024年上半年", "first half of 2024"},
		{"Downloads in Q1 2025?", "Q1 2025", "2025年第一季度"},
		{"2025年一季度下载量？", "2025年一季度", "Q1 2025"},
		{"Did the market double last year?", "last year", "2025"},
		{"去年市场规模多大？", "去年", "2025年"},
	} {
		xs := periodExpansions(tt.q, now)
		if !slices.ContainsFunc(xs, func(x Expansion) bool { return x.Text == tt.own && slices.Contains(x.Alts, tt.want) }) {
			t.Errorf("periodExpansions(%q) = %+v, want %q with %q", tt.q, xs, tt.own, tt.want)
		}
	}
	for _, q := range []string{"How big was the market in 2024?", "What happened in the first month?", "2024年市场规模？"} {
		if xs := periodExpansions(q, now); len(xs) != 0 {
			t.Errorf("periodExpansions(%q) = %+v, want none", q, xs)
		}
	}
}
