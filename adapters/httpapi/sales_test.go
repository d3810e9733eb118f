package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

// autumn is a sale an operator puts on: two dates, three sections of 100 seats.
func autumn() map[string]any {
	sections := func() []map[string]any {
		return []map[string]any{
			{"name": "Floor", "first_seat": 1, "last_seat": 20, "price": 150_000},
			{"name": "Stalls", "first_seat": 21, "last_seat": 70, "price": 90_000},
			{"name": "Balcony", "first_seat": 71, "last_seat": 100, "price": 40_000},
		}
	}
	return map[string]any{
		"sale_id": "autumn-nights", "title": "Autumn Nights", "venue": "Riverside Arena",
		"max_tickets_per_fan": 2,
		"cancellation":        map[string]any{"until_before_show": "P2D", "fee_percent": 10},
		"queue":               map[string]any{"admit_rate": 20, "max_active": 200, "session_ttl": "PT15M"},
		"performances": []map[string]any{
			{"date": "2030-09-01", "sections": sections()},
			{"date": "2030-09-02", "starts_at": "2030-09-02T19:30:00+09:00", "sections": sections()},
		},
	}
}

var adminHeader = map[string]string{"X-Admin-Key": adminKey}

func (h *harness) admin(t *testing.T, method, path string, body any, status int) response {
	t.Helper()
	return h.expectWithHeader(t, method, path, "", adminHeader, body, status)
}

