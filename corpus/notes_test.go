package corpus_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"dramabot/knowledge/text"
)

// update rewrites testdata/note-ids.golden from the notes as they are:
//
//	go test ./corpus/ -run TestNoteIDsStable -update
//
// Do it only after a deliberate change of ids; the golden file keeps the ids
// that dev questions, citations and links depend on from disappearing.
var update = flag.Bool("update", false, "rewrite testdata/note-ids.golden")

const (
	notesGlob   = "notes/*.jsonl"
	devGlob     = "testdata/market-dev-*.jsonl"
	goldenPath  = "testdata/note-ids.golden"
	dateLayout  = "2006-01-02"
	minCJKInZh  = 8    // a Chinese line has at least this many CJK characters
	maxCJKShare = 0.25 // of the letters of an English line, at most this share is CJK
)

// note is one line of a notes file. Fields are pointers where the test must
// tell a missing field from an empty one.
type note struct {
	ID            string `json:"id"`
	Topic         string `json:"topic"`
	En            string `json:"en"`
	Zh            string `json:"zh"`
	Title         string `json:"title"`
	Publisher     string `json:"publisher"`
	Producer      string `json:"producer"`
	Published     string `json:"published"`
	PublishedNote string `json:"published_note"`
	Period        string `json:"period"`
	Forecast      *bool  `json:"forecast"`
	URL           string `json:"url"`
	SourceLang    string `json:"source_lang"`
	Grade         string `json:"grade"`
	Checked       string `json:"checked"`
}

type devQuestion struct {
	ID        string    `json:"id"`
	Question  string    `json:"question"`
	Answers   *[]string `json:"answers"`
	PassageID string    `json:"passage_id"`
	Lang      string    `json:"lang"`
}

var (
	noteIDRe     = regexp.MustCompile(`^note-[a-z]{2}[0-9]{2,3}$`)
	sourceLangRe = regexp.MustCompile(`^[a-z]{2,3}(-[A-Z][a-z]{3})?$`)
	topics       = []string{"market-size", "users", "jobs", "titles", "regulation", "platforms", "overseas", "production", "clusters", "hits"}
	devLangs     = []string{"en", "zh-Hans", "zh-Hant"}
)

// jsonLines returns the non-empty lines of a JSONL file with their 1-based
// numbers; a blank line in the middle is an error.
func jsonLines(t *testing.T, path string) (lines [][]byte, numbers []int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	all := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	for i, l := range all {
		if len(bytes.TrimSpace(l)) == 0 {
			if len(all) > 1 {
				t.Errorf("%s:%d: blank line", path, i+1)
			}
			continue
		}
		lines = append(lines, l)
		numbers = append(numbers, i+1)
	}
	return lines, numbers
}

// decodeStrict decodes one JSON value, rejecting unknown fields and trailing data.
func decodeStrict(line []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON object")
	}
	return nil
}

// loadNotes reads every notes file; it fails the test on lines that do not parse.
func loadNotes(t *testing.T) (notes []note, where map[string]string) {
	t.Helper()
	files, err := filepath.Glob(notesGlob)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no notes files match %s", notesGlob)
	}
	where = map[string]string{}
	for _, f := range files {
		lines, numbers := jsonLines(t, f)
		for i, l := range lines {
			var n note
			if err := decodeStrict(l, &n); err != nil {
				t.Errorf("%s:%d: %v", f, numbers[i], err)
				continue
			}
			loc := fmt.Sprintf("%s:%d", f, numbers[i])
			if prev, dup := where[n.ID]; dup {
				t.Errorf("%s: id %q already used at %s", loc, n.ID, prev)
				continue
			}
			where[n.ID] = loc
			notes = append(notes, n)
		}
	}
	return notes, where
}

func validDatePrefix(s string) bool {
	for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
		if len(s) == len(layout) {
			if _, err := time.Parse(layout, s); err == nil {
				return true
			}
		}
	}
	return false
}

// scriptCounts counts the CJK characters and the other letters of s.
func scriptCounts(s string) (cjk, latin int) {
	for _, r := range s {
		switch {
		case text.IsCJK(r):
			cjk++
		case unicode.IsLetter(r):
			latin++
		}
	}
	return cjk, latin
}

type figureKey struct {
	Value float64
	Unit  string
}

func (k figureKey) String() string {
	if k.Unit == "" {
		return fmt.Sprintf("%g", k.Value)
	}
	return fmt.Sprintf("%g %s", k.Value, k.Unit)
}

var monthNames = strings.Fields("january february march april may june july august september october november december")

// isMonthName reports whether w names a month, in full or abbreviated
// ("September", "Sept.", "Sep").
func isMonthName(w string) bool {
	w = strings.ToLower(strings.TrimRight(w, ".,"))
	return len(w) >= 3 && slices.ContainsFunc(monthNames, func(m string) bool { return strings.HasPrefix(m, w) })
}

// yearMonthRe matches text ending in a year and a dash, as before the month
// of "2025-09".
var yearMonthRe = regexp.MustCompile(`(^|[^0-9])(18|19|20|21)[0-9]{2}[-/]$`)

