package booking_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/wallet"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

func chosenSeats(seats ...int) booking.PlaceOrderRequest {
	return booking.PlaceOrderRequest{Date: showDate, Seats: seats}
}

// placed places an order that must be taken.
func placed(t *testing.T, w *apptest.World, caller core.Caller, req booking.PlaceOrderRequest) booking.Order {
	t.Helper()
	o, err := w.Booking.OrderTaker.PlaceOrder(ctx, caller, req)
	if err != nil {
		t.Fatalf("order %+v: %v", req, err)
	}
	return o
}

func TestPlaceOrder(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", true)
	o, err := w.Booking.OrderTaker.PlaceOrder(ctx, ann, chosenSeats(9, 7))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Tickets) != 2 || o.Tickets[0].Seat != 7 || o.Tickets[1].Seat != 9 || o.Total() != 100_000 ||
		!o.HeldUntil.Equal(w.Clock.Now().Add(booking.DefaultPolicy.HoldTTL)) || o.StatusAt(w.Clock.Now()) != booking.OrderReserved {
		t.Fatalf("order %+v, want seats 7 and 9 reserved for 100000", o)
	}
	for _, tk := range o.Tickets {
		if tk.OrderID != o.ID || tk.UserID != "ann" || tk.Status != booking.Held {
			t.Fatalf("ticket %+v, want ann's, held, of order %s", tk, o.ID)
		}
	}
	best, err := w.Booking.OrderTaker.PlaceOrder(ctx, w.Fan(t, "ben", true), booking.PlaceOrderRequest{Date: showDate, Quantity: 3, Together: true})
	if err != nil || len(best.Tickets) != 3 || best.Seats()[0] != 1 || best.Seats()[2] != 3 {
		t.Fatalf("best 3 together: %+v, %v; want seats 1 to 3", best.Seats(), err)
	}
	cat := w.Fan(t, "cat", true)
	for _, tc := range []struct {
		name  string
		req   booking.PlaceOrderRequest
		want  error
		field string
	}{
		{"malformed date", booking.PlaceOrderRequest{Date: "soon", Seats: []int{20}}, core.ErrInvalid, "date"},
		{"no performance", booking.PlaceOrderRequest{Date: "2030-07-02", Seats: []int{20}}, catalog.ErrUnknownDate, ""},
		{"neither seats nor quantity", booking.PlaceOrderRequest{Date: showDate}, core.ErrInvalid, "seat_ids"},
		{"seats and quantity", booking.PlaceOrderRequest{Date: showDate, Seats: []int{20}, Quantity: 1}, core.ErrInvalid, "seat_ids"},
		{"a seat twice", chosenSeats(20, 20), core.ErrInvalid, "seat_ids"},
		{"a seat off the map", chosenSeats(20, 51), core.ErrInvalid, "seat_ids"},
		{"more seats than the limit", chosenSeats(20, 21, 22, 23, 24), core.ErrInvalid, "seat_ids"},
		{"quantity over the limit", booking.PlaceOrderRequest{Date: showDate, Quantity: 5}, core.ErrInvalid, "quantity"},
		{"unknown section", booking.PlaceOrderRequest{Date: showDate, Quantity: 2, Section: "Gods"}, core.ErrInvalid, "section"},
		{"a chosen seat taken", chosenSeats(6, 7, 8), core.ErrConflict, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.Booking.OrderTaker.PlaceOrder(ctx, cat, tc.req)
			wantErr(t, err, tc.want)
			var field *core.InvalidFieldError
			if tc.field != "" && (!errors.As(err, &field) || field.Field != tc.field) {
				t.Fatalf("error %v does not name field %s", err, tc.field)
			}
		})
	}
	_, err = w.Booking.OrderTaker.PlaceOrder(ctx, cat, chosenSeats(6, 7, 8, 9))
	var taken *booking.SeatsTakenError
	if !errors.As(err, &taken) || len(taken.Taken) != 2 || taken.Taken[0] != 7 || taken.Taken[1] != 9 {
		t.Fatalf("seats 6 to 9 with 7 and 9 held: %v, want taken [7 9]", err)
	}
	seats, _ := w.Catalog.Listings.Seats(ctx, cat, showDate)
	if seats[5].Status != catalog.SeatAvailable || seats[7].Status != catalog.SeatAvailable {
		t.Fatal("a refused order held some of its seats")
	}
	// The limit counts seats: ann holds 2 of her 4 and may order 2 more, not 3.
	_, err = w.Booking.OrderTaker.PlaceOrder(ctx, ann, booking.PlaceOrderRequest{Date: showDate, Quantity: 3})
	var holds *booking.TooManyHoldsError
	if !errors.As(err, &holds) {
		t.Fatalf("3 more seats for a fan holding 2 of 4: %v, want TooManyHoldsError", err)
	}
	if _, err := w.Booking.OrderTaker.PlaceOrder(ctx, ann, booking.PlaceOrderRequest{Date: showDate, Quantity: 2}); err != nil {
		t.Fatalf("2 more seats for a fan holding 2 of 4: %v", err)
	}
	_, err = w.Booking.OrderTaker.PlaceOrder(ctx, w.Fan(t, "dan", false), chosenSeats(30))
	wantErr(t, err, core.ErrNotAdmitted)
}