// An operator puts a sale on over HTTP; a fan finds it, queues for it, holds seats of two
// sections and pays each section's price; the operator sees the counts.
func TestAnOperatorPutsASaleOnAndFansBuyAtTheSectionsPrices(t *testing.T) {
	h := newHarness(t)
	var created httpapi.SaleBody
	h.admin(t, "POST", "/api/admin/sales", autumn(), 201).json(t, &created)
	if created.SaleID != "autumn-nights" || created.State != "on_sale" || created.MaxTicketsPerFan != 2 || len(created.Performances) != 2 ||
		created.Cancellation == nil || created.Cancellation.UntilBeforeShow != "PT48H" || created.Queue.AdmitRate != 20 || created.Queue.SessionTTL != "PT15M" {
		t.Fatalf("created: %+v", created)
	}
	second := created.Performances[1]
	if second.Seats != 100 || second.Counts != (httpapi.SeatCountsBody{Available: 100}) || second.StartsAt == nil || !second.StartsAt.Equal(time.Date(2030, 9, 2, 10, 30, 0, 0, time.UTC)) {
		t.Fatalf("second performance: %+v", second)
	}

	var listed []httpapi.SaleListingBody
	h.expect(t, "GET", "/api/sales", "", nil, 200).json(t, &listed)
	if len(listed) != 2 || listed[1].SaleID != "autumn-nights" || listed[1].MinPrice != 40_000 || listed[1].MaxPrice != 150_000 ||
		strings.Join(listed[1].Dates, ",") != "2030-09-01,2030-09-02" || listed[1].SoldOut {
		t.Fatalf("GET /api/sales: %+v", listed)
	}

	var tok httpapi.TokenBody
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ann", "sale_id": "autumn-nights"}, 200).json(t, &tok)
	if tok.SaleID != "autumn-nights" || tok.Status != "waiting" {
		t.Fatalf("ann's token: %+v", tok)
	}
	h.admit(t, "autumn-nights")
	var dates []string
	h.expect(t, "GET", "/api/tickets/dates", tok.Token, nil, 200).json(t, &dates)
	if strings.Join(dates, ",") != "2030-09-01,2030-09-02" {
		t.Fatalf("ann's dates: %v, want the sale's two", dates)
	}
	var seats []httpapi.SeatBody
	h.expect(t, "GET", "/api/tickets/seats?date=2030-09-01", tok.Token, nil, 200).json(t, &seats)
	if len(seats) != 100 || seats[19] != (httpapi.SeatBody{SeatID: 20, Status: "available", Section: "Floor", Price: 150_000}) ||
		seats[70] != (httpapi.SeatBody{SeatID: 71, Status: "available", Section: "Balcony", Price: 40_000}) {
		t.Fatalf("seats: %d, %+v %+v", len(seats), seats[19], seats[70])
	}
	h.expect(t, "POST", "/api/balance", tok.Token, map[string]any{"amount": 200_000}, 200)
	var holds []httpapi.HoldBody
	for _, seat := range []int{20, 71} {
		var held httpapi.HoldBody
		h.expect(t, "POST", "/api/tickets", tok.Token, map[string]any{"date": "2030-09-01", "seat_id": seat}, 200).json(t, &held)
		holds = append(holds, held)
	}
	if holds[0].Section != "Floor" || holds[0].Price != 150_000 || holds[1].Section != "Balcony" || holds[1].Price != 40_000 {
		t.Fatalf("holds: %+v", holds)
	}
	var paid int64
	for _, held := range holds {
		var pay httpapi.PaymentBody
		h.expect(t, "POST", "/api/payment", tok.Token, map[string]any{"ticket_id": held.TicketID, "seat_id": held.SeatID, "date": "2030-09-01"}, 200).json(t, &pay)
		if pay.Receipt.Amount != held.Price {
			t.Fatalf("seat %d (%s) held at %d, paid %d", held.SeatID, held.Section, held.Price, pay.Receipt.Amount)
		}
		paid += pay.Receipt.Amount
	}
	if paid != 190_000 || h.balance(t, "ann") != 10_000 {
		t.Fatalf("paid %d, balance %d; want 150000 + 40000 and 10000 left", paid, h.balance(t, "ann"))
	}

	var read httpapi.SaleBody
	h.admin(t, "GET", "/api/admin/sales/autumn-nights", nil, 200).json(t, &read)
	if read.Performances[0].Counts != (httpapi.SeatCountsBody{Available: 98, Sold: 2}) || read.Queue.AdmittedTotal != 1 {
		t.Fatalf("the operator reads %+v and queue %+v", read.Performances[0].Counts, read.Queue)
	}
	var all []httpapi.SaleBody
	h.admin(t, "GET", "/api/admin/sales", nil, 200).json(t, &all)
	if len(all) != 2 || all[0].SaleID != string(testSale) || all[1].SaleID != "autumn-nights" {
		t.Fatalf("GET /api/admin/sales lists %d sales", len(all))
	}

	var repriced httpapi.RepricedBody
	h.admin(t, "PATCH", "/api/admin/sales/autumn-nights/performances/2030-09-01/sections/Floor", map[string]any{"price": 120_000}, 200).json(t, &repriced)
	if repriced.Repriced != 19 || repriced.Price != 120_000 {
		t.Fatalf("reprice: %+v, want the 19 Floor seats not sold", repriced)
	}
	var cat httpapi.TokenBody
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "cat", "sale_id": "autumn-nights"}, 200).json(t, &cat)
	h.admit(t, "autumn-nights")
	h.expect(t, "GET", "/api/tickets/seats?date=2030-09-01", cat.Token, nil, 200).json(t, &seats)
	if seats[0].Price != 120_000 || seats[19].Price != 150_000 || seats[20].Price != 90_000 {
		t.Fatalf("after repricing Floor: seat 1 %d, seat 20 %d, seat 21 %d; want 120000, 150000 (sold at that price: a taken seat lists at what it cost) and 90000",
			seats[0].Price, seats[19].Price, seats[20].Price)
	}
	var held httpapi.HoldBody
	h.expect(t, "POST", "/api/tickets", cat.Token, map[string]any{"date": "2030-09-01", "seat_id": 2}, 200).json(t, &held)
	if held.Price != 120_000 {
		t.Fatalf("a hold after repricing costs %d, want 120000", held.Price)
	}

	var added httpapi.SaleBody
	h.admin(t, "POST", "/api/admin/sales/autumn-nights/performances",
		map[string]any{"date": "2030-09-03", "sections": []map[string]any{{"name": "All", "first_seat": 1, "last_seat": 10, "price": 30_000}}}, 201).json(t, &added)
	if len(added.Performances) != 3 || added.Performances[2].Seats != 10 {
		t.Fatalf("after adding a date: %+v", added.Performances)
	}
}

