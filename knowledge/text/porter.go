package text

// stem reduces an English word (lower case ASCII) to its Porter stem, so that
// "created", "creates" and "creating" match. Words that are not plain
// lower-case ASCII letters are returned unchanged.
//
// This is M.F. Porter's 1980 algorithm ("An algorithm for suffix stripping").
func stem(w string) string {
	if len(w) <= 2 {
		return w
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return w
		}
	}
	b := []byte(w)
	b = step1a(b)
	b = step1b(b)
	b = step1c(b)
	b = step2(b)
	b = step3(b)
	b = step4(b)
	b = step5(b)
	return string(b)
}

func isCons(b []byte, i int) bool {
	switch b[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return false
	case 'y':
		return i == 0 || !isCons(b, i-1)
	}
	return true
}

// measure counts VC sequences in b[:n].
func measure(b []byte, n int) int {
	m, i := 0, 0
	for i < n && isCons(b, i) {
		i++
	}
	for i < n {
		for i < n && !isCons(b, i) {
			i++
		}
		if i >= n {
			break
		}
		for i < n && isCons(b, i) {
			i++
		}
		m++
	}
	return m
}

func hasVowel(b []byte, n int) bool {
	for i := 0; i < n; i++ {
		if !isCons(b, i) {
			return true
		}
	}
	return false
}

func endsDoubleCons(b []byte) bool {
	n := len(b)
	return n >= 2 && b[n-1] == b[n-2] && isCons(b, n-1)
}

// endsCVC: consonant-vowel-consonant, the last not w, x or y.
func endsCVC(b []byte, n int) bool {
	if n < 3 || !isCons(b, n-1) || isCons(b, n-2) || !isCons(b, n-3) {
		return false
	}
	c := b[n-1]
	return c != 'w' && c != 'x' && c != 'y'
}

func hasSuffix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[len(b)-len(s):]) == s
}

// replace swaps suffix s for r when the stem before s has measure > m.
func replace(b []byte, s, r string, m int) ([]byte, bool) {
	if !hasSuffix(b, s) {
		return b, false
	}
	n := len(b) - len(s)
	if measure(b, n) > m {
		return append(b[:n], r...), true
	}
	return b, true
}

func step1a(b []byte) []byte {
	switch {
	case hasSuffix(b, "sses"), hasSuffix(b, "ies"):
		return b[:len(b)-2]
	case hasSuffix(b, "ss"):
		return b
	case hasSuffix(b, "s"):
		return b[:len(b)-1]
	}
	return b
}

func step1b(b []byte) []byte {
	if hasSuffix(b, "eed") {
		if measure(b, len(b)-3) > 0 {
			return b[:len(b)-1]
		}
		return b
	}
	var n int
	switch {
	case hasSuffix(b, "ed") && hasVowel(b, len(b)-2):
		n = len(b) - 2
	case hasSuffix(b, "ing") && hasVowel(b, len(b)-3):
		n = len(b) - 3
	default:
		return b
	}
	b = b[:n]
	switch {
	case hasSuffix(b, "at"), hasSuffix(b, "bl"), hasSuffix(b, "iz"):
		return append(b, 'e')
	case endsDoubleCons(b):
		if c := b[len(b)-1]; c != 'l' && c != 's' && c != 'z' {
			return b[:len(b)-1]
		}
	case measure(b, len(b)) == 1 && endsCVC(b, len(b)):
		return append(b, 'e')
	}
	return b
}

func step1c(b []byte) []byte {
	if hasSuffix(b, "y") && hasVowel(b, len(b)-1) {
		b[len(b)-1] = 'i'
	}
	return b
}

var step2Rules = [][2]string{
	{"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"}, {"anci", "ance"}, {"izer", "ize"},
	{"abli", "able"}, {"alli", "al"}, {"entli", "ent"}, {"eli", "e"}, {"ousli", "ous"},
	{"ization", "ize"}, {"ation", "ate"}, {"ator", "ate"}, {"alism", "al"}, {"iveness", "ive"},
	{"fulness", "ful"}, {"ousness", "ous"}, {"aliti", "al"}, {"iviti", "ive"}, {"biliti", "ble"},
}

var step3Rules = [][2]string{
	{"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"}, {"ical", "ic"}, {"ful", ""}, {"ness", ""},
}

func applyRules(b []byte, rules [][2]string) []byte {
	for _, r := range rules {
		if out, matched := replace(b, r[0], r[1], 0); matched {
			return out
		}
	}
	return b
}

func step2(b []byte) []byte { return applyRules(b, step2Rules) }
func step3(b []byte) []byte { return applyRules(b, step3Rules) }

var step4Suffixes = []string{
	"al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent",
	"ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize",
}

func step4(b []byte) []byte {
	for _, s := range step4Suffixes {
		if !hasSuffix(b, s) {
			continue
		}
		n := len(b) - len(s)
		if s == "ion" && (n == 0 || (b[n-1] != 's' && b[n-1] != 't')) {
			continue
		}
		if measure(b, n) > 1 {
			return b[:n]
		}
		return b
	}
	return b
}

func step5(b []byte) []byte {
	if hasSuffix(b, "e") {
		n := len(b) - 1
		if m := measure(b, n); m > 1 || (m == 1 && !endsCVC(b, n)) {
			b = b[:n]
		}
	}
	if hasSuffix(b, "ll") && measure(b, len(b)) > 1 {
		b = b[:len(b)-1]
	}
	return b
}
