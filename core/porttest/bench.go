package porttest

import (
	"fmt"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Bench measures the hot store calls of a sale: issuing tokens, holding seats (winners) and
// losing the race for a taken seat, so adapters can be compared in one run.
func Bench(b *testing.B, newStores func(b *testing.B) Stores) {
	b.Run("IssueToken", func(b *testing.B) {
		s := newStores(b)
		i := 0
		for b.Loop() {
			if _, err := s.Tokens.IssueToken(ctx, core.UserID(fmt.Sprintf("bench-%d", i)), epoch); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("HoldSeat/win", func(b *testing.B) {
		s := newStores(b)
		p := core.Performance{Date: day(nil, "2030-07-01"), Concert: "Bench", Price: 1, Seats: 10_000}
		seat := p.Seats
		for b.Loop() {
			if seat == p.Seats { // sold out: put the next day on sale, off the clock
				b.StopTimer()
				p.Date, seat = p.Date.AddDays(1), 0
				if err := s.Catalog.AddPerformance(ctx, p); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			seat++
			r := core.Reservation{ID: core.NewID(), UserID: core.UserID(fmt.Sprintf("bench-%d", seat)), Date: p.Date, Seat: seat, Price: 1,
				Status: core.ReservationHeld, HeldUntil: epoch.Add(time.Minute), CreatedAt: epoch}
			if err := s.Reservations.HoldSeat(ctx, r, epoch, noCap); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("HoldSeat/lose", func(b *testing.B) {
		s := newStores(b)
		p := core.Performance{Date: day(nil, "2030-07-01"), Concert: "Bench", Price: 1, Seats: 1}
		if err := s.Catalog.AddPerformance(ctx, p); err != nil {
			b.Fatal(err)
		}
		hold := func() error {
			return s.Reservations.HoldSeat(ctx, core.Reservation{ID: core.NewID(), UserID: "bench", Date: p.Date, Seat: 1, Price: 1,
				Status: core.ReservationHeld, HeldUntil: epoch.Add(time.Minute), CreatedAt: epoch}, epoch, noCap)
		}
		if err := hold(); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := hold(); err == nil {
				b.Fatal("a taken seat was held again")
			}
		}
	})
}
