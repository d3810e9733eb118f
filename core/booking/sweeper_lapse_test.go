package booking_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

func TestLapseReleaseFreesHoldsAGracePastTheirDeadline(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann, bob := w.Fan(t, "ann", true), w.Fan(t, "bob", true)
	lapsing, err := w.Booking.Bookings.HoldSeat(ctx, ann, showDate, 5)
	if err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(booking.DefaultPolicy.HoldTTL / 2)
	live, err := w.Booking.Bookings.HoldSeat(ctx, bob, showDate, 6)
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

func TestTheLapseReleaseRunsUntilStopped(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	r, err := w.Booking.Bookings.HoldSeat(ctx, w.Fan(t, "ann", true), showDate, 5)
	if err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(booking.DefaultPolicy.HoldTTL + 2*booking.LapseGrace)
	running, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Booking.Sweeper.RunLapseRelease(running, func(err error) { t.Errorf("lapse release: %v", err) })
	}()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if got, _ := w.Store.Reservation(ctx, r.ID); got.Status == booking.Released {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the running lapse release did not free the lapsed hold within 5 s")
		}
	}
	stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the lapse release did not stop with its context")
	}
}

// sweepsFail is the memory store with a bulk release that fails, as a database that is down.
type sweepsFail struct{ *memory.Store }

func (sweepsFail) ReleaseOverdue(context.Context, time.Time, int) (int, error) {
	return 0, errors.New("connection refused")
}

func TestTheLapseReleaseTellsOfAFailureAndTriesAgain(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy, apptest.WithStores(func(m *memory.Store) app.Stores { return app.StoresOf(sweepsFail{m}) }))
	running, stop := context.WithCancel(ctx)
	defer stop()
	heard := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Booking.Sweeper.RunLapseRelease(running, func(err error) {
			select {
			case heard <- err:
			default: // heard already
			}
		})
	}()
	for range 2 { // a failure, then another round that fails again: the loop goes on
		select {
		case err := <-heard:
			if !strings.Contains(err.Error(), "release lapsed holds: connection refused") {
				t.Fatalf("heard %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no failure heard within 5 s")
		}
	}
	stop()
	<-done
}
