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
	inSale := func(b *testing.B) Stores {
		s := newStores(b)
		createSale(b, s, testSale)
		return s
	}
	b.Run("IssueToken", func(b *testing.B) {
		s := inSale(b)
		i := 0
		for b.Loop() {
			if _, err := s.Tokens.IssueToken(ctx, testSale, core.UserID(fmt.Sprintf("bench-%d", i)), epoch); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("HoldSeat/win", func(b *testing.B) {
		s := inSale(b)
		const seats = 10_000
		p := catalog.Performance{SaleID: testSale, Date: day("2030-06-30"), Sections: []catalog.Section{{Name: "General", FirstSeat: 1, LastSeat: seats, Price: 1}}}
		seat := seats
		for b.Loop() {
			if seat == seats { // sold out: put the next day on sale, off the clock
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
		s := inSale(b)
		p := addShow(b, s, "2030-07-01", 1)
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
