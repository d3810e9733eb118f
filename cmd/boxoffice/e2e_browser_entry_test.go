package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

// The difficulties the browser tests of fair entry ask: powMaxNumber, whose solving the first
// test times, and a tenth of it where a test is about something else, to keep it short on a
// slow machine (the page solves on one thread, finding the number after half the range on
// average).
const (
	powMaxNumber      = 1_000_000
	quickPowMaxNumber = 100_000
)

// TestAFanJoinsAPresaleThroughItsDoorInTheBrowser: an operator gives a sale a proof of work at
// maxnumber 1,000,000 and a presale of an hour, and makes one access code; a fan in the browser
// chooses the sale (the page starts solving its challenge), types the code and joins, and is
// in the queue; the code's one use is spent. How long the solving took is logged.
func TestAFanJoinsAPresaleThroughItsDoorInTheBrowser(t *testing.T) {
	tab := browserTab(t)
	const key = "entry-browser-admin-key"
	base := memoryDev(t, "BOXOFFICE_ADMIN_KEY="+key)
	const sale = "browser-presale"
	api := saleBehindADoor(t, base, key, sale, powMaxNumber)
	code := oneAccessCode(t, api, key, sale)
	joins := watchJoins(t, tab)
	shots := screenshotDir(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err := chromedp.Do(tab,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`#sales button[data-sale="`+sale+`"]`)),
		chromedp.SendKeys(css(`#user`), "presale-fan"),
		chromedp.Click(css(`#sales button[data-sale="`+sale+`"]`)),
		chromedp.WaitVisible(css(`#access-code`)),
		screenshot(shots, "entry-1-access-code"),
		chromedp.SendKeys(css(`#access-code`), code),
	)
	if err != nil {
		t.Fatalf("choosing the presale in the browser: %v (%s)", err, entrySays(tab))
	}
	if label, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('label[for="access-code"]').textContent + " " + document.getElementById("access-code").autocomplete`)); err != nil || label != "Access code off" {
		t.Fatalf("the access code's field is labelled and completed as %q (%v), want its label and autocomplete=off", label, err)
	}
	pressed := time.Now()
	err = chromedp.Do(tab,
		chromedp.Click(css(`#entry-join`)),
		inTheQueue(),
	)
	inQueue := time.Since(pressed)
	if err != nil {
		t.Fatalf("joining the presale in the browser: %v (%s)", err, entrySays(tab))
	}
	if err := chromedp.Do(tab, screenshot(shots, "entry-2-in-the-queue")); err != nil {
		t.Fatal(err)
	}
	joins.logSolving(t, powMaxNumber, inQueue)
	if left := usesLeft(t, api, key, sale, code); left != 0 {
		t.Fatalf("the code has %d uses left after the fan joined with it, want 0", left)
	}
}

