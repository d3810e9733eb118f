package porttest

import (
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// runCancellation is the contract a performance's cancellation relies on: the date closes once
// and is listed no more, its holds end, its paid tickets not checked in are listed for refunds,
// and the tally says what is left and done; the other dates are untouched.
func runCancellation(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("cancellation: a date closes once, and is listed no more", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 3)
		addShow(t, s, "2030-07-02", 3)
		at := epoch.Add(time.Hour)
		got := must[catalog.Performance](t)(s.Catalog.CancelPerformance(ctx, testSale, p.Date, at))
		if !got.CancelledAt.Equal(at) || !got.Cancelled() {
			t.Fatalf("cancelled performance reads %+v, want cancelled at %v", got, at)
		}
		again := must[catalog.Performance](t)(s.Catalog.CancelPerformance(ctx, testSale, p.Date, at.Add(time.Hour)))
		if !again.CancelledAt.Equal(at) {
			t.Fatalf("cancelled again: at %v, want the first time %v kept", again.CancelledAt, at)
		}
		if read := showOf(t, s, booking.Reservation{SaleID: testSale, Date: p.Date}); !read.CancelledAt.Equal(at) {
			t.Fatalf("Performance reads cancelled_at %v, want %v", read.CancelledAt, at)
		}
		offer := must[catalog.Offer](t)(s.Catalog.Offer(ctx, testSale, p.Date))
		if !offer.Performance.Cancelled() {
			t.Fatal("the offer of a cancelled date is not cancelled")
		}
		dates := must[[]core.Date](t)(s.Catalog.OpenDates(ctx, testSale, day("2030-06-01"), epoch))
		if len(dates) != 1 || dates[0] != day("2030-07-02") {
			t.Fatalf("open dates %v, want only 2030-07-02", dates)
		}
		_, err := s.Catalog.Seats(ctx, testSale, p.Date, epoch)
		wantErr(t, err, catalog.ErrPerformanceCancelled)
		_, err = s.Catalog.CancelPerformance(ctx, testSale, day("2030-07-09"), at)
		wantErr(t, err, catalog.ErrUnknownDate)
	})

	t.Run("cancellation: holds end, paid tickets are listed and tallied", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 6)
		other := addShow(t, s, "2030-07-02", 2)
		must[booking.Reservation](t)(hold(t, s, "ann", p, 1, epoch, time.Hour))
		must[booking.Reservation](t)(hold(t, s, "bob", p, 2, epoch, time.Minute)) // lapsed at the end, still held
		otherHold := must[booking.Reservation](t)(hold(t, s, "ann", other, 1, epoch, time.Hour))
		paid3, _ := paidTicket(t, s, "cat", p, 3)
		paid5, _ := paidTicket(t, s, "dan", p, 5)
		in, inRc := paidTicket(t, s, "eve", p, 6)
		must[booking.Ticket](t)(s.Bookings.CheckIn(ctx, in.ID, inRc.PaymentID, epoch))
		if got := must[booking.Tally](t)(s.Bookings.Tally(ctx, testSale, p.Date)); got != (booking.Tally{Held: 2, Paid: 2, CheckedIn: 1}) {
			t.Fatalf("tally before: %+v", got)
		}
		if n := must[int](t)(s.Bookings.EndHolds(ctx, testSale, p.Date, 1)); n != 1 {
			t.Fatalf("EndHolds with limit 1 released %d", n)
		}
		if n := must[int](t)(s.Bookings.EndHolds(ctx, testSale, p.Date, 10)); n != 1 {
			t.Fatalf("EndHolds released %d more, want the last one", n)
		}
		if n := must[int](t)(s.Bookings.EndHolds(ctx, testSale, p.Date, 10)); n != 0 {
			t.Fatalf("EndHolds released %d after all had ended", n)
		}
		if r := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, otherHold.ID)); r.Status != booking.Held {
			t.Fatalf("a hold of another date is %v", r.Status)
		}
		if seats := must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, testSale, p.Date, epoch)); seats[0].Status != catalog.SeatAvailable || seats[1].Status != catalog.SeatAvailable {
			t.Fatalf("the ended holds' seats are %v and %v, want available", seats[0].Status, seats[1].Status)
		}
		first := must[[]booking.Reservation](t)(s.Bookings.PaidTickets(ctx, testSale, p.Date, 1))
		if len(first) != 1 || first[0].ID != paid3.ID {
			t.Fatalf("first paid ticket %+v, want seat 3's", first)
		}
		all := must[[]booking.Reservation](t)(s.Bookings.PaidTickets(ctx, testSale, p.Date, 10))
		if len(all) != 2 || all[1].ID != paid5.ID || all[1].Status != booking.Paid || all[1].Price != generalPrice {
			t.Fatalf("paid tickets %+v, want seats 3 and 5 (not 6, checked in)", all)
		}
		for _, r := range all {
			must[booking.Refund](t)(s.Settlements.Refund(ctx, booking.RefundRequest{ReservationID: r.ID, RefundID: core.NewID(),
				Terms: r.FullRefund(), Reason: booking.PerformanceCancelled, At: epoch}))
		}
		if got := must[booking.Tally](t)(s.Bookings.Tally(ctx, testSale, p.Date)); got != (booking.Tally{CheckedIn: 1, Refunded: 2}) {
			t.Fatalf("tally after: %+v", got)
		}
		if left := must[[]booking.Reservation](t)(s.Bookings.PaidTickets(ctx, testSale, p.Date, 10)); len(left) != 0 {
			t.Fatalf("paid tickets left after the refunds: %+v", left)
		}
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "cat")); bal != generalPrice {
			t.Fatalf("cat's balance %d, want the price back", bal)
		}
	})
}
