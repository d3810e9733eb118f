package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

// TestFairEntry attacks the door of a sale's queue as hostile fans would, over HTTP on
// loopback, against the real roles on PostgreSQL and Temporal: it replays one proof-of-work
// solution from sixteen fans at once, forges solutions six ways, spoofs X-Forwarded-For to
// escape the per-address quota, and races sixteen fans for one presale access code. Every
// verdict is read back through the API: status codes, the problems' wording, the queue's last
// sequence number and the codes' uses left.
//
// Two systems run side by side. One sits behind a trusted proxy (loopback, as a load balancer
// on the same host would be), where each fan comes with the address the proxy wrote for them,
// so the per-address quota of 3 holds each address to its own; the other trusts nobody's
// X-Forwarded-For, the default.
func TestFairEntry(t *testing.T) {
	t.Run("behind a trusted proxy", func(t *testing.T) {
		t.Parallel()
		f := &fairEntry{sys: startSystem(t, time.Minute, "BOXOFFICE_JOIN_PER_ADDRESS=3", "BOXOFFICE_TRUSTED_PROXIES=127.0.0.1/32")}
		t.Run("replay one solution", f.replayOneSolution)
		t.Run("forge one", f.forgeOne)
		t.Run("spoof X-Forwarded-For", f.spoofBehindTheProxy)
		t.Run("race one code", f.raceOneCode)
		t.Run("ask again at the quota", f.askAgainAtTheQuota)
	})
	t.Run("with no trusted proxy", func(t *testing.T) {
		t.Parallel()
		f := &fairEntry{sys: startSystem(t, time.Minute, "BOXOFFICE_JOIN_PER_ADDRESS=3")}
		t.Run("spoof X-Forwarded-For", f.spoofWithoutAProxy)
	})
}

// fairEntry is a running system and the fans' addresses handed out so far.
type fairEntry struct {
	sys   *e2eSystem
	addrs atomic.Int64
}

// newAddress is an address nobody joined from yet (198.18.0.0/15, for benchmarks), as the
// trusted proxy would write it for a fan of its own.
func (f *fairEntry) newAddress() string {
	n := f.addrs.Add(1)
	return fmt.Sprintf("198.18.%d.%d", n/250, n%250+1)
}

// forwardedFor sends X-Forwarded-For, each argument as a header line of its own.
func forwardedFor(lines ...string) apiclient.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		for _, l := range lines {
			req.Header.Add("X-Forwarded-For", l)
		}
		return nil
	}
}

// join is one POST /api/token with the body's optional parts.
type join struct {
	user, sale, altcha, code string
	// after delays the join in a rush (atOnce) by this long after the start.
	after time.Duration
}

func (j join) body() apiclient.IssueTokenJSONRequestBody {
	b := apiclient.FanOf(j.user, j.sale)
	if j.altcha != "" {
		b.Altcha = &j.altcha
	}
	if j.code != "" {
		b.AccessCode = &j.code
	}
	return b
}

// userNamed is a user id for a case of a table: prefix and the case's name, in the letters a
// user id may have.
func userNamed(prefix, name string) string {
	return prefix + "-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, name)
}

// answer is what a join got back.
type answer struct {
	status     int
	problem    apiclient.Problem
	retryAfter string
	token      string
	body       string
}

func answerOf(t *testing.T, res *apiclient.IssueTokenResponse, err error) answer {
	t.Helper()
	if err != nil {
		t.Fatalf("POST /api/token: %v", err)
	}
	a := answer{status: res.StatusCode(), retryAfter: res.HTTPResponse.Header.Get("Retry-After"), body: string(res.Body)}
	if res.JSON200 != nil {
		a.token = res.JSON200.Token
	} else if err := json.Unmarshal(res.Body, &a.problem); err != nil {
		t.Fatalf("POST /api/token answered %d with no problem: %s", a.status, res.Body)
	}
	return a
}

// send posts one join to an instance.
func (f *fairEntry) send(t *testing.T, api *apiclient.ClientWithResponses, j join, edit ...apiclient.RequestEditorFn) answer {
	t.Helper()
	res, err := api.IssueTokenWithResponse(context.Background(), j.body(), edit...)
	return answerOf(t, res, err)
}

// sendFresh posts one join from an address of its own, through the proxy.
func (f *fairEntry) sendFresh(t *testing.T, j join) answer {
	t.Helper()
	return f.send(t, f.sys.api, j, forwardedFor(f.newAddress()))
}

// says fails unless the answer is status with a problem whose detail, or one of its errors at
// location ("" for any), contains every one of words.
func (a answer) says(t *testing.T, what string, status int, location string, words ...string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: %d %s, want %d", what, a.status, a.body, status)
	}
	texts := []string{}
	if a.problem.Detail != nil {
		texts = append(texts, *a.problem.Detail)
	}
	located := location == ""
	if a.problem.Errors != nil {
		for _, e := range *a.problem.Errors {
			if location != "" && (e.Location == nil || *e.Location != location) {
				continue
			}
			located = true
			if e.Message != nil {
				texts = append(texts, *e.Message)
			}
		}
	}
	if !located {
		t.Fatalf("%s: %d %s, want an error at %s", what, a.status, a.body, location)
	}
	all := strings.Join(texts, " | ")
	for _, w := range words {
		if !strings.Contains(all, w) {
			t.Fatalf("%s: %d %s, want it to say %q", what, a.status, a.body, w)
		}
	}
}

