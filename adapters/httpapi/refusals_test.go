package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
)

// requireRefusal fails unless problem p names location in its errors with a message saying says.
func requireRefusal(t *testing.T, p map[string]any, location, says string) {
	t.Helper()
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		e := e.(map[string]any)
		if e["location"] == location && strings.Contains(e["message"].(string), says) {
			requireAPIWords(t, p)
			return
		}
	}
	t.Fatalf("problem %s does not name %s saying %q", mustJSON(t, p), location, says)
}

// requireSales fails unless the operators see exactly n sales.
func requireSales(t *testing.T, h *harness, n int) {
	t.Helper()
	var all []httpapi.SaleBody
	h.admin(t, "GET", "/api/admin/sales", nil, 200).json(t, &all)
	if len(all) != n {
		t.Fatalf("%d sales, want %d", len(all), n)
	}
}

// Durations are read strictly: one value per designator, in order, at most 100 years in all,
// and then within what the field takes, so nothing wraps around to a short or negative one.
func TestDurationsAreReadStrictly(t *testing.T) {
	h := newHarness(t)
	const grammar, tooLong = "each at most once and in that order", "longer than 100 years"
	for _, tc := range []struct {
		field, value, location, says string
	}{
		{"until_before_show", "P36500D36500D36500D36500D36500D36500D", "body.cancellation.until_before_show", grammar},
		{"until_before_show", "PT1S1S", "body.cancellation.until_before_show", grammar},
		{"until_before_show", "P36501D", "body.cancellation.until_before_show", tooLong},
		{"session_ttl", "P36500D36500D36500D", "body.queue.session_ttl", grammar},
		{"session_ttl", "P36500D", "body.queue.session_ttl", "must be positive and at most PT24H"},
		{"session_ttl", "PT0S", "body.queue.session_ttl", "must be positive and at most PT24H"},
	} {
		b := autumn()
		if tc.field == "session_ttl" {
			b["queue"].(map[string]any)["session_ttl"] = tc.value
		} else {
			b["cancellation"].(map[string]any)["until_before_show"] = tc.value
		}
		requireRefusal(t, h.admin(t, "POST", "/api/admin/sales", b, 400).problem(t), tc.location, tc.says)
	}
	requireSales(t, h, 1)

	path := "/api/admin/sales/" + string(testSale)
	for _, tc := range []struct{ value, says string }{{"PT1S1S", grammar}, {"P2D", "at most PT24H"}, {"PT0S", "must be positive"}} {
		p := h.admin(t, "PATCH", path+"/queue", map[string]any{"session_ttl": tc.value}, 400).problem(t)
		requireRefusal(t, p, "body.session_ttl", tc.says)
	}
	p := h.admin(t, "PATCH", path, map[string]any{"cancellation": map[string]any{"until_before_show": "P1D1D", "fee_percent": 5}}, 400).problem(t)
	requireRefusal(t, p, "body.cancellation.until_before_show", grammar)
	var q httpapi.QueueReportBody
	h.admin(t, "GET", path+"/queue", nil, 200).json(t, &q)
	if q.SessionTTL != "PT10M" {
		t.Fatalf("refused changes changed the session to %s", q.SessionTTL)
	}
}

