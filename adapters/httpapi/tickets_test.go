package httpapi_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/adapters/signing/signingtest"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/internal/qrtest"
)

// bought is a ticket a fan paid for through the API, with the credential the payment gave and
// a live token to see it with.
type bought struct {
	id, credential, token string
	seat                  int
}

// buy charges user's wallet, holds seat and pays for it, then queues again: the payment expired
// the token it was made with.
func (h *harness) buy(t *testing.T, user string, seat int) bought {
	t.Helper()
	tok := h.token(t, user, true)
	h.expect(t, "POST", "/api/balance", tok, map[string]any{"amount": 50_000}, 200)
	var held httpapi.HoldBody
	h.expect(t, "POST", "/api/tickets", tok, map[string]any{"date": showDate, "seat_id": seat}, 200).json(t, &held)
	var paid httpapi.PaymentBody
	h.expect(t, "POST", "/api/payment", tok, map[string]any{"ticket_id": held.TicketID, "seat_id": seat, "date": showDate}, 200).json(t, &paid)
	if paid.Credential == "" {
		t.Fatalf("the payment's answer carries no credential: %+v", paid)
	}
	return bought{id: held.TicketID, credential: paid.Credential, token: h.token(t, user, false), seat: seat}
}

// verifyOffline checks a credential as a gate without a network would: its signature with the
// ticket key the JWKS publishes, its typ and its claims.
func verifyOffline(t *testing.T, set signing.JWKS, credential string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(credential, claims, func(tok *jwt.Token) (any, error) {
		if tok.Header["typ"] != signing.TicketType {
			return nil, fmt.Errorf("typ %v", tok.Header["typ"])
		}
		for _, k := range set.Keys {
			if k.KeyID == tok.Header["kid"] {
				x, err := base64.RawURLEncoding.DecodeString(k.X)
				return ed25519.PublicKey(x), err
			}
		}
		return nil, fmt.Errorf("kid %v not in the JWKS", tok.Header["kid"])
	}, jwt.WithValidMethods([]string{"EdDSA"}))
	if err != nil {
		t.Fatalf("credential does not verify offline: %v", err)
	}
	return claims
}

func TestAFanListsAndShowsTheirTickets(t *testing.T) {
	h := newHarness(t)
	b := h.buy(t, "ann", 3)
	var held httpapi.HoldBody
	h.expect(t, "POST", "/api/tickets", h.token(t, "ann", true), map[string]any{"date": showDate, "seat_id": 4}, 200).json(t, &held)
	tok := h.token(t, "ann", false)

	var list []httpapi.TicketBody
	h.expect(t, "GET", "/api/tickets", tok, nil, 200).json(t, &list)
	if len(list) != 2 || list[0].TicketID != held.TicketID || list[0].Status != "held" || list[0].Credential != "" || list[0].Receipt != nil {
		t.Fatalf("tickets %+v, want the hold first (newest), without credential", list)
	}
	paid := list[1]
	if paid.TicketID != b.id || paid.Status != "paid" || paid.Receipt == nil || paid.Receipt.Amount != 50_000 || paid.Credential != b.credential ||
		paid.SaleID != string(testSale) || paid.Section != "General" || paid.Price != 50_000 {
		t.Fatalf("paid ticket %+v, want its receipt and the payment's credential", paid)
	}
	claims := verifyOffline(t, mustJWKS(t, h), b.credential)
	if claims["tid"] != b.id || claims["sub"] != "ann" || claims["seat"] != float64(3) || claims["date"] != showDate || claims["pid"] != paid.Receipt.PaymentID {
		t.Fatalf("credential claims %v", claims)
	}

	var one httpapi.TicketBody
	r := h.expect(t, "GET", "/api/tickets/"+b.id, tok, nil, 200)
	r.json(t, &one)
	if one.TicketID != b.id || one.Credential != b.credential || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("one ticket %+v (%s)", one, r.header.Get("Content-Type"))
	}
	qr := h.expectWithHeader(t, "GET", "/api/tickets/"+b.id, tok, map[string]string{"Accept": "image/png"}, nil, 200)
	if qr.header.Get("Content-Type") != "image/png" || qrtest.Scan(t, qr.body) != b.credential {
		t.Fatalf("the QR code does not hold the credential (%s)", qr.header.Get("Content-Type"))
	}
	// A client preferring JSON gets JSON even if it takes images too.
	h.expectWithHeader(t, "GET", "/api/tickets/"+b.id, tok, map[string]string{"Accept": "application/json, image/png;q=0.5"}, nil, 200).json(t, &one)

	p := h.expectWithHeader(t, "GET", "/api/tickets/"+held.TicketID, tok, map[string]string{"Accept": "image/png"}, nil, 409).problem(t)
	if !strings.Contains(p["detail"].(string), "not paid") {
		t.Fatalf("QR code of a held ticket: %v", p)
	}
	h.expect(t, "GET", "/api/tickets/"+string(core.NewID()), tok, nil, 404).problem(t)
	h.expect(t, "GET", "/api/tickets/"+b.id, h.token(t, "bob", false), nil, 404).problem(t) // not bob's
	bad := h.expect(t, "GET", "/api/tickets/not-a-uuid", tok, nil, 400).problem(t)
	if errs, _ := bad["errors"].([]any); len(errs) == 0 || errs[0].(map[string]any)["location"] != "path.ticket_id" {
		t.Fatalf("a malformed ticket id: %v, want its location path.ticket_id", bad)
	}
	h.expect(t, "GET", "/api/tickets", "", nil, 401).problem(t)
	h.expect(t, "GET", "/api/tickets/"+b.id, "", nil, 401).problem(t)
}

