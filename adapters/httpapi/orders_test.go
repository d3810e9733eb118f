package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
)

// order reads an order as stored.
func (h *harness) order(t *testing.T, id string) booking.Order {
	t.Helper()
	o, err := h.store.Order(ctx, core.ID(id))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestPlaceOrder(t *testing.T) {
	h := newHarness(t)
	ann := h.token(t, "ann", true)
	ben := h.token(t, "ben", true)
	var o httpapi.OrderBody
	h.expect(t, "POST", "/api/orders", ann, map[string]any{"date": showDate, "seat_ids": []int{14, 12, 13}}, 201).json(t, &o)
	if o.Status != "reserved" || o.OrderID == "" || o.Date != showDate || o.Total != 150_000 || len(o.Tickets) != 3 ||
		o.Tickets[0].SeatID != 12 || o.Tickets[2].SeatID != 14 || o.Receipt != nil || o.Expiration.Before(time.Now().Add(4*time.Minute)) {
		t.Fatalf("order %+v, want seats 12 to 14 reserved for 150000", o)
	}
	var best httpapi.OrderBody
	h.expect(t, "POST", "/api/orders", ben, map[string]any{"date": showDate, "quantity": 2, "together": true}, 201).json(t, &best)
	if best.Tickets[0].SeatID != 1 || best.Tickets[1].SeatID != 2 {
		t.Fatalf("best 2 together: %+v, want seats 1 and 2", best.Tickets)
	}
	for _, tc := range []struct {
		name, field string
		body        any
	}{
		{"neither seats nor quantity", "body.seat_ids", map[string]any{"date": showDate}},
		{"seats and quantity", "body.seat_ids", map[string]any{"date": showDate, "seat_ids": []int{30}, "quantity": 1}},
		{"a seat twice", "body.seat_ids", map[string]any{"date": showDate, "seat_ids": []int{30, 30}}},
		{"a seat off the map", "body.seat_ids[1]", map[string]any{"date": showDate, "seat_ids": []int{30, 0}}},
		{"a seat past the last", "body.seat_ids", map[string]any{"date": showDate, "seat_ids": []int{30, 51}}},
		{"more seats than a fan may have", "body.seat_ids", map[string]any{"date": showDate, "seat_ids": []int{30, 31, 32, 33, 34}}},
		{"quantity 0", "body.quantity", map[string]any{"date": showDate, "quantity": 0}},
		{"quantity over the limit", "body.quantity", map[string]any{"date": showDate, "quantity": 5}},
		{"unknown section", "body.section", map[string]any{"date": showDate, "quantity": 2, "section": "Gods"}},
		{"malformed date", "body.date", map[string]any{"date": "soon", "quantity": 1}},
		{"seat ids as strings", "body.seat_ids[0]", map[string]any{"date": showDate, "seat_ids": []string{"30"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.expect(t, "POST", "/api/orders", ben, tc.body, 400)
			if p := r.problem(t); !strings.Contains(string(r.body), `"location":"`+tc.field+`"`) {
				t.Fatalf("400 %v does not name %s", p, tc.field)
			}
		})
	}
	h.expect(t, "POST", "/api/orders", ben, map[string]any{"date": "2030-07-02", "quantity": 1}, 400).problem(t)
	p := h.expect(t, "POST", "/api/orders", ben, map[string]any{"date": showDate, "seat_ids": []int{11, 12, 14}}, 409).problem(t)
	if taken, ok := p["taken"].([]any); !ok || len(taken) != 2 || taken[0] != float64(12) || taken[1] != float64(14) {
		t.Fatalf("409 %v, want taken [12 14]", p)
	}
	h.expect(t, "POST", "/api/tickets", ben, map[string]any{"date": showDate, "seat_id": 11}, 200) // the refused order held none
	var general httpapi.OrderBody
	h.expect(t, "POST", "/api/orders", h.token(t, "cat", true), map[string]any{"date": showDate, "quantity": 4, "together": true, "section": "General"}, 201).json(t, &general)
	if general.Tickets[0].SeatID != 3 || general.Tickets[3].SeatID != 6 || general.Tickets[0].Section != "General" {
		t.Fatalf("best 4 together in General: %+v, want seats 3 to 6", general.Tickets)
	}
	h.expect(t, "POST", "/api/orders", "", map[string]any{"date": showDate, "quantity": 1}, 401).problem(t)
	waiting := h.token(t, "dan", false)
	h.expect(t, "POST", "/api/orders", waiting, map[string]any{"date": showDate, "quantity": 1}, 403).problem(t)
	// The limit counts seats: ann holds 3 of her 4.
	h.expect(t, "POST", "/api/orders", ann, map[string]any{"date": showDate, "quantity": 2}, 429).problem(t)

	// Each seat is a ticket naming its order.
	var tickets []httpapi.TicketBody
	h.expect(t, "GET", "/api/tickets", ann, nil, 200).json(t, &tickets)
	if len(tickets) != 3 || tickets[0].OrderID != o.OrderID || tickets[0].Status != "held" {
		t.Fatalf("ann's tickets %+v, want her order's three, naming it", tickets)
	}
}

func TestNotEnoughSeatsTogether(t *testing.T) {
	h := newHarness(t)
	ann := h.token(t, "ann", true)
	// Seats 1 to 50: take every third, leaving runs of two.
	for n := 3; n <= 50; n += 3 {
		h.expect(t, "POST", "/api/tickets", h.token(t, fmt.Sprintf("fan-%d", n), true), map[string]any{"date": showDate, "seat_id": n}, 200)
	}
	p := h.expect(t, "POST", "/api/orders", ann, map[string]any{"date": showDate, "quantity": 3, "together": true}, 409).problem(t)
	if p["available"] != float64(2) {
		t.Fatalf("409 %v, want available 2: the longest run left", p)
	}
	var o httpapi.OrderBody
	h.expect(t, "POST", "/api/orders", ann, map[string]any{"date": showDate, "quantity": 3}, 201).json(t, &o)
	if o.Tickets[0].SeatID != 1 || o.Tickets[1].SeatID != 2 || o.Tickets[2].SeatID != 4 {
		t.Fatalf("best 3 apart: %+v, want 1, 2 and 4", o.Tickets)
	}
}

func TestPayOrder(t *testing.T) {
	h := newHarness(t)
	ann := h.token(t, "ann", true)
	ben := h.token(t, "ben", true)
	var o httpapi.OrderBody
	h.expect(t, "POST", "/api/orders", ann, map[string]any{"date": showDate, "seat_ids": []int{3, 4}}, 201).json(t, &o)
	path := "/api/orders/" + o.OrderID + "/payment"
	h.expect(t, "POST", "/api/balance", ann, map[string]any{"amount": 70_000}, 200)
	p := h.expect(t, "POST", path, ann, nil, 402).problem(t)
	if p["balance"] != float64(70_000) || p["needed"] != float64(100_000) {
		t.Fatalf("402 %v, want balance 70000 and the total needed, 100000", p)
	}
	h.expect(t, "POST", "/api/balance", ben, map[string]any{"amount": 200_000}, 200)
	h.expect(t, "POST", path, ben, nil, 404).problem(t) // another fan's order is not theirs to know
	h.expect(t, "POST", "/api/orders/"+string(core.NewID())+"/payment", ann, nil, 404).problem(t)
	h.expect(t, "POST", "/api/orders/not-an-id/payment", ann, nil, 400).problem(t)
	h.expect(t, "POST", path, "", nil, 401).problem(t)
	p = h.expect(t, "POST", "/api/payment", ann, map[string]any{"ticket_id": o.Tickets[0].TicketID, "seat_id": 3, "date": showDate}, 409).problem(t)
	if !strings.Contains(p["detail"].(string), path) {
		t.Fatalf("409 for one seat of an order: %v, want the order's payment path %s", p["detail"], path)
	}
	if h.balance(t, "ann") != 70_000 || h.balance(t, "ben") != 200_000 {
		t.Fatal("a refused payment moved money")
	}

	h.expect(t, "POST", "/api/balance", ann, map[string]any{"amount": 40_000}, 200)
	key := map[string]string{"Idempotency-Key": "family-of-two"}
	var paid httpapi.OrderPaymentBody
	h.expectWithHeader(t, "POST", path, ann, key, nil, 200).json(t, &paid)
	if paid.Status != "success" || paid.Receipt.Amount != 100_000 || paid.Receipt.PaymentID == "" || paid.Receipt.PerformanceDate != showDate ||
		len(paid.Tickets) != 2 || paid.Tickets[0].Credential == "" || paid.Tickets[1].Credential == "" || paid.Tickets[0].Credential == paid.Tickets[1].Credential {
		t.Fatalf("payment %+v, want one receipt of 100000 and a credential per ticket", paid)
	}
	if h.balance(t, "ann") != 10_000 {
		t.Fatalf("balance %d after paying 100000 of 110000", h.balance(t, "ann"))
	}
	h.expect(t, "GET", "/api/token", ann, nil, 401) // the session is over
	var again httpapi.OrderPaymentBody
	h.expectWithHeader(t, "POST", path, ann, key, nil, 200).json(t, &again)
	if again.Receipt != paid.Receipt || !slices.Equal(again.Tickets, paid.Tickets) {
		t.Fatalf("retried payment %+v, want the first %+v", again, paid)
	}
	if h.balance(t, "ann") != 10_000 {
		t.Fatal("a retried payment moved money")
	}

	later := h.token(t, "ann", false) // queued again: a live token shows the order
	var shown httpapi.OrderBody
	h.expect(t, "GET", "/api/orders/"+o.OrderID, later, nil, 200).json(t, &shown)
	if shown.Status != "paid" || shown.Receipt == nil || *shown.Receipt != paid.Receipt {
		t.Fatalf("order after payment %+v, want paid with its receipt", shown)
	}
	h.expect(t, "GET", "/api/orders/"+o.OrderID, ben, nil, 404).problem(t)
	var ticket httpapi.TicketBody
	h.expect(t, "GET", "/api/tickets/"+o.Tickets[1].TicketID, later, nil, 200).json(t, &ticket)
	if ticket.Status != "paid" || ticket.Receipt == nil || ticket.Receipt.PaymentID != paid.Receipt.PaymentID || ticket.OrderID != o.OrderID {
		t.Fatalf("ticket %+v, want paid by the order's payment %s", ticket, paid.Receipt.PaymentID)
	}
	h.admit(t, testSale)
	h.expect(t, "DELETE", "/api/orders/"+o.OrderID, later, nil, 409).problem(t)
	var next httpapi.OrderBody
	h.expect(t, "POST", "/api/orders", later, map[string]any{"date": showDate, "quantity": 1}, 201).json(t, &next)
	h.expectWithHeader(t, "POST", "/api/orders/"+next.OrderID+"/payment", later, key, nil, 422).problem(t) // the key paid for another order
}

func TestGiveBackOrder(t *testing.T) {
	h := newHarness(t)
	ann := h.token(t, "ann", true)
	ben := h.token(t, "ben", true)
	var o httpapi.OrderBody
	h.expect(t, "POST", "/api/orders", ann, map[string]any{"date": showDate, "seat_ids": []int{20, 21}}, 201).json(t, &o)
	h.expect(t, "DELETE", "/api/orders/"+o.OrderID, ben, nil, 404).problem(t)
	h.expect(t, "DELETE", "/api/orders/nope", ann, nil, 400).problem(t)
	h.expect(t, "DELETE", "/api/orders/"+o.OrderID, "", nil, 401).problem(t)
	if got := h.order(t, o.OrderID); got.Tickets[0].Status != booking.Held || got.Tickets[1].Status != booking.Held {
		t.Fatal("a refused give-back freed a seat")
	}
	r := h.expect(t, "DELETE", "/api/orders/"+o.OrderID, ann, nil, 204)
	if len(r.body) != 0 {
		t.Fatalf("204 with a body: %s", r.body)
	}
	h.expect(t, "DELETE", "/api/orders/"+o.OrderID, ann, nil, 204)
	var shown httpapi.OrderBody
	h.expect(t, "GET", "/api/orders/"+o.OrderID, ann, nil, 200).json(t, &shown)
	if shown.Status != "released" {
		t.Fatalf("order %+v after giving it back, want released", shown)
	}
	// Its seats are free at once: ben takes them.
	h.expect(t, "POST", "/api/orders", ben, map[string]any{"date": showDate, "seat_ids": []int{20, 21}}, 201)
	h.expect(t, "POST", "/api/balance", ann, map[string]any{"amount": 100_000}, 200)
	h.expect(t, "POST", "/api/orders/"+o.OrderID+"/payment", ann, nil, 409).problem(t)
}

// A seat held with POST /api/tickets is an order of one, whose id is its ticket's: shown, paid
// and given back through the orders' paths as well.
func TestASeatHeldOnItsOwnIsAnOrderOfOne(t *testing.T) {
	h := newHarness(t)
	ann := h.token(t, "ann", true)
	var first, second httpapi.HoldBody
	h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": showDate, "seat_id": 5}, 200).json(t, &first)
	h.expect(t, "POST", "/api/tickets", ann, map[string]any{"date": showDate, "seat_id": 6}, 200).json(t, &second)
	var o httpapi.OrderBody
	h.expect(t, "GET", "/api/orders/"+first.TicketID, ann, nil, 200).json(t, &o)
	if o.OrderID != first.TicketID || o.Status != "reserved" || len(o.Tickets) != 1 || o.Tickets[0].SeatID != 5 || o.Total != first.Price {
		t.Fatalf("seat 5 as an order: %+v", o)
	}
	h.expect(t, "DELETE", "/api/orders/"+second.TicketID, ann, nil, 204)
	var seat6 httpapi.TicketBody
	h.expect(t, "GET", "/api/tickets/"+second.TicketID, ann, nil, 200).json(t, &seat6)
	if seat6.Status != "released" || seat6.OrderID != "" {
		t.Fatalf("seat 6 given back as an order of one: %+v, want released, of no order", seat6)
	}
	h.expect(t, "POST", "/api/balance", ann, map[string]any{"amount": first.Price}, 200)
	var paid httpapi.OrderPaymentBody
	h.expect(t, "POST", "/api/orders/"+first.TicketID+"/payment", ann, nil, 200).json(t, &paid)
	if paid.Receipt.Amount != first.Price || len(paid.Tickets) != 1 || paid.Tickets[0].Credential == "" {
		t.Fatalf("paying seat 5 as an order: %+v", paid)
	}
	// The seat's own payment path answers with the same receipt.
	var again httpapi.PaymentBody
	h.expect(t, "POST", "/api/payment", ann, map[string]any{"ticket_id": first.TicketID, "seat_id": 5, "date": showDate}, 200).json(t, &again)
	if again.Receipt.PaymentID != paid.Receipt.PaymentID {
		t.Fatalf("the seat's payment %s, want the order's %s", again.Receipt.PaymentID, paid.Receipt.PaymentID)
	}
}
