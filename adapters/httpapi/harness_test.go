package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/cache"
	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

var ctx = context.Background()

// TestMain configures huma as the binary's main does.
func TestMain(m *testing.M) {
	httpapi.ConfigureHuma()
	os.Exit(m.Run())
}

// seed is the test signing key.
var seed = bytes.Repeat([]byte{7}, ed25519.SeedSize)

// ticketSeed is the seed of the test stack's ticket key.
var ticketSeed = bytes.Repeat([]byte{8}, ed25519.SeedSize)

const showDate = "2030-07-01"

// testSale is the stack's one sale at the start, and so the default one.
const testSale core.SaleID = "test-sale"

// harness is the API over the real application on the memory adapter.
type harness struct {
	srv   *httptest.Server
	app   *app.App
	store *memory.Store
}

// stack is what a test's options change before the stack is built: the application's ports
// and the edge's dependencies.
type stack struct {
	stores    func(*memory.Store) app.Stores
	lifecycle func(*booking.Settler) booking.Lifecycle
	loop      queue.Loop
	clock     core.Clock
	deps      httpapi.Deps
	webhooks  app.WebhookPorts
	policy    app.Policy
}

// stackOption changes one part of the stack a test builds.
type stackOption func(*stack)

// failingWallets is the memory store with wallets that break on every call, as a database would.
type failingWallets struct{ *memory.Store }

func (failingWallets) Charge(context.Context, core.UserID, core.Amount, core.IdempotencyKey, time.Time) (core.Amount, error) {
	return 0, errors.New(`pq: connection to 10.0.0.7 refused; password "hunter2"`)
}

func (failingWallets) Balance(context.Context, core.UserID) (core.Amount, error) {
	return 0, errors.New(`pq: connection to 10.0.0.7 refused; password "hunter2"`)
}

func withFailingWallets() stackOption {
	return func(s *stack) { s.stores = func(m *memory.Store) app.Stores { return app.StoresOf(failingWallets{m}) } }
}

func withLifecycle(l booking.Lifecycle) stackOption {
	return func(s *stack) { s.lifecycle = func(*booking.Settler) booking.Lifecycle { return l } }
}

func withReady(ready map[string]func(context.Context) error) stackOption {
	return func(s *stack) { s.deps.Ready = ready }
}

func withLimits(l httpapi.RateLimits) stackOption {
	return func(s *stack) { s.deps.Limits = l }
}

func withClock(c core.Clock) stackOption {
	return func(s *stack) { s.clock = c }
}

// adminKey is the test stack's BOXOFFICE_ADMIN_KEY.
const adminKey = "test-admin-key"

// newStack builds the edge over the real application on a memory store holding the test show,
// with a memory lifecycle, unless options say otherwise.
func newStack(t testing.TB, opts ...stackOption) (http.Handler, *app.App, *memory.Store) {
	t.Helper()
	store := memory.NewStore()
	addShow(t, store)
	signer, err := signing.NewTokenSigner(seed)
	if err != nil {
		t.Fatal(err)
	}
	tickets, err := signing.NewTicketSigner(ticketSeed)
	if err != nil {
		t.Fatal(err)
	}
	st := stack{
		stores:   func(m *memory.Store) app.Stores { return app.StoresOf(m) },
		loop:     memory.NewAdmission(app.DefaultPolicy.Queue.Admission),
		clock:    core.SystemClock{},
		deps:     httpapi.Deps{Tokens: signer, Tickets: tickets, AdminKey: adminKey},
		webhooks: app.WebhookPorts{Couriers: &startedCouriers{}, Destinations: testDestinations},
		policy:   app.DefaultPolicy,
	}
	st.lifecycle = func(s *booking.Settler) booking.Lifecycle {
		l := memory.NewLifecycle(core.SystemClock{}, s)
		t.Cleanup(l.Stop)
		return l
	}
	for _, opt := range opts {
		opt(&st)
	}
	a, err := app.New(app.Ports{Stores: st.stores(store), Loop: st.loop, Lifecycle: st.lifecycle, Clock: st.clock, Webhooks: st.webhooks,
		Copies:        cache.New(st.clock, app.DefaultPolicy.Catalog.SeatsStaleness),
		Cancellations: func(r *booking.Refunder) booking.Cancellations { return memory.NewCancellations(r) }}, st.policy)
	if err != nil {
		t.Fatal(err)
	}
	handler, _ := httpapi.New(st.deps.Driving(a))
	return handler, a, store
}