// refundableShow gives the test sale a policy: cancellable until a day before the show, for a
// tenth of the price.
func (h *harness) refundableShow(t *testing.T, until string) {
	t.Helper()
	h.admin(t, "PATCH", "/api/admin/sales/"+string(testSale), map[string]any{"cancellation": map[string]any{"until_before_show": until, "fee_percent": 10}}, 200)
}

func TestAFanCancelsATicket(t *testing.T) {
	h := newHarness(t)
	b := h.buy(t, "ann", 5)
	path := "/api/tickets/" + b.id + "/cancel"
	p := h.expect(t, "POST", path, b.token, nil, 409).problem(t)
	if !strings.Contains(p["detail"].(string), "cannot be cancelled") {
		t.Fatalf("cancelling under no policy: %v", p)
	}
	h.refundableShow(t, "P1D")
	key := map[string]string{"Idempotency-Key": "give-back-1"}
	var first httpapi.CancelledBody
	h.expectWithHeader(t, "POST", path, b.token, key, nil, 200).json(t, &first)
	if first.Status != "cancelled" || first.Refund.Amount != 45_000 || first.Refund.Fee != 5_000 || first.Refund.Reason != "fan" {
		t.Fatalf("cancelled: %+v, want 45,000 back and a 5,000 fee", first)
	}
	if bal := h.balance(t, "ann"); bal != 45_000 {
		t.Fatalf("balance %d after the refund, want 45,000", bal)
	}
	var again httpapi.CancelledBody
	h.expectWithHeader(t, "POST", path, b.token, key, nil, 200).json(t, &again)
	if again.Refund.RefundID != first.Refund.RefundID || h.balance(t, "ann") != 45_000 {
		t.Fatalf("a retry with the key: %+v, want the first refund and nothing more credited", again)
	}
	h.expect(t, "POST", path, b.token, nil, 409).problem(t) // cancelled already
	var tk httpapi.TicketBody
	h.expect(t, "GET", "/api/tickets/"+b.id, b.token, nil, 200).json(t, &tk)
	if tk.Status != "cancelled" || tk.Credential != "" || tk.Refund == nil || tk.Refund.RefundID != first.Refund.RefundID {
		t.Fatalf("the cancelled ticket reads %+v", tk)
	}
	h.expectWithHeader(t, "GET", "/api/tickets/"+b.id, b.token, map[string]string{"Accept": "image/png"}, nil, 410).problem(t)
	if h.seatStatus(t, h.token(t, "cat", true), 5) != "available" {
		t.Fatal("the cancelled ticket's seat is not back on sale")
	}

	other := h.buy(t, "ann", 6)
	h.expectWithHeader(t, "POST", "/api/tickets/"+other.id+"/cancel", other.token, key, nil, 422).problem(t) // the key gave back another
	h.expect(t, "POST", "/api/tickets/"+other.id+"/cancel", h.token(t, "bob", false), nil, 404).problem(t)
	h.expect(t, "POST", "/api/tickets/nope/cancel", other.token, nil, 400).problem(t)
	h.expect(t, "POST", "/api/tickets/"+other.id+"/cancel", "", nil, 401).problem(t)
	h.expectWithHeader(t, "POST", "/api/tickets/"+other.id+"/cancel", other.token, map[string]string{"Idempotency-Key": strings.Repeat("k", 300)}, nil, 400).problem(t)

	// The show is on 2030-07-01: a policy until 10,000 days before it has closed.
	h.refundableShow(t, "P10000D")
	late := h.expect(t, "POST", "/api/tickets/"+other.id+"/cancel", other.token, nil, 409).problem(t)
	if until, _ := time.Parse(time.RFC3339, fmt.Sprint(late["cancellable_until"])); until.IsZero() || until.After(time.Now()) {
		t.Fatalf("past the deadline: %v, want cancellable_until in the past", late)
	}
	h.refundableShow(t, "P1D")
	h.admin(t, "POST", "/api/admin/checkin", map[string]any{"ticket": other.credential}, 200)
	used := h.expect(t, "POST", "/api/tickets/"+other.id+"/cancel", other.token, nil, 409).problem(t)
	if used["checked_in_at"] == nil {
		t.Fatalf("cancelling a checked-in ticket: %v, want checked_in_at", used)
	}
	if bal := h.balance(t, "ann"); bal != 45_000 {
		t.Fatalf("refused cancellations changed the balance to %d", bal)
	}
}