// monthOrDay reports whether the figure at s[start:end] is the month or day
// of a date: "6月", "25日", "1-9月", "1至8月", "September 25", "25 Sept",
// "2025-09".
func monthOrDay(s string, start, end int) bool {
	before := strings.Fields(s[:start])
	if len(before) > 0 && strings.HasSuffix(s[:start], " ") && isMonthName(before[len(before)-1]) {
		return true
	}
	after := strings.Fields(s[end:])
	if len(after) > 0 && strings.HasPrefix(s[end:], " ") && isMonthName(after[0]) {
		return true
	}
	if yearMonthRe.MatchString(s[:start]) && end-start <= 2 {
		return true // the month of "2025-09"
	}
	rest := s[end:]
	if strings.HasPrefix(rest, "月") || strings.HasPrefix(rest, "日") || strings.HasPrefix(rest, "号") {
		return true
	}
	for _, sep := range []string{"-", "–", "—", "~", "～", "至", "到"} {
		if after, ok := strings.CutPrefix(rest, sep); ok {
			i := 0
			for i < len(after) {
				r, size := utf8.DecodeRuneInString(after[i:])
				if !unicode.IsDigit(r) {
					break
				}
				i += size
			}
			return i > 0 && strings.HasPrefix(after[i:], "月")
		}
	}
	return false
}

// figureSet is the set of normalized (value, unit) pairs of the figures in s,
// leaving out years, dates and the months and days of dates.
func figureSet(s string) map[figureKey]bool {
	set := map[figureKey]bool{}
	for _, f := range text.ExtractFigures(s) {
		if f.Unit == text.UnitYear || f.Unit == text.UnitDate || monthOrDay(s, f.Start, f.End) {
			continue
		}
		set[figureKey{f.Value, f.Unit}] = true
	}
	return set
}

func keysOf(set map[figureKey]bool) []string {
	var out []string
	for k := range set {
		out = append(out, k.String())
	}
	sort.Strings(out)
	return out
}

func TestNotesWellFormed(t *testing.T) {
	notes, where := loadNotes(t)
	for _, n := range notes {
		loc := where[n.ID]
		errorf := func(format string, args ...any) {
			t.Helper()
			t.Errorf("%s (%s): %s", loc, n.ID, fmt.Sprintf(format, args...))
		}
		if !noteIDRe.MatchString(n.ID) {
			errorf("id does not match %s", noteIDRe)
		}
		if !slices.Contains(topics, n.Topic) {
			errorf("topic %q is not one of %v", n.Topic, topics)
		}
		for name, v := range map[string]string{
			"en": n.En, "zh": n.Zh, "title": n.Title, "publisher": n.Publisher,
			"producer": n.Producer, "url": n.URL, "period": n.Period,
			"source_lang": n.SourceLang, "checked": n.Checked,
		} {
			if strings.TrimSpace(v) == "" {
				errorf("%s is empty", name)
			}
		}
		if cjk, _ := scriptCounts(n.Zh); cjk < minCJKInZh {
			errorf("zh has %d CJK characters, want at least %d: %q", cjk, minCJKInZh, n.Zh)
		}
		if cjk, latin := scriptCounts(n.En); latin == 0 || float64(cjk) > maxCJKShare*float64(cjk+latin) {
			errorf("en is not mostly Latin script (%d CJK, %d other letters): %q", cjk, latin, n.En)
		}
		if u, err := url.Parse(n.URL); err != nil {
			errorf("url: %v", err)
		} else if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !u.IsAbs() {
			errorf("url %q is not an absolute http(s) URL", n.URL)
		}
		if n.Grade != "A" && n.Grade != "B" {
			errorf("grade %q, want A or B", n.Grade)
		}
		if n.Forecast == nil {
			errorf("forecast is missing")
		}
		if !sourceLangRe.MatchString(n.SourceLang) {
			errorf("source_lang %q is not a language tag", n.SourceLang)
		}
		switch {
		case n.Published == "" && strings.TrimSpace(n.PublishedNote) == "":
			errorf("published is empty and published_note does not say why")
		case n.Published != "" && !validDatePrefix(n.Published):
			errorf("published %q is not YYYY-MM-DD, YYYY-MM or YYYY", n.Published)
		}
		if _, err := time.Parse(dateLayout, n.Checked); err != nil || len(n.Checked) != len(dateLayout) {
			errorf("checked %q is not a YYYY-MM-DD date", n.Checked)
		}
	}
}

