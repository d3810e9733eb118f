package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
)

func TestIssueToken(t *testing.T) {
	h := newHarness(t)
	var first, again httpapi.TokenBody
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "fan-1"}, 200).json(t, &first)
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "fan-2"}, 200)
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "fan-1"}, 200).json(t, &again)
	if first.Status != "waiting" || first.QueueInfo.Position != 0 || first.QueueInfo.EstimatedWaitTime != "PT1S" || first.Token == "" {
		t.Fatalf("first token %+v", first)
	}
	if again.QueueInfo.Position != 0 {
		t.Fatalf("asking again moved fan-1 to position %d", again.QueueInfo.Position)
	}
	for _, tc := range []struct {
		name string
		body any
	}{
		{"no body", nil},
		{"not JSON", "{user_id:"},
		{"missing user_id", map[string]any{}},
		{"empty user_id", map[string]any{"user_id": ""}},
		{"too long", map[string]any{"user_id": strings.Repeat("x", 65)}},
		{"space", map[string]any{"user_id": "two words"}},
		{"number", map[string]any{"user_id": 42}},
		{"unknown field", map[string]any{"user_id": "ok", "admin": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.expect(t, "POST", "/api/token", "", tc.body, 400).problem(t)
		})
	}
	if st := h.stats(t); st.Waiting() != 2 {
		t.Fatalf("%d tokens waiting after bad requests, want 2", st.Waiting())
	}
}

func TestPollToken(t *testing.T) {
	h := newHarness(t)
	h.token(t, "ahead", false)
	tok := h.token(t, "fan", false)
	var body httpapi.TokenBody
	h.expect(t, "GET", "/api/token", tok, nil, 200).json(t, &body)
	if body.Status != "waiting" || body.QueueInfo.Position != 1 || body.AdmittedAt != nil {
		t.Fatalf("poll while waiting: %+v", body)
	}
	if _, err := h.app.Queue.Admitter.AdmitNext(ctx, testSale, admitting(10, 10)); err != nil {
		t.Fatal(err)
	}
	h.expect(t, "GET", "/api/token", tok, nil, 200).json(t, &body)
	if body.Status != "active" || body.QueueInfo.Position != 0 || body.QueueInfo.EstimatedWaitTime != "PT0S" ||
		body.AdmittedAt == nil || time.Since(*body.AdmittedAt) > time.Minute {
		t.Fatalf("poll once admitted: %+v", body)
	}
}

