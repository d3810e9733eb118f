package httpapi_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/core/catalog"
)

func TestParseRateLimits(t *testing.T) {
	def, err := httpapi.ParseRateLimits(httpapi.DefaultRateLimits)
	if err != nil || def.TokenPerUser != (httpapi.Rate{PerSecond: 1, Burst: 3}) || def.HoldPerAddr != (httpapi.Rate{PerSecond: 100, Burst: 200}) {
		t.Fatalf("defaults: %+v, %v", def, err)
	}
	if off, err := httpapi.ParseRateLimits("off"); err != nil || off != (httpapi.RateLimits{}) {
		t.Fatalf("off: %+v, %v", off, err)
	}
	for _, bad := range []string{"token-user", "token-user=1", "token-user=x/2", "token-user=1/0", "token-user=-1/2", "everything=1/1"} {
		if _, err := httpapi.ParseRateLimits(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func newLimitedHarness(t *testing.T, spec string) *harness {
	t.Helper()
	limits, err := httpapi.ParseRateLimits(spec)
	if err != nil {
		t.Fatal(err)
	}
	return newHarness(t, withLimits(limits))
}

func expect429(t *testing.T, r response) {
	t.Helper()
	r.problem(t)
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 {
		t.Fatalf("429 with Retry-After %q", r.header.Get("Retry-After"))
	}
}

func TestRateLimitsPerUserAndPerAddress(t *testing.T) {
	h := newLimitedHarness(t, "token-user=0.01/2,token-addr=0.01/4,hold-user=0.01/1")
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ann"}, 200)
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ann"}, 200)
	expect429(t, h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ann"}, 429))
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ben"}, 200)
	// Four from this address so far (one refused by ann's own limit): the address is spent.
	expect429(t, h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "cat"}, 429))
	if st := h.stats(t); st.Waiting() != 2 {
		t.Fatalf("%d tokens issued, want ann's and ben's", st.Waiting())
	}

	if _, err := h.app.Queue.Admitter.AdmitNext(context.Background(), testSale, admitting(10, 10)); err != nil {
		t.Fatal(err)
	}
	// ann is admitted; her token comes from the store, the address having spent its issues.
	st, _ := h.store.IssueToken(context.Background(), testSale, "ann", h.now())
	tok := h.sign(t, st)
	h.expect(t, "POST", "/api/tickets", tok, map[string]any{"date": showDate, "seat_id": 1}, 200)
	expect429(t, h.expect(t, "POST", "/api/tickets", tok, map[string]any{"date": showDate, "seat_id": 2}, 429))
	seats, _ := h.store.Seats(context.Background(), testSale, mustDate(t), h.now())
	if seats[1].Status != catalog.SeatAvailable {
		t.Fatal("a rate-limited hold took its seat")
	}
}

func TestRateLimitsOff(t *testing.T) {
	h := newLimitedHarness(t, "off")
	for range 50 {
		h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ann"}, 200)
	}
}

// The per-address limits count an IPv6 client by its /64, as the join quota does: a client
// walking through its /64's addresses is one address; the next /64 and an IPv4 client are not
// (the client's address comes from a trusted proxy here).
func TestRateLimitsCountAnIPv6ClientByItsSlash64(t *testing.T) {
	limits, err := httpapi.ParseRateLimits("token-addr=0.01/2")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, withLimits(limits), withTrustedProxies(t, "127.0.0.1/32"))
	join := func(user, client string, status int) response {
		t.Helper()
		return h.expectWithHeader(t, "POST", "/api/token", "", map[string]string{"X-Forwarded-For": client}, map[string]any{"user_id": user}, status)
	}
	join("v6-0", "2001:db8:1:2::a", 200)
	join("v6-1", "2001:db8:1:2:ffff:ffff:ffff:ffff", 200)
	expect429(t, join("v6-2", "2001:db8:1:2::1:b", 429)) // the same /64
	join("v6-3", "2001:db8:1:3::a", 200)
	join("v4-0", "192.0.2.1", 200)
	join("v4-1", "::ffff:192.0.2.1", 200) // IPv4-mapped: the same IPv4 client, its second token
	expect429(t, join("v4-2", "192.0.2.1", 429))
}
