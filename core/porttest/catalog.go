package porttest

import (
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
)

func addShow(t *testing.T, c catalog.Store, date string, seats int) catalog.Performance {
	t.Helper()
	p := catalog.Performance{Date: day(date), Concert: "Test Concert", Price: 50_000, Seats: seats}
	if err := c.AddPerformance(ctx, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func hold(t testing.TB, s Stores, user core.UserID, p catalog.Performance, seat int, now time.Time, ttl time.Duration) (booking.Reservation, error) {
	t.Helper()
	r := booking.Reservation{
		ID: core.NewID(), UserID: user, Date: p.Date, Seat: seat, Price: p.Price,
		Status: booking.Held, HeldUntil: now.Add(ttl), CreatedAt: now,
	}
	return r, s.Reservations.HoldSeat(ctx, r, now, noCap)
}

func runCatalog(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("performances and seats", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s.Catalog, "2030-07-01", 3)
		if err := s.Catalog.AddPerformance(ctx, catalog.Performance{Date: p.Date, Concert: "Other", Price: 1, Seats: 9}); err != nil {
			t.Fatalf("adding an existing date again must change nothing: %v", err)
		}
		got := must[catalog.Performance](t)(s.Catalog.Performance(ctx, p.Date))
		if got != p {
			t.Fatalf("Performance = %+v, want %+v", got, p)
		}
		_, err := s.Catalog.Performance(ctx, day("2030-07-02"))
		wantErr(t, err, catalog.ErrUnknownDate)
		seats := must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, p.Date, epoch))
		if len(seats) != 3 || seats[0] != (catalog.Seat{No: 1, Status: catalog.SeatAvailable}) || seats[2].No != 3 {
			t.Fatalf("seats = %+v", seats)
		}
		_, err = s.Catalog.Seats(ctx, day("2030-07-02"), epoch)
		wantErr(t, err, catalog.ErrUnknownDate)
	})

	t.Run("open dates: from a day on, with an available seat, lazy expiry counts", func(t *testing.T) {
		s := newStores(t)
		past := addShow(t, s.Catalog, "2030-05-31", 1)
		full := addShow(t, s.Catalog, "2030-07-01", 1)
		open := addShow(t, s.Catalog, "2030-07-02", 2)
		_ = past
		if _, err := hold(t, s, "alice", full, 1, epoch, time.Minute); err != nil {
			t.Fatal(err)
		}
		dates := must[[]core.Date](t)(s.Catalog.OpenDates(ctx, core.DateOf(epoch), epoch))
		if len(dates) != 1 || dates[0] != open.Date {
			t.Fatalf("open dates = %v, want only %v", dates, open.Date)
		}
		// Past the hold's deadline the seat counts as available again.
		dates = must[[]core.Date](t)(s.Catalog.OpenDates(ctx, core.DateOf(epoch), epoch.Add(time.Minute)))
		if len(dates) != 2 || dates[0] != full.Date || dates[1] != open.Date {
			t.Fatalf("open dates after deadline = %v", dates)
		}
		seats := must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, full.Date, epoch))
		if seats[0].Status != catalog.SeatReserved {
			t.Fatalf("held seat shows %v", seats[0].Status)
		}
		seats = must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, full.Date, epoch.Add(time.Minute)))
		if seats[0].Status != catalog.SeatAvailable {
			t.Fatalf("seat past its hold deadline shows %v, want available", seats[0].Status)
		}
	})
}
