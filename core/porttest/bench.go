package porttest

import (
	"fmt"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
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
		p := catalog.Performance{Date: day("2030-07-01"), Concert: "Bench", Price: 1, Seats: 10_000}
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
			if _, err := hold(b, s, core.UserID(fmt.Sprintf("bench-%d", seat)), p, seat, epoch, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("HoldSeat/lose", func(b *testing.B) {
		s := newStores(b)
		p := catalog.Performance{Date: day("2030-07-01"), Concert: "Bench", Price: 1, Seats: 1}
		if err := s.Catalog.AddPerformance(ctx, p); err != nil {
			b.Fatal(err)
		}
		if _, err := hold(b, s, "bench", p, 1, epoch, time.Minute); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := hold(b, s, "bench", p, 1, epoch, time.Minute); err == nil {
				b.Fatal("a taken seat was held again")
			}
		}
	})
}
