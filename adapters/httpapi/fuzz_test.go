package httpapi_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/adapters/signing/signingtest"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// fuzzRoutes are the operations a fuzzed request can reach, with a valid body for the seeds;
// doc is the path as the OpenAPI document names it, when it has parameters.
var fuzzRoutes = []struct {
	method, path, seed, doc string
}{
	{"POST", "/api/token", `{"user_id":"fan-1"}`, ""},
	{"GET", "/api/token", ``, ""},
	{"GET", "/api/tickets/dates", ``, ""},
	{"GET", "/api/tickets/seats", `{"date":"2030-07-01"}`, ""},
	{"POST", "/api/tickets", `{"date":"2030-07-01","seat_id":3}`, ""},
	{"POST", "/api/balance", `{"amount":1000}`, ""},
	{"GET", "/api/balance", ``, ""},
	{"POST", "/api/payment", `{"ticket_id":"01a213d3-2b45-7acc-97dd-7067d0ea4c93","seat_id":3,"date":"2030-07-01"}`, ""},
	{"GET", "/api/token/events", ``, ""},
	{"GET", "/api/admin/queue", ``, ""},
	{"PATCH", "/api/admin/queue", `{"admit_rate":5,"max_active":10}`, ""},
	{"PUT", "/api/admin/queue/opening", `{"opens_at":"2031-01-01T10:00:00Z","draw_seed":7}`, ""},
	{"GET", "/api/sales", ``, ""},
	{"POST", "/api/admin/sales", `{"sale_id":"fuzz-sale","title":"T","venue":"V","performances":[{"date":"2030-07-01","sections":[{"name":"A","first_seat":1,"last_seat":3,"price":10}]}]}`, ""},
	{"GET", "/api/admin/sales", ``, ""},
	{"GET", "/api/admin/sales/test-sale", ``, "/api/admin/sales/{sale_id}"},
	{"PATCH", "/api/admin/sales/test-sale", `{"title":"T","max_tickets_per_fan":5,"cancellation":null}`, "/api/admin/sales/{sale_id}"},
	{"POST", "/api/admin/sales/test-sale/performances", `{"date":"2030-07-02","sections":[{"name":"A","first_seat":1,"last_seat":3,"price":10}]}`, "/api/admin/sales/{sale_id}/performances"},
	{"PATCH", "/api/admin/sales/test-sale/performances/2030-07-01/sections/General", `{"price":7}`, "/api/admin/sales/{sale_id}/performances/{date}/sections/{name}"},
	{"GET", "/api/admin/sales/test-sale/queue", ``, "/api/admin/sales/{sale_id}/queue"},
	{"PATCH", "/api/admin/sales/test-sale/queue", `{"admit_rate":5,"session_ttl":"PT5M"}`, "/api/admin/sales/{sale_id}/queue"},
	{"PUT", "/api/admin/sales/test-sale/queue/opening", `{"opens_at":"2031-01-01T10:00:00Z"}`, "/api/admin/sales/{sale_id}/queue/opening"},
	{"GET", "/api/tickets", ``, ""},
	{"GET", "/api/tickets/01a213d3-2b45-7acc-97dd-7067d0ea4c93", ``, "/api/tickets/{ticket_id}"},
	{"POST", "/api/tickets/01a213d3-2b45-7acc-97dd-7067d0ea4c93/cancel", ``, "/api/tickets/{ticket_id}/cancel"},
	{"POST", "/api/admin/checkin", `{"ticket":"a.b.c","sale_id":"test-sale"}`, ""},
	{"GET", "/api/admin/sales/test-sale/performances/2030-07-01/cancel", ``, "/api/admin/sales/{sale_id}/performances/{date}/cancel"},
	{"POST", "/api/admin/sales/test-sale/performances/2030-07-01/cancel", ``, "/api/admin/sales/{sale_id}/performances/{date}/cancel"},
}

// FuzzRequests sends arbitrary bodies and query strings to every operation with a valid
// admitted token and the admin key: whatever arrives, the answer is a success or a 4xx problem, never a 5xx or
// a panic.
func FuzzRequests(f *testing.F) {
	for i, r := range fuzzRoutes {
		f.Add(uint8(i), r.seed, "")
		f.Add(uint8(i), `{}`, "date=2030-07-01")
		f.Add(uint8(i), `{"date":"2030-02-30","seat_id":-1,"amount":1e309,"user_id":"\u0000"}`, "date=%zz")
		f.Add(uint8(i), `[`, "date=")
		// A hostile client's bodies: rounding, repeated and cased names.
		f.Add(uint8(i), `{"amount": 9999999.9999999999, "seat_id": 10000000.00000000001, "price": 1e400, "draw_seed": 9223372036854775808}`, "")
		f.Add(uint8(i), `{"amount":5,"amount":7,"AMOUNT":5,"user_id":"a","user_id":"b"}`, "")
	}
	h := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, route uint8, body, query string) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		target := r.path
		if query != "" {
			target += "?" + strings.ReplaceAll(query, "#", "")
		}
		req, err := http.NewRequest(r.method, "http://boxoffice"+target, strings.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("X-Admin-Key", adminKey)
		rec := httptest.NewRecorder()
		h.handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", r.method, target, body, rec.Code, rec.Body)
		}
		doc := r.doc
		if doc == "" {
			doc = r.path
		}
		if !h.declared[r.method+" "+doc][rec.Code] {
			t.Fatalf("%s %s %q: %d, which the OpenAPI document does not declare for the operation", r.method, target, body, rec.Code)
		}
		if rec.Code >= 400 {
			var p map[string]any
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p["status"] != float64(rec.Code) {
				t.Fatalf("%s %s %q: %d without a problem body: %s %s", r.method, target, body, rec.Code, ct, rec.Body)
			}
		}
	})
}

