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
	r, err := w.Booking.Counter.HoldSeat(ctx, ann, showDate, 5)
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

func TestLapseReleaseFreesHoldsAGracePastTheirDeadline(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann, bob := w.Fan(t, "ann", true), w.Fan(t, "bob", true)
	lapsing, err := w.Booking.Counter.HoldSeat(ctx, ann, showDate, 5)
	if err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(booking.DefaultPolicy.HoldTTL / 2)
	live, err := w.Booking.Counter.HoldSeat(ctx, bob, showDate, 6)
	if err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(booking.DefaultPolicy.HoldTTL/2 + booking.LapseGrace/2)
	if released, _ := w.Booking.Sweeper.ReleaseLapsed(ctx); released != 0 {
		t.Fatal("a hold within its grace was released")
	}
	w.Clock.Advance(booking.LapseGrace)
	released, err := w.Booking.Sweeper.ReleaseLapsed(ctx)
	if err != nil || released != 1 {
		t.Fatalf("lapse release after the grace: %d, %v; want the lapsed hold released", released, err)
	}
	for _, c := range []struct {
		r    booking.Reservation
		want booking.Status
	}{{lapsing, booking.Released}, {live, booking.Held}} {
		if got, _ := w.Store.Reservation(ctx, c.r.ID); got.Status != c.want {
			t.Errorf("seat %d: %v, want %v", c.r.Seat, got.Status, c.want)
		}
	}
	if released, _ := w.Booking.Sweeper.ReleaseLapsed(ctx); released != 0 {
		t.Fatal("a released hold was released again")
	}
}