// Every refused field of a new sale is a 400 naming it, and nothing is created.
func TestCreatingASaleRefusesBadFieldsNamingThem(t *testing.T) {
	h := newHarness(t)
	change := func(f func(map[string]any)) map[string]any {
		b := autumn()
		f(b)
		return b
	}
	section := func(b map[string]any, perf, sec int) map[string]any {
		return b["performances"].([]map[string]any)[perf]["sections"].([]map[string]any)[sec]
	}
	for _, tc := range []struct {
		name     string
		body     any
		location string
	}{
		{"no sale_id", change(func(b map[string]any) { delete(b, "sale_id") }), "body"}, // huma: "expected required property sale_id"
		{"a sale_id with capitals", change(func(b map[string]any) { b["sale_id"] = "Autumn" }), "body.sale_id"},
		{"an empty title", change(func(b map[string]any) { b["title"] = "" }), "body.title"},
		{"a blank venue", change(func(b map[string]any) { b["venue"] = "  " }), "body.venue"},
		{"an unknown state", change(func(b map[string]any) { b["state"] = "live" }), "body.state"},
		{"created paused", change(func(b map[string]any) { b["state"] = "paused" }), "body.state"},
		{"a limit of 0", change(func(b map[string]any) { b["max_tickets_per_fan"] = 0 }), "body.max_tickets_per_fan"},
		{"a fee over 100%", change(func(b map[string]any) { b["cancellation"].(map[string]any)["fee_percent"] = 101 }), "body.cancellation.fee_percent"},
		{"a cancellation window in months", change(func(b map[string]any) { b["cancellation"].(map[string]any)["until_before_show"] = "P1M" }), "body.cancellation.until_before_show"},
		{"a session in no format", change(func(b map[string]any) { b["queue"].(map[string]any)["session_ttl"] = "15 minutes" }), "body.queue.session_ttl"},
		{"an opening in the past", change(func(b map[string]any) { b["queue"].(map[string]any)["opens_at"] = "2020-01-01T00:00:00Z" }), "body.queue.opens_at"},
		{"no performances", change(func(b map[string]any) { b["performances"] = []any{} }), "body.performances"},
		{"a past date", change(func(b map[string]any) { b["performances"].([]map[string]any)[0]["date"] = "2020-01-01" }), "body.performances[0].date"},
		{"a malformed date", change(func(b map[string]any) { b["performances"].([]map[string]any)[1]["date"] = "2030-9-2" }), "body.performances[1].date"},
		{"a date twice", change(func(b map[string]any) {
			b["performances"].([]map[string]any)[1]["date"] = "2030-09-01"
			delete(b["performances"].([]map[string]any)[1], "starts_at") // a start on the 2nd is not on the 1st
		}), "body.performances[1].date"},
		{"a gap between sections", change(func(b map[string]any) { section(b, 0, 1)["first_seat"] = 22 }), "body.performances[0].sections"},
		{"overlapping sections", change(func(b map[string]any) { section(b, 1, 2)["first_seat"] = 70 }), "body.performances[1].sections"},
		{"a free seat", change(func(b map[string]any) { section(b, 0, 0)["price"] = 0 }), "body.performances[0].sections[0].price"},
		{"a price in fractions", change(func(b map[string]any) { section(b, 0, 0)["price"] = 99.5 }), "body.performances[0].sections[0].price"},
		{"too many seats", change(func(b map[string]any) { section(b, 0, 2)["last_seat"] = catalog.MaxSeats + 1 }), "body.performances[0].sections[2].last_seat"},
		{"a section name twice", change(func(b map[string]any) { section(b, 1, 1)["name"] = "Floor" }), "body.performances[1].sections[1].name"},
		{"an unknown field", change(func(b map[string]any) { b["colour"] = "red" }), "body.colour"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := h.admin(t, "POST", "/api/admin/sales", tc.body, 400).problem(t)
			errs, _ := p["errors"].([]any)
			for _, e := range errs {
				if e.(map[string]any)["location"] == tc.location {
					return
				}
			}
			t.Fatalf("400 %v does not name %s", p, tc.location)
		})
	}
	var all []httpapi.SaleBody
	h.admin(t, "GET", "/api/admin/sales", nil, 200).json(t, &all)
	if len(all) != 1 {
		t.Fatalf("refused creations left %d sales, want the one there was", len(all))
	}
	h.admin(t, "POST", "/api/admin/sales", autumn(), 201)
	dup := autumn()
	dup["title"] = "Another"
	h.admin(t, "POST", "/api/admin/sales", dup, 409).problem(t)
	var read httpapi.SaleBody
	h.admin(t, "GET", "/api/admin/sales/autumn-nights", nil, 200).json(t, &read)
	if read.Title != "Autumn Nights" {
		t.Fatalf("a refused duplicate renamed the sale to %q", read.Title)
	}
	h.expect(t, "POST", "/api/admin/sales", "", autumn(), 401).problem(t)
}