// forge signs claims for the test's key, another key, or with a chosen method, naming the
// test key's id unless kid says otherwise.
func forge(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims, kid ...string) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = testKeyID(t)
	if len(kid) > 0 {
		tok.Header["kid"] = kid[0]
		if kid[0] == "" {
			delete(tok.Header, "kid")
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t)
	valid := h.token(t, "fan", true)
	parsed, _, _ := jwt.NewParser().ParseUnverified(valid, jwt.MapClaims{})
	claims := parsed.Claims.(jwt.MapClaims)
	ours := ed25519.NewKeyFromSeed(seed)
	theirs := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range claims {
			c[kk] = vv
		}
		c[k] = v
		return c
	}
	pub, _ := base64.RawURLEncoding.DecodeString(mustJWKS(t, h).Keys[0].X)

	cases := map[string]string{
		"malformed":                 "not.a.jwt",
		"wrong signature":           forge(t, jwt.SigningMethodEdDSA, theirs, claims),
		"alg none":                  forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims),
		"HS256 with the public key": forge(t, jwt.SigningMethodHS256, pub, claims),
		"expired":                   forge(t, jwt.SigningMethodEdDSA, ours, with("exp", time.Now().Add(-time.Minute).Unix())),
		"no expiry":                 forge(t, jwt.SigningMethodEdDSA, ours, with("exp", nil)),
		"issued in the future":      forge(t, jwt.SigningMethodEdDSA, ours, with("iat", time.Now().Add(time.Hour).Unix())),
		"no issue time":             forge(t, jwt.SigningMethodEdDSA, ours, with("iat", nil)),
		"expiry past the lifetime":  forge(t, jwt.SigningMethodEdDSA, ours, with("exp", time.Now().Add(signing.TokenLifetime+time.Hour).Unix())),
		"unknown key id":            forge(t, jwt.SigningMethodEdDSA, ours, claims, "another-key"),
		"no key id":                 forge(t, jwt.SigningMethodEdDSA, ours, claims, ""),
		"unknown token id":          forge(t, jwt.SigningMethodEdDSA, ours, with("jti", string(core.NewID()))),
		"subject of another user":   forge(t, jwt.SigningMethodEdDSA, ours, with("sub", "mallory")),
	}
	for _, path := range []string{"/api/token", "/api/tickets/dates", "/api/balance"} {
		r := h.expect(t, "GET", path, "", nil, 401)
		r.problem(t)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Fatalf("401 on %s without WWW-Authenticate", path)
		}
		for name, tok := range cases {
			t.Run(name+" "+path, func(t *testing.T) {
				p := h.expect(t, "GET", path, tok, nil, 401).problem(t)
				requireAPIWords(t, p)
			})
		}
	}
	h.expect(t, "POST", "/api/balance", cases["wrong signature"], map[string]any{"amount": 1000}, 401)
	if h.balance(t, "fan") != 0 {
		t.Fatal("a forged token charged the wallet")
	}
	h.expect(t, "GET", "/api/balance", valid, nil, 200)
	// The scheme's name is case-insensitive (RFC 9110 §11.1).
	for _, scheme := range []string{"bearer", "BEARER", "Bearer"} {
		h.expectWithHeader(t, "GET", "/api/balance", "", map[string]string{"Authorization": scheme + " " + valid}, nil, 200)
	}
	// Another scheme is refused saying which, never read as a queue token nor echoed.
	p := h.expectWithHeader(t, "GET", "/api/balance", "", map[string]string{"Authorization": "Basic " + valid}, nil, 401).problem(t)
	if detail := p["detail"].(string); !strings.Contains(detail, "uses the Basic scheme") || strings.Contains(detail, valid) {
		t.Fatalf("a queue token sent as Basic: %q", detail)
	}
}

// testKeyID is the key id the test signer publishes.
func testKeyID(t *testing.T) string {
	t.Helper()
	s, _ := signing.NewTokenSigner(seed)
	return s.JWKS().Keys[0].KeyID
}

// libraryWords are signs of a detail that quotes a library or Go instead of the API.
var libraryWords = []string{"json:", "Go struct", "Go value", "base64", "ed25519", "invalid character", "unmarshal", "token is malformed", "crypto/"}

// requireAPIWords fails if a problem's detail or any error message speaks a library's words.
func requireAPIWords(t *testing.T, p map[string]any) {
	t.Helper()
	texts := []string{fmt.Sprint(p["detail"])}
	if errs, ok := p["errors"].([]any); ok {
		for _, e := range errs {
			texts = append(texts, fmt.Sprint(e.(map[string]any)["message"]))
		}
	}
	for _, text := range texts {
		for _, w := range libraryWords {
			if strings.Contains(text, w) {
				t.Fatalf("problem %v speaks a library's words (%q)", p, w)
			}
		}
	}
}

func mustJWKS(t *testing.T, h *harness) signing.JWKS {
	t.Helper()
	var set signing.JWKS
	h.expect(t, "GET", "/.well-known/jwks.json", "", nil, 200).json(t, &set)
	// The queue tokens' key, then the tickets' own.
	if len(set.Keys) != 2 || set.Keys[0].KeyType != "OKP" || set.Keys[0].Alg != "EdDSA" || set.Keys[1].Alg != "EdDSA" ||
		!strings.HasPrefix(set.Keys[1].KeyID, "ticket-") || set.Keys[0].X == set.Keys[1].X {
		t.Fatalf("JWKS %+v, want the token key and a ticket key of its own", set)
	}
	return set
}

