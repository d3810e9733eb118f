package porttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// listener registers an endpoint that hears every event (of sale, if one is named).
func listener(t *testing.T, s Stores, sale core.SaleID, types ...webhook.EventType) webhook.Endpoint {
	t.Helper()
	if len(types) == 0 {
		types = webhook.EventTypes
	}
	ep := webhook.Endpoint{ID: core.NewID(), URL: "https://hooks.example.com/boxoffice", Events: types, SaleID: sale, Secret: webhook.NewSecret(), CreatedAt: epoch}
	if err := s.Webhooks.AddEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	return ep
}

// drain hands the endpoint the want events due to it, recording each delivered, and returns
// them; it fails on fewer within a few seconds, or more. PostgreSQL shows an event only once
// every transaction that could still commit one before it has ended, the cluster's writers in
// other databases included, so under load a look may come back empty before they do.
func drain(t *testing.T, s Stores, ep webhook.Endpoint, want int) []webhook.Event {
	t.Helper()
	var all []webhook.Event
	for deadline := time.Now().Add(10 * time.Second); len(all) < want; {
		events := must[[]webhook.Event](t)(s.Webhooks.Pending(ctx, ep.ID, 7))
		if len(events) == 0 && time.Now().After(deadline) {
			t.Fatalf("the endpoint got %d events %v, want %d", len(all), typesOf(all), want)
		}
		if len(events) == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		for _, e := range events {
			if err := s.Webhooks.Record(ctx, ep.ID, webhook.Attempt{EventID: e.ID, At: epoch, Code: 204, Status: webhook.Delivered}); err != nil {
				t.Fatal(err)
			}
		}
		all = append(all, events...)
	}
	// None more, looked for a little while: one could still be hidden behind another database's
	// writer, but not for long.
	for range 5 {
		if more := must[[]webhook.Event](t)(s.Webhooks.Pending(ctx, ep.ID, 7)); len(more) > 0 || len(all) > want {
			t.Fatalf("the endpoint got %v and then %v, want %d events", typesOf(all), typesOf(more), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return all
}

// pending is the endpoint's next events, up to limit, once there are want of them (within a
// few seconds: see drain).
func pending(t *testing.T, s Stores, ep webhook.Endpoint, limit, want int) []webhook.Event {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		events := must[[]webhook.Event](t)(s.Webhooks.Pending(ctx, ep.ID, limit))
		if len(events) >= want || time.Now().After(deadline) {
			if len(events) != want {
				t.Fatalf("the endpoint's pending events %v, want %d", typesOf(events), want)
			}
			return events
		}
	}
}

func typesOf(events []webhook.Event) []webhook.EventType {
	out := make([]webhook.EventType, len(events))
	for i, e := range events {
		out[i] = e.Type
	}
	return out
}

func dataOf(t *testing.T, e webhook.Event) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Data, &m); err != nil {
		t.Fatalf("%s data %s: %v", e.Type, e.Data, err)
	}
	return m
}

