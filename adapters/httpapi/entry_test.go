package httpapi_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/core/entry"
)

func withJoinQuota(n int) stackOption {
	return func(s *stack) { s.policy.JoinPerAddress = n }
}

func withTrustedProxies(t *testing.T, spec string) stackOption {
	proxies, err := httpapi.ParseTrustedProxies(spec)
	if err != nil {
		t.Fatal(err)
	}
	return func(s *stack) { s.deps.TrustedProxies = proxies }
}

// solved fetches a challenge of sale and returns the payload ALTCHA's widget would send.
func (h *harness) solved(t *testing.T, sale string) string {
	t.Helper()
	var c httpapi.ChallengeBody
	r := h.expect(t, "GET", "/api/token/challenge?sale_id="+sale, "", nil, 200)
	r.json(t, &c)
	if r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("a challenge is cacheable: Cache-Control %q", r.header.Get("Cache-Control"))
	}
	challenge := entry.Challenge{Algorithm: c.Algorithm, Challenge: c.Challenge, Salt: c.Salt, Signature: c.Signature, MaxNumber: c.MaxNumber}
	if n, ok := entry.Solve(challenge); ok {
		return entry.Solved(challenge, n)
	}
	t.Fatalf("challenge %+v has no solution up to its maxnumber", c)
	return ""
}

// refusedAltcha checks a 400 that locates the refusal in altcha and says what was wrong.
func refusedAltcha(t *testing.T, r response, says string) {
	t.Helper()
	p := r.problem(t)
	errs, _ := p["errors"].([]any)
	if r.status != 400 || len(errs) != 1 || errs[0].(map[string]any)["location"] != "body.altcha" || !strings.Contains(p["detail"].(string), says) {
		t.Fatalf("refusal %d %s: want 400 at body.altcha saying %q", r.status, r.body, says)
	}
}

// An operator turns the proof of work on; fans see it asked, solve a challenge each and join;
// a solution sent twice, none, or one for another sale is refused; turned off, no challenge is
// given and joins need none.
func TestAnOperatorTurnsTheProofOfWorkOnAndFansJoinWithASolution(t *testing.T) {
	h := newHarness(t)
	sale := string(testSale)
	h.expect(t, "GET", "/api/token/challenge?sale_id="+sale, "", nil, 404)
	var got httpapi.SaleBody
	h.admin(t, "PATCH", "/api/admin/sales/"+sale, map[string]any{"entry": map[string]any{"pow_max_number": 2000}}, 200).json(t, &got)
	if got.Entry.PowMaxNumber != 2000 || got.Entry.PresaleUntil != nil {
		t.Fatalf("entry %+v, want a proof of work of 2000 and no presale", got.Entry)
	}
	var listed []httpapi.SaleListingBody
	h.expect(t, "GET", "/api/sales", "", nil, 200).json(t, &listed)
	if len(listed) != 1 || !listed[0].ProofOfWork {
		t.Fatalf("listing %+v does not say a proof of work is asked", listed)
	}

	refusedAltcha(t, h.call(t, "POST", "/api/token", "", map[string]any{"user_id": "ann", "sale_id": sale}), "missing")
	solution := h.solved(t, sale)
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ann", "sale_id": sale, "altcha": solution}, 200)
	refusedAltcha(t, h.call(t, "POST", "/api/token", "", map[string]any{"user_id": "ben", "sale_id": sale, "altcha": solution}), "spent")
	refusedAltcha(t, h.call(t, "POST", "/api/token", "", map[string]any{"user_id": "ben", "sale_id": sale, "altcha": "bm9wZQ=="}), "not ALTCHA's payload")
	if st := h.stats(t); st.LastSeq != 1 {
		t.Fatalf("%d tokens issued, want ann's alone", st.LastSeq)
	}
	// Ann asking again (her request's answer lost, say) gets her token back, with her spent
	// solution or none.
	var first, again httpapi.TokenBody
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ann", "sale_id": sale, "altcha": solution}, 200).json(t, &first)
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ann", "sale_id": sale}, 200).json(t, &again)
	if first.Token != again.Token || h.stats(t).LastSeq != 1 {
		t.Fatal("ann asking again got another token")
	}

	h.admin(t, "PATCH", "/api/admin/sales/"+sale, map[string]any{"entry": map[string]any{}}, 200)
	h.expect(t, "GET", "/api/token/challenge?sale_id="+sale, "", nil, 404)
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ben", "sale_id": sale}, 200)
}

