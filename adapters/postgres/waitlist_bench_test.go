package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/porttest"
)

// BenchmarkWaitlistOffer is the cost of a seat coming back to a date with 1,000 and with
// 100,000 fans waiting for it: the release, and in its transaction the offer to the first in
// line (offer_to_waitlist). Each round the offered fan gives the seat back, so it goes to the
// next; run it with -benchtime Nx, N under 1,000.
func BenchmarkWaitlistOffer(b *testing.B) {
	for _, waiting := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("waiting=%d", waiting), func(b *testing.B) {
			ctx := context.Background()
			pool := pgtest.Pool(b)
			s := postgres.NewStore(pool)
			b.Cleanup(func() { _ = s.Close(ctx) })
			d, _ := core.ParseDate("2030-07-01")
			sale := catalog.Sale{ID: "bench-waitlist", Title: "B", Venue: "V", State: core.OnSale, MaxTicketsPerFan: 4}
			perf := catalog.Performance{SaleID: sale.ID, Date: d, Sections: []catalog.Section{{Name: "General", FirstSeat: 1, LastSeat: 1, Price: 1}}}
			if err := s.Catalog.CreateSale(ctx, sale, []catalog.Performance{perf}); err != nil {
				b.Fatal(err)
			}
			tok, err := porttest.AdmitFan(ctx, s.Tokens, sale.ID, "holder")
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			held, err := s.Holds.HoldSeat(ctx, booking.HoldAttempt{Hold: booking.Reservation{ID: core.NewID(), UserID: "holder", SaleID: sale.ID, Date: d,
				Seat: 1, Status: booking.Held, HeldUntil: now.Add(time.Hour), CreatedAt: now}, Token: tok, Now: now, Limit: 4})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := pool.Exec(ctx, `INSERT INTO waitlist (id, sale_id, perf_date, user_id, quantity, status, offer_ttl, joined_at)
				SELECT gen_random_uuid(), $1, $2, 'fan-' || n, 1, 'waiting', interval '10 minutes', now() FROM generate_series(1, $3::int) n`,
				string(sale.ID), d.Time(), waiting); err != nil {
				b.Fatal(err)
			}
			if _, err := pool.Exec(ctx, "ANALYZE waitlist"); err != nil {
				b.Fatal(err)
			}
			release := func() error { _, err := s.Holds.ReleaseHold(ctx, held.ID); return err }
			for b.Loop() {
				if err := release(); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				var order string
				if err := pool.QueryRow(ctx, "SELECT order_id::text FROM waitlist WHERE status = 'offered' AND sale_id = $1", string(sale.ID)).Scan(&order); err != nil {
					b.Fatalf("no offer after the seat came back: %v", err)
				}
				release = func() error { _, err := s.Orders.ReleaseOrder(ctx, core.ID(order)); return err }
				b.StartTimer()
			}
		})
	}
}