// Money and counts are exact integers: read from their decimal text, never rounded through
// floating point; a name twice, or in other letter case than the API's, is refused, naming it;
// and an Idempotency-Key replays only for a body read exactly as the first.
func TestMoneyAndCountsAreExactIntegers(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t, "ann", true)
	for _, tc := range []struct{ body, location, says string }{
		{`{"amount": 9999999.9999999999}`, "body.amount", "expected integer"},
		{`{"amount": 10000000.00000000001}`, "body.amount", "expected integer"},
		{`{"amount": 1e-1}`, "body.amount", "expected integer"},
		{`{"amount": 15e-1}`, "body.amount", "expected integer"},
		{`{"amount": 9999999.99999999990e0}`, "body.amount", "expected integer"},
		{`{"amount": 10000001}`, "body.amount", "<= 10000000"},
		{`{"amount": 1e400}`, "body.amount", "<= 10000000"},
		{`{"amount": 99999999999999999999999}`, "body.amount", "<= 10000000"},
		{`{"amount": -1e400}`, "body.amount", ">= 1"},
		{`{"amount":5,"amount":7}`, "body.amount", "appears twice"},
		{`{"amount":5,"\u0061mount":7}`, "body.amount", "appears twice"},
		{`{"AMOUNT":5}`, "body.AMOUNT", "unexpected property"},
		{`{"amount":5,"Amount":7}`, "body.Amount", "unexpected property"},
	} {
		p := h.expect(t, "POST", "/api/balance", tok, tc.body, 400).problem(t)
		requireRefusal(t, p, tc.location, tc.says)
	}
	if bal := h.balance(t, "ann"); bal != 0 {
		t.Fatalf("refused top-ups credited %d", bal)
	}
	// Whole numbers however written are those numbers, exactly.
	for _, tc := range []struct {
		body string
		want int64
	}{{`{"amount": 7.0}`, 7}, {`{"amount": 5e2}`, 507}, {`{"amount": 0.15e2}`, 522}, {`{"amount": 100000e-5}`, 523}} {
		var bal httpapi.BalanceBody
		h.expect(t, "POST", "/api/balance", tok, tc.body, 200).json(t, &bal)
		if bal.Balance != tc.want {
			t.Fatalf("%s: balance %d, want %d", tc.body, bal.Balance, tc.want)
		}
	}
	// One past the largest int64 is past draw_seed's range, not rounded back into it.
	for _, seed := range []string{"9223372036854775808", "9.223372036854775808e18", "1e19"} {
		p := h.admin(t, "PUT", "/api/admin/queue/opening", `{"opens_at":"2031-01-01T10:00:00Z","draw_seed":`+seed+`}`, 400).problem(t)
		requireRefusal(t, p, "body.draw_seed", "at most 9223372036854775807")
	}
	key := map[string]string{"Idempotency-Key": "top-up-1"}
	h.expectWithHeader(t, "POST", "/api/balance", tok, key, `{"amount":500}`, 200)
	p := h.expectWithHeader(t, "POST", "/api/balance", tok, key, `{"amount":1,"amount":500}`, 400).problem(t)
	requireRefusal(t, p, "body.amount", "appears twice")
	if bal := h.balance(t, "ann"); bal != 1023 {
		t.Fatalf("balance %d, want 523 and one keyed 500", bal)
	}
}

// Every body of every operation is read as exactly: a field twice, a field in other letter case
// and a count with a fraction are each a 400 naming the field, before the operation runs.
func TestEveryBodyIsReadExactly(t *testing.T) {
	target := newFuzzTarget(t)
	send := func(method, path, body string) map[string]any {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+target.token)
		req.Header.Set("X-Admin-Key", adminKey)
		rec := httptest.NewRecorder()
		target.handler.ServeHTTP(rec, req)
		r := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
		if r.status != 400 {
			t.Fatalf("%s %s %s: %d %s, want 400", method, path, body, r.status, r.body)
		}
		return r.problem(t)
	}
	for _, r := range fuzzRoutes {
		if r.seed == "" {
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(r.seed), &fields); err != nil {
			t.Fatal(err)
		}
		for name, value := range fields {
			again := `{"` + name + `":` + string(value) + `,` + r.seed[1:]
			requireRefusal(t, send(r.method, r.path, again), "body."+name, "appears twice")
			cased := `{"` + strings.ToUpper(name) + `":` + string(value) + `,` + r.seed[1:]
			requireRefusal(t, send(r.method, r.path, cased), "body."+strings.ToUpper(name), "unexpected property")
			if _, err := strconv.Atoi(string(value)); err == nil {
				fraction := strings.Replace(r.seed, `"`+name+`":`+string(value), `"`+name+`":`+string(value)+".0000000000000001", 1)
				requireRefusal(t, send(r.method, r.path, fraction), "body."+name, "expected integer")
			}
		}
	}
	// Inside nested objects and arrays alike.
	sale := `{"sale_id":"fuzz-sale","title":"T","venue":"V","performances":[{"date":"2030-07-01","sections":[{"name":"A","first_seat":1,"last_seat":3,"price":10%s}]}]}`
	for _, tc := range []struct{ extra, location, says string }{
		{`,"price":10`, "body.performances[0].sections[0].price", "appears twice"},
		{`,"Price":10`, "body.performances[0].sections[0].Price", "unexpected property"},
		{`,"name":"B"`, "body.performances[0].sections[0].name", "appears twice"},
	} {
		requireRefusal(t, send("POST", "/api/admin/sales", fmt.Sprintf(sale, tc.extra)), tc.location, tc.says)
	}
	requireRefusal(t, send("POST", "/api/admin/sales", strings.Replace(fmt.Sprintf(sale, ""), `"last_seat":3`, `"last_seat":3.5`, 1)),
		"body.performances[0].sections[0].last_seat", "expected integer")
}

