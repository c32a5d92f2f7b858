//go:build ignore

// xquadcross builds two cross-language question sets from the parallel
// XQuAD files (English and Chinese versions of the same passages and
// questions, with the same ids after the language prefix):
//
//	go run scripts/xquadcross.go -in ../shared/eval-holdout -out DIR
//
// writes, in the shape dramabot eval reads,
//
//	DIR/xquad-en2zh.questions.jsonl  English questions, Chinese gold answers and passage ids
//	DIR/xquad-en2zh.passages.jsonl   the Chinese passages
//	DIR/xquad-zh2en.questions.jsonl  Chinese questions, English gold answers and passage ids
//	DIR/xquad-zh2en.passages.jsonl   the English passages
//
// Each question keeps the fields of the passage language's record
// (answers, passage_id, answer_sentences, answer_has_digit), with the
// question and its lang from the other language. The sets are held out:
// report on them, never tune on them.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	in := flag.String("in", "../shared/eval-holdout", "folder with xquad-en.* and xquad-zh.*")
	out := flag.String("out", "", "folder to write the two sets to")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: go run scripts/xquadcross.go -in DIR -out DIR")
		os.Exit(2)
	}
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "xquadcross:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	qs := map[string][]record{}
	for _, lang := range []string{"en", "zh"} {
		r, err := readJSONL(filepath.Join(in, "xquad-"+lang+".questions.jsonl"))
		if err != nil {
			return err
		}
		qs[lang] = r
	}
	for _, pair := range [][2]string{{"en", "zh"}, {"zh", "en"}} {
		ask, src := pair[0], pair[1]
		name := "xquad-" + ask + "2" + src
		byID := map[string]record{}
		for _, q := range qs[ask] {
			byID[suffix(q)] = q
		}
		var lines []record
		for _, q := range qs[src] {
			a, ok := byID[suffix(q)]
			if !ok {
				return fmt.Errorf("%s: question %v has no %s version", name, q["id"], ask)
			}
			r := record{}
			for k, v := range q {
				r[k] = v
			}
			r["id"] = name + ":" + suffix(q)
			r["question"] = a["question"]
			r["lang"] = a["lang"]
			lines = append(lines, r)
		}
		if len(lines) != len(qs[ask]) {
			return fmt.Errorf("%s: %d %s questions, %d %s questions", name, len(qs[ask]), ask, len(lines), src)
		}
		if err := writeJSONL(filepath.Join(out, name+".questions.jsonl"), lines); err != nil {
			return err
		}
		if err := copyFile(filepath.Join(in, "xquad-"+src+".passages.jsonl"), filepath.Join(out, name+".passages.jsonl")); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: %d questions\n", name, len(lines))
	}
	return nil
}

type record map[string]any

// suffix is the id without its language prefix ("xquad-en:56be..." → "56be...").
func suffix(r record) string {
	id, _ := r["id"].(string)
	_, s, _ := strings.Cut(id, ":")
	return s
}

func readJSONL(path string) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

func writeJSONL(path string, rs []record) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func copyFile(from, to string) error {
	r, err := os.Open(from)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