// failingOrders cannot start orders' timers.
type failingOrders struct{ booking.Lifecycle }

func (failingOrders) StartOrder(context.Context, booking.Order) error {
	return errors.New("temporal unavailable")
}

func TestAnOrderIsUndoneWhenItsTimerCannotStart(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy, with(failingOrders{}))
	ann := w.Fan(t, "ann", true)
	_, err := w.Booking.OrderTaker.PlaceOrder(ctx, ann, chosenSeats(1, 2))
	if !errors.Is(err, booking.ErrHoldNotStarted) || !errors.Is(err, core.ErrUnavailable) {
		t.Fatalf("an order without its timer: %v, want ErrHoldNotStarted (unavailable)", err)
	}
	seats, _ := w.Catalog.Listings.Seats(ctx, ann, showDate)
	if seats[0].Status != catalog.SeatAvailable || seats[1].Status != catalog.SeatAvailable {
		t.Fatal("the seats stayed held although the order's timer never started")
	}
}

func TestPayOrder(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", true)
	o, err := w.Booking.OrderTaker.PlaceOrder(ctx, ann, chosenSeats(3, 4, 5))
	if err != nil {
		t.Fatal(err)
	}
	ben := w.Fan(t, "ben", true)
	for _, tc := range []struct {
		name   string
		caller core.Caller
		id     string
		want   error
	}{
		{"malformed order id", ann, "42", core.ErrInvalid},
		{"unknown order", ann, string(core.NewID()), booking.ErrUnknownOrder},
		{"another fan's order", ben, string(o.ID), booking.ErrUnknownOrder},
		{"empty wallet", ann, string(o.ID), wallet.ErrInsufficientBalance},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.Booking.Checkout.PayOrder(ctx, tc.caller, tc.id, "")
			wantErr(t, err, tc.want)
		})
	}
	_, _ = w.Wallet.Cashier.Charge(ctx, ann, 100_000, "")
	_, err = w.Booking.Checkout.PayOrder(ctx, ann, string(o.ID), "")
	var short *wallet.InsufficientBalanceError
	if !errors.As(err, &short) || short.Needed != 150_000 || short.Balance != 100_000 {
		t.Fatalf("100000 for an order of 150000: %v, want 402 needing the total", err)
	}
	_, _ = w.Wallet.Cashier.Charge(ctx, ann, 60_000, "")
	paid, err := w.Booking.Checkout.PayOrder(ctx, ann, string(o.ID), "family")
	if err != nil {
		t.Fatal(err)
	}
	rc := *paid.Receipt
	if paid.Status != booking.OrderPaid || paid.Tickets[2].Status != booking.Paid || paid.Tickets[2].Seat != 5 {
		t.Fatalf("paid order %+v, want every seat paid", paid)
	}
	if rc.OrderID != o.ID || len(rc.Tickets) != 3 || rc.Total() != 150_000 || rc.PaymentID() == "" {
		t.Fatalf("receipt %+v, want three tickets of one payment of 150000", rc)
	}
	if bal, _ := w.Store.Balance(ctx, "ann"); bal != 10_000 {
		t.Fatalf("balance %d after paying 150000 of 160000", bal)
	}
	_, err = w.Wallet.Cashier.Balance(ctx, ann)
	wantErr(t, err, queue.ErrTokenExpired) // nothing left to pay: the session ends
	again := w.Fan(t, "ann", true)
	replay, err := w.Booking.Checkout.PayOrder(ctx, again, string(o.ID), "family")
	if err != nil || replay.Receipt.PaymentID() != rc.PaymentID() || len(replay.Receipt.Tickets) != 3 {
		t.Fatalf("replay = %+v, %v; want %+v", replay, err, rc)
	}
	if bal, _ := w.Store.Balance(ctx, "ann"); bal != 10_000 {
		t.Fatalf("balance %d after a replay, want 10000", bal)
	}
	if got, _ := w.Booking.OrderTaker.Order(ctx, again, string(o.ID)); got.Status != booking.OrderPaid || got.Receipt == nil || got.Receipt.PaymentID() != rc.PaymentID() {
		t.Fatalf("the order is %s with receipt %+v after its payment, want paid with payment %s", got.Status, got.Receipt, rc.PaymentID())
	}
	err = w.Booking.OrderTaker.GiveBack(ctx, again, string(o.ID))
	wantErr(t, err, booking.ErrOrderPaid)
}

