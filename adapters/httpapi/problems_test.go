package httpapi_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
)

// Answers no operation gives (unknown paths, other methods, oversized headers) are problems
// like every other error.
func TestRouterLevelErrorsAreProblems(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/nope", "/api", "/api/tickets/dates/nope", "/api/admin"} {
		p := h.expect(t, "GET", path, "", nil, 404).problem(t)
		if !strings.Contains(p["detail"].(string), "openapi.yaml") {
			t.Fatalf("404 for %s does not say where the paths are listed: %v", path, p)
		}
	}
	for _, c := range []struct{ method, path, allow string }{
		{"PUT", "/api/token", "GET, HEAD, POST, DELETE"},
		{"PUT", "/api/tickets", "GET, HEAD, POST"},
		{"POST", "/healthz", "GET, HEAD"},
		{"PATCH", "/api/payment", "POST"},
	} {
		r := h.expect(t, c.method, c.path, "", nil, 405)
		r.problem(t)
		if got := r.header.Get("Allow"); got != c.allow {
			t.Fatalf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
	}
	big := h.expectWithHeader(t, "GET", "/healthz", "", map[string]string{"X-Padding": strings.Repeat("x", httpapi.MaxHeaderBytes)}, nil, 431)
	big.problem(t)
	h.expectWithHeader(t, "GET", "/healthz", "", map[string]string{"X-Padding": strings.Repeat("x", 4000)}, nil, 200)
}

// rawRequest writes req as it stands to the test server and reads the answer.
func rawRequest(t *testing.T, h *harness, req string) response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// Bodies the decoder cannot take are 400 (or 415, 413, 408) problems whose details say what is
// wrong with the body, never how Go's decoder failed.
func TestMalformedBodiesAreProblemsInTheAPIsWords(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t, "fan", true)
	for _, body := range []string{`{user_id:`, `{"user_id": "a"`, `[1,2]`, `"fan"`, `{"user_id": 42}`, `{"user_id": "a"} trailing`} {
		p := h.expect(t, "POST", "/api/token", "", body, 400).problem(t)
		requireAPIWords(t, p)
	}
	// A whole number written as 7.0 or 7e0 is an integer to JSON Schema, and so to the document.
	for i, seat := range []string{"7.0", "8e0", "0.9e1"} {
		var held httpapi.HoldBody
		h.expect(t, "POST", "/api/tickets", tok, `{"date":"`+showDate+`","seat_id":`+seat+`}`, 200).json(t, &held)
		if held.SeatID != 7+i {
			t.Fatalf("seat_id %s held seat %d", seat, held.SeatID)
		}
	}
	for _, seat := range []string{"7.5", `"7"`, "true"} {
		p := h.expect(t, "POST", "/api/tickets", tok, `{"date":"`+showDate+`","seat_id":`+seat+`}`, 400).problem(t)
		requireAPIWords(t, p)
	}
	// Another content type than JSON is 415.
	r := h.expectWithHeader(t, "POST", "/api/token", "", map[string]string{"Content-Type": "text/plain"}, `user_id=fan`, 415)
	if p := r.problem(t); !strings.Contains(p["detail"].(string), "application/json") {
		t.Fatalf("415 does not say what to send: %v", p)
	}
	// A chunked body that breaks its own framing is the client's error, not a 500.
	bad := rawRequest(t, h, "POST /api/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
	if bad.status != 400 {
		t.Fatalf("malformed chunked body: %d %s, want 400", bad.status, bad.body)
	}
	bad.problem(t)
	if st := h.stats(t); st.LastSeq != 1 {
		t.Fatalf("malformed requests issued tokens: %d issued, want only the test's own", st.LastSeq)
	}
}

// A body that stops arriving is 408 once huma's body read timeout (5 s) passes.
func TestStalledBodyIs408(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 5 s body read timeout")
	}
	t.Parallel()
	h := newHarness(t)
	r := rawRequest(t, h, "POST /api/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"user_id\":")
	if r.status != 408 {
		t.Fatalf("a body that never arrives: %d %s, want 408", r.status, r.body)
	}
	r.problem(t)
}