// Twenty cancellations of one ticket at once, each with its own key: one refunds, the others
// are refused, and the wallet is credited once.
func TestConcurrentCancellationsRefundOnce(t *testing.T) {
	h := newHarness(t)
	h.refundableShow(t, "P1D")
	b := h.buy(t, "ann", 7)
	statuses := make([]int, 20)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			r := h.callWithHeader(t, "POST", "/api/tickets/"+b.id+"/cancel", b.token, map[string]string{"Idempotency-Key": fmt.Sprintf("k-%d", i)}, nil)
			statuses[i] = r.status
		})
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		switch s {
		case 200:
			won++
		case 409:
		default:
			t.Fatalf("statuses %v: want 200 or 409 only", statuses)
		}
	}
	if won != 1 || h.balance(t, "ann") != 45_000 {
		t.Fatalf("%d cancellations won (%v), balance %d; want one refund of 45,000", won, statuses, h.balance(t, "ann"))
	}
}

// Fifty gates scan one ticket at the same moment: one lets its holder in, the others answer 409
// saying when.
func TestATicketIsCheckedInOnceAcrossGates(t *testing.T) {
	h := newHarness(t)
	b := h.buy(t, "ann", 8)
	responses := make([]response, 50)
	var wg sync.WaitGroup
	for i := range responses {
		wg.Go(func() {
			responses[i] = h.callWithHeader(t, "POST", "/api/admin/checkin", "", adminHeader, map[string]any{"ticket": b.credential, "sale_id": testSale})
		})
	}
	wg.Wait()
	var in httpapi.CheckInBody
	admitted, again := 0, 0
	for _, r := range responses {
		switch r.status {
		case 200:
			admitted++
			r.json(t, &in)
		case 409:
			if p := r.problem(t); p["checked_in_at"] == nil {
				t.Fatalf("a second scan: %v, want checked_in_at", p)
			}
			again++
		default:
			t.Fatalf("a scan answered %d: %s", r.status, r.body)
		}
	}
	if admitted != 1 || again != 49 {
		t.Fatalf("%d admitted, %d refused; want 1 and 49", admitted, again)
	}
	if in.Status != "admitted" || in.TicketID != b.id || in.Holder != "ann" || in.SeatID != 8 || in.Date != showDate || in.SaleID != string(testSale) {
		t.Fatalf("check-in %+v", in)
	}
	var tk httpapi.TicketBody
	h.expect(t, "GET", "/api/tickets/"+b.id, b.token, nil, 200).json(t, &tk)
	if tk.CheckedInAt == nil || !tk.CheckedInAt.Equal(in.CheckedInAt) {
		t.Fatalf("the ticket reads checked in at %v, want %v", tk.CheckedInAt, in.CheckedInAt)
	}
}