// newHarness serves the stack on a test server.
func newHarness(t *testing.T, opts ...stackOption) *harness {
	t.Helper()
	handler, app, store := newStack(t, opts...)
	return startHarness(t, handler, app, store)
}

func startHarness(t *testing.T, handler http.Handler, a *app.App, store *memory.Store) *harness {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return &harness{srv: srv, app: a, store: store}
}

func (h *harness) now() time.Time { return time.Now() }

// sign makes the JWT of a token the test obtained from the store directly.
func (h *harness) sign(t *testing.T, tok queue.Token) string {
	t.Helper()
	signer, _ := signing.NewTokenSigner(seed)
	raw, err := signer.Sign(tok, tok.Seq, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// addShow puts the test sale on: 50 seats at 50,000 won on showDate, in one section.
func addShow(t testing.TB, store *memory.Store) {
	t.Helper()
	d, _ := core.ParseDate(showDate)
	sale := catalog.Sale{ID: testSale, Title: "Test", Venue: "Test Hall", State: core.OnSale, MaxTicketsPerFan: catalog.DefaultMaxTicketsPerFan, CreatedAt: time.Now()}
	perf := catalog.Performance{SaleID: testSale, Date: d, Sections: []catalog.Section{{Name: "General", FirstSeat: 1, LastSeat: 50, Price: 50_000}}}
	if err := store.CreateSale(ctx, sale, []catalog.Performance{perf}); err != nil {
		t.Fatal(err)
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem decodes an RFC 9457 body, checking its media type and status member.
func (r response) problem(t *testing.T) map[string]any {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json (body %s)", ct, r.body)
	}
	var p map[string]any
	r.json(t, &p)
	if int(p["status"].(float64)) != r.status || p["title"] == "" || p["detail"] == nil {
		t.Fatalf("problem %v does not match status %d", p, r.status)
	}
	return p
}

// call sends a request; body is JSON-encoded unless it is a string, sent raw.
func (h *harness) call(t *testing.T, method, path, token string, body any) response {
	t.Helper()
	return h.callWithHeader(t, method, path, token, nil, body)
}

func (h *harness) expectWithHeader(t *testing.T, method, path, token string, header map[string]string, body any, status int) response {
	t.Helper()
	r := h.callWithHeader(t, method, path, token, header, body)
	if r.status != status {
		t.Fatalf("%s %s %v %v: status %d, want %d; body %s", method, path, header, body, r.status, status, r.body)
	}
	return r
}

func (h *harness) callWithHeader(t *testing.T, method, path, token string, header map[string]string, body any) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: raw}
}

func (h *harness) expect(t *testing.T, method, path, token string, body any, status int) response {
	t.Helper()
	r := h.call(t, method, path, token, body)
	if r.status != status {
		t.Fatalf("%s %s %v: status %d, want %d; body %s", method, path, body, r.status, status, r.body)
	}
	return r
}

// token issues a queue token for user; admit admits everyone waiting.
func (h *harness) token(t *testing.T, user string, admit bool) string {
	t.Helper()
	var out httpapi.TokenBody
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": user}, 200).json(t, &out)
	if admit {
		h.admit(t, testSale)
	}
	return out.Token
}

// admit runs an admission tick of a sale that admits everyone waiting there.
func (h *harness) admit(t *testing.T, sale core.SaleID) {
	t.Helper()
	if _, err := h.app.Queue.Admitter.AdmitNext(ctx, sale, admitting(1000, 1000)); err != nil {
		t.Fatal(err)
	}
}

// seatStatus returns seat n of the show as the fan with tok sees it: "available" or "reserved".
func (h *harness) seatStatus(t *testing.T, tok string, n int) string {
	t.Helper()
	var seats []httpapi.SeatBody
	h.expect(t, "GET", "/api/tickets/seats?date="+showDate, tok, nil, 200).json(t, &seats)
	return seats[n-1].Status
}

func (h *harness) stats(t *testing.T) queue.Stats {
	t.Helper()
	r, err := h.app.Queue.Control.Report(ctx, testSale)
	if err != nil {
		t.Fatal(err)
	}
	return r.Stats
}

func (h *harness) balance(t *testing.T, user core.UserID) core.Amount {
	t.Helper()
	b, err := h.store.Balance(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// admitting is the admission settings of a tick that admits up to rate fans under the ceiling.
var admitting = apptest.Admitting
