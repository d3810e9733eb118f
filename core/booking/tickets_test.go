package booking_test

import (
	"errors"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

// refundable is a sale whose tickets may be cancelled until two days before the show (00:00
// UTC of showDate, as no start time is set) for a tenth of the price: seats at 12,345 won.
const refundable core.SaleID = "refundable"

func withRefundableSale(t *testing.T, opts ...apptest.Option) *apptest.World {
	t.Helper()
	w := apptest.New(t, app.DefaultPolicy, opts...)
	_, err := w.Catalog.Admin.CreateSale(ctx, catalog.SaleSpec{
		ID: string(refundable), Title: "Refundable", Venue: "Hall",
		Cancellation: &catalog.CancellationPolicy{UntilBeforeShow: 48 * time.Hour, FeePercent: 10},
		Performances: []catalog.PerformanceSpec{{Date: showDate, Sections: []catalog.Section{{Name: "All", FirstSeat: 1, LastSeat: 10, Price: 12_345}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// buy holds and pays a seat of a sale for user, with a fresh token, and returns the ticket and
// a live token to see and cancel it with.
func buy(t *testing.T, w *apptest.World, sale core.SaleID, user string, seat int) (booking.Reservation, core.Caller) {
	t.Helper()
	fan := w.FanOf(t, sale, user, true)
	r, err := w.Booking.SeatHolder.HoldSeat(ctx, fan, showDate, seat)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Wallet.Cashier.Charge(ctx, fan, int64(r.Price), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Booking.Checkout.Pay(ctx, fan, payRequest(r), ""); err != nil {
		t.Fatal(err)
	}
	return r, w.FanOf(t, sale, user, false) // the payment expired the token it was made with
}

func TestAFanSeesTheirTicketsOfTheTokensSale(t *testing.T) {
	w := withRefundableSale(t)
	bought, ann := buy(t, w, refundable, "ann", 1)
	tickets, err := w.Booking.FanTickets.Tickets(ctx, ann)
	if err != nil || len(tickets) != 1 || tickets[0].Reservation.ID != bought.ID || tickets[0].Receipt == nil {
		t.Fatalf("ann's tickets: %+v, %v; want the one she bought with its receipt", tickets, err)
	}
	if _, err := w.Booking.FanTickets.Ticket(ctx, ann, string(bought.ID)); err != nil {
		t.Fatal(err)
	}
	_, bob := buy(t, w, refundable, "bob", 2)
	_, err = w.Booking.FanTickets.Ticket(ctx, bob, string(bought.ID))
	wantErr(t, err, booking.ErrNotYourTicket) // another fan's: answered as an unknown one
	inWorld := w.Fan(t, "ann", false)
	_, err = w.Booking.FanTickets.Ticket(ctx, inWorld, string(bought.ID))
	wantErr(t, err, booking.ErrUnknownTicket) // a token of another sale
	if list, _ := w.Booking.FanTickets.Tickets(ctx, inWorld); len(list) != 0 {
		t.Fatalf("ann's tickets in the world's sale: %+v, want none", list)
	}
	_, err = w.Booking.FanTickets.Ticket(ctx, ann, "not-a-uuid")
	wantErr(t, err, core.ErrInvalid)
}

func TestAFanCancelsWithinThePolicy(t *testing.T) {
	w := withRefundableSale(t)
	r, ann := buy(t, w, refundable, "ann", 1)
	rf, err := w.Booking.Returns.Cancel(ctx, ann, string(r.ID), "cancel-ann")
	if err != nil {
		t.Fatal(err)
	}
	if rf.Fee != 1_234 || rf.Amount != 11_111 || rf.Reason != booking.FanCancelled {
		t.Fatalf("refund %+v, want a fee of floor(12345 × 10 %%) = 1234 and 11111 back", rf)
	}
	if bal, _ := w.Store.Balance(ctx, "ann"); bal != 11_111 {
		t.Fatalf("balance %d after the refund, want 11111", bal)
	}
	again, err := w.Booking.Returns.Cancel(ctx, ann, string(r.ID), "cancel-ann")
	if err != nil || again != rf {
		t.Fatalf("a retry with the key: %+v, %v; want the first refund", again, err)
	}
	_, err = w.Booking.Returns.Cancel(ctx, ann, string(r.ID), "")
	wantErr(t, err, booking.ErrAlreadyCancelled)
	other, ann2 := buy(t, w, refundable, "ann", 2)
	_, err = w.Booking.Returns.Cancel(ctx, ann2, string(other.ID), "cancel-ann")
	wantErr(t, err, core.ErrIdempotencyMismatch)
	if bal, _ := w.Store.Balance(ctx, "ann"); bal != 11_111 {
		t.Fatalf("balance %d after retries and refusals, want one refund", bal)
	}
	// The seat is for sale again.
	cat := w.FanOf(t, refundable, "cat", true)
	if _, err := w.Booking.SeatHolder.HoldSeat(ctx, cat, showDate, 1); err != nil {
		t.Fatalf("holding a cancelled ticket's seat: %v", err)
	}
}

func TestCancellationsTheRulesRefuse(t *testing.T) {
	w := withRefundableSale(t)
	inWorld, ann := buy(t, w, w.Sale, "ann", 1)
	_, err := w.Booking.Returns.Cancel(ctx, ann, string(inWorld.ID), "")
	wantErr(t, err, booking.ErrNotCancellable) // the world's sale has no policy

	r, bob := buy(t, w, refundable, "bob", 1)
	held, err := w.Booking.SeatHolder.HoldSeat(ctx, w.FanOf(t, refundable, "cat", true), showDate, 2)
	if err != nil {
		t.Fatal(err)
	}
	cat := w.FanOf(t, refundable, "cat", false)
	_, err = w.Booking.Returns.Cancel(ctx, cat, string(held.ID), "")
	wantErr(t, err, booking.ErrNotPaid)
	_, err = w.Booking.Returns.Cancel(ctx, cat, string(r.ID), "")
	wantErr(t, err, booking.ErrNotYourTicket) // bob's

	// Two days before the show the deadline has come.
	deadline := time.Date(2030, 6, 29, 0, 0, 0, 0, time.UTC)
	w.Clock.Advance(deadline.Sub(w.Clock.Now()))
	bob = w.FanOf(t, refundable, "bob", false) // weeks later, with a token of the day
	_, err = w.Booking.Returns.Cancel(ctx, bob, string(r.ID), "")
	var closed *booking.CancellationClosedError
	if !errors.As(err, &closed) || !closed.Deadline.Equal(deadline) {
		t.Fatalf("a cancellation at the deadline: %v, want CancellationClosedError at 2030-06-29T00:00Z", err)
	}
	if bal, _ := w.Store.Balance(ctx, "bob"); bal != 0 {
		t.Fatalf("refused cancellations credited %d", bal)
	}
}

func TestACheckInAdmitsATicketOnce(t *testing.T) {
	w := withRefundableSale(t)
	r, ann := buy(t, w, refundable, "ann", 1)
	ticket, err := w.Booking.FanTickets.Ticket(ctx, ann, string(r.ID))
	if err != nil {
		t.Fatal(err)
	}
	cred, ok := booking.CredentialOf(ticket)
	if !ok {
		t.Fatal("a paid ticket has no credential")
	}
	_, err = w.Booking.CheckIns.CheckIn(ctx, cred, w.Sale)
	wantErr(t, err, booking.ErrOtherSale)
	forged := cred
	forged.Seat = 9
	_, err = w.Booking.CheckIns.CheckIn(ctx, forged, refundable)
	wantErr(t, err, booking.ErrNotATicket)
	in, err := w.Booking.CheckIns.CheckIn(ctx, cred, refundable)
	if err != nil || !in.CheckedInAt.Equal(w.Clock.Now()) {
		t.Fatalf("check-in: %+v, %v", in, err)
	}
	_, err = w.Booking.CheckIns.CheckIn(ctx, cred, "")
	var again *booking.CheckedInError
	if !errors.As(err, &again) {
		t.Fatalf("a second scan: %v, want CheckedInError", err)
	}
	_, err = w.Booking.Returns.Cancel(ctx, ann, string(r.ID), "")
	if !errors.As(err, &again) {
		t.Fatalf("cancelling a checked-in ticket: %v, want CheckedInError", err)
	}

	gone, bob := buy(t, w, refundable, "bob", 2)
	if _, err := w.Booking.Returns.Cancel(ctx, bob, string(gone.ID), ""); err != nil {
		t.Fatal(err)
	}
	tk, _ := w.Booking.FanTickets.Ticket(ctx, bob, string(gone.ID))
	gcred, _ := booking.CredentialOf(tk)
	_, err = w.Booking.CheckIns.CheckIn(ctx, gcred, refundable)
	wantErr(t, err, booking.ErrTicketCancelled)
}

// The rules both stores decide a refund and a check-in with, branch by branch.
func TestRefundAndCheckInRules(t *testing.T) {
	at := time.Date(2030, 7, 1, 20, 0, 0, 0, time.UTC)
	paid := booking.Reservation{Status: booking.Paid}
	for _, c := range []struct {
		name      string
		r         booking.Reservation
		checkedIn *time.Time
		want      error
	}{
		{"paid", paid, nil, nil},
		{"checked in", paid, &at, &booking.CheckedInError{At: at}},
		{"cancelled", booking.Reservation{Status: booking.Cancelled}, nil, booking.ErrAlreadyCancelled},
		{"held", booking.Reservation{Status: booking.Held}, nil, booking.ErrNotPaid},
		{"cancelled, though checked in", booking.Reservation{Status: booking.Cancelled}, &at, booking.ErrAlreadyCancelled},
	} {
		if got := c.r.Refundable(c.checkedIn); !sameError(got, c.want) {
			t.Errorf("Refundable, %s: %v, want %v", c.name, got, c.want)
		}
	}
	for _, c := range []struct {
		name            string
		r               booking.Reservation
		paidBy, payment core.ID
		checkedIn       *time.Time
		want            error
	}{
		{"paid, its payment", paid, "p1", "p1", nil, nil},
		{"another payment", paid, "p1", "p2", nil, booking.ErrNotATicket},
		{"a second scan", paid, "p1", "p1", &at, &booking.CheckedInError{At: at}},
		{"cancelled", booking.Reservation{Status: booking.Cancelled}, "p1", "p1", nil, booking.ErrTicketCancelled},
		{"held", booking.Reservation{Status: booking.Held}, "", "p1", nil, booking.ErrNotPaid},
		{"cancelled, though checked in", booking.Reservation{Status: booking.Cancelled}, "p1", "p1", &at, booking.ErrTicketCancelled},
		{"another payment, though checked in", paid, "p1", "p2", &at, booking.ErrNotATicket},
	} {
		if got := c.r.CheckableIn(c.paidBy, c.payment, c.checkedIn); !sameError(got, c.want) {
			t.Errorf("CheckableIn, %s: %v, want %v", c.name, got, c.want)
		}
	}
}

// sameError is errors.Is, and for a CheckedInError the same time.
func sameError(got, want error) bool {
	var g, w *booking.CheckedInError
	if errors.As(want, &w) {
		return errors.As(got, &g) && g.At.Equal(w.At)
	}
	return errors.Is(got, want) && (got == nil) == (want == nil)
}

func TestAllowsMoreCountsSeats(t *testing.T) {
	freeAt := time.Date(2030, 6, 1, 12, 1, 0, 0, time.UTC)
	var holds *booking.TooManyHoldsError
	var left *booking.TicketsLeftError
	for _, tc := range []struct {
		count booking.TicketCount
		n     int
		check func(error) bool
		want  string
	}{
		{booking.TicketCount{Paid: 1}, 3, func(err error) bool { return err == nil }, "allowed"},
		{booking.TicketCount{Paid: 2}, 3, func(err error) bool { return errors.As(err, &left) && left.Left == 2 }, "2 left"},
		{booking.TicketCount{Paid: 2, Held: 1, EarliestHoldEnd: freeAt}, 2, func(err error) bool { return errors.As(err, &holds) && holds.FreeAt.Equal(freeAt) }, "a hold to wait for"},
		{booking.TicketCount{Paid: 2, Held: 1, EarliestHoldEnd: freeAt}, 3, func(err error) bool { return errors.As(err, &left) && left.Left == 2 }, "2 left, holds or not"},
		{booking.TicketCount{Paid: 4, Held: 1}, 1, func(err error) bool { return errors.Is(err, booking.ErrTicketLimit) }, "the limit bought"},
		{booking.TicketCount{Held: 4, EarliestHoldEnd: freeAt}, 1, func(err error) bool { return errors.As(err, &holds) }, "holds to wait for"},
	} {
		if err := tc.count.AllowsMore(tc.n, 4); !tc.check(err) {
			t.Errorf("%+v, %d more under 4: %v, want %s", tc.count, tc.n, err, tc.want)
		}
	}
}
