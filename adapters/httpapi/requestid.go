package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
)

// RequestIDHeader carries each request's id in its answer: the client's own when it sent a
// usable one (1 to 64 letters, digits and ._:-), else a new one. Every log line written while
// the request is served carries it as request_id (LogHandler), so a fan's or an SDK's report
// of a failure finds its line.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// withRequestID gives the request its id, in its context and its answer's header.
func withRequestID(w http.ResponseWriter, r *http.Request) *http.Request {
	id := r.Header.Get(RequestIDHeader)
	if !usableRequestID(id) {
		id = newRequestID()
	}
	w.Header()[RequestIDHeader] = []string{id} // the name is canonical already
	return r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
}

// requestIDs make each request's id: this process's random prefix and a count, unique across
// instances and restarts without reading randomness a request (ids are not secrets).
var requestIDs = struct {
	prefix string
	count  atomic.Uint64
}{prefix: randomHex(8)}

func newRequestID() string {
	n := requestIDs.count.Add(1)
	b := make([]byte, 0, len(requestIDs.prefix)+1+16)
	b = append(b, requestIDs.prefix...)
	b = append(b, '-')
	return string(strconv.AppendUint(b, n, 16))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func usableRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// RequestID is the id of the request ctx serves, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// LogHandler adds the request id of a record's context to the record, so every line logged
// with a request's context says which request it was.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
