package booking_test

import (
	"errors"
	"testing"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// An operator cancels a performance: the date closes at once (no hold, no listing), its holds
// end, every paid ticket is refunded in full exactly once however often it is asked, and a
// ticket whose holder came in is kept.
func TestCancellingAPerformanceRefundsEveryTicketOnce(t *testing.T) {
	w := withRefundableSale(t)
	var bought []booking.Reservation
	for i, fan := range []string{"ann", "bob", "cat", "dan"} {
		r, _ := buy(t, w, refundable, fan, i+1)
		bought = append(bought, r)
	}
	// dan came in already; eve holds a seat she has not paid for.
	dan, _ := w.Booking.FanTickets.Ticket(ctx, w.FanOf(t, refundable, "dan", false), string(bought[3].ID))
	cred, _ := booking.CredentialOf(dan)
	if _, err := w.Booking.CheckIns.CheckIn(ctx, cred, refundable); err != nil {
		t.Fatal(err)
	}
	eve := w.FanOf(t, refundable, "eve", true)
	if _, err := w.Booking.SeatHolder.HoldSeat(ctx, eve, showDate, 9); err != nil {
		t.Fatal(err)
	}

	_, err := w.Booking.ShowCanceller.Progress(ctx, refundable, showDate)
	wantErr(t, err, booking.ErrNotCancelled)
	p, err := w.Booking.ShowCanceller.Cancel(ctx, refundable, showDate)
	if err != nil {
		t.Fatal(err)
	}
	if p.CancelledAt.IsZero() || p.Total() != 3 {
		t.Fatalf("progress at the start: %+v, want the date closed and 3 tickets to refund", p)
	}
	_, err = w.Booking.SeatHolder.HoldSeat(ctx, w.FanOf(t, refundable, "fay", true), showDate, 10)
	wantErr(t, err, catalog.ErrPerformanceCancelled)
	if err := w.Cancellations.Wait(); err != nil {
		t.Fatal(err)
	}
	again, err := w.Booking.ShowCanceller.Cancel(ctx, refundable, showDate) // an operator asks twice
	if err != nil || !again.CancelledAt.Equal(p.CancelledAt) {
		t.Fatalf("asking again: %+v, %v; want the first cancellation's time", again, err)
	}
	if err := w.Cancellations.Wait(); err != nil {
		t.Fatal(err)
	}
	done, err := w.Booking.ShowCanceller.Progress(ctx, refundable, showDate)
	want := booking.Tally{Refunded: 3, CheckedIn: 1}
	if err != nil || done.Tally != want || !done.Done() {
		t.Fatalf("progress at the end: %+v, %v; want %+v", done, err, want)
	}
	for i, fan := range []string{"ann", "bob", "cat"} {
		bal, _ := w.Store.Balance(ctx, core.UserID(fan))
		tk, _ := w.Store.Ticket(ctx, bought[i].ID)
		if bal != 12_345 || tk.Refund == nil || tk.Refund.Fee != 0 || tk.Refund.Reason != booking.PerformanceCancelled {
			t.Errorf("%s: balance %d, refund %+v; want the whole price back, no fee", fan, bal, tk.Refund)
		}
	}
	if bal, _ := w.Store.Balance(ctx, "dan"); bal != 0 {
		t.Errorf("dan, who came in, was refunded %d", bal)
	}
	fan := w.FanOf(t, refundable, "ann", true)
	if dates, err := w.Catalog.Listings.OpenDates(ctx, fan); err != nil || len(dates) != 0 {
		t.Errorf("open dates after the cancellation: %v, %v; want none", dates, err)
	}
	_, err = w.Catalog.Listings.Seats(ctx, fan, showDate)
	wantErr(t, err, catalog.ErrPerformanceCancelled)
}

// A fan cannot cancel a ticket of a cancelled performance on the sale's terms (the operator's
// full refund comes instead), and a gate admits nobody to it.
func TestACancelledPerformanceRefusesFansAndGates(t *testing.T) {
	w := withRefundableSale(t)
	r, ann := buy(t, w, refundable, "ann", 1)
	tk, _ := w.Booking.FanTickets.Ticket(ctx, ann, string(r.ID))
	cred, _ := booking.CredentialOf(tk)
	// The date is closed, and its cancellation has not reached ann's ticket yet.
	if _, err := w.Booking.Refunder.Close(ctx, refundable, w.Date); err != nil {
		t.Fatal(err)
	}
	_, err := w.Booking.Returns.Cancel(ctx, ann, string(r.ID), "")
	wantErr(t, err, booking.ErrRefundingPerformance)
	_, err = w.Booking.CheckIns.CheckIn(ctx, cred, refundable)
	wantErr(t, err, catalog.ErrPerformanceCancelled)
}

func TestCancellingAnUnknownPerformance(t *testing.T) {
	w := withRefundableSale(t)
	for _, c := range []struct {
		sale core.SaleID
		date string
		want error
	}{
		{"no-such-sale", showDate, core.ErrUnknownSale},
		{refundable, "2030-07-02", catalog.ErrUnknownDate},
		{refundable, "tomorrow", core.ErrInvalid},
	} {
		_, err := w.Booking.ShowCanceller.Cancel(ctx, c.sale, c.date)
		if !errors.Is(err, c.want) {
			t.Errorf("cancel %s %s: %v, want %v", c.sale, c.date, err, c.want)
		}
	}
}
