//go:build ignore

// gen makes NotoSansSC-subset.otf, the glyphs the chart draws in Chinese
// labels, from Noto Sans CJK SC (Debian's fonts-noto-cjk) with fonttools'
// pyftsubset:
//
//	go test ./knowledge/chart -run TestGlyphs -update   # writes testdata/glyphs.txt
//	go run gen.go [path/to/NotoSansCJK-Regular.ttc]      # in knowledge/chart
//
// The collection's third font (index 2) is the Simplified Chinese one. Only
// kerning is kept of the layout features: the renderer uses no other, and
// they would triple the file.
package main

import (
	"log"
	"os"
	"os/exec"
)

func main() {
	src := "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
	if len(os.Args) > 1 {
		src = os.Args[1]
	}
	cmd := exec.Command("pyftsubset", src, "--font-number=2", "--text-file=testdata/glyphs.txt",
		"--layout-features=kern", "--desubroutinize", "--no-hinting", "--output-file=NotoSansSC-subset.otf")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("pyftsubset: %v", err)
	}
}