func TestChangingASale(t *testing.T) {
	h := newHarness(t)
	h.admin(t, "POST", "/api/admin/sales", autumn(), 201)
	const path = "/api/admin/sales/autumn-nights"
	var changed httpapi.SaleBody
	h.admin(t, "PATCH", path, map[string]any{"title": "Autumn Nights II", "max_tickets_per_fan": 6}, 200).json(t, &changed)
	if changed.Title != "Autumn Nights II" || changed.MaxTicketsPerFan != 6 || changed.Cancellation == nil {
		t.Fatalf("after a PATCH of title and limit: %+v", changed)
	}
	changed = httpapi.SaleBody{}
	h.admin(t, "PATCH", path, map[string]any{"cancellation": nil}, 200).json(t, &changed)
	if changed.Cancellation != nil {
		t.Fatalf("cancellation null kept the policy %+v", changed.Cancellation)
	}
	h.admin(t, "PATCH", path, map[string]any{"cancellation": map[string]any{"until_before_show": "PT48H", "fee_percent": 0}}, 200).json(t, &changed)
	if changed.Cancellation == nil || changed.Cancellation.UntilBeforeShow != "PT48H" || changed.Cancellation.FeePercent != 0 {
		t.Fatalf("a new policy: %+v", changed.Cancellation)
	}
	for _, tc := range []struct {
		body     any
		status   int
		location string
	}{
		{map[string]any{"state": "draft"}, 409, ""},
		{map[string]any{"state": "live"}, 400, "body.state"},
		{map[string]any{"title": ""}, 400, "body.title"},
		{map[string]any{"max_tickets_per_fan": 101}, 400, "body.max_tickets_per_fan"},
		{map[string]any{"cancellation": map[string]any{"until_before_show": "soon", "fee_percent": 1}}, 400, "body.cancellation.until_before_show"},
	} {
		p := h.admin(t, "PATCH", path, tc.body, tc.status).problem(t)
		if tc.location != "" && !strings.Contains(string(mustJSON(t, p["errors"])), tc.location) {
			t.Fatalf("PATCH %v: %v does not name %s", tc.body, p, tc.location)
		}
	}
	var read httpapi.SaleBody
	h.admin(t, "GET", path, nil, 200).json(t, &read)
	if read.Title != "Autumn Nights II" || read.State != "on_sale" || read.MaxTicketsPerFan != 6 {
		t.Fatalf("refused changes changed the sale: %+v", read)
	}
	h.admin(t, "GET", "/api/admin/sales/no-such-sale", nil, 404).problem(t)
	h.admin(t, "PATCH", "/api/admin/sales/no-such-sale", map[string]any{"title": "x"}, 404).problem(t)
	h.admin(t, "PATCH", path+"/performances/2030-09-09/sections/Floor", map[string]any{"price": 1}, 404).problem(t)
	h.admin(t, "PATCH", path+"/performances/2030-09-01/sections/Boxes", map[string]any{"price": 1}, 404).problem(t)
	h.admin(t, "PATCH", path+"/performances/2030-09-01/sections/Floor", map[string]any{"price": 0}, 400).problem(t)
	h.admin(t, "POST", path+"/performances", map[string]any{"date": "2030-09-01", "sections": []map[string]any{{"name": "A", "first_seat": 1, "last_seat": 1, "price": 1}}}, 409).problem(t)
	h.admin(t, "POST", path+"/performances", map[string]any{"date": "2030-09-05", "sections": []map[string]any{{"name": "A", "first_seat": 2, "last_seat": 3, "price": 1}}}, 400).problem(t)
}