func TestWaitingTokenIsForbiddenFromBooking(t *testing.T) {
	h := newHarness(t)
	h.token(t, "first", false)
	h.token(t, "second", false)
	tok := h.token(t, "third", false)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/tickets/dates", nil},
		{"GET", "/api/tickets/seats?date=" + showDate, nil},
		{"POST", "/api/tickets", map[string]any{"date": showDate, "seat_id": 1}},
		{"POST", "/api/payment", map[string]any{"ticket_id": string(core.NewID()), "seat_id": 1, "date": showDate}},
	} {
		p := h.expect(t, c.method, c.path, tok, c.body, 403).problem(t)
		if p["position"] != float64(2) || p["estimated_wait_time"] != "PT1S" {
			t.Fatalf("%s %s: 403 without position 2 and its wait: %v", c.method, c.path, p)
		}
	}
	// Wallet endpoints accept a waiting token.
	h.expect(t, "POST", "/api/balance", tok, map[string]any{"amount": 5000}, 200)
	h.expect(t, "GET", "/api/balance", tok, nil, 200)
	seats, _ := h.store.Seats(ctx, testSale, mustDate(t), time.Now())
	if seats[0].Status != catalog.SeatAvailable {
		t.Fatal("a waiting fan held a seat")
	}
}

func mustDate(t *testing.T) core.Date {
	t.Helper()
	d, err := core.ParseDate(showDate)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDatesAndSeats(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t, "fan", true)
	var dates []string
	h.expect(t, "GET", "/api/tickets/dates", tok, nil, 200).json(t, &dates)
	if len(dates) != 1 || dates[0] != showDate {
		t.Fatalf("dates %v", dates)
	}
	var byQuery, byBody []httpapi.SeatBody
	h.expect(t, "GET", "/api/tickets/seats?date="+showDate, tok, nil, 200).json(t, &byQuery)
	h.expect(t, "GET", "/api/tickets/seats", tok, map[string]any{"date": showDate}, 200).json(t, &byBody)
	if len(byQuery) != 50 || byQuery[0] != (httpapi.SeatBody{SeatID: 1, Status: "available", Section: "General", Price: 50_000}) || len(byBody) != 50 {
		t.Fatalf("seats by query %d, by body %d", len(byQuery), len(byBody))
	}
	for _, tc := range []struct {
		name string
		path string
		body any
	}{
		{"no date", "/api/tickets/seats", nil},
		{"malformed date", "/api/tickets/seats?date=2030-13-01", nil},
		{"not a date", "/api/tickets/seats?date=tomorrow", nil},
		{"no performance", "/api/tickets/seats?date=2030-07-02", nil},
		{"malformed body", "/api/tickets/seats", "{date"},
		{"malformed date in body", "/api/tickets/seats", map[string]any{"date": "2030-02-30"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.expect(t, "GET", tc.path, tok, tc.body, 400).problem(t)
		})
	}
}

func TestHoldSeat(t *testing.T) {
	h := newHarness(t)
	ann := h.token(t, "ann", true)
	ben := h.token(t, "ben", true)
	var held httpapi.HoldBody
	h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": showDate, "seat_id": 7}, 200).json(t, &held)
	if held.Status != "reserved" || held.SeatID != 7 || held.Date != showDate || held.Price != 50_000 || held.TicketID == "" ||
		held.Expiration.Before(time.Now().Add(4*time.Minute)) || held.Expiration.Location() != time.UTC {
		t.Fatalf("hold %+v", held)
	}
	if p := h.expect(t, "POST", "/api/tickets", ben, map[string]any{"date": showDate, "seat_id": 7}, 409).problem(t); !strings.Contains(p["detail"].(string), "already reserved") {
		t.Fatalf("409 detail %v", p["detail"])
	}
	for _, tc := range []struct {
		name string
		body any
	}{
		{"seat 0", map[string]any{"date": showDate, "seat_id": 0}},
		{"seat 51", map[string]any{"date": showDate, "seat_id": 51}},
		{"seat as string", map[string]any{"date": showDate, "seat_id": "7"}},
		{"missing seat", map[string]any{"date": showDate}},
		{"missing date", map[string]any{"seat_id": 1}},
		{"malformed date", map[string]any{"date": "01/07/2030", "seat_id": 1}},
		{"no performance", map[string]any{"date": "2030-07-02", "seat_id": 1}},
		{"not JSON", "seat please"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.expect(t, "POST", "/api/tickets", ben, tc.body, 400).problem(t)
		})
	}
	var seats []httpapi.SeatBody
	h.expect(t, "GET", "/api/tickets/seats?date="+showDate, ben, nil, 200).json(t, &seats)
	for _, s := range seats {
		if (s.Status == "reserved") != (s.SeatID == 7) {
			t.Fatalf("seat %d is %s after refused holds", s.SeatID, s.Status)
		}
	}
}

