package pgstore

import (
	"fmt"
	"strconv"
	"strings"
)

// pgvector's text form of a vector is "[x1,x2,...]". Vectors cross the wire
// as text (cast with ::text and ::vector in SQL), which works over both
// the simple and the extended protocol without registering the type with
// pgx. Both sides write the shortest decimal that reads back as the same
// float32, so a vector round-trips exactly.

// formatVector renders v in pgvector's text form.
func formatVector(v []float32) string {
	var b strings.Builder
	b.Grow(len(v) * 12)
	b.WriteByte('[')
	for i, x := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(float64(x), 'g', -1, 32))
	}
	b.WriteByte(']')
	return b.String()
}

// parseVector reads pgvector's text form.
func parseVector(s string) ([]float32, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, fmt.Errorf("vector %.20q: want [x,...]", s)
	}
	body := s[1 : len(s)-1]
	if strings.TrimSpace(body) == "" {
		return nil, nil
	}
	out := make([]float32, 0, strings.Count(body, ",")+1)
	for f := range strings.SplitSeq(body, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 32)
		if err != nil {
			return nil, fmt.Errorf("vector element %q: %w", f, err)
		}
		out = append(out, float32(x))
	}
	return out, nil
}