func TestTheChallengeRefusals(t *testing.T) {
	h := newHarness(t)
	for path, status := range map[string]int{
		"/api/token/challenge":                             400,
		"/api/token/challenge?sale_id=Not-A-Sale":          400,
		"/api/token/challenge?sale_id=no-such":             400,
		"/api/token/challenge?sale_id=" + string(testSale): 404, // it asks for none
	} {
		h.expect(t, "GET", path, "", nil, status).problem(t)
	}
	h.admin(t, "PATCH", "/api/admin/sales/"+string(testSale), map[string]any{"entry": map[string]any{"pow_max_number": 10}, "state": "closed"}, 200)
	h.expect(t, "GET", "/api/token/challenge?sale_id="+string(testSale), "", nil, 410).problem(t)
}

// An operator starts a presale and makes codes; without one, or with a wrong one, a fan is
// refused; with one, let in once; asking again returns the token and redeems nothing.
func TestAPresaleTakesOnlyFansWithACode(t *testing.T) {
	h := newHarness(t)
	sale := string(testSale)
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	h.admin(t, "PATCH", "/api/admin/sales/"+sale, map[string]any{"entry": map[string]any{"presale_until": until}}, 200)
	var made struct {
		Codes []httpapi.AccessCodeBody `json:"codes"`
	}
	h.admin(t, "POST", "/api/admin/sales/"+sale+"/access-codes", map[string]any{"count": 2}, 201).json(t, &made)
	if len(made.Codes) != 2 || made.Codes[0].Uses != 1 || made.Codes[0].UsesLeft != 1 || made.Codes[0].ExpiresAt != nil {
		t.Fatalf("codes %+v, want two of one use each", made.Codes)
	}
	var listed []httpapi.SaleListingBody
	h.expect(t, "GET", "/api/sales", "", nil, 200).json(t, &listed)
	if listed[0].PresaleUntil == nil || !listed[0].PresaleUntil.Equal(until) {
		t.Fatalf("listing %+v does not say the presale lasts until %s", listed[0], until)
	}

	for code, says := range map[string]string{"": "send yours", "NOPE-NOPE-NOPE-NOPE": "no such access code"} {
		r := h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ann", "sale_id": sale, "access_code": code}, 403)
		if !strings.Contains(r.problem(t)["detail"].(string), says) {
			t.Fatalf("refusal %s: want it to say %q", r.body, says)
		}
	}
	typed := strings.ToLower(strings.ReplaceAll(made.Codes[0].Code, "-", ""))
	var first, again httpapi.TokenBody
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ann", "sale_id": sale, "access_code": typed}, 200).json(t, &first)
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ann", "sale_id": sale}, 200).json(t, &again)
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ben", "sale_id": sale, "access_code": made.Codes[0].Code}, 403)
	var codes []httpapi.AccessCodeBody
	h.admin(t, "GET", "/api/admin/sales/"+sale+"/access-codes", nil, 200).json(t, &codes)
	if again.Token != first.Token || codes[0].UsesLeft != 0 || codes[1].UsesLeft != 1 {
		t.Fatalf("codes %+v after one join and one ask again: want the first used once, the second untouched", codes)
	}
}

func TestEntryAndAccessCodeRefusals(t *testing.T) {
	h := newHarness(t)
	sale := "/api/admin/sales/" + string(testSale)
	past := time.Now().Add(-time.Minute).UTC()
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		location     string
	}{
		{"PATCH", sale, map[string]any{"entry": map[string]any{"presale_until": past}}, 400, "body.entry.presale_until"},
		{"PATCH", sale, map[string]any{"entry": map[string]any{"pow_max_number": 10_000_001}}, 400, "body.entry.pow_max_number"},
		{"PATCH", sale, map[string]any{"entry": map[string]any{"pow_max_number": -1}}, 400, "body.entry.pow_max_number"},
		{"POST", sale + "/access-codes", map[string]any{"count": 0}, 400, "body.count"},
		{"POST", sale + "/access-codes", map[string]any{"count": 1, "uses": 0}, 400, "body.uses"},
		{"POST", sale + "/access-codes", map[string]any{"count": 1, "expires_at": past}, 400, "body.expires_at"},
		{"POST", "/api/admin/sales/no-such/access-codes", map[string]any{"count": 1}, 404, ""},
		{"GET", "/api/admin/sales/no-such/access-codes", nil, 404, ""},
	} {
		r := h.admin(t, tc.method, tc.path, tc.body, tc.status)
		p := r.problem(t)
		if tc.location == "" {
			continue
		}
		errs, _ := p["errors"].([]any)
		if len(errs) == 0 || errs[0].(map[string]any)["location"] != tc.location {
			t.Fatalf("%s %s %v: refusal %s, want it located at %s", tc.method, tc.path, tc.body, r.body, tc.location)
		}
	}
	h.expect(t, "GET", sale+"/access-codes", "", nil, 401)
	h.expect(t, "POST", sale+"/access-codes", "", map[string]any{"count": 1}, 401)
	var codes []httpapi.AccessCodeBody
	h.admin(t, "GET", sale+"/access-codes", nil, 200).json(t, &codes)
	var got httpapi.SaleBody
	h.admin(t, "GET", sale, nil, 200).json(t, &got)
	if len(codes) != 0 || got.Entry.PowMaxNumber != 0 || got.Entry.PresaleUntil != nil {
		t.Fatalf("refusals changed something: codes %v, entry %+v", codes, got.Entry)
	}
}