func TestCheckInRefusals(t *testing.T) {
	h := newHarness(t)
	h.refundableShow(t, "P1D")
	b := h.buy(t, "ann", 9)
	parts := strings.Split(b.credential, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	altered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(bytes.Replace(payload, []byte(`"seat":9`), []byte(`"seat":1`), 1)) + "." + parts[2]
	cases := map[string]struct {
		body any
		want string
	}{
		"a queue token":         {map[string]any{"ticket": b.token}, "not a ticket credential"},
		"an altered credential": {map[string]any{"ticket": altered}, "signature does not verify"},
		"garbage":               {map[string]any{"ticket": "hello"}, "not a compact JWS"},
		"another sale's gate":   {map[string]any{"ticket": b.credential, "sale_id": "other-sale"}, "another sale"},
		"no ticket":             {map[string]any{}, ""},
		"an empty ticket":       {map[string]any{"ticket": ""}, ""},
		"a malformed gate sale": {map[string]any{"ticket": b.credential, "sale_id": "X"}, ""},
	}
	// Another spelling of the very credential (a line break inside, a last letter's unused bits
	// set) is not the credential, though a lenient base64 decoder reads it as one.
	for i, spelling := range signingtest.OtherSpellings(b.credential) {
		cases[fmt.Sprintf("another spelling %d", i)] = struct {
			body any
			want string
		}{map[string]any{"ticket": spelling}, "not a compact JWS"}
	}
	for name, c := range cases {
		p := h.admin(t, "POST", "/api/admin/checkin", c.body, 400).problem(t)
		if !strings.Contains(fmt.Sprint(p), c.want) {
			t.Errorf("%s: %v, want it to say %q", name, p, c.want)
		}
	}
	h.expect(t, "POST", "/api/admin/checkin", "", map[string]any{"ticket": b.credential}, 401).problem(t)
	h.expect(t, "POST", "/api/tickets/"+b.id+"/cancel", b.token, nil, 200)
	p := h.admin(t, "POST", "/api/admin/checkin", map[string]any{"ticket": b.credential}, 410).problem(t)
	if !strings.Contains(p["detail"].(string), "cancelled") {
		t.Fatalf("checking in a cancelled ticket: %v", p)
	}
}

// A ticket's credential and a queue token are of different types and keys: neither passes for
// the other, nor does a ticket signed with another box office's ticket key.
func TestCredentialsAndTokensDoNotPassForEachOther(t *testing.T) {
	h := newHarness(t)
	b := h.buy(t, "ann", 10)
	p := h.expect(t, "GET", "/api/tickets", b.credential, nil, 401).problem(t)
	if !strings.Contains(p["detail"].(string), "ticket's credential") {
		t.Fatalf("a credential as a queue token: %v", p)
	}
	theirs, err := signing.NewTicketSigner(bytes.Repeat([]byte{1}, ed25519.SeedSize))
	if err != nil {
		t.Fatal(err)
	}
	ours, err := signing.NewTicketSigner(ticketSeed)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := ours.Verify(b.credential)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := theirs.Sign(cred)
	if err != nil {
		t.Fatal(err)
	}
	p = h.admin(t, "POST", "/api/admin/checkin", map[string]any{"ticket": forged}, 400).problem(t)
	if !strings.Contains(p["detail"].(string), "ticket key") {
		t.Fatalf("a ticket signed with another key: %v", p)
	}
}

// A hold of a date cancelled before its payment went through is not paid: 410 saying why, and
// nothing is charged.
func TestAPaymentOfACancelledDateIsGone(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t, "too-late", true)
	h.expect(t, "POST", "/api/balance", tok, map[string]any{"amount": 50_000}, 200)
	var held httpapi.HoldBody
	h.expect(t, "POST", "/api/tickets", tok, map[string]any{"date": showDate, "seat_id": 4}, 200).json(t, &held)
	d, _ := core.ParseDate(showDate)
	if _, err := h.store.CancelPerformance(ctx, testSale, d, time.Now()); err != nil { // before its rounds end the hold
		t.Fatal(err)
	}
	p := h.expect(t, "POST", "/api/payment", tok, map[string]any{"ticket_id": held.TicketID, "seat_id": 4, "date": showDate}, 410).problem(t)
	if !strings.Contains(p["detail"].(string), "cancelled") {
		t.Fatalf("a payment of a cancelled date: %v", p)
	}
	if bal := h.balance(t, "too-late"); bal != 50_000 {
		t.Fatalf("balance %d after the refused payment, want 50000", bal)
	}
}

