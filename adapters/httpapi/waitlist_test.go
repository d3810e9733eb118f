package httpapi_test

import (
	"context"
	"testing"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// smallDate is a date of the test sale with two seats, which the waitlist tests sell out.
const smallDate = "2030-07-02"

func addSmallDate(t *testing.T, h *harness) {
	t.Helper()
	d, _ := core.ParseDate(smallDate)
	err := h.store.AddPerformance(context.Background(), catalog.Performance{SaleID: testSale, Date: d,
		Sections: []catalog.Section{{Name: "General", FirstSeat: 1, LastSeat: 2, Price: 50_000}}})
	if err != nil {
		t.Fatal(err)
	}
}

// A fan still waiting in the queue joins the waitlist of a sold-out date; a seat given back is
// offered to them at once, and they pay the offer with that waiting token.
func TestAFanGetsAReturnedSeatFromTheWaitlist(t *testing.T) {
	h := newHarness(t)
	addSmallDate(t, h)
	ann := h.token(t, "ann", true)
	var first httpapi.HoldBody
	h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": smallDate, "seat_id": 1}, 200).json(t, &first)
	h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": smallDate, "seat_id": 2}, 200)

	bob := h.token(t, "bob", false) // waiting in the queue
	var joined httpapi.WaitlistEntryBody
	h.expect(t, "POST", "/api/waitlist", bob, map[string]any{"date": smallDate, "quantity": 1}, 201).json(t, &joined)
	if joined.Status != "waiting" || joined.Position == nil || *joined.Position != 0 || joined.OrderID != nil {
		t.Fatalf("bob joined %+v, want waiting at position 0", joined)
	}
	h.expect(t, "DELETE", "/api/orders/"+first.TicketID, ann, nil, 204) // ann gives seat 1 back

	var entries []httpapi.WaitlistEntryBody
	h.expect(t, "GET", "/api/waitlist", bob, nil, 200).json(t, &entries)
	if len(entries) != 1 || entries[0].Status != "offered" || entries[0].OrderID == nil || entries[0].OfferExpires == nil || entries[0].Position != nil {
		t.Fatalf("bob's entries %+v, want his one offered", entries)
	}
	if untimed, _ := h.store.UntimedOffers(context.Background(), 10); len(untimed) != 0 {
		t.Fatalf("the offer's timer did not start: %v", untimed)
	}
	var offer httpapi.OrderBody
	h.expect(t, "GET", "/api/orders/"+*entries[0].OrderID, bob, nil, 200).json(t, &offer)
	if offer.Status != "reserved" || len(offer.Tickets) != 1 || offer.Tickets[0].SeatID != 1 || !offer.Expiration.Equal(*entries[0].OfferExpires) {
		t.Fatalf("bob's offer %+v, want seat 1 reserved until the offer expires", offer)
	}
	h.expect(t, "POST", "/api/balance", bob, map[string]any{"amount": 50_000}, 200)
	h.expectWithHeader(t, "POST", "/api/orders/"+*entries[0].OrderID+"/payment", bob, map[string]string{"Idempotency-Key": "bob-offer"}, nil, 200)
	h.expect(t, "GET", "/api/waitlist", bob, nil, 200).json(t, &entries)
	if entries[0].Status != "claimed" {
		t.Fatalf("bob's entry after paying is %s, want claimed", entries[0].Status)
	}
	h.expect(t, "DELETE", "/api/waitlist/"+entries[0].WaitlistID, bob, nil, 409).problem(t) // it has ended
}

// Every refusal of the waitlist's endpoints says what was wrong and changes nothing.
func TestWaitlistRefusals(t *testing.T) {
	h := newHarness(t)
	addSmallDate(t, h)
	ann := h.token(t, "ann", true)
	h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": smallDate, "seat_id": 1}, 200)
	h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": smallDate, "seat_id": 2}, 200)
	bob := h.token(t, "bob", false)

	h.expect(t, "POST", "/api/waitlist", "", map[string]any{"date": smallDate, "quantity": 1}, 401).problem(t)
	for _, body := range []map[string]any{
		{"date": smallDate, "quantity": 0},
		{"date": smallDate, "quantity": 99},
		{"date": "2030-08-30", "quantity": 1},
		{"date": smallDate, "quantity": 1, "section": "Balcony"},
		{"date": "tomorrow", "quantity": 1},
		{"date": smallDate, "quantity": 3},                // more than the date's 2 seats: never offerable
		{"date": smallDate, "quantity": 1, "section": ""}, // a section named with no name
	} {
		h.expect(t, "POST", "/api/waitlist", bob, body, 400).problem(t)
	}
	h.expect(t, "POST", "/api/waitlist", bob, map[string]any{"date": showDate, "quantity": 2}, 409).problem(t) // seats are free there
	var joined httpapi.WaitlistEntryBody
	h.expect(t, "POST", "/api/waitlist", bob, map[string]any{"date": smallDate, "quantity": 2}, 201).json(t, &joined)
	h.expect(t, "POST", "/api/waitlist", bob, map[string]any{"date": smallDate, "quantity": 1}, 409).problem(t) // once per date

	carol := h.token(t, "carol", false)
	h.expect(t, "DELETE", "/api/waitlist/"+joined.WaitlistID, carol, nil, 404).problem(t) // another fan's
	h.expect(t, "DELETE", "/api/waitlist/not-a-uuid", bob, nil, 400).problem(t)
	h.expect(t, "DELETE", "/api/waitlist/"+string(core.NewID()), bob, nil, 404).problem(t)
	var entries []httpapi.WaitlistEntryBody
	h.expect(t, "GET", "/api/waitlist", bob, nil, 200).json(t, &entries)
	if len(entries) != 1 || entries[0].Status != "waiting" {
		t.Fatalf("after the refusals bob has %+v, want his one entry waiting", entries)
	}
	h.expect(t, "DELETE", "/api/waitlist/"+joined.WaitlistID, bob, nil, 204)
	h.expect(t, "GET", "/api/waitlist", bob, nil, 200).json(t, &entries)
	if entries[0].Status != "left" {
		t.Fatalf("bob's entry after leaving is %s", entries[0].Status)
	}

	h.admin(t, "PATCH", "/api/admin/sales/"+string(testSale), map[string]any{"state": "paused"}, 200)
	h.expect(t, "POST", "/api/waitlist", carol, map[string]any{"date": smallDate, "quantity": 1}, 409).problem(t) // nobody joins a paused sale
	h.admin(t, "PATCH", "/api/admin/sales/"+string(testSale), map[string]any{"state": "closed"}, 200)
	h.expect(t, "POST", "/api/waitlist", carol, map[string]any{"date": smallDate, "quantity": 1}, 410).problem(t)
}
