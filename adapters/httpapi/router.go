package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// MaxHeaderBytes bounds a request's header fields; a few hundred bytes is usual (the token is
// about 300). Beyond it the answer is a 431 problem. (Go's server has a far larger limit of its
// own, 1 MiB, past which it answers 431 before any handler runs: a problem too, through
// ProblemListener.)
const MaxHeaderBytes = 16 << 10

// routedMethods are the methods the 405 answer can offer.
var routedMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// edge wraps the router: each request gets its id, oversized headers are refused before
// routing, and what no route answers is a problem like every other error.
func edge(mux *http.ServeMux) http.Handler {
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notRouted(w, r, mux) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		identified := withRequestID(w, r)
		if clean := canonicalPath(r.URL.EscapedPath()); clean != r.URL.EscapedPath() && r.Method != http.MethodConnect {
			// The mux would redirect to the clean path with an HTML body; nothing lives here.
			writeProblem(w, http.StatusNotFound, fmt.Sprintf("nothing at %s: a path has no empty, . or .. segments (%s is written so); "+
				"the API's paths are listed in /openapi.yaml and at /docs", r.URL.EscapedPath(), clean))
			return
		}
		if n := headerBytes(r); n > MaxHeaderBytes {
			writeProblem(w, http.StatusRequestHeaderFieldsTooLarge,
				fmt.Sprintf("the request's header fields take %d bytes, more than the %d allowed; send fewer or shorter ones", n, MaxHeaderBytes))
			return
		}
		// The route matched, for whoever wraps the edge (metrics), even when the handler panics.
		defer func() { r.Pattern = identified.Pattern }()
		mux.ServeHTTP(w, identified)
	})
}

// canonicalPath is p as the mux routes it: no empty, . or .. segments, its trailing slash kept.
func canonicalPath(p string) string {
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean
}

func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // ": " and CRLF
		}
	}
	return n
}

// notRouted answers a request no route takes: 405 with Allow when the path exists under other
// methods, else 404.
func notRouted(w http.ResponseWriter, r *http.Request, mux *http.ServeMux) {
	var allow []string
	for _, m := range routedMethods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		writeProblem(w, http.StatusNotFound, fmt.Sprintf("nothing at %s; the API's paths are listed in /openapi.yaml and at /docs", r.URL.Path))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeProblem(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or ")))
}

// writeProblem writes an RFC 9457 problem outside huma's operations (router-level answers).
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(&Problem{ErrorModel: huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: detail}})
}