// An operator cancels the show: the date closes at once, the cancellation refunds every paid
// ticket in full and reports its progress, and asking again refunds nothing twice.
func TestAnOperatorCancelsAPerformance(t *testing.T) {
	h := newHarness(t)
	for seat := 1; seat <= 5; seat++ {
		h.buy(t, fmt.Sprintf("fan-%d", seat), seat)
	}
	path := "/api/admin/sales/" + string(testSale) + "/performances/" + showDate + "/cancel"
	h.admin(t, "GET", path, nil, 404).problem(t) // not cancelled
	var started httpapi.PerformanceCancellationBody
	h.admin(t, "POST", path, nil, 202).json(t, &started)
	if started.SaleID != string(testSale) || started.Date != showDate || started.CancelledAt.IsZero() || started.Total != 5 {
		t.Fatalf("started: %+v, want 5 tickets to refund", started)
	}
	late := h.token(t, "late", true)
	h.expect(t, "POST", "/api/tickets", late, map[string]any{"date": showDate, "seat_id": 20}, 410).problem(t)
	var progress httpapi.PerformanceCancellationBody
	for deadline := time.Now().Add(10 * time.Second); ; {
		h.admin(t, "GET", path, nil, 200).json(t, &progress)
		if progress.Status == "completed" || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if progress.Status != "completed" || progress.Refunded != 5 || progress.Total != 5 || progress.HoldsLeft != 0 {
		t.Fatalf("progress %+v, want completed with 5 refunded", progress)
	}
	var again httpapi.PerformanceCancellationBody
	h.admin(t, "POST", path, nil, 202).json(t, &again)
	if again.Status != "completed" || !again.CancelledAt.Equal(started.CancelledAt) || again.Refunded != 5 {
		t.Fatalf("asking again: %+v", again)
	}
	for seat := 1; seat <= 5; seat++ {
		if bal := h.balance(t, core.UserID(fmt.Sprintf("fan-%d", seat))); bal != 50_000 {
			t.Fatalf("fan-%d's balance %d, want the price back once", seat, bal)
		}
	}
	var dates []string
	h.expect(t, "GET", "/api/tickets/dates", late, nil, 200).json(t, &dates)
	if len(dates) != 0 {
		t.Fatalf("dates after the cancellation: %v", dates)
	}
	h.expect(t, "GET", "/api/tickets/seats?date="+showDate, late, nil, 410).problem(t)

	h.admin(t, "POST", "/api/admin/sales/"+string(testSale)+"/performances/2030-07-09/cancel", nil, 404).problem(t)
	h.admin(t, "POST", "/api/admin/sales/no-such-sale/performances/"+showDate+"/cancel", nil, 404).problem(t)
	h.admin(t, "POST", "/api/admin/sales/"+string(testSale)+"/performances/tomorrow/cancel", nil, 400).problem(t)
	h.expect(t, "POST", path, "", nil, 401).problem(t)
}

// BenchmarkTicketVerify is the credential check of every scan at a gate: signature, key, type
// and claims (the exactly-once write is the store's: porttest's CheckIn benchmarks).
func BenchmarkTicketVerify(b *testing.B) {
	s, _ := signing.NewTicketSigner(ticketSeed)
	d, _ := core.ParseDate(showDate)
	raw, _ := s.Sign(booking.Credential{TicketID: core.NewID(), PaymentID: core.NewID(), SaleID: testSale, Date: d, Seat: 7, Section: "General",
		Holder: "fan", IssuedAt: time.Now()})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// A ticket outlives its sale: after the sale closed and every queue token of its holder
// expired, the ticket's own credential shows it, as JSON and as a QR code; it shows that ticket
// only; a queue token is no credential; a cancelled ticket shows as cancelled, without a code.
func TestATicketOutlivesItsSale(t *testing.T) {
	h := newHarness(t)
	mine, theirs := h.buy(t, "night-fan", 1), h.buy(t, "other-fan", 2)
	given := h.buy(t, "night-fan-2", 3)
	h.refundableShow(t, "PT1H")
	h.expect(t, "POST", "/api/tickets/"+given.id+"/cancel", given.token, nil, 200)
	h.admin(t, "PATCH", "/api/admin/sales/"+string(testSale), map[string]any{"state": "closed"}, 200)
	h.expect(t, "DELETE", "/api/token", mine.token, nil, 204) // the fan's last queue token ends
	h.expect(t, "GET", "/api/tickets/"+mine.id, mine.token, nil, 401).problem(t)
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "night-fan", "sale_id": string(testSale)}, 410).problem(t) // and no new one comes

	var shown httpapi.TicketBody
	h.expect(t, "GET", "/api/tickets/"+mine.id, mine.credential, nil, 200).json(t, &shown)
	if shown.TicketID != mine.id || shown.Status != "paid" || shown.Credential != mine.credential || shown.SeatID != 1 {
		t.Fatalf("the ticket by its credential after the sale closed: %+v", shown)
	}
	png := h.expectWithHeader(t, "GET", "/api/tickets/"+mine.id, mine.credential, map[string]string{"Accept": "image/png"}, nil, 200)
	if png.header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(png.body, []byte("\x89PNG")) {
		t.Fatalf("the QR code by the credential: %q, %d bytes", png.header.Get("Content-Type"), len(png.body))
	}
	h.expect(t, "GET", "/api/tickets/"+theirs.id, mine.credential, nil, 404).problem(t)
	h.expect(t, "GET", "/api/tickets/"+mine.id, theirs.credential, nil, 404).problem(t)
	h.expect(t, "GET", "/api/tickets/"+mine.id, "not-a-credential", nil, 401).problem(t)
	h.expect(t, "GET", "/api/tickets", mine.credential, nil, 401).problem(t) // a credential shows its ticket, nothing else
	h.expect(t, "POST", "/api/tickets/"+mine.id+"/cancel", mine.credential, nil, 401).problem(t)

	var cancelled httpapi.TicketBody
	h.expect(t, "GET", "/api/tickets/"+given.id, given.credential, nil, 200).json(t, &cancelled)
	if cancelled.Status != "cancelled" || cancelled.Credential != "" || cancelled.Refund == nil {
		t.Fatalf("a cancelled ticket by its old credential: %+v", cancelled)
	}
	h.expectWithHeader(t, "GET", "/api/tickets/"+given.id, given.credential, map[string]string{"Accept": "image/png"}, nil, 410).problem(t)
}