// racers are n clients, each with a connection of its own already open to one of the two API
// instances in turn, so the requests they send together reach the service together.
func (f *fairEntry) racers(t *testing.T, n int) []*apiclient.ClientWithResponses {
	t.Helper()
	out := make([]*apiclient.ClientWithResponses, n)
	for i := range out {
		base := f.sys.base
		if i%2 == 1 {
			base = f.sys.base2
		}
		tr := &http.Transport{MaxIdleConnsPerHost: 1}
		t.Cleanup(tr.CloseIdleConnections)
		c, err := apiclient.NewClientWithResponses(base, apiclient.WithHTTPClient(&http.Client{Transport: tr, Timeout: 20 * time.Second}))
		if err != nil {
			t.Fatal(err)
		}
		if warm, err := c.ListSalesWithResponse(context.Background()); err != nil || warm.StatusCode() != 200 {
			t.Fatalf("open a connection to %s: %v", base, err)
		}
		out[i] = c
	}
	return out
}

// atOnce sends n joins together, one per racer, released by one signal; the answers are in the
// order of i.
func (f *fairEntry) atOnce(t *testing.T, n int, j func(i int) (join, apiclient.RequestEditorFn)) []answer {
	t.Helper()
	clients := f.racers(t, n)
	results := make([]*apiclient.IssueTokenResponse, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		body, edit := j(i)
		wg.Go(func() {
			<-start
			time.Sleep(body.after)
			results[i], errs[i] = clients[i].IssueTokenWithResponse(context.Background(), body.body(), edit)
		})
	}
	close(start)
	wg.Wait()
	out := make([]answer, n)
	for i := range out {
		out[i] = answerOf(t, results[i], errs[i])
	}
	return out
}

// byStatus counts answers by status.
func byStatus(answers []answer) map[int]int {
	n := map[int]int{}
	for _, a := range answers {
		n[a.status]++
	}
	return n
}

// fairSale puts a sale of one date and 40 seats on sale with entry rules, and waits until both
// API instances list it with them (each lists from a copy of the directory up to a second old,
// the copy the door reads the rules from).
func (f *fairEntry) fairSale(t *testing.T, sale string, entry *apiclient.EntryBody) {
	t.Helper()
	day := openapitypes.Date{Time: time.Now().UTC().AddDate(0, 0, 60)}
	rate := int64(1) // admission is not under test: fans mostly stay waiting
	created, err := f.sys.api.CreateSaleWithResponse(context.Background(), apiclient.CreateSaleJSONRequestBody{
		SaleId: sale, Title: "Fair Entry " + sale, Venue: "The Door", Entry: entry, Queue: &apiclient.QueueSpecBody{AdmitRate: &rate},
		Performances: []apiclient.PerformanceSpecBody{{Date: day, Sections: []apiclient.SectionBody{{Name: "Hall", FirstSeat: 1, LastSeat: 40, Price: 10_000}}}},
	}, apiclient.AdminKey(e2eAdminKey))
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create sale %s: %v %d %s", sale, err, created.StatusCode(), created.Body)
	}
	f.awaitRules(t, sale, entry)
}

// awaitRules waits until both instances list the sale with the entry rules given.
func (f *fairEntry) awaitRules(t *testing.T, sale string, entry *apiclient.EntryBody) {
	t.Helper()
	pow := entry != nil && entry.PowMaxNumber != nil && *entry.PowMaxNumber > 0
	presale := entry != nil && entry.PresaleUntil != nil
	for _, api := range []*apiclient.ClientWithResponses{f.sys.api, f.sys.api2} {
		if !eventually(5*time.Second, func() bool {
			res, err := api.ListSalesWithResponse(context.Background())
			if err != nil || res.JSON200 == nil {
				return false
			}
			for _, s := range *res.JSON200 {
				if s.SaleId == sale {
					return (s.ProofOfWork != nil && *s.ProofOfWork) == pow && (s.PresaleUntil != nil) == presale
				}
			}
			return false
		}) {
			t.Fatalf("an instance does not list %s with proof of work %v and presale %v", sale, pow, presale)
		}
	}
}

// lastSeq is the sequence number of the sale's latest token, from the operators' queue report.
func (f *fairEntry) lastSeq(t *testing.T, sale string) int64 {
	t.Helper()
	res, err := f.sys.api.SaleQueueReportWithResponse(context.Background(), sale, apiclient.AdminKey(e2eAdminKey))
	if err != nil || res.JSON200 == nil {
		t.Fatalf("queue report of %s: %v %s", sale, err, res.Body)
	}
	return res.JSON200.LastSeq
}