// Names are refused saying which rule they break; every section name taken can be repriced
// through its own escaped path.
func TestNamesAreRefusedAndSectionsAreAddressable(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		set            func(map[string]any)
		location, says string
	}{
		{func(b map[string]any) { b["title"] = "Autumn\tNights" }, "body.title", "control characters or line breaks (a tab is one)"},
		{func(b map[string]any) { b["title"] = "\u200b\u202e" }, "body.title", "bidirectional overrides"},
		{func(b map[string]any) { b["title"] = "\u200b" }, "body.title", "visible character"},
		{func(b map[string]any) { b["venue"] = "Arena\u202e" }, "body.venue", "bidirectional overrides"},
		{func(b map[string]any) { section(b, 0, 1)["name"] = "Stalls\u2066" }, "body.performances[0].sections[1].name", "bidirectional overrides"},
		{func(b map[string]any) { section(b, 0, 1)["name"] = ".." }, "body.performances[0].sections[1].name", "usable in a path"},
		{func(b map[string]any) { section(b, 1, 2)["name"] = "a/b" }, "body.performances[1].sections[2].name", "usable in a path"},
	} {
		b := autumn()
		tc.set(b)
		requireRefusal(t, h.admin(t, "POST", "/api/admin/sales", b, 400).problem(t), tc.location, tc.says)
	}
	requireSales(t, h, 1)
	p := h.admin(t, "PATCH", "/api/admin/sales/"+string(testSale), map[string]any{"title": "\u202eevil"}, 400).problem(t)
	requireRefusal(t, p, "body.title", "bidirectional overrides")

	odd := []string{"50% off?", "#1 & co", "a%2Fb", "...", "Café Müller", "Rear ", "팬"}
	b := autumn()
	for i, name := range odd[:3] {
		section(b, 0, i)["name"] = name
	}
	for i, name := range odd[3:6] {
		section(b, 1, i)["name"] = name
	}
	h.admin(t, "POST", "/api/admin/sales", b, 201)
	for i, name := range odd[:6] {
		date := []string{"2030-09-01", "2030-09-02"}[i/3]
		var repriced httpapi.RepricedBody
		h.admin(t, "PATCH", "/api/admin/sales/autumn-nights/performances/"+date+"/sections/"+url.PathEscape(name), map[string]any{"price": 1_000 + i}, 200).json(t, &repriced)
		if repriced.Section != name || repriced.Price != int64(1_000+i) {
			t.Fatalf("repricing section %q: %+v", name, repriced)
		}
	}
}

// section is a section of a sale body as autumn makes it.
func section(b map[string]any, perf, sec int) map[string]any {
	return b["performances"].([]map[string]any)[perf]["sections"].([]map[string]any)[sec]
}

// dateBodies are n performances from 2030-09-01 on, each of seats seats in one section.
func dateBodies(n, seats int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"date": time.Date(2030, 9, 1+i, 0, 0, 0, 0, time.UTC).Format("2006-01-02"),
			"sections": []map[string]any{{"name": "All", "first_seat": 1, "last_seat": seats, "price": 1_000}}}
	}
	return out
}

