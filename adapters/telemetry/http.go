package telemetry

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

type httpInstruments struct {
	requests metric.Int64Counter
	duration metric.Float64Histogram
	labels   labelSets[httpLabelKey, httpLabels]
}

type httpLabelKey struct {
	method, route string
	status        int
}

type httpLabels struct{ counted, timed measured }

func httpLabelsOf(k httpLabelKey) httpLabels {
	method, route := attribute.String("method", k.method), attribute.String("route", k.route)
	return httpLabels{
		counted: metric.WithAttributeSet(attribute.NewSet(method, route, attribute.String("status", strconv.Itoa(k.status)))),
		timed:   metric.WithAttributeSet(attribute.NewSet(method, route)),
	}
}

func newHTTPInstruments(m metric.Meter) (*httpInstruments, error) {
	h := &httpInstruments{labels: labelSets[httpLabelKey, httpLabels]{build: httpLabelsOf}}
	var err, err2 error
	h.requests, err = m.Int64Counter("boxoffice.http.requests", metric.WithDescription("HTTP requests answered, by method, route template and status."))
	h.duration, err2 = m.Float64Histogram("boxoffice.http.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Time from a request's arrival to its answer's end, by method and route template (an event stream's whole life)."))
	return h, errors.Join(err, err2)
}

// unrouted is the route of a request no route took (answered 404 or 405).
const unrouted = "unrouted"

// HTTP counts and times each request of next by method, route template (the pattern the
// request's ServeMux matched) and status.
func (m *Metrics) HTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				sw.status = http.StatusInternalServerError // counted, then on to the server's recovery
				defer panic(p)
			}
			route := r.Pattern // set by the ServeMux on this very request (the edge copies it back)
			if route == "" || route == "/" {
				route = unrouted
			}
			l := m.http.labels.of(httpLabelKey{method: knownMethod(r.Method), route: route, status: sw.status})
			ctx := r.Context()
			m.http.requests.Add(ctx, 1, l.counted)
			m.http.duration.Record(ctx, time.Since(start).Seconds(), l.timed)
		}()
		next.ServeHTTP(sw, r)
	})
}

// knownMethod keeps the method label's values few: any method the API does not route is other.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions:
		return m
	}
	return "other"
}

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