func TestBalance(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t, "fan", false)
	var bal httpapi.BalanceBody
	h.expect(t, "POST", "/api/balance", tok, map[string]any{"amount": 30_000}, 200).json(t, &bal)
	if bal.Balance != 30_000 {
		t.Fatalf("balance %d", bal.Balance)
	}
	for _, tc := range []struct {
		name string
		body any
	}{
		{"zero", map[string]any{"amount": 0}},
		{"negative", map[string]any{"amount": -100}},
		{"over the cap", map[string]any{"amount": 10_000_001}},
		{"fraction", map[string]any{"amount": 1.5}},
		{"string", map[string]any{"amount": "100"}},
		{"missing", map[string]any{}},
		{"not JSON", "100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.expect(t, "POST", "/api/balance", tok, tc.body, 400).problem(t)
		})
	}
	h.expect(t, "GET", "/api/balance", tok, nil, 200).json(t, &bal)
	if bal.Balance != 30_000 {
		t.Fatalf("balance %d after refused charges, want 30000", bal.Balance)
	}
}

func TestPayment(t *testing.T) {
	h := newHarness(t)
	ann := h.token(t, "ann", true)
	ben := h.token(t, "ben", true)
	var held httpapi.HoldBody
	h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": showDate, "seat_id": 3}, 200).json(t, &held)
	pay := map[string]any{"ticket_id": held.TicketID, "seat_id": 3, "date": showDate}

	p := h.expect(t, "POST", "/api/payment", ann, pay, 402).problem(t)
	if p["balance"] != float64(0) || p["needed"] != float64(50_000) {
		t.Fatalf("402 without balance and need: %v", p)
	}
	h.expect(t, "POST", "/api/balance", ann, map[string]any{"amount": 70_000}, 200)
	h.expect(t, "POST", "/api/balance", ben, map[string]any{"amount": 70_000}, 200)
	for _, tc := range []struct {
		name  string
		token string
		body  any
	}{
		{"malformed ticket id", ann, map[string]any{"ticket_id": "abc", "seat_id": 3, "date": showDate}},
		{"unknown ticket", ann, map[string]any{"ticket_id": string(core.NewID()), "seat_id": 3, "date": showDate}},
		{"another user's ticket", ben, pay}, // answered as an unknown ticket, below
		{"wrong seat", ann, map[string]any{"ticket_id": held.TicketID, "seat_id": 4, "date": showDate}},
		{"wrong date", ann, map[string]any{"ticket_id": held.TicketID, "seat_id": 3, "date": "2030-07-02"}},
		{"missing fields", ann, map[string]any{"ticket_id": held.TicketID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.expect(t, "POST", "/api/payment", tc.token, tc.body, 400).problem(t)
		})
	}
	if h.balance(t, "ann") != 70_000 || h.balance(t, "ben") != 70_000 {
		t.Fatal("a refused payment moved money")
	}
	// Another user's ticket is refused exactly as a ticket that does not exist.
	unknown := h.expect(t, "POST", "/api/payment", ben, map[string]any{"ticket_id": string(core.NewID()), "seat_id": 3, "date": showDate}, 400)
	theirs := h.expect(t, "POST", "/api/payment", ben, pay, 400)
	if string(unknown.body) != string(theirs.body) {
		t.Fatalf("another user's ticket answers %s, an unknown one %s: the answer confirms the ticket exists", theirs.body, unknown.body)
	}
	var paid httpapi.PaymentBody
	paidAt := time.Now()
	res := h.expect(t, "POST", "/api/payment", ann, pay, 200)
	res.json(t, &paid)
	if paid.Status != "success" || paid.Receipt.Amount != 50_000 || paid.Receipt.PerformanceDate != showDate || paid.Receipt.PaymentID == "" {
		t.Fatalf("payment %+v", paid)
	}
	// receipt.date is the payment time, written as RFC 3339 in UTC like a hold's expiration.
	var wire struct {
		Receipt map[string]any `json:"receipt"`
	}
	res.json(t, &wire)
	when, err := time.Parse(time.RFC3339Nano, wire.Receipt["date"].(string))
	if err != nil || !strings.HasSuffix(wire.Receipt["date"].(string), "Z") || when.Sub(paidAt).Abs() > time.Minute {
		t.Fatalf("receipt.date %v is not the payment time in RFC 3339 UTC (%v)", wire.Receipt["date"], err)
	}
	if wire.Receipt["performance_date"] != showDate {
		t.Fatalf("receipt.performance_date %v, want %s", wire.Receipt["performance_date"], showDate)
	}
	if h.balance(t, "ann") != 20_000 {
		t.Fatalf("balance %d after paying", h.balance(t, "ann"))
	}
	// The payer's token is expired at once for everything new...
	h.expect(t, "GET", "/api/token", ann, nil, 401)
	h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": showDate, "seat_id": 9}, 401)
	// ...but a retried payment of the same ticket replays its receipt and charges nothing.
	var again httpapi.PaymentBody
	h.expect(t, "POST", "/api/payment", ann, pay, 200).json(t, &again)
	if again != paid {
		t.Fatalf("retried payment got %+v, want the first receipt %+v", again, paid)
	}
	if h.balance(t, "ann") != 20_000 {
		t.Fatal("a retried payment moved money")
	}
}