func TestAKeyThatPaidForAnOrderPaysForNothingElse(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", true)
	o := placed(t, w, ann, chosenSeats(3, 4))
	other := placed(t, w, ann, chosenSeats(10))
	_, _ = w.Wallet.Cashier.Charge(ctx, ann, 200_000, "")
	if _, err := w.Booking.Checkout.PayOrder(ctx, ann, string(o.ID), "k"); err != nil {
		t.Fatal(err)
	}
	again := w.Fan(t, "ann", true)
	_, err := w.Booking.Checkout.PayOrder(ctx, again, string(other.ID), "k")
	wantErr(t, err, core.ErrIdempotencyMismatch)
}

func TestPayOrderAfterItsDeadline(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", true)
	o := placed(t, w, ann, chosenSeats(3, 4))
	_, _ = w.Wallet.Cashier.Charge(ctx, ann, 100_000, "")
	w.Clock.Advance(booking.DefaultPolicy.HoldTTL)
	_, err := w.Booking.Checkout.PayOrder(ctx, ann, string(o.ID), "")
	wantErr(t, err, booking.ErrOrderEnded)
	wantErr(t, err, core.ErrConflict)
	if bal, _ := w.Store.Balance(ctx, "ann"); bal != 100_000 {
		t.Fatalf("balance %d after a refused late payment", bal)
	}
}

func TestGiveBackAnOrder(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", true)
	o := placed(t, w, ann, chosenSeats(3, 4))
	ben := w.Fan(t, "ben", true)
	wantErr(t, w.Booking.OrderTaker.GiveBack(ctx, ben, string(o.ID)), booking.ErrUnknownOrder)
	wantErr(t, w.Booking.OrderTaker.GiveBack(ctx, ann, "nope"), core.ErrInvalid)
	if err := w.Booking.OrderTaker.GiveBack(ctx, ann, string(o.ID)); err != nil {
		t.Fatal(err)
	}
	if err := w.Booking.OrderTaker.GiveBack(ctx, ann, string(o.ID)); err != nil {
		t.Fatalf("giving an order back twice: %v", err)
	}
	got, err := w.Booking.OrderTaker.Order(ctx, ann, string(o.ID))
	if err != nil || got.Status != booking.OrderReleased || got.Receipt != nil {
		t.Fatalf("order %+v, %v after giving it back, want released", got, err)
	}
	if _, err := w.Booking.OrderTaker.PlaceOrder(ctx, ben, chosenSeats(3, 4)); err != nil {
		t.Fatalf("the seats given back were not free for another fan: %v", err)
	}
	_, _ = w.Wallet.Cashier.Charge(ctx, ann, 100_000, "")
	_, err = w.Booking.Checkout.PayOrder(ctx, ann, string(o.ID), "")
	wantErr(t, err, booking.ErrOrderEnded)
}