// TestNoteLinesCarrySameFigures checks that the English and the Chinese line
// of a note give the same figures, compared as normalized values with their
// units (504.4亿元 = 50.44 billion yuan), years and dates left out.
func TestNoteLinesCarrySameFigures(t *testing.T) {
	notes, where := loadNotes(t)
	for _, n := range notes {
		en, zh := figureSet(n.En), figureSet(n.Zh)
		var onlyEn, onlyZh []string
		for k := range en {
			if !zh[k] {
				onlyEn = append(onlyEn, k.String())
			}
		}
		for k := range zh {
			if !en[k] {
				onlyZh = append(onlyZh, k.String())
			}
		}
		if len(onlyEn)+len(onlyZh) > 0 {
			sort.Strings(onlyEn)
			sort.Strings(onlyZh)
			t.Errorf("%s (%s): figures differ between the lines\n  only in en: %v\n  only in zh: %v\n  en figures: %v\n  zh figures: %v",
				where[n.ID], n.ID, onlyEn, onlyZh, keysOf(en), keysOf(zh))
		}
	}
}

// TestNoteIDsStable fails when an id listed in the golden file is no longer
// in any notes file. New ids are logged; run with -update to add them.
func TestNoteIDsStable(t *testing.T) {
	notes, _ := loadNotes(t)
	var ids []string
	for _, n := range notes {
		ids = append(ids, n.ID)
	}
	sort.Strings(ids)
	if *update {
		if err := os.WriteFile(goldenPath, []byte(strings.Join(ids, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (run go test ./corpus/ -run TestNoteIDsStable -update to create it)", err)
	}
	var golden []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			golden = append(golden, l)
		}
	}
	for _, id := range golden {
		if _, found := slices.BinarySearch(ids, id); !found {
			t.Errorf("note id %s is in %s but in no notes file: ids must stay stable (if this is deliberate, run with -update)", id, goldenPath)
		}
	}
	var added []string
	for _, id := range ids {
		if !slices.Contains(golden, id) {
			added = append(added, id)
		}
	}
	if len(added) > 0 {
		t.Logf("%d note ids are not in %s yet (run with -update to record them): %v", len(added), goldenPath, added)
	}
}

// TestDevQuestions checks the evaluation questions written on the notes:
// they parse, ids are unique, a question with answers names the note that
// answers it, and every answer is written verbatim in that note.
func TestDevQuestions(t *testing.T) {
	notes, _ := loadNotes(t)
	byID := map[string]note{}
	for _, n := range notes {
		byID[n.ID] = n
	}
	files, err := filepath.Glob(devGlob)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, f := range files {
		lines, numbers := jsonLines(t, f)
		for i, l := range lines {
			loc := fmt.Sprintf("%s:%d", f, numbers[i])
			var q devQuestion
			if err := decodeStrict(l, &q); err != nil {
				t.Errorf("%s: %v", loc, err)
				continue
			}
			if q.ID == "" {
				t.Errorf("%s: id is empty", loc)
			} else if prev, dup := seen[q.ID]; dup {
				t.Errorf("%s: id %q already used at %s", loc, q.ID, prev)
			}
			seen[q.ID] = loc
			if strings.TrimSpace(q.Question) == "" {
				t.Errorf("%s (%s): question is empty", loc, q.ID)
			}
			if !slices.Contains(devLangs, q.Lang) {
				t.Errorf("%s (%s): lang %q is not one of %v", loc, q.ID, q.Lang, devLangs)
			}
			if q.Answers == nil {
				t.Errorf("%s (%s): answers is missing (use [] for a question the notes cannot answer)", loc, q.ID)
				continue
			}
			if len(*q.Answers) == 0 {
				if q.PassageID != "" {
					t.Errorf("%s (%s): a question with no answers names passage %s", loc, q.ID, q.PassageID)
				}
				continue
			}
			n, ok := byID[q.PassageID]
			if !ok {
				t.Errorf("%s (%s): passage_id %q names no note", loc, q.ID, q.PassageID)
				continue
			}
			for _, a := range *q.Answers {
				if strings.TrimSpace(a) == "" {
					t.Errorf("%s (%s): empty answer", loc, q.ID)
				} else if !strings.Contains(n.En, a) && !strings.Contains(n.Zh, a) {
					t.Errorf("%s (%s): answer %q is in neither line of %s", loc, q.ID, a, n.ID)
				}
			}
		}
	}
}

// TestFigureSetIgnoresDates pins the comparison rules the notes rely on.
func TestFigureSetIgnoresDates(t *testing.T) {
	for _, c := range []struct{ en, zh string }{
		{"the market reached 50.44 billion yuan in 2024, up 34.9 percent", "2024年市场规模达504.4亿元，同比增长34.90%"},
		{"696 million users as of July 2025", "截至2025年7月，用户达6.96亿"},
		{"from January to September 2025, up nearly 9-fold", "2025年1-9月增长近9倍"},
		{"in the first eight months of 2025", "2025年1月至8月"},
		{"on 25 September 2025", "2025年9月25日"},
		{"by 2025-09, 94 titles", "截至2025年9月，94部"},
	} {
		en, zh := figureSet(c.en), figureSet(c.zh)
		if !mapsEqual(en, zh) {
			t.Errorf("figures differ:\n  %q → %v\n  %q → %v", c.en, keysOf(en), c.zh, keysOf(zh))
		}
	}
}

func mapsEqual(a, b map[figureKey]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