func TestIdempotencyKeys(t *testing.T) {
	h := newHarness(t)
	ann := h.token(t, "ann", true)
	keyed := func(method, path, token, key string, body any, status int) response {
		t.Helper()
		return h.expectWithHeader(t, method, path, token, map[string]string{"Idempotency-Key": key}, body, status)
	}
	var first, replay httpapi.BalanceBody
	keyed("POST", "/api/balance", ann, "top-up-1", map[string]any{"amount": 70_000}, 200).json(t, &first)
	keyed("POST", "/api/balance", ann, "top-up-1", map[string]any{"amount": 70_000}, 200).json(t, &replay)
	if first.Balance != 70_000 || replay != first || h.balance(t, "ann") != 70_000 {
		t.Fatalf("charge replay: first %+v, replay %+v, balance %d; want one charge of 70000", first, replay, h.balance(t, "ann"))
	}
	p := keyed("POST", "/api/balance", ann, "top-up-1", map[string]any{"amount": 1}, 422).problem(t)
	if !strings.Contains(p["detail"].(string), "different request") {
		t.Fatalf("422 detail %v", p["detail"])
	}
	keyed("POST", "/api/balance", ann, "bad key with spaces", map[string]any{"amount": 1}, 400).problem(t)
	keyed("POST", "/api/balance", ann, strings.Repeat("k", 256), map[string]any{"amount": 1}, 400).problem(t)
	if h.balance(t, "ann") != 70_000 {
		t.Fatal("refused keyed charges moved money")
	}

	var one, two httpapi.HoldBody
	h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": showDate, "seat_id": 1}, 200).json(t, &one)
	h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": showDate, "seat_id": 2}, 200).json(t, &two)
	keyed("POST", "/api/payment", ann, "pay-1", map[string]any{"ticket_id": one.TicketID, "seat_id": 1, "date": showDate}, 200)
	// The payment expired ann's token: a new one for the second ticket, with the reused key.
	ann2 := h.token(t, "ann", true)
	keyed("POST", "/api/payment", ann2, "pay-1", map[string]any{"ticket_id": two.TicketID, "seat_id": 2, "date": showDate}, 422).problem(t)
	if h.balance(t, "ann") != 20_000 {
		t.Fatalf("balance %d, want one payment of 50000", h.balance(t, "ann"))
	}
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	h := newHarness(t, withFailingWallets())
	tok := h.token(t, "fan", false)
	r := h.expect(t, "GET", "/api/balance", tok, nil, 500)
	p := r.problem(t)
	if strings.Contains(string(r.body), "hunter2") || strings.Contains(string(r.body), "10.0.0.7") {
		t.Fatalf("500 leaks internals: %s", r.body)
	}
	if !strings.Contains(p["detail"].(string), "retried") {
		t.Fatalf("500 detail %v does not say what to do", p["detail"])
	}
}