func TestPayingOneSeatOfAnOrder(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", true)
	pair := placed(t, w, ann, chosenSeats(3, 4))
	one := placed(t, w, ann, chosenSeats(10))
	_, _ = w.Wallet.Cashier.Charge(ctx, ann, 200_000, "")
	_, err := w.Booking.Checkout.Pay(ctx, ann, booking.PayRequest{TicketID: string(pair.Tickets[0].ID), SeatID: 3, Date: showDate}, "")
	var part *booking.PartOfOrderError
	if !errors.As(err, &part) || part.OrderID != pair.ID || !errors.Is(err, core.ErrConflict) {
		t.Fatalf("paying one seat of a pair: %v, want PartOfOrderError naming %s", err, pair.ID)
	}
	rc, err := w.Booking.Checkout.Pay(ctx, ann, booking.PayRequest{TicketID: string(one.Tickets[0].ID), SeatID: 10, Date: showDate}, "")
	if err != nil || rc.ReservationID != one.Tickets[0].ID || rc.Amount != 50_000 {
		t.Fatalf("paying the seat of an order of one: %+v, %v", rc, err)
	}
	if got, _ := w.Store.Order(ctx, pair.ID); got.Tickets[0].Status != booking.Held || got.Tickets[1].Status != booking.Held {
		t.Fatal("a refused payment of one seat changed its order")
	}
}

func TestAnUnpaidOrderReleasesItself(t *testing.T) {
	policy := app.DefaultPolicy
	policy.Booking.HoldTTL = 50 * time.Millisecond
	w := apptest.New(t, policy)
	o, err := w.Booking.OrderTaker.PlaceOrder(ctx, w.Fan(t, "ann", true), chosenSeats(1, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ := w.Store.Order(ctx, o.ID)
		if got.StatusAt(w.Clock.Now()) == booking.OrderReleased && got.Tickets[0].Status == booking.Released {
			for _, tk := range got.Tickets {
				if tk.Status != booking.Released {
					t.Fatalf("seat %d is %v, want released with its order", tk.Seat, tk.Status)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("order still %v 5s after a 50ms deadline", got.Tickets[0].Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// An order whose payment the API accepted, and whose answer has not come, is kept for it: the
// fan cannot give it back from under the payment.
func TestAnOrderWhosePaymentIsUnderWayIsNotGivenBack(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy, with(slowLifecycle{}))
	ann := w.Fan(t, "ann", true)
	o, err := w.Booking.OrderTaker.PlaceOrder(ctx, ann, chosenSeats(3, 4))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Wallet.Cashier.Charge(ctx, ann, 100_000, ""); err != nil {
		t.Fatal(err)
	}
	_, err = w.Booking.Checkout.PayOrder(ctx, ann, string(o.ID), "")
	wantErr(t, err, booking.ErrPaymentPending)
	wantErr(t, w.Booking.OrderTaker.GiveBack(ctx, ann, string(o.ID)), booking.ErrPaymentUnderWay)
	if got, _ := w.Store.Order(ctx, o.ID); got.Tickets[0].Status != booking.Held || got.Tickets[1].Status != booking.Held {
		t.Fatalf("an order under payment was given back: %v and %v", got.Tickets[0].Status, got.Tickets[1].Status)
	}
}
