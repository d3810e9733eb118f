package httpapi

import (
	"embed"
	"net/http"
	"path"
)

// fanPage is the page fans wait and book on, at /, and the operators' page at /admin: the
// HTML and the style are ours, web/fan.js and web/admin.js are built from web/src (the
// repository's web folder) on the TypeScript SDK by `make generate`.
//
//go:embed web/index.html web/admin.html web/style.css web/fan.js web/admin.js
var fanPage embed.FS

// fanPagePolicy lets the page load its own script and style, call the API and show the QR code
// it fetched, and nothing else: it works offline, and an injected script could not call out.
const fanPagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// registerFanPage serves the fan page at /, the operators' page at /admin, and their assets
// under /web/.
func registerFanPage(mux *http.ServeMux) {
	types := map[string]string{".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
	serve := func(name string) http.HandlerFunc {
		body, err := fanPage.ReadFile(name)
		if err != nil {
			panic(err) // embedded at build time
		}
		contentType := types[path.Ext(name)]
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("Content-Security-Policy", fanPagePolicy)
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("Referrer-Policy", "no-referrer")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(body)
		}
	}
	mux.HandleFunc("GET /{$}", serve("web/index.html"))
	mux.HandleFunc("GET /admin", serve("web/admin.html"))
	for _, f := range []string{"style.css", "fan.js", "admin.js"} {
		mux.HandleFunc("GET /web/"+f, serve("web/"+f))
	}
}
