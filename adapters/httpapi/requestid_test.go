package httpapi_test

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
)

// lockedBuffer is a log sink the server's goroutines may write to at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func withLogs(w *lockedBuffer) stackOption {
	return func(s *stack) { s.deps.Logger = slog.New(httpapi.LogHandler(slog.NewTextHandler(w, nil))) }
}

func TestEachAnswerCarriesItsRequestID(t *testing.T) {
	h := newHarness(t)
	fresh := regexp.MustCompile(`^[0-9a-f]{16}-[0-9a-f]+$`) // the process's random prefix and a count
	a, b := h.expect(t, "GET", "/healthz", "", nil, 200), h.expect(t, "GET", "/nowhere", "", nil, 404)
	if idA, idB := a.header.Get(httpapi.RequestIDHeader), b.header.Get(httpapi.RequestIDHeader); !fresh.MatchString(idA) || !fresh.MatchString(idB) || idA == idB {
		t.Fatalf("request ids %q and %q, want two new ones", idA, idB)
	}
	for sent, want := range map[string]string{
		"sdk-retry-7:1.2":       "sdk-retry-7:1.2", // the client's own is kept
		"two words":             "",                // unusable ones are replaced
		strings.Repeat("x", 65): "",
	} {
		got := h.expectWithHeader(t, "GET", "/healthz", "", map[string]string{httpapi.RequestIDHeader: sent}, nil, 200).header.Get(httpapi.RequestIDHeader)
		if want != "" && got != want || want == "" && !fresh.MatchString(got) {
			t.Errorf("sent %q, answered %q", sent, got)
		}
	}
}

func TestAFailuresLogLineCarriesTheRequestID(t *testing.T) {
	logs := &lockedBuffer{}
	h := newHarness(t, withFailingWallets(), withLogs(logs))
	tok := h.token(t, "fan", false)
	r := h.expect(t, "GET", "/api/balance", tok, nil, 500)
	id := r.header.Get(httpapi.RequestIDHeader)
	if id == "" || !strings.Contains(logs.String(), "request_id="+id) {
		t.Fatalf("the failure's answer has request id %q; the logs say:\n%s", id, logs.String())
	}
}