// challenge asks an instance for a proof of work of sale.
func challenge(t *testing.T, api *apiclient.ClientWithResponses, sale string) apiclient.ChallengeBody {
	t.Helper()
	res, err := api.TokenChallengeWithResponse(context.Background(), &apiclient.TokenChallengeParams{SaleId: sale})
	if err != nil || res.JSON200 == nil {
		t.Fatalf("challenge of %s: %v %s", sale, err, res.Body)
	}
	c := *res.JSON200
	if c.Algorithm != "SHA-256" || c.Maxnumber < 1 || c.Signature == "" || !strings.Contains(c.Salt, "sale="+sale) {
		t.Fatalf("challenge of %s: %+v", sale, c)
	}
	return c
}

// solve finds the number, as ALTCHA's client library does: the n in 0..maxnumber whose SHA-256
// of salt and n in decimal is the challenge.
func solve(t *testing.T, c apiclient.ChallengeBody) int64 {
	t.Helper()
	n, ok := entry.Solve(entry.Challenge{Algorithm: string(c.Algorithm), Challenge: c.Challenge, Salt: c.Salt, Signature: c.Signature, MaxNumber: c.Maxnumber})
	if !ok {
		t.Fatalf("no number up to %d solves %+v", c.Maxnumber, c)
	}
	return n
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// altchaFields are the fields of ALTCHA's payload as its widget writes them.
type altchaFields struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	Number    int64  `json:"number"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
	Took      int64  `json:"took"`
}

func solved(c apiclient.ChallengeBody, number int64) altchaFields {
	return altchaFields{Algorithm: string(c.Algorithm), Challenge: c.Challenge, Number: number, Salt: c.Salt, Signature: c.Signature, Took: 42}
}

// encode is the payload the widget sends: base64 (standard, padded) of its JSON.
func (a altchaFields) encode() string {
	raw, _ := json.Marshal(a)
	return base64.StdEncoding.EncodeToString(raw)
}

// solveFor asks an instance for a challenge of sale and returns it solved, as the payload.
func solveFor(t *testing.T, api *apiclient.ClientWithResponses, sale string) string {
	t.Helper()
	c := challenge(t, api, sale)
	return solved(c, solve(t, c)).encode()
}

// pow asks for a proof of work of difficulty n.
func pow(n int64) *apiclient.EntryBody { return &apiclient.EntryBody{PowMaxNumber: &n} }

// replayOneSolution: an operator turns the proof of work on; one solution sent by sixteen fans
// at once, half to each instance and in a rush of sixteen honest fans, lets exactly one in, and
// is spent for good: again, and dressed differently (another took, the signature in capitals,
// fields reordered and added), it is refused as spent.
func (f *fairEntry) replayOneSolution(t *testing.T) {
	ctx := context.Background()
	const sale = "fair-replay"
	f.fairSale(t, sale, nil)
	if none, _ := f.sys.api.TokenChallengeWithResponse(ctx, &apiclient.TokenChallengeParams{SaleId: sale}); none.StatusCode() != 404 {
		t.Fatalf("a challenge of a sale that asks none: %d %s, want 404", none.StatusCode(), none.Body)
	}
	if unknown, _ := f.sys.api.TokenChallengeWithResponse(ctx, &apiclient.TokenChallengeParams{SaleId: "no-such-sale"}); unknown.StatusCode() != 400 {
		t.Fatalf("a challenge of an unknown sale: %d %s, want 400", unknown.StatusCode(), unknown.Body)
	}
	// The operator's PATCH as an operator would type it, with the admin key the other tests send.
	patched, err := f.sys.api.ChangeSaleWithBodyWithResponse(ctx, sale, "application/json",
		strings.NewReader(`{"entry": {"pow_max_number": 1000}}`), apiclient.AdminKey(e2eAdminKey))
	if err != nil || patched.JSON200 == nil || patched.JSON200.Entry.PowMaxNumber != 1000 {
		t.Fatalf("PATCH entry.pow_max_number: %v %s", err, patched.Body)
	}
	f.awaitRules(t, sale, pow(1000))
	if none := f.sendFresh(t, join{user: "no-proof", sale: sale}); none.status != 400 {
		t.Fatalf("a join without a proof once the operator asks one: %d %s", none.status, none.body)
	}

	before := f.lastSeq(t, sale)
	c := challenge(t, f.sys.api2, sale) // made by one instance, checked by both
	if c.Maxnumber > 1000 {
		t.Fatalf("maxnumber %d above the sale's difficulty 1000", c.Maxnumber)
	}
	payload := solved(c, solve(t, c))
	// Sixteen honest fans, each with a solution of their own, rush in a millisecond ahead of
	// the replays: an instance spends the first solution it gets on its own and the ones that
	// come meanwhile together, in one statement, so the replays land together in batches
	// behind the honest ones, where one copy must still not pass for another.
	honest := make([]string, 16)
	for i := range honest {
		honest[i] = solveFor(t, f.sys.api, sale)
	}
	isHonest := func(i int) bool { return i/2%2 == 1 } // racers alternate instances: each gets both
	answers := f.atOnce(t, 32, func(i int) (join, apiclient.RequestEditorFn) {
		if isHonest(i) {
			return join{user: fmt.Sprintf("honest-%d", i), sale: sale, altcha: honest[i/4*2+i%2]}, forwardedFor(f.newAddress())
		}
		return join{user: fmt.Sprintf("replayer-%d", i), sale: sale, altcha: payload.encode(), after: time.Millisecond}, forwardedFor(f.newAddress())
	})
	replays := map[int]int{}
	for i, a := range answers {
		switch {
		case isHonest(i) && a.status != 200:
			t.Fatalf("honest fan %d in the rush: %d %s", i, a.status, a.body)
		case !isHonest(i):
			replays[a.status]++
			if a.status == 400 {
				a.says(t, fmt.Sprintf("replay %d", i), 400, "body.altcha", "spent")
			}
		}
	}
	if replays[200] != 1 || replays[400] != 15 {
		t.Fatalf("one solution sent by 16 fans at once: %v by status, want one 200 and fifteen 400", replays)
	}

	again := f.send(t, f.sys.api2, join{user: "replayer-late", sale: sale, altcha: payload.encode()}, forwardedFor(f.newAddress()))
	again.says(t, "the solution sent again", 400, "body.altcha", "spent")
	tookLonger := payload
	tookLonger.Took = 4242
	upper := payload
	upper.Signature = strings.ToUpper(payload.Signature)
	reordered, _ := json.Marshal(map[string]any{"took": 1, "signature": payload.Signature, "salt": payload.Salt,
		"number": payload.Number, "challenge": payload.Challenge, "algorithm": payload.Algorithm, "verified": true})
	for name, dressed := range map[string]string{
		"with another took":           tookLonger.encode(),
		"with the signature in caps":  upper.encode(),
		"reordered with a field more": base64.StdEncoding.EncodeToString(reordered),
	} {
		user := userNamed("replayer", name)
		f.sendFresh(t, join{user: user, sale: sale, altcha: dressed}).says(t, "the solution "+name, 400, "body.altcha", "spent")
	}
	if after := f.lastSeq(t, sale); after != before+17 {
		t.Fatalf("last_seq went from %d to %d for one solution and 16 honest ones, want 17 tokens", before, after)
	}
}

// forgeOne: solutions that are not the service's, or not for this sale, or not solved, or not
// solutions at all are refused with 400 saying what was wrong, and issue nothing; the genuine
// ones they were made from still let a fan in afterwards (a refusal spends nothing).
func (f *fairEntry) forgeOne(t *testing.T) {
	const sale, other = "fair-forge", "fair-forge-other"
	f.fairSale(t, sale, pow(1000))
	f.fairSale(t, other, pow(1000))
	before := f.lastSeq(t, sale)
	c := challenge(t, f.sys.api, sale)
	genuine := solved(c, solve(t, c))

	resigned := genuine // (a) another hex string for a signature
	resigned.Signature = flipHex(genuine.Signature)
	f.sendFresh(t, join{user: "forger-a", sale: sale, altcha: resigned.encode()}).says(t, "(a) another signature", 400, "body.altcha", "forged")

	wrong := genuine // (b) the service's signature, another number
	wrong.Number = (genuine.Number + 1) % (c.Maxnumber + 1)
	f.sendFresh(t, join{user: "forger-b", sale: sale, altcha: wrong.encode()}).says(t, "(b) another number", 400, "body.altcha", "wrong")

	oc := challenge(t, f.sys.api, other) // (c) a genuine solution of another sale
	otherSolved := solved(oc, solve(t, oc))
	f.sendFresh(t, join{user: "forger-c", sale: sale, altcha: otherSolved.encode()}).says(t, "(c) another sale's solution", 400, "body.altcha", other)

	// (d) none at all
	f.sendFresh(t, join{user: "forger-d", sale: sale}).says(t, "(d) no altcha", 400, "body.altcha", "missing", "/api/token/challenge")

	// (e) garbage: not base64; base64 of something else; another algorithm; too long to read
	f.sendFresh(t, join{user: "forger-e1", sale: sale, altcha: "%%% not base64 %%%"}).says(t, "(e) not base64", 400, "body.altcha", "not ALTCHA's payload")
	f.sendFresh(t, join{user: "forger-e2", sale: sale, altcha: base64.StdEncoding.EncodeToString([]byte("<xml/>"))}).says(t, "(e) base64 of no JSON", 400, "body.altcha", "not ALTCHA's payload")
	sha512 := genuine
	sha512.Algorithm = "SHA-512"
	f.sendFresh(t, join{user: "forger-e3", sale: sale, altcha: sha512.encode()}).says(t, "(e) another algorithm", 400, "body.altcha", "SHA-512")
	f.sendFresh(t, join{user: "forger-e4", sale: sale, altcha: strings.Repeat("A", 4096)}).says(t, "(e) 4 KiB of altcha", 400, "body.altcha")

	// (f) a challenge of the forger's own, for this sale, unexpired and solved, signed with keys
	// one might guess: none, zeros, the token key's seed the tests configure, the admin key, no
	// key at all (a bare hash), the challenge itself.
	expires := strconv.FormatInt(time.Now().Add(5*time.Minute).Unix(), 10)
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	salt := hex.EncodeToString(nonce[:]) + "?" + url.Values{"expires": {expires}, "sale": {sale}}.Encode() + "&"
	own := altchaFields{Algorithm: "SHA-256", Challenge: sha256Hex(salt + "7"), Number: 7, Salt: salt, Took: 3}
	tokenSeed := make([]byte, 32)
	for i := range tokenSeed {
		tokenSeed[i] = 9 // startSystem's BOXOFFICE_TOKEN_KEY
	}
	for name, sig := range map[string]string{
		"an empty key":         hmacHex(nil, own.Challenge),
		"32 zero bytes":        hmacHex(make([]byte, 32), own.Challenge),
		"the token key's seed": hmacHex(tokenSeed, own.Challenge),
		"the admin key":        hmacHex([]byte(e2eAdminKey), own.Challenge),
		"a bare SHA-256":       sha256Hex(own.Challenge),
		"the challenge itself": own.Challenge,
		"no signature":         "",
	} {
		forged := own
		forged.Signature = sig
		user := userNamed("forger-f", name)
		f.sendFresh(t, join{user: user, sale: sale, altcha: forged.encode()}).says(t, "(f) signed with "+name, 400, "body.altcha", "forged")
	}

	if after := f.lastSeq(t, sale); after != before {
		t.Fatalf("forgeries moved last_seq from %d to %d: a token was issued", before, after)
	}
	if ok := f.sendFresh(t, join{user: "honest", sale: sale, altcha: genuine.encode()}); ok.status != 200 {
		t.Fatalf("the genuine solution the forgeries were made from, after them: %d %s, want 200", ok.status, ok.body)
	}
	if ok := f.sendFresh(t, join{user: "honest-other", sale: other, altcha: otherSolved.encode()}); ok.status != 200 {
		t.Fatalf("the other sale's solution, sent to its own sale after it was refused here: %d %s, want 200", ok.status, ok.body)
	}
	if after := f.lastSeq(t, sale); after != before+1 {
		t.Fatalf("last_seq went from %d to %d, want the one honest token", before, after)
	}
}

func flipHex(s string) string {
	if s == "" {
		return "00"
	}
	last := s[len(s)-1]
	flipped := byte('0')
	if last == '0' {
		flipped = '1'
	}
	return s[:len(s)-1] + string(flipped)
}

func hmacHex(key []byte, msg string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// withinOneMinute runs steps inside one minute of the wall clock. The join quota counts per
// sale and address in fixed windows of a clock minute (the server's clock, which is this
// machine's), so a sequence that straddled a boundary would find its count reset halfway and
// let a fourth join in. Rather than retry, it starts the steps with at least 10 s of the
// minute left, waiting for the next minute when fewer remain: the steps take well under a
// second. Should they straddle a boundary even so, the failure says so.
func withinOneMinute(t *testing.T, steps func()) {
	t.Helper()
	now := time.Now()
	if left := now.Truncate(time.Minute).Add(time.Minute).Sub(now); left < 10*time.Second {
		time.Sleep(left + 50*time.Millisecond)
	}
	began := time.Now()
	defer func() {
		if ended := time.Now(); !ended.Truncate(time.Minute).Equal(began.Truncate(time.Minute)) {
			t.Errorf("the quota's minute window rolled over during the sequence (%s to %s): its verdicts may be off by that",
				began.Format(time.TimeOnly), ended.Format(time.TimeOnly))
		}
	}()
	steps()
}

// overQuota checks a 429 of the join quota, with a Retry-After of 1 to 60 s.
func (a answer) overQuota(t *testing.T, what string) {
	t.Helper()
	a.says(t, what, 429, "", "quota")
	if s, err := strconv.Atoi(a.retryAfter); err != nil || s < 1 || s > 60 {
		t.Fatalf("%s: Retry-After %q, want 1 to 60 seconds", what, a.retryAfter)
	}
}

// spoofWithoutAProxy: with no trusted proxy, X-Forwarded-For buys nothing: three joins from
// loopback, each claiming another address, take loopback's quota, and the fourth is 429.
func (f *fairEntry) spoofWithoutAProxy(t *testing.T) {
	const sale = "fair-direct"
	f.fairSale(t, sale, nil)
	withinOneMinute(t, func() {
		for i := range 3 {
			if a := f.send(t, f.sys.api, join{user: fmt.Sprintf("spoofer-%d", i), sale: sale}, forwardedFor(f.newAddress())); a.status != 200 {
				t.Fatalf("join %d of loopback's 3: %d %s", i+1, a.status, a.body)
			}
		}
		f.send(t, f.sys.api2, join{user: "spoofer-3", sale: sale}, forwardedFor(f.newAddress())).overQuota(t, "a fourth join claiming a fourth address, on the other instance")
		f.send(t, f.sys.api, join{user: "spoofer-4", sale: sale}, forwardedFor("203.0.113.200", f.newAddress())).overQuota(t, "a fifth claiming two more")
	})
}

// spoofBehindTheProxy: behind a trusted proxy (loopback), the address that counts is the
// right-most X-Forwarded-For entry that is not the proxy's, whatever the client wrote to its
// left and however many header lines carry the list.
func (f *fairEntry) spoofBehindTheProxy(t *testing.T) {
	const sale = "fair-proxied"
	f.fairSale(t, sale, nil)
	const client, neighbour = "203.0.113.7", "198.51.100.9"
	withinOneMinute(t, func() {
		for i := range 3 {
			api := []*apiclient.ClientWithResponses{f.sys.api, f.sys.api2}[i%2] // counted across instances
			if a := f.send(t, api, join{user: fmt.Sprintf("proxied-%d", i), sale: sale}, forwardedFor(client)); a.status != 200 {
				t.Fatalf("join %d of %s's 3: %d %s", i+1, client, a.status, a.body)
			}
		}
		f.send(t, f.sys.api, join{user: "proxied-3", sale: sale}, forwardedFor(client)).overQuota(t, "a fourth join from "+client)
		if a := f.send(t, f.sys.api, join{user: "neighbour", sale: sale}, forwardedFor(neighbour)); a.status != 200 {
			t.Fatalf("a join from %s, while %s is over its quota: %d %s", neighbour, client, a.status, a.body)
		}
		for name, lines := range map[string][]string{
			"a fake entry prepended":                {"198.51.100.77, " + client},
			"a fake line before the proxy's":        {"198.51.100.77", client},
			"the proxy's own hop after it":          {client + ", 127.0.0.1"},
			"the proxy's hop on a line of its own":  {client, "127.0.0.1"},
			"its address mapped into IPv6":          {"::ffff:" + client},
			"fake entries and lines, proxy hop too": {"10.0.0.1, 192.0.2.1", "198.51.100.78, " + client, "127.0.0.1"},
		} {
			user := userNamed("proxied", name)
			f.send(t, f.sys.api, join{user: user, sale: sale}, forwardedFor(lines...)).overQuota(t, client+" with "+name)
		}
	})
}

// askAgainAtTheQuota: the quota is of new tokens (DESIGN, fair entry): a fan asking again for
// their live token gets it back and consumes nothing, even from an address at its quota, as
// fans behind one NAT reloading their page do.
func (f *fairEntry) askAgainAtTheQuota(t *testing.T) {
	const sale = "fair-reask"
	f.fairSale(t, sale, nil)
	const office = "192.0.2.33"
	withinOneMinute(t, func() {
		first := f.send(t, f.sys.api, join{user: "office-0", sale: sale}, forwardedFor(office))
		for i := 1; i < 3; i++ {
			if a := f.send(t, f.sys.api, join{user: fmt.Sprintf("office-%d", i), sale: sale}, forwardedFor(office)); a.status != 200 {
				t.Fatalf("join %d of %s's 3: %d %s", i+1, office, a.status, a.body)
			}
		}
		if first.status != 200 {
			t.Fatalf("the first join: %d %s", first.status, first.body)
		}
		f.send(t, f.sys.api, join{user: "office-3", sale: sale}, forwardedFor(office)).overQuota(t, "a fourth fan from "+office)
		again := f.send(t, f.sys.api, join{user: "office-0", sale: sale}, forwardedFor(office))
		if again.status != 200 || tokenID(t, again.token) != tokenID(t, first.token) {
			t.Errorf("office-0 asking again for their live token from %s at its quota: %d %s, want 200 with the same token", office, again.status, again.body)
		}
	})
}

// tokenID is a queue token's jti; asking again returns the same token, signed anew.
func tokenID(t *testing.T, token string) string {
	t.Helper()
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &claims); err != nil {
		t.Fatalf("token %q: %v", token, err)
	}
	return claims.ID
}

// codes makes access codes of sale.
func (f *fairEntry) codes(t *testing.T, sale string, body apiclient.CreateAccessCodesJSONRequestBody) []apiclient.AccessCodeBody {
	t.Helper()
	res, err := f.sys.api.CreateAccessCodesWithResponse(context.Background(), sale, body, apiclient.AdminKey(e2eAdminKey))
	if err != nil || res.JSON201 == nil || len(res.JSON201.Codes) != int(body.Count) {
		t.Fatalf("make %d codes of %s: %v %d %s", body.Count, sale, err, res.StatusCode(), res.Body)
	}
	return res.JSON201.Codes
}

// raceOneCode: in a presale, sixteen fans racing one code of one use get one token between
// them; sixteen racing a code of three, three. The winner asking again gets their token back
// and redeems nothing; a code typed in lower case without dashes is the same code; wrong,
// another sale's and expired codes are 403; and a join refused for any other reason (no proof
// of work, a forged one, the address's quota) redeems nothing.
func (f *fairEntry) raceOneCode(t *testing.T) {
	const sale, other, guarded = "fair-presale", "fair-presale-other", "fair-presale-pow"
	until := time.Now().Add(time.Hour).UTC()
	presale := &apiclient.EntryBody{PresaleUntil: &until}
	f.fairSale(t, sale, presale)
	expiring := f.codes(t, sale, apiclient.CreateAccessCodesJSONRequestBody{Count: 1, ExpiresAt: ptrTo(time.Now().Add(2 * time.Second))})[0]
	if expiring.ExpiresAt == nil {
		t.Fatalf("a code made with an expires_at shows none: %+v", expiring)
	}
	if past, _ := f.sys.api.CreateAccessCodesWithResponse(context.Background(), sale,
		apiclient.CreateAccessCodesJSONRequestBody{Count: 1, ExpiresAt: ptrTo(time.Now().Add(-time.Minute))}, apiclient.AdminKey(e2eAdminKey)); past.StatusCode() != 400 {
		t.Fatalf("codes that expired a minute ago: %d %s, want 400", past.StatusCode(), past.Body)
	}

	one := f.codes(t, sale, apiclient.CreateAccessCodesJSONRequestBody{Count: 1})[0]
	if one.Uses != 1 || one.UsesLeft != 1 || len(one.Code) != 19 {
		t.Fatalf("a new code: %+v, want XXXX-XXXX-XXXX-XXXX of one use", one)
	}
	before := f.lastSeq(t, sale)
	addrs := make([]string, 16)
	answers := f.atOnce(t, 16, func(i int) (join, apiclient.RequestEditorFn) {
		addrs[i] = f.newAddress()
		return join{user: fmt.Sprintf("presale-fan-%d", i), sale: sale, code: one.Code}, forwardedFor(addrs[i])
	})
	if n := byStatus(answers); n[200] != 1 || n[403] != 15 {
		t.Fatalf("16 fans racing a code of one use: %v by status, want one 200 and fifteen 403", n)
	}
	winner := -1
	for i, a := range answers {
		if a.status == 200 {
			winner = i
			continue
		}
		a.says(t, fmt.Sprintf("racer %d", i), 403, "", "access code", "used up")
	}
	if left := usesLeft(t, f.sys.api, e2eAdminKey, sale, one.Code); left != 0 {
		t.Fatalf("the raced code has %d uses left, want 0", left)
	}
	if after := f.lastSeq(t, sale); after != before+1 {
		t.Fatalf("last_seq went from %d to %d for a code of one use", before, after)
	}
	again := f.send(t, f.sys.api2, join{user: fmt.Sprintf("presale-fan-%d", winner), sale: sale, code: one.Code}, forwardedFor(addrs[winner]))
	if again.status != 200 || tokenID(t, again.token) != tokenID(t, answers[winner].token) {
		t.Fatalf("the winner asking again: %d %s, want 200 with the same token", again.status, again.body)
	}
	if left, seq := usesLeft(t, f.sys.api, e2eAdminKey, sale, one.Code), f.lastSeq(t, sale); left != 0 || seq != before+1 {
		t.Fatalf("after the winner asked again: %d uses left, last_seq %d; want 0 and %d", left, seq, before+1)
	}

	three := f.codes(t, sale, apiclient.CreateAccessCodesJSONRequestBody{Count: 1, Uses: ptrTo(int64(3))})[0]
	before = f.lastSeq(t, sale)
	answers = f.atOnce(t, 16, func(i int) (join, apiclient.RequestEditorFn) {
		return join{user: fmt.Sprintf("trio-fan-%d", i), sale: sale, code: three.Code}, forwardedFor(f.newAddress())
	})
	if n := byStatus(answers); n[200] != 3 || n[403] != 13 {
		t.Fatalf("16 fans racing a code of three uses: %v by status, want three 200 and thirteen 403", n)
	}
	if left, seq := usesLeft(t, f.sys.api, e2eAdminKey, sale, three.Code), f.lastSeq(t, sale); left != 0 || seq != before+3 {
		t.Fatalf("after the race for three: %d uses left, last_seq %d; want 0 and %d", left, seq, before+3)
	}

	// Five fans each send two codes of one use at once (two, not more: the per-user rate limit
	// lets three through at once): each gets one token, which redeems one of their codes.
	pairs := f.codes(t, sale, apiclient.CreateAccessCodesJSONRequestBody{Count: 10})
	before = f.lastSeq(t, sale)
	answers = f.atOnce(t, 10, func(i int) (join, apiclient.RequestEditorFn) {
		return join{user: fmt.Sprintf("two-codes-fan-%d", i/2), sale: sale, code: pairs[i].Code}, forwardedFor(fmt.Sprintf("192.0.2.%d", 100+i/2))
	})
	var redeemed int64
	for i := 0; i < len(answers); i += 2 {
		a, b := answers[i], answers[i+1]
		if a.status != 200 || b.status != 200 || tokenID(t, a.token) != tokenID(t, b.token) {
			t.Fatalf("fan %d sending two codes at once: %d %s and %d %s, want their one token twice", i/2, a.status, a.body, b.status, b.body)
		}
		redeemed += 2 - usesLeft(t, f.sys.api, e2eAdminKey, sale, pairs[i].Code) - usesLeft(t, f.sys.api, e2eAdminKey, sale, pairs[i+1].Code)
	}
	if seq := f.lastSeq(t, sale); redeemed != 5 || seq != before+5 {
		t.Fatalf("five fans with two codes each: %d codes redeemed, last_seq %d; want 5 and %d", redeemed, seq, before+5)
	}

	typed := f.codes(t, sale, apiclient.CreateAccessCodesJSONRequestBody{Count: 1})[0]
	lower := strings.ToLower(strings.ReplaceAll(typed.Code, "-", ""))
	if a := f.sendFresh(t, join{user: "typist", sale: sale, code: lower}); a.status != 200 {
		t.Fatalf("code %s typed %s: %d %s, want 200", typed.Code, lower, a.status, a.body)
	}
	if left := usesLeft(t, f.sys.api, e2eAdminKey, sale, typed.Code); left != 0 {
		t.Fatalf("the code typed in lower case has %d uses left, want 0", left)
	}

	f.sendFresh(t, join{user: "codeless", sale: sale}).says(t, "a presale join without a code", 403, "", "access_code")
	f.sendFresh(t, join{user: "guesser", sale: sale, code: "0000-0000-0000-0000"}).says(t, "a code nobody made", 403, "", "no such access code")
	f.fairSale(t, other, presale)
	theirs := f.codes(t, other, apiclient.CreateAccessCodesJSONRequestBody{Count: 1})[0]
	f.sendFresh(t, join{user: "stray", sale: sale, code: theirs.Code}).says(t, "another sale's code", 403, "", "not this sale's")
	if left := usesLeft(t, f.sys.api, e2eAdminKey, other, theirs.Code); left != 1 {
		t.Fatalf("another sale's code, refused here, has %d uses left there, want 1", left)
	}
	time.Sleep(time.Until(*expiring.ExpiresAt) + 100*time.Millisecond)
	f.sendFresh(t, join{user: "latecomer", sale: sale, code: expiring.Code}).says(t, "an expired code", 403, "", "expired")
	if left := usesLeft(t, f.sys.api, e2eAdminKey, sale, expiring.Code); left != 1 {
		t.Fatalf("the expired code has %d uses left, want its 1 unredeemed", left)
	}

	// Refused for another reason, a join redeems nothing: the quota (checked at the door, before
	// the code), then in a sale that asks both a presale code and a proof of work, a missing and
	// a forged proof.
	ten := f.codes(t, sale, apiclient.CreateAccessCodesJSONRequestBody{Count: 1, Uses: ptrTo(int64(10))})[0]
	const office = "192.0.2.50"
	withinOneMinute(t, func() {
		for i := range 3 {
			if a := f.send(t, f.sys.api, join{user: fmt.Sprintf("office-fan-%d", i), sale: sale, code: ten.Code}, forwardedFor(office)); a.status != 200 {
				t.Fatalf("coded join %d of %s's 3: %d %s", i+1, office, a.status, a.body)
			}
		}
		f.send(t, f.sys.api, join{user: "office-fan-3", sale: sale, code: ten.Code}, forwardedFor(office)).overQuota(t, "a fourth coded join from "+office)
	})
	if left := usesLeft(t, f.sys.api, e2eAdminKey, sale, ten.Code); left != 7 {
		t.Fatalf("a code of 10 after 3 joins and one over the quota: %d uses left, want 7", left)
	}

	f.fairSale(t, guarded, &apiclient.EntryBody{PresaleUntil: &until, PowMaxNumber: ptrTo(int64(1000))})
	both := f.codes(t, guarded, apiclient.CreateAccessCodesJSONRequestBody{Count: 1})[0]
	f.sendFresh(t, join{user: "half-ready", sale: guarded, code: both.Code}).says(t, "a code without the proof of work", 400, "body.altcha", "missing")
	forged := solved(challenge(t, f.sys.api, guarded), 0)
	forged.Signature = flipHex(forged.Signature)
	f.sendFresh(t, join{user: "half-forged", sale: guarded, code: both.Code, altcha: forged.encode()}).says(t, "a code with a forged proof", 400, "body.altcha", "forged")
	if left := usesLeft(t, f.sys.api, e2eAdminKey, guarded, both.Code); left != 1 {
		t.Fatalf("after two joins refused for their proof of work, the code has %d uses left, want 1", left)
	}
	if a := f.sendFresh(t, join{user: "ready", sale: guarded, code: both.Code, altcha: solveFor(t, f.sys.api2, guarded)}); a.status != 200 {
		t.Fatalf("a code with a solved proof of work: %d %s, want 200", a.status, a.body)
	}
	if left := usesLeft(t, f.sys.api, e2eAdminKey, guarded, both.Code); left != 0 {
		t.Fatalf("the code after the join it let in has %d uses left, want 0", left)
	}
}