// TestAWrongAccessCodeIsRefusedInTheBrowser: a fan types a wrong code for a presale that also
// asks a proof of work; the page shows the 403's detail next to the field and the fan's code
// stays unused; with the right code, typed after, the fan joins (the page solved a new
// challenge meanwhile: the first solution was spent at the door).
func TestAWrongAccessCodeIsRefusedInTheBrowser(t *testing.T) {
	tab := browserTab(t)
	const key = "wrong-code-browser-admin-key"
	base := memoryDev(t, "BOXOFFICE_ADMIN_KEY="+key)
	const sale = "browser-presale-wrong-code"
	api := saleBehindADoor(t, base, key, sale, quickPowMaxNumber)
	code := oneAccessCode(t, api, key, sale)
	joins := watchJoins(t, tab)
	shots := screenshotDir(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err := chromedp.Do(tab,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`#sales button[data-sale="`+sale+`"]`)),
		chromedp.SendKeys(css(`#user`), "wrong-code-fan"),
		chromedp.Click(css(`#sales button[data-sale="`+sale+`"]`)),
		chromedp.WaitVisible(css(`#access-code`)),
		chromedp.SendKeys(css(`#access-code`), "AAAA-BBBB-CCCC-DDDD"),
		chromedp.Click(css(`#entry-join`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("access-code-error").textContent !== ""`, chromedp.WithPollingTimeout(time.Minute)),
		screenshot(shots, "entry-wrong-code-1-refused"),
	)
	if err != nil {
		t.Fatalf("joining with a wrong code in the browser: %v (%s)", err, entrySays(tab))
	}
	told, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById("access-code").getAttribute("aria-invalid") + " " + document.getElementById("access-code-error").textContent`))
	if err != nil || !strings.HasPrefix(told, "true The sale is in presale, which takes only fans with an access code: ") {
		t.Fatalf("next to the field the page says %q (%v), want the 403's detail and the field marked invalid", told, err)
	}
	if onPick, err := chromedp.Run(tab, chromedp.Evaluate[bool](`!document.getElementById("pick").hidden && document.getElementById("queue").hidden`)); err != nil || !onPick {
		t.Fatalf("after the refusal the page left the sales (%v; %s)", err, entrySays(tab))
	}
	if left := usesLeft(t, api, key, sale, code); left != 1 {
		t.Fatalf("the code has %d uses left after a join with a wrong code, want 1", left)
	}
	pressed := time.Now()
	err = chromedp.Do(tab,
		chromedp.Evaluate[chromedp.Void](`document.getElementById("access-code").value = "", undefined`), // the fan empties the field (Clear sets the attribute only)
		chromedp.SendKeys(css(`#access-code`), code),
		chromedp.Click(css(`#entry-join`)),
		inTheQueue(),
		screenshot(shots, "entry-wrong-code-2-right-code"),
	)
	inQueue := time.Since(pressed)
	if err != nil {
		t.Fatalf("joining with the right code after a wrong one: %v (%s)", err, entrySays(tab))
	}
	joins.logSolving(t, quickPowMaxNumber, inQueue)
	if left := usesLeft(t, api, key, sale, code); left != 0 {
		t.Fatalf("the code has %d uses left after the fan joined with it, want 0", left)
	}
}

// TestAFanJoinsASaleThatAskedAProofOfWorkAfterThePageLoadedInTheBrowser: the page lists a sale
// that asks nothing; the operator then turns a proof of work on. The fan's join, sent without
// one, is refused (400 at body.altcha), and the page, as it does for a solution spent or
// expired, fetches a challenge, solves it and tries once more: the fan is in the queue.
func TestAFanJoinsASaleThatAskedAProofOfWorkAfterThePageLoadedInTheBrowser(t *testing.T) {
	tab := browserTab(t)
	const key = "late-door-browser-admin-key"
	base := memoryDev(t, "BOXOFFICE_ADMIN_KEY="+key)
	const sale = "browser-late-door"
	ctx := context.Background()
	api, err := apiclient.NewClientWithResponses(base)
	if err != nil {
		t.Fatal(err)
	}
	day := openapitypes.Date{Time: time.Now().UTC().AddDate(0, 0, 30)}
	created, err := api.CreateSaleWithResponse(ctx, apiclient.CreateSaleJSONRequestBody{
		SaleId: sale, Title: "Door Later", Venue: "The Hall",
		Performances: []apiclient.PerformanceSpecBody{{Date: day, Sections: []apiclient.SectionBody{{Name: "Floor", FirstSeat: 1, LastSeat: 20, Price: 50_000}}}},
	}, apiclient.AdminKey(key))
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create the sale: %v %s", err, created.Body)
	}
	listed := func(pow bool) bool {
		res, err := api.ListSalesWithResponse(ctx)
		return err == nil && res.JSON200 != nil && slices.ContainsFunc(*res.JSON200, func(s apiclient.SaleListingBody) bool {
			return s.SaleId == sale && (s.ProofOfWork != nil && *s.ProofOfWork) == pow
		})
	}
	if !eventually(10*time.Second, func() bool { return listed(false) }) {
		t.Fatal("the sale is not listed")
	}
	joins := watchJoins(t, tab)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	if err := chromedp.Do(tab,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`#sales button[data-sale="`+sale+`"]`)),
		chromedp.SendKeys(css(`#user`), "late-door-fan"),
	); err != nil {
		t.Fatalf("the page: %v (%s)", err, entrySays(tab))
	}
	changed, err := api.ChangeSaleWithResponse(ctx, sale, apiclient.ChangeSaleJSONRequestBody{Entry: &apiclient.EntryBody{PowMaxNumber: ptrTo(int64(quickPowMaxNumber))}}, apiclient.AdminKey(key))
	if err != nil || changed.JSON200 == nil {
		t.Fatalf("turn the proof of work on: %v %s", err, changed.Body)
	}
	if !eventually(10*time.Second, func() bool {
		res, err := api.TokenChallengeWithResponse(ctx, &apiclient.TokenChallengeParams{SaleId: sale})
		return listed(true) && err == nil && res.JSON200 != nil
	}) {
		t.Fatal("the sale does not ask its proof of work yet")
	}
	pressed := time.Now()
	err = chromedp.Do(tab,
		chromedp.Click(css(`#sales button[data-sale="`+sale+`"]`)),
		inTheQueue(),
		screenshot(screenshotDir(t), "entry-late-door-in-the-queue"),
	)
	inQueue := time.Since(pressed)
	if err != nil {
		t.Fatalf("joining a sale whose proof of work came after the page: %v (%s)", err, entrySays(tab))
	}
	joins.mu.Lock()
	var answers []int64
	for _, j := range joins.joins {
		answers = append(answers, j.status)
	}
	first := joins.joins[0].body
	joins.mu.Unlock()
	if !slices.Equal(answers, []int64{400, 200}) || strings.Contains(string(first), "altcha") {
		t.Fatalf("the joins were answered %v (the first sent %s), want one without a proof refused with 400, then one with", answers, first)
	}
	joins.logSolving(t, quickPowMaxNumber, inQueue)
}

