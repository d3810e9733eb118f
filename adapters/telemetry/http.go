package telemetry

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

type httpInstruments struct {
	duration histogram
	labels   labelSets[httpLabelKey, measured]
}

type httpLabelKey struct {
	method, route string
	status        int
}

// The attributes of OpenTelemetry's HTTP semantic conventions.
func methodAttr(m string) attribute.KeyValue { return attribute.String("http.request.method", m) }
func routeAttr(r string) attribute.KeyValue  { return attribute.String("http.route", r) }
func statusAttr(s int) attribute.KeyValue    { return attribute.Int("http.response.status_code", s) }

func newHTTPInstruments(m metric.Meter, z *zeroSeries) (*httpInstruments, error) {
	h := &httpInstruments{labels: labelSets[httpLabelKey, measured]{build: func(k httpLabelKey) measured {
		return metric.WithAttributeSet(attribute.NewSet(methodAttr(k.method), routeAttr(k.route), statusAttr(k.status)))
	}}}
	var err error
	// OpenTelemetry's own instrument: its count is the requests answered, so no counter beside it.
	h.duration, err = z.histogram(m, "http.server.request.duration",
		"Time from a request's arrival to its answer's end (an event stream's whole life), by method, route template and status.")
	return h, err
}

// unrouted is the route of a request no route took (answered 404 or 405).
const unrouted = "unrouted"

// HTTP times each request of next by method, route template (the path of the pattern the
// request's ServeMux matched) and status, as OpenTelemetry's HTTP semantic conventions name
// them: http.server.request.duration, http.request.method, http.route,
// http.response.status_code.
func (m *Metrics) HTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := statusWriters.Get().(*statusWriter)
		*sw = statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			*sw = statusWriter{} // the handler is done with it: nothing of the request is kept
			statusWriters.Put(sw)
		}()
		defer func() {
			if p := recover(); p != nil {
				sw.status = http.StatusInternalServerError // counted, then on to the server's recovery
				defer panic(p)
			}
			// r.Pattern is set by the ServeMux on this very request (the edge copies it back).
			l := m.http.labels.of(httpLabelKey{method: knownMethod(r.Method), route: routeOf(r.Pattern), status: sw.status})
			m.http.duration.Record(r.Context(), time.Since(start).Seconds(), l)
		}()
		next.ServeHTTP(sw, r)
	})
}

// DeclareRoute makes the series of requests to route (a path template, as ServeMux patterns
// write it) by method answered with each of statuses show from the next scrape on, at zero
// until one comes.
func (m *Metrics) DeclareRoute(method, route string, statuses ...int) {
	for _, s := range statuses {
		m.http.duration.zero.declare(methodAttr(knownMethod(method)), routeAttr(route), statusAttr(s))
	}
}

// routeOf is the route template of a ServeMux pattern: its path, without the method (and host)
// before it, as OpenTelemetry's net/http instrumentation takes it; the catch-all "/" that answers
// what no route takes is unrouted.
func routeOf(pattern string) string {
	i := strings.IndexByte(pattern, '/')
	if i < 0 || pattern[i:] == "/" {
		return unrouted
	}
	return pattern[i:]
}

// knownMethod keeps the method's values few: a method HTTP's RFC 9110 and PATCH's do not define
// is _OTHER, as the semantic conventions say.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "_OTHER"
}

// statusWriters are reused: a request's statusWriter is no longer referenced once its handler
// has returned (an event stream's handler returns when the stream ends).
var statusWriters = sync.Pool{New: func() any { return new(statusWriter) }}

// statusWriter remembers the status a handler answered; it flushes and hijacks through, so event
// streams keep working.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	w.wroteHeader = true
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// FlushError flushes, saying so when the connection's writer cannot: what
// http.ResponseController looks for first.
func (w *statusWriter) FlushError() error {
	w.wroteHeader = true
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
