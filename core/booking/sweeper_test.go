package booking_test

import (
	"testing"

	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

func TestSweepReleasesOverdueHolds(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", true)
	r, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 5)
	if err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(booking.DefaultPolicy.HoldTTL + booking.OverdueHoldGrace/2)
	if released, _ := w.Booking.Sweeper.ReleaseOverdue(ctx); released != 0 {
		t.Fatal("a hold within its grace was swept")
	}
	w.Clock.Advance(booking.OverdueHoldGrace)
	released, err := w.Booking.Sweeper.ReleaseOverdue(ctx)
	if err != nil || released != 1 {
		t.Fatalf("sweep after the grace: %d, %v; want the overdue hold released", released, err)
	}
	if got, _ := w.Store.Reservation(ctx, r.ID); got.Status != booking.Released {
		t.Fatalf("overdue hold is %v", got.Status)
	}
}