// saleBehindADoor creates a sale whose joins need a proof of work at maxNumber and, for an hour,
// an access code, and waits until the listing says so (the directory of sales is a
// moment old).
func saleBehindADoor(t *testing.T, base, key, sale string, maxNumber int64) *apiclient.ClientWithResponses {
	t.Helper()
	ctx := context.Background()
	api, err := apiclient.NewClientWithResponses(base)
	if err != nil {
		t.Fatal(err)
	}
	day := openapitypes.Date{Time: time.Now().UTC().AddDate(0, 0, 30)}
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	created, err := api.CreateSaleWithResponse(ctx, apiclient.CreateSaleJSONRequestBody{
		SaleId: sale, Title: "Members First", Venue: "The Hall",
		Entry:        &apiclient.EntryBody{PowMaxNumber: &maxNumber, PresaleUntil: &until},
		Performances: []apiclient.PerformanceSpecBody{{Date: day, Sections: []apiclient.SectionBody{{Name: "Floor", FirstSeat: 1, LastSeat: 20, Price: 50_000}}}},
	}, apiclient.AdminKey(key))
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create the sale: %v %s", err, created.Body)
	}
	if !eventually(10*time.Second, func() bool {
		listed, err := api.ListSalesWithResponse(ctx)
		return err == nil && listed.JSON200 != nil && slices.ContainsFunc(*listed.JSON200, func(s apiclient.SaleListingBody) bool {
			return s.SaleId == sale && s.ProofOfWork != nil && *s.ProofOfWork && s.PresaleUntil != nil
		})
	}) {
		t.Fatal("the sale is not listed with its proof of work and presale")
	}
	return api
}

// oneAccessCode makes one access code of one use for the sale.
func oneAccessCode(t *testing.T, api *apiclient.ClientWithResponses, key, sale string) string {
	t.Helper()
	made, err := api.CreateAccessCodesWithResponse(context.Background(), sale, apiclient.CreateAccessCodesJSONRequestBody{Count: 1}, apiclient.AdminKey(key))
	if err != nil || made.JSON201 == nil || len(made.JSON201.Codes) != 1 {
		t.Fatalf("make an access code: %v %s", err, made.Body)
	}
	return made.JSON201.Codes[0].Code
}

// usesLeft is how many joins the sale's access code still lets in, as the operators see it.
func usesLeft(t *testing.T, api *apiclient.ClientWithResponses, key, sale, code string) int64 {
	t.Helper()
	listed, err := api.ListAccessCodesWithResponse(context.Background(), sale, apiclient.AdminKey(key))
	if err != nil || listed.JSON200 == nil {
		t.Fatalf("list the access codes: %v %s", err, listed.Body)
	}
	for _, c := range *listed.JSON200 {
		if c.Code == code {
			return c.UsesLeft
		}
	}
	t.Fatalf("the code %s is not listed: %s", code, listed.Body)
	return 0
}

// inTheQueue waits until the page holds a token: in the queue, or admitted already (a new
// sale admits at the next tick). Solving at powMaxNumber takes up to 40 s on a slow machine.
func inTheQueue() chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`!document.getElementById("queue").hidden || !document.getElementById("book").hidden`, chromedp.WithPollingTimeout(90*time.Second))
}