// runWebhooks is the contract of the outbox and the endpoints' deliveries: every change writes
// its event with it, each endpoint hears its own in order, once delivered never again, and a
// failed one again only when an operator retries it.
func runWebhooks(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("each change writes its event, in the order they happened", func(t *testing.T) {
		s := newStores(t)
		ep := listener(t, s, "")
		p := addShow(t, s, "2030-07-01", 2)
		r, rc := paidTicket(t, s, "alice", p, 1)
		must[booking.Ticket](t)(s.Bookings.CheckIn(ctx, r.ID, rc.PaymentID, epoch.Add(time.Minute)))
		r2, _ := paidTicket(t, s, "bob", p, 2) // the date's last seat: sold out
		rf := must[booking.Refund](t)(refundOf(s, r2, "bob", booking.Terms{Refund: generalPrice - 100, Fee: 100}, ""))
		must[catalog.Performance](t)(s.Catalog.CancelPerformance(ctx, testSale, p.Date, epoch.Add(time.Hour)))
		must[catalog.Performance](t)(s.Catalog.CancelPerformance(ctx, testSale, p.Date, epoch.Add(2*time.Hour))) // once only
		must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, testSale, func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.Paused; return sl, nil }))
		must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, testSale, func(sl catalog.Sale) (catalog.Sale, error) { sl.Title = "renamed"; return sl, nil }))

		events := drain(t, s, ep, 7)
		want := []webhook.EventType{webhook.OrderPaid, webhook.TicketCheckedIn, webhook.OrderPaid, webhook.SaleSoldOut,
			webhook.TicketCancelled, webhook.PerformanceCancelled, webhook.SaleStateChanged}
		if got := typesOf(events); !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		paid := dataOf(t, events[0])
		if paid["order_id"] != string(r.ID) || paid["payment_id"] != string(rc.PaymentID) || paid["amount"] != float64(generalPrice) ||
			paid["date"] != "2030-07-01" || fmt.Sprint(paid["tickets"]) != fmt.Sprint([]any{string(r.ID)}) {
			t.Errorf("order.paid data %s", events[0].Data)
		}
		if in := dataOf(t, events[1]); in["ticket_id"] != string(r.ID) || in["seat_id"] != float64(1) {
			t.Errorf("ticket.checked_in data %s", events[1].Data)
		}
		if c := dataOf(t, events[4]); c["refund_id"] != string(rf.ID) || c["amount"] != float64(generalPrice-100) || c["fee"] != float64(100) {
			t.Errorf("ticket.cancelled data %s", events[4].Data)
		}
		if st := dataOf(t, events[6]); st["from"] != "on_sale" || st["to"] != "paused" {
			t.Errorf("sale.state_changed data %s", events[6].Data)
		}
		ids := map[core.ID]bool{}
		for _, e := range events {
			if e.SaleID != testSale || ids[e.ID] {
				t.Errorf("event %s of sale %q: want a fresh id of %q", e.ID, e.SaleID, testSale)
			}
			ids[e.ID] = true
		}
	})

	t.Run("an order's payment is one event, and a seat that came back sells out again", func(t *testing.T) {
		s := newStores(t)
		ep := listener(t, s, "", webhook.OrderPaid, webhook.SaleSoldOut)
		p := addShow(t, s, "2030-07-01", 3)
		tok := must[core.ID](t)(AdmitFan(ctx, s.Queue, testSale, "alice"))
		must[core.Amount](t)(s.Wallets.Charge(ctx, "alice", 2*generalPrice, "", epoch))
		o := must[booking.Order](t)(orderWith(s, tok, "alice", p, chosen(1, 2), epoch, noCap)) // two of three seats
		rc := must[booking.OrderReceipt](t)(settleOrder(s, o, "alice", epoch, ""))
		r, _ := paidTicket(t, s, "bob", p, 3)
		must[booking.Refund](t)(refundOf(s, r, "bob", booking.Terms{Refund: generalPrice}, ""))
		paidTicket(t, s, "carol", p, 3)
		events := drain(t, s, ep, 5)
		if got, want := typesOf(events), []webhook.EventType{webhook.OrderPaid, webhook.OrderPaid, webhook.SaleSoldOut, webhook.OrderPaid, webhook.SaleSoldOut}; !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		paid := dataOf(t, events[0])
		if paid["order_id"] != string(o.ID) || paid["payment_id"] != string(rc.PaymentID()) || paid["amount"] != float64(o.Total()) ||
			len(paid["tickets"].([]any)) != len(o.Tickets) {
			t.Errorf("order.paid data %s", events[0].Data)
		}
	})

	t.Run("of payments racing for a date's last seats exactly one tells it sold out", func(t *testing.T) {
		for round := range 5 {
			s := newStores(t)
			ep := listener(t, s, "", webhook.SaleSoldOut)
			p := addShow(t, s, fmt.Sprintf("2030-07-%02d", round+1), 8)
			holds := fundedHolds(t, s, p, 8)
			concurrently(len(holds), func(i int) { _, _ = settle(s, holds[i], holds[i].UserID, epoch) })
			drain(t, s, ep, 1) // fails on none, or on more than one
		}
	})

	t.Run("an endpoint hears only its types and its sale, from its registration on", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 4)
		paidTicket(t, s, "alice", p, 1) // before any endpoint
		other := createSale(t, s, "porttest-other")
		checkIns := listener(t, s, testSale, webhook.TicketCheckedIn)
		ofOther := listener(t, s, other.ID)
		r, rc := paidTicket(t, s, "bob", p, 2)
		must[booking.Ticket](t)(s.Bookings.CheckIn(ctx, r.ID, rc.PaymentID, epoch))
		if got := typesOf(drain(t, s, checkIns, 1)); !slices.Equal(got, []webhook.EventType{webhook.TicketCheckedIn}) {
			t.Errorf("the check-ins' endpoint heard %v", got)
		}
		drain(t, s, ofOther, 0) // the other sale's endpoint hears none of this sale's
		must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, other.ID, func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.Closed; return sl, nil }))
		if got := typesOf(drain(t, s, ofOther, 1)); !slices.Equal(got, []webhook.EventType{webhook.SaleStateChanged}) {
			t.Errorf("the other sale's endpoint heard %v after its close", got)
		}
	})

	t.Run("an event waits until delivered, a failed one returns only when retried", func(t *testing.T) {
		s := newStores(t)
		ep := listener(t, s, "")
		p := addShow(t, s, "2030-07-01", 4)
		paidTicket(t, s, "alice", p, 1)
		paidTicket(t, s, "bob", p, 2)
		first := pending(t, s, ep, 1, 1)
		next := epoch.Add(webhook.RetryWait(1))
		if err := s.Webhooks.Record(ctx, ep.ID, webhook.Attempt{EventID: first[0].ID, At: epoch, Code: 503, Status: webhook.Pending, NextAttempt: next}); err != nil {
			t.Fatal(err)
		}
		if again := pending(t, s, ep, 1, 1); again[0].ID != first[0].ID {
			t.Fatalf("after a failed attempt pending is %v, want the same event again", again)
		}
		shown := must[[]webhook.Delivery](t)(s.Webhooks.Deliveries(ctx, ep.ID, 10))
		if len(shown) != 2 || shown[0].Status != webhook.Pending || shown[0].Attempts != 0 ||
			shown[1] != (webhook.Delivery{EventID: first[0].ID, Type: webhook.OrderPaid, Status: webhook.Pending, Attempts: 1, LastCode: 503, NextAttempt: next}) {
			t.Fatalf("deliveries %+v", shown)
		}
		if err := s.Webhooks.Retry(ctx, ep.ID, first[0].ID); !errors.Is(err, webhook.ErrNotFailed) {
			t.Errorf("retrying a pending delivery: %v, want ErrNotFailed", err)
		}
		if err := s.Webhooks.GiveUp(ctx, ep.ID, first[0].ID, epoch.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		second := pending(t, s, ep, 5, 1)
		if second[0].ID == first[0].ID {
			t.Fatalf("after giving up pending is %v, want the next event alone", typesOf(second))
		}
		if err := s.Webhooks.Retry(ctx, ep.ID, first[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Webhooks.Retry(ctx, ep.ID, second[0].ID); !errors.Is(err, webhook.ErrUnknownDelivery) {
			t.Errorf("retrying an untried delivery: %v, want ErrUnknownDelivery", err)
		}
		retried := pending(t, s, ep, 5, 2)
		if retried[0].ID != first[0].ID || retried[1].ID != second[0].ID {
			t.Fatalf("after a retry pending is %v, want the retried event first", retried)
		}
		drain(t, s, ep, 2) // the retried one and the next
		if after := must[[]webhook.Event](t)(s.Webhooks.Pending(ctx, ep.ID, 5)); len(after) != 0 {
			t.Fatalf("delivered events came back: %v", typesOf(after))
		}
	})

	t.Run("the oldest pending event is the first not delivered to an endpoint", func(t *testing.T) {
		s := newStores(t)
		if oldest := must[time.Time](t)(s.Webhooks.OldestPending(ctx)); !oldest.IsZero() {
			t.Fatalf("oldest pending %s with no endpoint, want none", oldest)
		}
		ep := listener(t, s, "", webhook.TicketCheckedIn)
		p := addShow(t, s, "2030-07-01", 2)
		r1, rc1 := paidTicket(t, s, "alice", p, 1)
		r2, rc2 := paidTicket(t, s, "bob", p, 2)
		must[booking.Ticket](t)(s.Bookings.CheckIn(ctx, r1.ID, rc1.PaymentID, epoch.Add(time.Minute)))
		must[booking.Ticket](t)(s.Bookings.CheckIn(ctx, r2.ID, rc2.PaymentID, epoch.Add(2*time.Minute)))
		if oldest := must[time.Time](t)(s.Webhooks.OldestPending(ctx)); !oldest.Equal(epoch.Add(time.Minute)) {
			t.Fatalf("oldest pending %s, want the first check-in's %s", oldest, epoch.Add(time.Minute))
		}
		first := pending(t, s, ep, 1, 1)[0]
		if err := s.Webhooks.Record(ctx, ep.ID, webhook.Attempt{EventID: first.ID, At: epoch, Code: 200, Status: webhook.Delivered}); err != nil {
			t.Fatal(err)
		}
		if oldest := must[time.Time](t)(s.Webhooks.OldestPending(ctx)); !oldest.Equal(epoch.Add(2 * time.Minute)) {
			t.Fatalf("oldest pending %s, want the second check-in's", oldest)
		}
		drain(t, s, ep, 1)
		if oldest := must[time.Time](t)(s.Webhooks.OldestPending(ctx)); !oldest.IsZero() {
			t.Fatalf("oldest pending %s once all are delivered, want none", oldest)
		}
	})

	t.Run("retried deliveries filling a batch pass over no new event", func(t *testing.T) {
		s := newStores(t)
		ep := listener(t, s, "", webhook.TicketCheckedIn)
		p := addShow(t, s, "2030-07-01", 2)
		r1, rc1 := paidTicket(t, s, "alice", p, 1)
		must[booking.Ticket](t)(s.Bookings.CheckIn(ctx, r1.ID, rc1.PaymentID, epoch))
		failed := pending(t, s, ep, 1, 1)[0]
		if err := s.Webhooks.GiveUp(ctx, ep.ID, failed.ID, epoch); err != nil {
			t.Fatal(err)
		}
		if err := s.Webhooks.Retry(ctx, ep.ID, failed.ID); err != nil {
			t.Fatal(err)
		}
		r2, rc2 := paidTicket(t, s, "bob", p, 2)
		must[booking.Ticket](t)(s.Bookings.CheckIn(ctx, r2.ID, rc2.PaymentID, epoch))
		if again := pending(t, s, ep, 1, 1); again[0].ID != failed.ID { // the batch is the retried one alone
			t.Fatalf("pending %v, want the retried event first", again)
		}
		if err := s.Webhooks.Record(ctx, ep.ID, webhook.Attempt{EventID: failed.ID, At: epoch, Code: 204, Status: webhook.Delivered}); err != nil {
			t.Fatal(err)
		}
		if next := drain(t, s, ep, 1); dataOf(t, next[0])["ticket_id"] != string(r2.ID) {
			t.Fatalf("after the retry the endpoint got %s, want bob's check-in", next[0].Data)
		}
	})

	t.Run("endpoints are listed, read and removed", func(t *testing.T) {
		s := newStores(t)
		a, b := listener(t, s, ""), listener(t, s, testSale, webhook.OrderPaid)
		got := must[[]webhook.Endpoint](t)(s.Webhooks.Endpoints(ctx)) // registered in the same instant: in either order
		slices.SortFunc(got, func(x, y webhook.Endpoint) int { return len(y.Events) - len(x.Events) })
		if len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID || got[1].SaleID != testSale || got[1].Secret != b.Secret ||
			!slices.Equal(got[1].Events, []webhook.EventType{webhook.OrderPaid}) || !got[1].CreatedAt.Equal(epoch) {
			t.Fatalf("endpoints %+v", got)
		}
		if err := s.Webhooks.RemoveEndpoint(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		for _, err := range []error{
			s.Webhooks.RemoveEndpoint(ctx, a.ID),
			func() error { _, err := s.Webhooks.Endpoint(ctx, a.ID); return err }(),
			func() error { _, err := s.Webhooks.Pending(ctx, a.ID, 1); return err }(),
			func() error { _, err := s.Webhooks.Endpoint(ctx, core.NewID()); return err }(),
		} {
			if !errors.Is(err, webhook.ErrUnknownEndpoint) {
				t.Errorf("a removed or unknown endpoint: %v, want ErrUnknownEndpoint", err)
			}
		}
		if got := must[[]webhook.Endpoint](t)(s.Webhooks.Endpoints(ctx)); len(got) != 1 || got[0].ID != b.ID {
			t.Fatalf("endpoints after removal %+v", got)
		}
	})
}
