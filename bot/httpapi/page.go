package httpapi

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"path"
	"time"
)

// The page is plain HTML, CSS and JavaScript compiled into the binary: no
// build step, no external assets, nothing fetched from another origin.
//
//go:embed static
var staticFiles embed.FS

type asset struct {
	name string // for the Content-Type
	body []byte
	etag string
}

var (
	pageHTML = mustAsset("index.html")
	appJS    = mustAsset("app.js")
	styleCSS = mustAsset("style.css")
)

func mustAsset(name string) asset {
	b, err := staticFiles.ReadFile(path.Join("static", name))
	if err != nil {
		panic(err) // the files are embedded: only a broken build gets here
	}
	sum := sha256.Sum256(b)
	return asset{name: name, body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// serveAsset serves an embedded file; the ETag lets browsers revalidate
// cheaply, and no-cache makes them revalidate after an upgrade.
func serveAsset(a asset) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body))
	}
}