type fuzzTarget struct {
	handler http.Handler
	token   string
	// declared holds the statuses the OpenAPI document declares, by "METHOD /path".
	declared map[string]map[int]bool
}

func newFuzzTarget(f testing.TB) fuzzTarget {
	f.Helper()
	handler, app, _ := newStack(f)
	st, err := app.Queue.Entrance.Issue(ctx, "fuzzer", "")
	if err != nil {
		f.Fatal(err)
	}
	if _, err := app.Queue.Admitter.AdmitNext(ctx, testSale, admitting(1, 1)); err != nil {
		f.Fatal(err)
	}
	signer, _ := signing.NewTokenSigner(seed)
	tok, _ := signer.Sign(st.Token, st.SignedSeq(), time.Now())
	return fuzzTarget{handler: handler, token: tok, declared: declaredStatuses(f, handler)}
}

// declaredStatuses reads the served OpenAPI document's responses of every operation.
func declaredStatuses(t testing.TB, handler http.Handler) map[string]map[int]bool {
	t.Helper()
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]any `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	declared := map[string]map[int]bool{}
	for path, item := range doc.Paths {
		for method, op := range item {
			codes := map[int]bool{}
			for code := range op.Responses {
				n, _ := strconv.Atoi(code)
				codes[n] = true
			}
			declared[strings.ToUpper(method)+" "+path] = codes
		}
	}
	return declared
}

// FuzzTokenVerify feeds arbitrary strings to token verification: it never panics, and nothing
// but the token we signed verifies, spelled exactly as we signed it.
func FuzzTokenVerify(f *testing.F) {
	s, _ := signing.NewTokenSigner(seed)
	// Fixed, not generated: the fuzzing engine runs this setup again in each worker process.
	const id = core.ID("01a213d3-2b45-7acc-97dd-7067d0ea4c93")
	good, _ := s.Sign(queue.Token{ID: id, UserID: "fan", Seq: 7}, 7, time.Now())
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJmYW4ifQ.")
	f.Add(strings.Replace(good, "E", "F", 1))
	for _, spelling := range signingtest.OtherSpellings(good) {
		f.Add(spelling)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := s.Verify(raw, time.Now())
		if err != nil {
			return
		}
		if c.TokenID != id || c.UserID != "fan" {
			t.Fatalf("%q verified as %+v, which we never signed", raw, c)
		}
		if raw != good {
			t.Fatalf("%q verified, another spelling of the token we signed", raw)
		}
	})
}

// fuzzHeaders are the header fields the API reads, with the request that reads each.
var fuzzHeaders = []struct{ name, request string }{
	{"Idempotency-Key", "POST /api/balance"}, {"Authorization", "POST /api/balance"}, {"Content-Type", "POST /api/balance"},
	{"X-Admin-Key", "GET /api/admin/sales"}, {"Accept", "GET /api/tickets/01a213d3-2b45-7acc-97dd-7067d0ea4c93"},
	{"X-Request-Id", "GET /api/balance"}, {"Host", "GET /api/balance"}, {"Content-Length", "POST /api/balance"},
}

// FuzzRequestHeaders sends arbitrary bytes as the value of each header the API reads, over the
// API's own listener: whatever arrives, the answer is never a 5xx, and every refusal, Go's own
// included, is a problem.
func FuzzRequestHeaders(f *testing.F) {
	for i := range fuzzHeaders {
		for _, v := range []string{"a\x7fb", "\x00", "Basic abc", "Bearer", strings.Repeat("k", 300), "ü", "-1", "text/plain", "image/png;q=x"} {
			f.Add(uint8(i), v)
		}
	}
	target := newFuzzTarget(f)
	srv := httptest.NewUnstartedServer(target.handler)
	srv.Listener = httpapi.ProblemListener(srv.Listener)
	srv.Start()
	f.Cleanup(srv.Close)
	f.Fuzz(func(t *testing.T, which uint8, value string) {
		if strings.ContainsAny(value, "\r\n") {
			return // a line break ends the header field: that is other headers, not this one's value
		}
		h := fuzzHeaders[int(which)%len(fuzzHeaders)]
		head := map[string]string{"Host": "x", "Authorization": "Bearer " + target.token, "X-Admin-Key": adminKey,
			"Content-Type": "application/json", "Content-Length": "12"}
		head[h.name] = value
		var req strings.Builder
		req.WriteString(h.request + " HTTP/1.1\r\n")
		for k, v := range head {
			req.WriteString(k + ": " + v + "\r\n")
		}
		req.WriteString("\r\n{\"amount\":1}")
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.WriteString(conn, req.String())
		_ = conn.(*net.TCPConn).CloseWrite() // the request ends here, whatever its Content-Length says
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s: %q: no answer: %v", h.name, value, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		var p map[string]any
		switch {
		case res.StatusCode >= 500:
			t.Fatalf("%s: %q: %d %s", h.name, value, res.StatusCode, body)
		case res.StatusCode >= 400 && (res.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(body, &p) != nil || p["status"] != float64(res.StatusCode)):
			t.Fatalf("%s: %q: %d without a problem: %s %s", h.name, value, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	})
}