// The seed's JSON body on GET /api/tickets/seats is read as strictly as any other body, and
// must agree with ?date= when both are given.
func TestSeatListingBody(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t, "fan", true)
	var seats []httpapi.SeatBody
	h.expect(t, "GET", "/api/tickets/seats?date="+showDate, tok, map[string]any{"date": showDate}, 200).json(t, &seats)
	if len(seats) != 50 {
		t.Fatalf("%d seats when query and body agree", len(seats))
	}
	for _, tc := range []struct {
		name   string
		path   string
		header map[string]string
		body   any
		status int
	}{
		{"query and body disagree", "/api/tickets/seats?date=" + showDate, nil, map[string]any{"date": "2030-07-02"}, 400},
		{"unknown field", "/api/tickets/seats", nil, map[string]any{"date": showDate, "seat": 1}, 400},
		{"date of the wrong type", "/api/tickets/seats", nil, map[string]any{"date": 20300701}, 400},
		{"not a date", "/api/tickets/seats", nil, map[string]any{"date": "tomorrow"}, 400},
		{"no date in the body", "/api/tickets/seats", nil, map[string]any{}, 400},
		{"not JSON", "/api/tickets/seats", nil, "{date", 400},
		{"another content type", "/api/tickets/seats", map[string]string{"Content-Type": "text/plain"}, `{"date":"` + showDate + `"}`, 415},
		{"too large", "/api/tickets/seats", nil, `{"date":"` + showDate + `","pad":"` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}`, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := h.expectWithHeader(t, "GET", tc.path, tok, tc.header, tc.body, tc.status).problem(t)
			requireAPIWords(t, p)
		})
	}
	p := h.expect(t, "GET", "/api/tickets/seats?date="+showDate, tok, map[string]any{"date": "2030-07-02"}, 400).problem(t)
	raw, _ := json.Marshal(p["errors"])
	if !strings.Contains(string(raw), "query.date") || !strings.Contains(string(raw), "disagrees") {
		t.Fatalf("disagreeing dates: %s, want the error at query.date saying so", raw)
	}
}

// A path with empty, . or .. segments is a 404 problem, never the mux's redirect with an HTML
// body.
func TestUncleanPathsAreProblems(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct{ method, path, clean string }{
		{"GET", "//api/sales", "/api/sales"}, {"GET", "/api//sales", "/api/sales"}, {"GET", "/api/../api/sales", "/api/sales"},
		{"POST", "/api/./token", "/api/token"}, {"GET", "//", "/"}, {"GET", "/docs/./", "/docs/"},
	} {
		p := rawRequest(t, h, c.method+" "+c.path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
		if p.status != 404 {
			t.Fatalf("%s %s: %d %s, want 404", c.method, c.path, p.status, p.body)
		}
		if detail := p.problem(t)["detail"].(string); !strings.Contains(detail, c.clean+" is written so") {
			t.Fatalf("%s %s: %q does not say how the path is written", c.method, c.path, detail)
		}
	}
	h.expect(t, "GET", "/api/sales", "", nil, 200)
}

// An Accept header is read as media ranges: one that is not (";,00" panicked huma's content
// negotiation) is a 400 problem naming the header, and an unusual but valid one negotiates as
// usual.
func TestAcceptIsReadAsMediaRanges(t *testing.T) {
	h := newHarness(t)
	for _, accept := range []string{";,00", "application/json;q=2", "text/html;q=x", "a;b", ";"} {
		p := h.expectWithHeader(t, "GET", "/api/sales", "", map[string]string{"Accept": accept}, nil, 400).problem(t)
		if !strings.Contains(p["detail"].(string), "Accept header") {
			t.Fatalf("Accept %q: %v, want the refusal to name the Accept header", accept, p)
		}
	}
	for _, accept := range []string{"", "*/*", "application/json", " application/JSON ; q=0.5 , */*;q=0.1", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ",,"} {
		h.expectWithHeader(t, "GET", "/api/sales", "", map[string]string{"Accept": accept}, nil, 200)
	}
}

// The answers Go's HTTP server writes itself, before any handler (a control character in a
// header, a malformed Host, another HTTP version, a header section past 1 MiB), are problems in
// the API's words through the API's listener, and nothing else it answers changes.
func TestTheServersOwnRefusalsAreProblems(t *testing.T) {
	handler, a, store := newStack(t)
	srv := httptest.NewUnstartedServer(handler)
	srv.Listener = httpapi.ProblemListener(srv.Listener)
	srv.Start()
	t.Cleanup(srv.Close)
	h := &harness{srv: srv, app: a, store: store}
	tok := h.token(t, "ann", false)
	for _, c := range []struct {
		name, head string
		status     int
		says       string
	}{
		{"DEL in Idempotency-Key", "POST /api/balance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok + "\r\nIdempotency-Key: a\x7fb\r\n", 400, "control character such as DEL"},
		{"a control character in X-Admin-Key", "GET /api/admin/sales HTTP/1.1\r\nHost: x\r\nX-Admin-Key: k\x01\r\n", 400, "control character such as DEL"},
		{"a space in a header's name", "GET /api/sales HTTP/1.1\r\nHost: x\r\nIdempotency Key: a\r\n", 400, "name has a character"},
		{"no Host", "GET /api/sales HTTP/1.1\r\n", 400, "no Host header"},
		{"a malformed Host", "GET /api/sales HTTP/1.1\r\nHost: a b\r\n", 400, "Host header is malformed"},
		{"two Hosts", "GET /api/sales HTTP/1.1\r\nHost: x\r\nHost: y\r\n", 400, "given twice"},
		{"HTTP/9.9", "GET /api/sales HTTP/9.9\r\nHost: x\r\n", 505, "use HTTP/1.1"},
		{"gzip transfer coding", "POST /api/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n", 501, "Transfer-Encoding"},
		{"headers past 1 MiB", "GET /api/sales HTTP/1.1\r\nHost: x\r\nX-Padding: " + strings.Repeat("x", 1<<20+4096) + "\r\n", 431, "1 MiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rawRequest(t, h, c.head+"Content-Length: 0\r\n\r\n")
			if r.status != c.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, c.status)
			}
			p := r.problem(t)
			if detail := p["detail"].(string); !strings.Contains(detail, c.says) {
				t.Fatalf("detail %q, want it to say %q", detail, c.says)
			}
		})
	}
	if bal := h.balance(t, "ann"); bal != 0 {
		t.Fatalf("a refused request charged %d", bal)
	}
	// Through the same listener, everything else answers as ever, keep-alive included.
	r := rawRequest(t, h, "GET /api/sales HTTP/1.1\r\nHost: x\r\n\r\n")
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/sales through the listener: %d %v %s", r.status, r.header, r.body)
	}
	h.expect(t, "GET", "/nope", "", nil, 404).problem(t)
}