// entrySays is what the page's alert, access code form and door status say, for a failure's
// message.
func entrySays(tab context.Context) string {
	says, _ := chromedp.Run(tab, chromedp.Evaluate[string](`["alert", "entry", "entry-status"].map(id => id + ": " + document.getElementById(id).textContent.trim().replace(/\s+/g, " ")).join("; ")`))
	return "the page says " + says
}

// joinsSeen records, from the browser's network events, each challenge fetched and each join
// sent (with its body) and answered, to time the proof of work.
type joinsSeen struct {
	mu         sync.Mutex
	challenges []float64            // when each GET /api/token/challenge was sent (s, the browser's monotonic clock)
	joins      []*joinSeen          // each POST /api/token, in order
	byID       map[string]*joinSeen // the same, by request id
}

// joinSeen is one join the browser sent: when, with what body, and its answer.
type joinSeen struct {
	sent, answered float64
	status         int64
	body           []byte
}

// watchJoins starts recording the tab's challenges and joins.
func watchJoins(t *testing.T, tab context.Context) *joinsSeen {
	t.Helper()
	if err := chromedp.Do(tab); err != nil { // the tab, started: Listen sees its events from now on
		t.Fatal(err)
	}
	j := &joinsSeen{byID: map[string]*joinSeen{}}
	if err := chromedp.Listen(tab, j.add); err != nil {
		t.Fatal(err)
	}
	return j
}

// add keeps an event of the tab; it runs on the tab's reading goroutine, so it only records.
func (j *joinsSeen) add(ev any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		u, err := url.Parse(e.Request.URL)
		if err != nil {
			return
		}
		switch {
		case u.Path == "/api/token/challenge":
			j.challenges = append(j.challenges, e.Timestamp.Float64())
		case u.Path == "/api/token" && e.Request.Method == "POST":
			seen := &joinSeen{sent: e.Timestamp.Float64()}
			for _, part := range e.Request.PostDataEntries {
				seen.body = append(seen.body, part.Bytes...)
			}
			j.joins = append(j.joins, seen)
			j.byID[string(e.RequestID)] = seen
		}
	case *network.EventResponseReceived:
		if seen := j.byID[string(e.RequestID)]; seen != nil {
			seen.answered, seen.status = e.Timestamp.Float64(), e.Response.Status
		}
	}
}

// logSolving logs the last join's proof of work: from the fetch of its challenge (the last one
// before it) to the token's answer, ALTCHA's own count of the solving (took, in the payload)
// and the number it found, and inQueue, from pressing join to the page in the queue.
func (j *joinsSeen) logSolving(t *testing.T, maxNumber int64, inQueue time.Duration) {
	t.Helper()
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.joins) == 0 {
		t.Fatal("the browser sent no join")
	}
	last := j.joins[len(j.joins)-1]
	var body struct {
		Altcha string `json:"altcha"`
	}
	var payload struct {
		Number int64 `json:"number"`
		Took   int64 `json:"took"`
	}
	if json.Unmarshal(last.body, &body) != nil || body.Altcha == "" {
		t.Fatalf("the join carried no proof of work: %s", last.body)
	}
	if raw, err := base64.StdEncoding.DecodeString(body.Altcha); err != nil || json.Unmarshal(raw, &payload) != nil {
		t.Fatalf("the join's altcha is not ALTCHA's payload (%v): %s", err, body.Altcha)
	}
	fetched := -1.0
	for _, c := range j.challenges {
		if c <= last.sent {
			fetched = c
		}
	}
	if fetched < 0 || last.answered == 0 || last.status != 200 {
		t.Fatalf("no challenge fetched before the join, or the join answered %d", last.status)
	}
	seconds := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)).Round(time.Millisecond) }
	took := time.Duration(payload.Took) * time.Millisecond
	t.Logf("solving at maxnumber %d took %s from the challenge's fetch to the token (ALTCHA's took %s to find number %d, %.0f hashes/s; from pressing join to the queue %s)",
		maxNumber, seconds(last.answered-fetched), took, payload.Number, hashRate(payload.Number, payload.Took), inQueue.Round(time.Millisecond))
}

// hashRate is how many numbers a second the browser tried, from ALTCHA's number and took (ms).
func hashRate(number, tookMs int64) float64 {
	if tookMs <= 0 {
		return 0
	}
	return float64(number+1) / (float64(tookMs) / 1000)
}