func TestOperationalEndpoints(t *testing.T) {
	h := newHarness(t, withReady(map[string]func(context.Context) error{
		"database": func(context.Context) error { return nil },
		"temporal": func(context.Context) error { return errors.New("connection refused") },
	}))
	h.expect(t, "GET", "/healthz", "", nil, 200)
	var ready struct {
		Ready  bool              `json:"ready"`
		Checks map[string]string `json:"checks"`
	}
	h.expect(t, "GET", "/readyz", "", nil, 503).json(t, &ready)
	if ready.Ready || ready.Checks["database"] != "ok" || !strings.Contains(ready.Checks["temporal"], "connection refused") {
		t.Fatalf("readyz %+v", ready)
	}
	doc := h.expect(t, "GET", "/openapi.yaml", "", nil, 200)
	if !strings.Contains(string(doc.body), "/api/tickets/seats") {
		t.Fatal("served OpenAPI document lacks the API")
	}
	// Schema failures are answered 400, so 422 is declared only where it means a reused
	// Idempotency-Key.
	var openapi struct {
		Paths map[string]map[string]struct {
			OperationID string         `json:"operationId"`
			Responses   map[string]any `json:"responses"`
		} `json:"paths"`
	}
	h.expect(t, "GET", "/openapi.json", "", nil, 200).json(t, &openapi)
	var with422 []string
	for _, item := range openapi.Paths {
		for _, op := range item {
			if _, ok := op.Responses["422"]; ok {
				with422 = append(with422, op.OperationID)
			}
		}
	}
	slices.Sort(with422)
	if !slices.Equal(with422, []string{"cancelTicket", "chargeBalance", "pay", "payOrder"}) {
		t.Fatalf("operations declaring 422: %v, want cancelTicket, chargeBalance, pay and payOrder (those taking an Idempotency-Key)", with422)
	}
	h.expect(t, "GET", "/docs", "", nil, 200)
}

// stalledLifecycle cannot start hold timers, as when Temporal does not answer.
type stalledLifecycle struct{ booking.Lifecycle }

func (stalledLifecycle) StartHold(context.Context, booking.Reservation) error {
	return errors.New("context deadline exceeded")
}

func TestHoldWhenWorkflowsAreDownIs503(t *testing.T) {
	h := newHarness(t, withLifecycle(stalledLifecycle{}))
	tok := h.token(t, "fan", true)
	r := h.expect(t, "POST", "/api/tickets", tok, map[string]any{"date": showDate, "seat_id": 1}, 503)
	p := r.problem(t)
	if r.header.Get("Retry-After") == "" || strings.Contains(p["detail"].(string), "deadline") {
		t.Fatalf("503 without Retry-After or with internals: %v %v", r.header, p)
	}
	if h.seatStatus(t, tok, 1) != "available" {
		t.Fatal("a hold whose timer never started kept the seat")
	}
}

