package porttest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
)

// runSales is the contract of many sales in one store: each created whole or not at all, read
// back as written, changed atomically, and isolated from the others in seats, queues and limits.
func runSales(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("create: a sale with its performances, read back; an id once", func(t *testing.T) {
		s := newStores(t)
		sale := catalog.Sale{ID: "summer-tour", Title: "Summer Tour", Venue: "Olympic Hall", State: core.Draft, MaxTicketsPerFan: 2,
			Cancellation: &catalog.CancellationPolicy{UntilBeforeShow: 48 * time.Hour, FeePercent: 10}, CreatedAt: epoch}
		perfs := []catalog.Performance{
			{SaleID: sale.ID, Date: day("2030-07-01"), Sections: threeSections},
			{SaleID: sale.ID, Date: day("2030-07-02"), Sections: threeSections[:1]},
		}
		wantErr(t, s.Catalog.CreateSale(ctx, sale, perfs), nil)
		got := must[catalog.Sale](t)(s.Catalog.Sale(ctx, sale.ID))
		if got.ID != sale.ID || got.Title != sale.Title || got.Venue != sale.Venue || got.State != core.Draft || got.MaxTicketsPerFan != 2 ||
			got.Cancellation == nil || *got.Cancellation != *sale.Cancellation || !got.CreatedAt.Equal(epoch) {
			t.Fatalf("Sale = %+v, want %+v", got, sale)
		}
		if ps := must[[]catalog.Performance](t)(s.Catalog.Performances(ctx, sale.ID)); len(ps) != 2 || ps[1].Seats() != 2 {
			t.Fatalf("Performances = %+v", ps)
		}
		if seats := must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, sale.ID, day("2030-07-01"), epoch)); len(seats) != 10 {
			t.Fatalf("%d seats on the first date, want 10", len(seats))
		}

		// The id is taken: nothing of the second attempt is stored.
		again := sale
		again.Title = "Another"
		err := s.Catalog.CreateSale(ctx, again, []catalog.Performance{{SaleID: sale.ID, Date: day("2030-08-01"), Sections: threeSections}})
		wantErr(t, err, catalog.ErrSaleExists)
		if got := must[catalog.Sale](t)(s.Catalog.Sale(ctx, sale.ID)); got.Title != sale.Title {
			t.Fatalf("a refused create changed the title to %q", got.Title)
		}
		if _, err := s.Catalog.Performance(ctx, sale.ID, day("2030-08-01")); !errors.Is(err, catalog.ErrUnknownDate) {
			t.Fatalf("a refused create added a performance: %v", err)
		}
		_, err = s.Catalog.Sale(ctx, "no-such-sale")
		wantErr(t, err, catalog.ErrUnknownSale)
	})

	t.Run("list: every sale, oldest first; a sale without a cancellation policy", func(t *testing.T) {
		s := newStores(t)
		for i, id := range []core.SaleID{"zeta-first", "alpha-second"} {
			sale := catalog.Sale{ID: id, Title: "T", Venue: "V", State: core.OnSale, MaxTicketsPerFan: 4, CreatedAt: epoch.Add(time.Duration(i) * time.Second)}
			wantErr(t, s.Catalog.CreateSale(ctx, sale, nil), nil)
		}
		sales := must[[]catalog.Sale](t)(s.Catalog.Sales(ctx))
		if len(sales) != 2 || sales[0].ID != "zeta-first" || sales[1].ID != "alpha-second" || sales[0].Cancellation != nil {
			t.Fatalf("Sales = %+v, want zeta-first then alpha-second, neither cancellable", sales)
		}
	})

	t.Run("update: the change applies whole, a refusal changes nothing, racing changes all apply", func(t *testing.T) {
		s := newStores(t)
		sale := createSale(t, s, "changing-sale")
		pause := func(sl catalog.Sale) (catalog.Sale, error) {
			sl.State, sl.Title = core.Paused, "Paused for now"
			return sl, nil
		}
		if got := must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, sale.ID, pause)); got.State != core.Paused {
			t.Fatalf("UpdateSale returned %+v", got)
		}
		refused := errors.New("refused")
		_, err := s.Catalog.UpdateSale(ctx, sale.ID, func(sl catalog.Sale) (catalog.Sale, error) {
			sl.Title = "never stored"
			return sl, refused
		})
		wantErr(t, err, refused)
		if got := must[catalog.Sale](t)(s.Catalog.Sale(ctx, sale.ID)); got.Title != "Paused for now" || got.State != core.Paused {
			t.Fatalf("after a refused change: %+v", got)
		}
		_, err = s.Catalog.UpdateSale(ctx, "no-such-sale", pause)
		wantErr(t, err, catalog.ErrUnknownSale)

		// Twenty concurrent read-modify-writes of the limit: none is lost.
		concurrently(20, func(int) {
			_, err := s.Catalog.UpdateSale(ctx, sale.ID, func(sl catalog.Sale) (catalog.Sale, error) {
				sl.MaxTicketsPerFan++
				return sl, nil
			})
			if err != nil {
				t.Error(err)
			}
		})
		if got := must[catalog.Sale](t)(s.Catalog.Sale(ctx, sale.ID)); got.MaxTicketsPerFan != noCap+20 {
			t.Fatalf("limit %d after 20 increments, want %d", got.MaxTicketsPerFan, noCap+20)
		}
	})

	t.Run("isolation: one date in two sales, each its own seats, counts and open dates", func(t *testing.T) {
		s := newStores(t)
		createSale(t, s, "sale-a")
		createSale(t, s, "sale-b")
		a := addPerformance(t, s, "sale-a", "2030-07-01", catalog.Section{Name: "General", FirstSeat: 1, LastSeat: 1, Price: 10_000})
		b := addPerformance(t, s, "sale-b", "2030-07-01", catalog.Section{Name: "Floor", FirstSeat: 1, LastSeat: 2, Price: 70_000})
		if _, err := hold(t, s, "alice", a, 1, epoch, time.Hour); err != nil {
			t.Fatal(err)
		}
		// Seat 1 of the same date in the other sale is another seat.
		r := must[booking.Reservation](t)(hold(t, s, "bob", b, 1, epoch, time.Hour))
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, r.ID)); got.SaleID != "sale-b" || got.Section != "Floor" || got.Price != 70_000 {
			t.Fatalf("sale-b's reservation reads back as %+v", got)
		}
		_, err := hold(t, s, "carol", a, 2, epoch, time.Hour)
		wantErr(t, err, catalog.ErrUnknownSeat) // sale-b has a seat 2 on that date; sale-a does not
		if dates := must[[]core.Date](t)(s.Catalog.OpenDates(ctx, "sale-a", core.DateOf(epoch), epoch)); len(dates) != 0 {
			t.Fatalf("sale-a, sold out, lists open dates %v", dates)
		}
		if dates := must[[]core.Date](t)(s.Catalog.OpenDates(ctx, "sale-b", core.DateOf(epoch), epoch)); len(dates) != 1 {
			t.Fatalf("sale-b, one seat left, lists open dates %v", dates)
		}
		cb := must[map[core.Date]catalog.SeatCounts](t)(s.Catalog.SeatCounts(ctx, "sale-b", epoch))
		if cb[b.Date] != (catalog.SeatCounts{Available: 1, Held: 1}) {
			t.Fatalf("sale-b counts %+v", cb)
		}
		_, err = s.Catalog.Seats(ctx, "sale-a", day("2030-07-02"), epoch)
		wantErr(t, err, catalog.ErrUnknownDate)
		n := must[int](t)(s.Catalog.RepriceSection(ctx, "sale-b", b.Date, "Floor", 80_000, epoch))
		if p := must[catalog.Performance](t)(s.Catalog.Performance(ctx, "sale-a", a.Date)); n != 1 || p.Sections[0].Price != 10_000 {
			t.Fatalf("repricing sale-b (%d seats) changed sale-a: %+v", n, p.Sections)
		}
	})

	t.Run("isolation: each sale numbers its own tokens; a fan waits in several at once", func(t *testing.T) {
		s := newStores(t)
		sales := []core.SaleID{"queue-one", "queue-two", "queue-three"}
		for _, id := range sales {
			createSale(t, s, id)
		}
		const fans = 60
		var mu sync.Mutex
		seqs := map[core.SaleID]map[int64]core.UserID{}
		tokens := map[core.UserID]map[core.ID]bool{}
		concurrently(fans*len(sales), func(i int) {
			sale, user := sales[i%len(sales)], core.UserID(fmt.Sprintf("fan-%d", i/len(sales)))
			tok, err := s.Queue.IssueToken(ctx, sale, user, epoch)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if tok.SaleID != sale {
				t.Errorf("a token of %s says %s", sale, tok.SaleID)
			}
			if seqs[sale] == nil {
				seqs[sale] = map[int64]core.UserID{}
			}
			if other, ok := seqs[sale][tok.Seq]; ok {
				t.Errorf("%s gave sequence %d to %s and %s", sale, tok.Seq, other, user)
			}
			seqs[sale][tok.Seq] = user
			if tokens[user] == nil {
				tokens[user] = map[core.ID]bool{}
			}
			tokens[user][tok.ID] = true
		})
		for _, id := range sales {
			for seq := int64(1); seq <= fans; seq++ {
				if _, ok := seqs[id][seq]; !ok {
					t.Fatalf("%s skipped sequence %d: each sale numbers 1..%d without gaps", id, seq, fans)
				}
			}
			if q := must[queue.Queue](t)(s.Queue.Queue(ctx, id)); q.LastSeq != fans {
				t.Fatalf("%s's last number is %d, want %d", id, q.LastSeq, fans)
			}
		}
		for user, ids := range tokens {
			if len(ids) != len(sales) {
				t.Fatalf("%s has %d live tokens, want one in each of %d sales", user, len(ids), len(sales))
			}
		}
		// Admitting one sale's queue leaves the others waiting.
		res := must[queue.Result](t)(s.Queue.Admit(ctx, "queue-two", round(fans, fans, epoch)))
		if res.Admitted != fans {
			t.Fatalf("admitted %d of queue-two's %d", res.Admitted, fans)
		}
		for _, id := range []core.SaleID{"queue-one", "queue-three"} {
			if q := must[queue.Queue](t)(s.Queue.Queue(ctx, id)); q.AdmittedThrough != 0 || q.Waiting() != fans {
				t.Fatalf("admitting queue-two moved %s: %+v", id, q)
			}
		}
		if st := must[queue.Stats](t)(s.Queue.QueueStats(ctx, "queue-two")); st.Active != fans || st.Waiting() != 0 {
			t.Fatalf("queue-two stats %+v", st)
		}
		if q := must[queue.Queue](t)(s.Queue.Queue(ctx, "queue-unused")); q.LastSeq != 0 {
			t.Fatalf("a queue never used reads %+v, want empty", q)
		}
	})

	t.Run("race: one fan at the sale's limit, holds and a purchase racing, exactly the limit", func(t *testing.T) {
		s := newStores(t)
		createSale(t, s, "limited-sale")
		createSale(t, s, "other-sale")
		p := addPerformance(t, s, "limited-sale", "2030-07-01", catalog.Section{Name: "General", FirstSeat: 1, LastSeat: 40, Price: 1_000})
		other := addPerformance(t, s, "other-sale", "2030-07-01", catalog.Section{Name: "General", FirstSeat: 1, LastSeat: 5, Price: 1_000})
		const limit = 4
		// One ticket bought first, and one held: the limit counts both.
		bought := must[booking.Reservation](t)(holdUnder(s, "fan", p, 1, epoch, time.Hour, limit))
		must[core.Amount](t)(s.Wallets.Charge(ctx, "fan", 100_000, "", epoch))
		must[booking.Receipt](t)(settle(s, bought, "fan", epoch))
		paying := must[booking.Reservation](t)(holdUnder(s, "fan", p, 2, epoch, time.Hour, limit))
		// A third hold stays unpaid through the race, so the payment never leaves the fan nothing
		// to pay: it would end their session, and the racing holds would fail for that instead.
		kept := must[booking.Reservation](t)(holdUnder(s, "fan", p, 3, epoch, time.Hour, limit))

		// 30 holds race each other and the payment of the held seat: whatever the order, the held
		// seat counts once (held, then paid), so exactly limit-3 new holds win.
		var mu sync.Mutex
		var won []booking.Reservation
		var tooMany atomic.Int64
		concurrently(31, func(i int) {
			if i == 30 {
				if _, err := settle(s, paying, "fan", epoch); err != nil {
					t.Error(err)
				}
				return
			}
			r, err := holdUnder(s, "fan", p, i+4, epoch, time.Duration(i+1)*time.Minute, limit)
			var limited *booking.TooManyHoldsError
			switch {
			case err == nil:
				mu.Lock()
				won = append(won, r)
				mu.Unlock()
			case errors.As(err, &limited) && limited.Limit == limit && limited.FreeAt.After(epoch):
				tooMany.Add(1)
			default:
				t.Error(err)
			}
		})
		if len(won) != limit-3 || tooMany.Load() != 30-(limit-3) {
			t.Fatalf("%d holds won and %d refused beside a ticket bought, one being paid and one held, want %d and %d", len(won), tooMany.Load(), limit-3, 30-(limit-3))
		}
		// The limit is per sale: the same fan holds in another sale.
		if _, err := holdUnder(s, "fan", other, 1, epoch, time.Minute, limit); err != nil {
			t.Fatalf("a hold in another sale: %v", err)
		}
		// Paying the holds makes bought tickets alone fill the limit: refused for good.
		for _, r := range append(won, kept) {
			must[booking.Receipt](t)(settle(s, r, "fan", epoch.Add(time.Second)))
		}
		_, err := holdUnder(s, "fan", p, 39, epoch.Add(2*time.Hour), time.Minute, limit)
		wantErr(t, err, booking.ErrTicketLimit)
		// Another fan is not affected.
		if _, err := holdUnder(s, "someone-else", p, 40, epoch, time.Minute, limit); err != nil {
			t.Fatalf("another fan's hold: %v", err)
		}
	})
}
