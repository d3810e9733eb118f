package httpapi

import (
	"compress/gzip"
	"embed"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"

	swaggerui "github.com/swaggest/swgui/v5/static"
)

// docsPage is the page at /docs and its start script, ours; the Swagger UI assets come
// embedded, gzipped, from the swgui module.
//
//go:embed docs/index.html docs/start.js
var docsPage embed.FS

// docsPolicy lets the documentation page load its own assets and the API's document and nothing
// else: it works offline, and an injected script could not call out. Swagger UI sets styles
// inline, hence 'unsafe-inline' for styles alone.
const docsPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// registerDocs serves the API documentation at /docs from the binary.
func registerDocs(mux *http.ServeMux) {
	page := func(name, contentType string) http.HandlerFunc {
		body, err := docsPage.ReadFile(name)
		if err != nil {
			panic(err) // embedded at build time
		}
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("Content-Security-Policy", docsPolicy)
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(body)
		}
	}
	mux.HandleFunc("GET /docs", page("docs/index.html", "text/html; charset=utf-8"))
	mux.HandleFunc("GET /docs/start.js", page("docs/start.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /docs/assets/{file}", serveDocsAsset)
}

// serveDocsAsset serves one Swagger UI asset: gzipped as embedded to clients that accept it,
// unzipped to the rest.
func serveDocsAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png"}
	contentType, ok := types[path.Ext(name)]
	if !ok || strings.Contains(name, "/") {
		writeProblem(w, http.StatusNotFound, "no such documentation asset")
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "public, max-age=86400")
	if raw, err := fs.ReadFile(swaggerui.FS, name); err == nil { // stored as is (the icons)
		_, _ = w.Write(raw)
		return
	}
	zipped, err := swaggerui.FS.Open(name + ".gz")
	if err != nil {
		writeProblem(w, http.StatusNotFound, "no such documentation asset")
		return
	}
	defer zipped.Close()
	w.Header().Set("Vary", "Accept-Encoding")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = io.Copy(w, zipped)
		return
	}
	unzipped, err := gzip.NewReader(zipped)
	if err != nil {
		writeProblem(w, http.StatusInternalServerError, "documentation asset unreadable")
		return
	}
	_, _ = io.Copy(w, unzipped)
}