func TestOversizedBodiesAreRefused(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t, "fan", true)
	big := `{"user_id":"` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}`
	h.expect(t, "POST", "/api/token", "", big, 413).problem(t)
	h.expect(t, "POST", "/api/balance", tok, `{"amount":1,"pad":"`+strings.Repeat("x", httpapi.MaxBodyBytes)+`"}`, 413).problem(t)
	if h.balance(t, "fan") != 0 || h.stats(t).Waiting()+h.stats(t).Active != 1 {
		t.Fatal("an oversized request changed something")
	}
}

// The sale's per-fan limit counts held and bought tickets: 429 with Retry-After while holds make
// it up, 403 once bought tickets do.
func TestPerFanLimit(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t, "hoarder", true)
	var held []httpapi.HoldBody
	for seat := 1; seat <= catalog.DefaultMaxTicketsPerFan; seat++ {
		var b httpapi.HoldBody
		h.expect(t, "POST", "/api/tickets", tok, map[string]any{"date": showDate, "seat_id": seat}, 200).json(t, &b)
		held = append(held, b)
	}
	r := h.expect(t, "POST", "/api/tickets", tok, map[string]any{"date": showDate, "seat_id": 10}, 429)
	r.problem(t)
	if wait, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || wait < 1 || wait > int(booking.DefaultPolicy.HoldTTL.Seconds())+1 {
		t.Fatalf("Retry-After %q, want the seconds until the first hold ends", r.header.Get("Retry-After"))
	}
	if h.seatStatus(t, tok, 10) != "available" {
		t.Fatal("a hold over the limit took the seat")
	}
	h.expect(t, "POST", "/api/balance", tok, map[string]any{"amount": 50_000 * len(held)}, 200)
	for _, b := range held {
		h.expect(t, "POST", "/api/payment", tok, map[string]any{"ticket_id": b.TicketID, "seat_id": b.SeatID, "date": b.Date}, 200)
	}
	again := h.token(t, "hoarder", true) // the last payment ended the session
	forbidden := h.expect(t, "POST", "/api/tickets", again, map[string]any{"date": showDate, "seat_id": 10}, 403)
	if p := forbidden.problem(t); forbidden.header.Get("Retry-After") != "" || !strings.Contains(p["detail"].(string), "bought as many tickets") {
		t.Fatalf("403 at the limit of bought tickets: %v, Retry-After %q; want no retry", p, forbidden.header.Get("Retry-After"))
	}
	if h.seatStatus(t, again, 10) != "available" {
		t.Fatal("a hold over the limit took the seat")
	}
}

func TestIdempotencyKeyInFlightIs409(t *testing.T) {
	h := newHarness(t)
	ann := h.token(t, "ann", true)
	var held httpapi.HoldBody
	h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": showDate, "seat_id": 1}, 200).json(t, &held)
	// Another request with the key is running on this instance.
	release, ok := h.app.Requests.Begin("ann", "busy")
	if !ok {
		t.Fatal("could not mark the key running")
	}
	for _, c := range []struct {
		path string
		body any
	}{
		{"/api/balance", map[string]any{"amount": 60_000}},
		{"/api/payment", map[string]any{"ticket_id": held.TicketID, "seat_id": 1, "date": showDate}},
	} {
		r := h.expectWithHeader(t, "POST", c.path, ann, map[string]string{"Idempotency-Key": "busy"}, c.body, 409)
		r.problem(t)
		if r.header.Get("Retry-After") == "" {
			t.Fatalf("%s: 409 without Retry-After", c.path)
		}
	}
	if h.balance(t, "ann") != 0 {
		t.Fatal("a request refused as in flight charged the wallet")
	}
	release()
	h.expectWithHeader(t, "POST", "/api/balance", ann, map[string]string{"Idempotency-Key": "busy"}, map[string]any{"amount": 60_000}, 200)
}

// TestDuplicatePaymentsInFlightAreNeverRefused sends one payment twenty times at once, without
// an Idempotency-Key, as a client retrying on a timeout would: it is paid once and every answer
// is its receipt, or a 409 to retry, never a refusal of a ticket that was paid.
func TestDuplicatePaymentsInFlightAreNeverRefused(t *testing.T) {
	for round := range 5 { // the race has several windows; a few rounds visit them
		h := newHarness(t)
		user := fmt.Sprintf("fan-%d", round)
		tok := h.token(t, user, true)
		var held httpapi.HoldBody
		h.expect(t, "POST", "/api/tickets", tok, map[string]any{"date": showDate, "seat_id": 1}, 200).json(t, &held)
		h.expect(t, "POST", "/api/balance", tok, map[string]any{"amount": 200_000}, 200)
		pay := map[string]any{"ticket_id": held.TicketID, "seat_id": 1, "date": showDate}
		answers := make([]response, 20)
		var wg sync.WaitGroup
		for i := range answers {
			wg.Go(func() { answers[i] = h.call(t, "POST", "/api/payment", tok, pay) })
		}
		wg.Wait()
		var receipt *httpapi.ReceiptBody
		for _, r := range answers {
			switch r.status {
			case 200:
				var paid httpapi.PaymentBody
				r.json(t, &paid)
				if receipt == nil {
					receipt = &paid.Receipt
				} else if paid.Receipt != *receipt {
					t.Fatalf("two receipts for one payment: %+v and %+v", *receipt, paid.Receipt)
				}
			case 409:
				if r.problem(t); r.header.Get("Retry-After") == "" {
					t.Fatalf("409 without Retry-After: %s", r.body)
				}
			default:
				t.Fatalf("a duplicate payment was answered %d: %s", r.status, r.body)
			}
		}
		if receipt == nil {
			t.Fatal("no duplicate got the receipt")
		}
		if got := h.balance(t, core.UserID(user)); got != 150_000 {
			t.Fatalf("balance %d after twenty duplicates, want one debit (150000)", got)
		}
	}
}
