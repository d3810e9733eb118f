package httpapi

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strconv"
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
		if accept, ok := identified.Header["Accept"]; ok {
			canonical, err := mediaRanges(accept)
			if err != nil {
				writeProblem(w, http.StatusBadRequest, fmt.Sprintf("the Accept header is not a list of media ranges (%v); "+
					"send application/json, image/png or */*, or leave it out", err))
				return
			}
			// Content negotiation reads the canonical form only: huma's parser indexes past the
			// end of some malformed values (";,00" panicked the handler).
			if canonical == "" {
				identified.Header.Del("Accept")
			} else {
				identified.Header.Set("Accept", canonical)
			}
		}
		// The route matched, for whoever wraps the edge (metrics), even when the handler panics.
		defer func() { r.Pattern = identified.Pattern }()
		mux.ServeHTTP(w, identified)
	})
}

// mediaRanges reads Accept header values as media ranges (RFC 9110 §12.5.1) and writes them
// back in one canonical form: "type/subtype" with ";q=weight" where a weight was given.
func mediaRanges(values []string) (string, error) {
	var ranges []string
	for _, v := range values {
		for _, element := range strings.Split(v, ",") {
			element = strings.TrimSpace(element)
			if element == "" {
				continue
			}
			mediaType, params, err := mime.ParseMediaType(element)
			if err != nil {
				return "", fmt.Errorf("%q: %w", element, err)
			}
			q, weighted := params["q"]
			if !weighted {
				ranges = append(ranges, mediaType)
				continue
			}
			weight, err := strconv.ParseFloat(q, 64)
			if err != nil || weight < 0 || weight > 1 {
				return "", fmt.Errorf("%q: q=%s is not a weight from 0 to 1", element, q)
			}
			ranges = append(ranges, mediaType+";q="+strconv.FormatFloat(weight, 'f', -1, 64))
		}
	}
	return strings.Join(ranges, ", "), nil
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