// A sale is bounded in dates and in seats, and a show starts on its date: each refusal names
// its field, and nothing is created.
func TestSalesAreBoundedAndShowsStartOnTheirDates(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		perfs          []map[string]any
		location, says string
	}{
		{dateBodies(101, 1), "body.performances", "at most 100 performances"},
		{dateBodies(10, 100_000), "body.performances[5].sections", "past the 500000 a sale may have in all"},
		{[]map[string]any{{"date": "2030-06-01", "starts_at": "9999-12-31T23:59:59Z", "sections": dateBodies(1, 5)[0]["sections"]}},
			"body.performances[0].starts_at", "is not on 2030-06-01"},
	} {
		b := autumn()
		b["performances"] = tc.perfs
		requireRefusal(t, h.admin(t, "POST", "/api/admin/sales", b, 400).problem(t), tc.location, tc.says)
	}
	requireSales(t, h, 1)

	b := autumn()
	b["performances"] = dateBodies(100, 1)
	h.admin(t, "POST", "/api/admin/sales", b, 201)
	more := map[string]any{"date": "2031-01-01", "sections": dateBodies(1, 1)[0]["sections"]}
	requireRefusal(t, h.admin(t, "POST", "/api/admin/sales/autumn-nights/performances", more, 400).problem(t), "body.date", "at most 100 performances")
	late := map[string]any{"date": "2031-01-01", "starts_at": "2031-01-02T06:30:00+09:00", "sections": dateBodies(1, 1)[0]["sections"]}
	requireRefusal(t, h.admin(t, "POST", "/api/admin/sales/"+string(testSale)+"/performances", late, 400).problem(t), "body.starts_at", "before 06:00 the morning after")
	late["starts_at"] = "2031-01-02T01:30:00+09:00" // a show past midnight
	var added httpapi.SaleBody
	h.admin(t, "POST", "/api/admin/sales/"+string(testSale)+"/performances", late, 201).json(t, &added)
	if at := added.Performances[1].StartsAt; at == nil || !at.Equal(time.Date(2031, 1, 1, 16, 30, 0, 0, time.UTC)) {
		t.Fatalf("a show past midnight starts at %v", at)
	}
}

// An operator's change that could never take effect is a 409 saying why, not a 200 that does
// nothing.
func TestChangesThatCannotTakeEffectAre409(t *testing.T) {
	h := newHarness(t)
	h.admin(t, "POST", "/api/admin/sales", autumn(), 201)
	const path = "/api/admin/sales/autumn-nights"
	h.admin(t, "POST", path+"/performances/2030-09-01/cancel", nil, 202)
	p := h.admin(t, "PATCH", path+"/performances/2030-09-01/sections/Floor", map[string]any{"price": 1_000}, 409).problem(t)
	if !strings.Contains(p["detail"].(string), "cancelled") || !strings.Contains(p["detail"].(string), "never apply") {
		t.Fatalf("repricing a cancelled performance: %v", p)
	}
	h.admin(t, "PATCH", path, map[string]any{"state": "closed"}, 200)
	for _, c := range []struct {
		path string
		body map[string]any
		says string
	}{
		{path + "/performances/2030-09-02/sections/Floor", map[string]any{"price": 1_000}, "the sale has closed"},
		{path, map[string]any{"max_tickets_per_fan": 3}, "max_tickets_per_fan would never apply"},
	} {
		if p := h.admin(t, "PATCH", c.path, c.body, 409).problem(t); !strings.Contains(p["detail"].(string), c.says) {
			t.Fatalf("PATCH %s %v: %v, want it to say %q", c.path, c.body, p, c.says)
		}
	}
	var read httpapi.SaleBody
	h.admin(t, "GET", path, nil, 200).json(t, &read)
	if read.MaxTicketsPerFan != 2 || read.Performances[0].Sections[0].Price != 150_000 || read.Performances[1].Sections[0].Price != 150_000 {
		t.Fatalf("refused changes changed the sale: %+v", read)
	}
}
