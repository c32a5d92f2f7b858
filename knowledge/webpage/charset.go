package webpage

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/transform"
)

// metaCharset finds a charset in a <meta charset> or http-equiv
// Content-Type tag; browsers look at the first 1024 bytes, Chinese CMS
// pages often put scripts first, so this looks a little further.
var metaCharset = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:-]+)`)

// Decode converts an HTML body to UTF-8. The charset comes from the
// Content-Type header, then a byte order mark, then <meta charset> or
// http-equiv, then sniffing: valid UTF-8, else whichever of GB18030 (a
// superset of GBK and GB2312) and Big5 reads as more common Chinese, else
// windows-1252. A declared charset that the bytes contradict (a page
// labelled UTF-8 that is not) is sniffed too. It returns the text and the
// name of the charset used.
func Decode(body []byte, contentType string) (string, string, error) {
	if len(body) >= 3 && bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
		return string(body[3:]), "utf-8", nil
	}
	label := ""
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		label = params["charset"]
	}
	if label == "" {
		head := body
		if len(head) > 4096 {
			head = head[:4096]
		}
		if m := metaCharset.FindSubmatch(head); m != nil {
			label = string(m[1])
		}
	}
	if label != "" {
		enc, name := charset.Lookup(label)
		if enc == nil {
			// An unknown label is ignored, as browsers do.
			label = ""
		} else if name == "utf-8" {
			if utf8.Valid(body) {
				return string(body), "utf-8", nil
			}
			// Declared UTF-8 but not: fall through to sniffing.
		} else {
			s, err := decodeWith(enc, body)
			if err != nil {
				return "", "", fmt.Errorf("decode %s: %w", name, err)
			}
			return s, name, nil
		}
	}
	return sniff(body)
}

func decodeWith(enc encoding.Encoding, body []byte) (string, error) {
	out, _, err := transform.Bytes(enc.NewDecoder(), body)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// common holds characters that are frequent in Chinese text and written
// the same in simplified and traditional script, so they score GB18030 and
// Big5 readings of the same bytes fairly.
const common = "的一是不了人我在有他中大上到要就出也你生能而子那得着下自之年作用道行所然家事成方多去法如都同起分本日月已可以市場场业業公司部平台用户戶元万萬亿億元个個"

func sniff(body []byte) (string, string, error) {
	if utf8.Valid(body) {
		return string(body), "utf-8", nil
	}
	gb, gbErr := decodeWith(simplifiedchinese.GB18030, body)
	b5, b5Err := decodeWith(traditionalchinese.Big5, body)
	gbScore, b5Score := -1, -1
	if gbErr == nil {
		gbScore = score(gb)
	}
	if b5Err == nil {
		b5Score = score(b5)
	}
	switch {
	case gbScore > 0 && gbScore >= b5Score:
		return gb, "gb18030", nil
	case b5Score > 0:
		return b5, "big5", nil
	}
	enc, name := charset.Lookup("windows-1252")
	s, err := decodeWith(enc, body)
	if err != nil {
		return "", "", errors.Join(errors.New("cannot tell the page's charset"), err)
	}
	return s, name, nil
}

// score counts common Chinese characters and subtracts replacement
// characters, which mark bytes the reading could not map.
func score(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			n -= 4
		case r >= 0x4e00 && strings.ContainsRune(common, r):
			n++
		}
	}
	return n
}