// A sale's queue has the same admin endpoints as the default sale's, under its path.
func TestEachSalesQueueIsSteeredOnItsOwn(t *testing.T) {
	h := newHarness(t)
	h.admin(t, "POST", "/api/admin/sales", autumn(), 201)
	var q httpapi.QueueReportBody
	h.admin(t, "PATCH", "/api/admin/sales/autumn-nights/queue", map[string]any{"admit_rate": 7, "session_ttl": "PT5M"}, 200).json(t, &q)
	if q.SaleID != "autumn-nights" || q.AdmitRate != 7 || q.MaxActive != 200 || q.SessionTTL != "PT5M" {
		t.Fatalf("after the change: %+v", q)
	}
	h.admin(t, "GET", "/api/admin/queue", nil, 200).json(t, &q)
	if q.SaleID != string(testSale) || q.AdmitRate == 7 {
		t.Fatalf("the default sale's queue changed with another's: %+v", q)
	}
	p := h.admin(t, "PATCH", "/api/admin/sales/autumn-nights/queue", map[string]any{"session_ttl": "forever"}, 400).problem(t)
	if !strings.Contains(string(mustJSON(t, p["errors"])), "body.session_ttl") {
		t.Fatalf("a bad session_ttl: %v", p)
	}
	h.admin(t, "GET", "/api/admin/sales/no-such-sale/queue", nil, 404).problem(t)
	h.admin(t, "PUT", "/api/admin/sales/autumn-nights/queue/opening", map[string]any{"opens_at": time.Now().Add(time.Hour)}, 200).json(t, &q)
	if q.OpensAt == nil {
		t.Fatalf("no opening after scheduling one: %+v", q)
	}
	var listed []httpapi.SaleListingBody
	h.expect(t, "GET", "/api/sales", "", nil, 200).json(t, &listed)
	if len(listed) != 2 || listed[1].OpensAt == nil || listed[0].OpensAt != nil {
		t.Fatalf("GET /api/sales: %+v; want the autumn sale's opening only", listed)
	}
}

// A token is its sale's: it never lists, holds or pays another sale's seats.
func TestATokenOfOneSaleCannotTouchAnother(t *testing.T) {
	h := newHarness(t)
	h.admin(t, "POST", "/api/admin/sales", autumn(), 201)
	mine := h.token(t, "ann", true) // the default sale: 50 seats on showDate
	var theirs httpapi.TokenBody
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "bob", "sale_id": "autumn-nights"}, 200).json(t, &theirs)
	h.admit(t, "autumn-nights")
	var held httpapi.HoldBody
	h.expect(t, "POST", "/api/tickets", theirs.Token, map[string]any{"date": "2030-09-01", "seat_id": 75}, 200).json(t, &held)

	h.expect(t, "GET", "/api/tickets/seats?date=2030-09-01", mine, nil, 400).problem(t)
	h.expect(t, "POST", "/api/tickets", mine, map[string]any{"date": "2030-09-01", "seat_id": 1}, 400).problem(t)
	h.expect(t, "POST", "/api/tickets", mine, map[string]any{"date": showDate, "seat_id": 75}, 400).problem(t) // no seat 75 here
	h.expect(t, "POST", "/api/balance", mine, map[string]any{"amount": 100_000}, 200)
	h.expect(t, "POST", "/api/payment", mine, map[string]any{"ticket_id": held.TicketID, "seat_id": 75, "date": "2030-09-01"}, 400).problem(t)
	h.expect(t, "GET", "/api/tickets/seats?date="+showDate, theirs.Token, nil, 400).problem(t)
	var dates []string
	h.expect(t, "GET", "/api/tickets/dates", mine, nil, 200).json(t, &dates)
	if len(dates) != 1 || dates[0] != showDate {
		t.Fatalf("the default sale's token lists %v", dates)
	}
	if h.balance(t, "ann") != 100_000 {
		t.Fatal("a payment of another sale's ticket charged the wallet")
	}
	// The wallet is the fan's across sales: bob's top-up with his autumn token is his anywhere.
	h.expect(t, "POST", "/api/balance", theirs.Token, map[string]any{"amount": 5_000}, 200)
	var bal httpapi.BalanceBody
	h.expect(t, "GET", "/api/balance", h.token(t, "bob", false), nil, 200).json(t, &bal)
	if bal.Balance != 5_000 {
		t.Fatalf("bob's balance read with his default-sale token: %d", bal.Balance)
	}
}

