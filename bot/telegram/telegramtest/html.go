package telegramtest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxMessageLen is Telegram's limit on a message's text after entity
// parsing, in UTF-16 code units.
const MaxMessageLen = 4096

// Telegram's HTML dialect: these tags only, with these attributes.
var allowedTags = map[string]map[string]bool{
	"b": nil, "strong": nil, "i": nil, "em": nil, "u": nil, "ins": nil,
	"s": nil, "strike": nil, "del": nil, "tg-spoiler": nil,
	"span":       {"class": true},
	"a":          {"href": true},
	"tg-emoji":   {"emoji-id": true},
	"code":       {"class": true},
	"pre":        nil,
	"blockquote": {"expandable": true},
}

// ParseHTML parses text the way the Bot API parses parse_mode=HTML and
// returns the plain text a user would see. It is stricter than Telegram in
// one way: a bare '<', '>' or '&' outside a tag or entity is an error, since
// everything dramabot renders must be escaped.
func ParseHTML(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("text must be encoded in UTF-8")
	}
	var plain strings.Builder
	var open []string
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", fmt.Errorf("unclosed start tag at byte offset %d", i)
			}
			tag := s[i+1 : i+end]
			i += end + 1
			if strings.HasPrefix(tag, "/") {
				name := strings.ToLower(strings.TrimSpace(tag[1:]))
				if len(open) == 0 || open[len(open)-1] != name {
					return "", fmt.Errorf("can't find end tag corresponding to start tag %q", name)
				}
				open = open[:len(open)-1]
				continue
			}
			name, err := checkStartTag(tag)
			if err != nil {
				return "", err
			}
			open = append(open, name)
		case '>':
			return "", fmt.Errorf("unescaped '>' at byte offset %d", i)
		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end < 0 || end > 12 {
				return "", fmt.Errorf("unescaped '&' at byte offset %d", i)
			}
			r, err := decodeEntity(s[i+1 : i+end])
			if err != nil {
				return "", fmt.Errorf("byte offset %d: %w", i, err)
			}
			plain.WriteRune(r)
			i += end + 1
		default:
			plain.WriteByte(c)
			i++
		}
	}
	if len(open) > 0 {
		return "", fmt.Errorf("can't find end tag corresponding to start tag %q", open[len(open)-1])
	}
	return plain.String(), nil
}

func checkStartTag(tag string) (string, error) {
	name, rest, _ := strings.Cut(tag, " ")
	name = strings.ToLower(name)
	attrsAllowed, ok := allowedTags[name]
	if !ok {
		return "", fmt.Errorf("unsupported start tag %q", name)
	}
	attrs, err := parseAttrs(rest)
	if err != nil {
		return "", fmt.Errorf("tag %q: %w", name, err)
	}
	for k := range attrs {
		if !attrsAllowed[k] {
			return "", fmt.Errorf("tag %q: unsupported attribute %q", name, k)
		}
	}
	switch name {
	case "a":
		if attrs["href"] == "" {
			return "", errors.New("tag \"a\" without href")
		}
	case "span":
		if attrs["class"] != "tg-spoiler" {
			return "", errors.New("tag \"span\" must have class \"tg-spoiler\"")
		}
	}
	return name, nil
}

// parseAttrs reads name="value", name='value' and bare names.
func parseAttrs(s string) (map[string]string, error) {
	attrs := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t\n")
		if s == "" {
			return attrs, nil
		}
		n := strings.IndexAny(s, "= \t\n")
		if n < 0 {
			attrs[strings.ToLower(s)] = ""
			return attrs, nil
		}
		name := strings.ToLower(s[:n])
		s = s[n:]
		if s[0] != '=' {
			attrs[name] = ""
			continue
		}
		s = s[1:]
		if s == "" || (s[0] != '"' && s[0] != '\'') {
			return nil, fmt.Errorf("attribute %q: unquoted value", name)
		}
		q := s[0]
		end := strings.IndexByte(s[1:], q)
		if end < 0 {
			return nil, fmt.Errorf("attribute %q: unclosed value", name)
		}
		val, err := unescapeAttr(s[1 : end+1])
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		attrs[name] = val
		s = s[end+2:]
	}
}

func unescapeAttr(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '<' {
			return "", errors.New("'<' in attribute value")
		}
		if s[i] != '&' {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i:], ';')
		if end < 0 {
			return "", errors.New("unescaped '&' in attribute value")
		}
		r, err := decodeEntity(s[i+1 : i+end])
		if err != nil {
			return "", err
		}
		b.WriteRune(r)
		i += end + 1
	}
	return b.String(), nil
}

// decodeEntity decodes the named entities Telegram supports and numeric ones.
func decodeEntity(name string) (rune, error) {
	switch name {
	case "lt":
		return '<', nil
	case "gt":
		return '>', nil
	case "amp":
		return '&', nil
	case "quot":
		return '"', nil
	}
	if num, ok := strings.CutPrefix(name, "#"); ok {
		base := 10
		if hex, ok := strings.CutPrefix(strings.ToLower(num), "x"); ok {
			num, base = hex, 16
		}
		n, err := strconv.ParseUint(num, base, 32)
		if err == nil && utf8.ValidRune(rune(n)) {
			return rune(n), nil
		}
	}
	return 0, fmt.Errorf("unsupported HTML entity \"&%s;\"", name)
}

// UTF16Len is the length of s in UTF-16 code units, the unit of Telegram's
// limits and entity offsets.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