// An address takes its quota of tokens a minute, then waits; X-Forwarded-For counts only when a
// trusted proxy wrote it, and then its right-most entry that is not a trusted proxy.
func TestAnAddressOverItsQuotaWaitsAndOnlyTrustedProxiesNameIt(t *testing.T) {
	join := func(h *harness, user, forwarded string) response {
		var header map[string]string
		if forwarded != "" {
			header = map[string]string{"X-Forwarded-For": forwarded}
		}
		return h.callWithHeader(t, "POST", "/api/token", "", header, map[string]any{"user_id": user})
	}
	overQuota := func(r response) {
		t.Helper()
		wait, err := strconv.Atoi(r.header.Get("Retry-After"))
		if r.status != 429 || err != nil || wait < 1 || wait > 60 {
			t.Fatalf("%d %s (Retry-After %q): want 429 with a wait of 1 to 60 s", r.status, r.body, r.header.Get("Retry-After"))
		}
		r.problem(t)
	}
	// The quota counts per minute: start each sequence well inside one, so the window does not
	// turn between its joins.
	run := func(name string, f func()) {
		t.Run(name, func(t *testing.T) {
			if left := time.Until(time.Now().Truncate(time.Minute).Add(time.Minute)); left < 5*time.Second {
				time.Sleep(left + 100*time.Millisecond)
			}
			f()
		})
	}
	run("untrusted peer: its X-Forwarded-For buys nothing", func() {
		h := newHarness(t, withJoinQuota(2))
		for i, fwd := range []string{"198.51.100.1", "198.51.100.2"} {
			if r := join(h, "fan-"+strconv.Itoa(i), fwd); r.status != 200 {
				t.Fatalf("join %d: %d %s", i, r.status, r.body)
			}
		}
		overQuota(join(h, "fan-3", "198.51.100.3"))
	})
	run("trusted proxy: the right-most untrusted entry is the client", func() {
		h := newHarness(t, withJoinQuota(2), withTrustedProxies(t, "127.0.0.1/32, 10.0.0.0/8"))
		for i := range 2 {
			if r := join(h, "a-"+strconv.Itoa(i), "203.0.113.7, 10.1.2.3"); r.status != 200 {
				t.Fatalf("join %d: %d %s", i, r.status, r.body)
			}
		}
		overQuota(join(h, "a-2", "198.51.100.77, 203.0.113.7")) // a prepended entry is the client's own say
		if r := join(h, "b-0", "203.0.113.8"); r.status != 200 {
			t.Fatalf("another client behind the proxy: %d %s", r.status, r.body)
		}
	})
	run("IPv6: one /64 is one client", func() {
		h := newHarness(t, withJoinQuota(2), withTrustedProxies(t, "127.0.0.1/32"))
		for i, fwd := range []string{"2001:db8:1:2::a", "2001:db8:1:2:ffff:ffff:ffff:ffff"} {
			if r := join(h, "v6-"+strconv.Itoa(i), fwd); r.status != 200 {
				t.Fatalf("join %d: %d %s", i, r.status, r.body)
			}
		}
		overQuota(join(h, "v6-2", "2001:db8:1:2::1:b")) // the same /64
		if r := join(h, "v6-3", "2001:db8:1:3::a"); r.status != 200 {
			t.Fatalf("the next /64: %d %s", r.status, r.body)
		}
		if r := join(h, "v4-0", "192.0.2.1"); r.status != 200 {
			t.Fatalf("an IPv4 client: %d %s", r.status, r.body)
		}
	})
	run("a fan asking again for their token counts no new join", func() {
		h := newHarness(t, withJoinQuota(2))
		var first, again httpapi.TokenBody
		join(h, "ann", "").json(t, &first)
		join(h, "ann", "").json(t, &again) // under the quota: its count is given back
		join(h, "ben", "")
		overQuota(join(h, "cat", ""))
		if r := join(h, "ann", ""); r.status != 200 || first.Token != again.Token { // at the quota: the live token back
			t.Fatalf("ann asking again at the quota: %d %s", r.status, r.body)
		}
	})
}