// Paused: the queue keeps its fans, holds are refused saying so, holds made can be paid.
// Closed: no new tokens, polls are 410 and streams end saying the sale closed.
func TestPausedAndClosedSales(t *testing.T) {
	clock := apptest.NewClock(time.Now())
	h := newHarness(t, withClock(clock))
	ann := h.token(t, "ann", true)
	var held httpapi.HoldBody
	h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": showDate, "seat_id": 1}, 200).json(t, &held)
	waiting := h.token(t, "wes", false)
	path := "/api/admin/sales/" + string(testSale)

	h.admin(t, "PATCH", path, map[string]any{"state": "paused"}, 200)
	p := h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": showDate, "seat_id": 2}, 409).problem(t)
	if !strings.Contains(p["detail"].(string), "paused") {
		t.Fatalf("a hold in a paused sale: %v", p)
	}
	h.expect(t, "POST", "/api/balance", ann, map[string]any{"amount": 50_000}, 200)
	h.expect(t, "POST", "/api/payment", ann, map[string]any{"ticket_id": held.TicketID, "seat_id": 1, "date": showDate}, 200)
	clock.Advance(catalog.DirectoryRefresh)
	h.admit(t, testSale)
	var st httpapi.TokenBody
	h.expect(t, "GET", "/api/token", waiting, nil, 200).json(t, &st)
	if st.Status != "waiting" {
		t.Fatalf("a paused sale admitted wes: %+v", st)
	}
	var listed []httpapi.SaleListingBody
	h.expect(t, "GET", "/api/sales", "", nil, 200).json(t, &listed)
	if len(listed) != 1 || listed[0].State != "paused" {
		t.Fatalf("GET /api/sales while paused: %+v", listed)
	}
	h.token(t, "late", false) // a paused sale still takes fans into its queue

	h.admin(t, "PATCH", path, map[string]any{"state": "closed"}, 200)
	clock.Advance(catalog.DirectoryRefresh)
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "newcomer"}, 400).problem(t) // no default sale is left
	p = h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "newcomer", "sale_id": string(testSale)}, 410).problem(t)
	if !strings.Contains(p["detail"].(string), "closed") {
		t.Fatalf("a token for a closed sale: %v", p)
	}
	h.expect(t, "GET", "/api/token", waiting, nil, 410).problem(t)
	got := events(t, h.srv.URL, waiting, 10)
	if len(got) != 1 || got[0].name != "ended" || !strings.Contains(got[0].data, "closed") {
		t.Fatalf("the stream of a fan of a closed sale: %v", got)
	}
	h.expect(t, "GET", "/api/sales", "", nil, 200).json(t, &listed)
	if len(listed) != 0 {
		t.Fatalf("GET /api/sales lists a closed sale: %+v", listed)
	}
	h.admin(t, "PATCH", path, map[string]any{"state": "on_sale"}, 409).problem(t)
	// Its waiting room admits nobody any more: its admission and opening cannot change.
	p = h.admin(t, "PATCH", path+"/queue", map[string]any{"admit_rate": 50}, 409).problem(t)
	if !strings.Contains(p["detail"].(string), "closed") {
		t.Fatalf("changing a closed sale's admission: %v", p)
	}
	p = h.admin(t, "PUT", path+"/queue/opening", map[string]any{"opens_at": time.Now().Add(time.Hour)}, 409).problem(t)
	if !strings.Contains(p["detail"].(string), "closed") {
		t.Fatalf("scheduling a closed sale's opening: %v", p)
	}
}

// A sale whose every seat is taken says so in GET /api/sales and in its fans' queue status.
func TestASoldOutSaleSaysSo(t *testing.T) {
	clock := apptest.NewClock(time.Now())
	h := newHarness(t, withClock(clock))
	tiny := map[string]any{"sale_id": "tiny-show", "title": "Tiny", "venue": "Attic",
		"performances": []map[string]any{{"date": "2030-08-01", "sections": []map[string]any{{"name": "All", "first_seat": 1, "last_seat": 1, "price": 7_000}}}}}
	h.admin(t, "POST", "/api/admin/sales", tiny, 201)
	var ann httpapi.TokenBody
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "ann", "sale_id": "tiny-show"}, 200).json(t, &ann)
	h.admit(t, "tiny-show")
	h.expect(t, "POST", "/api/tickets", ann.Token, map[string]any{"date": "2030-08-01", "seat_id": 1}, 200)
	clock.Advance(catalog.DirectoryRefresh)
	var listed []httpapi.SaleListingBody
	h.expect(t, "GET", "/api/sales", "", nil, 200).json(t, &listed)
	if len(listed) != 2 || listed[1].SaleID != "tiny-show" || !listed[1].SoldOut || listed[0].SoldOut {
		t.Fatalf("GET /api/sales: %+v; want tiny-show sold out", listed)
	}
	var bob httpapi.TokenBody
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "bob", "sale_id": "tiny-show"}, 200).json(t, &bob)
	if !bob.QueueInfo.SoldOut {
		t.Fatalf("a fan queueing for a sold-out sale: %+v", bob)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
