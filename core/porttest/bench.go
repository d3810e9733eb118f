package porttest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
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
			if _, err := s.Queue.IssueToken(ctx, testSale, core.UserID(fmt.Sprintf("bench-%d", i)), epoch); err != nil {
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

// BenchOrders measures orders of 2 seats together, the best available, on a date of each size
// in seats whose first half is held (a chosen order's cost is a won hold's, per seat). Each
// order is a new fan's, admitted off the clock; when the date runs out, the next is put on sale
// and half held, off the clock too.
func BenchOrders(b *testing.B, newStores func(b *testing.B) Stores, sizes ...int) {
	for _, seats := range sizes {
		b.Run(fmt.Sprintf("best-2-together/seats=%d", seats), func(b *testing.B) {
			s := newStores(b)
			createSale(b, s, testSale)
			p := catalog.Performance{SaleID: testSale, Date: day("2030-06-30"), Sections: []catalog.Section{{Name: "General", FirstSeat: 1, LastSeat: seats, Price: 1}}}
			next := seats // the next seat free; past the end: put the next date on sale
			fan := 0
			for b.Loop() {
				b.StopTimer()
				if next+1 > seats {
					p.Date = p.Date.AddDays(1)
					next = halfHeld(b, s, p, seats)
				}
				fan++
				user := core.UserID(fmt.Sprintf("bench-%d", fan))
				tok, err := AdmitFan(ctx, s.Queue, testSale, user)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				o, err := orderWith(s, tok, user, p, wish(2, "", true), epoch, noCap)
				if err != nil || o.Seats()[0] != next {
					b.Fatalf("order %d: %v, %v; want seats from %d", fan, o.Seats(), err, next)
				}
				next += 2
			}
		})
	}
}

// halfHeld puts p on sale and holds its first half in orders of up to 1,000 seats; it returns
// the first seat left free.
func halfHeld(b *testing.B, s Stores, p catalog.Performance, seats int) int {
	if err := s.Catalog.AddPerformance(ctx, p); err != nil {
		b.Fatal(err)
	}
	tok, err := AdmitFan(ctx, s.Queue, testSale, "holder")
	if err != nil {
		b.Fatal(err)
	}
	for first := 1; first <= seats/2; first += 1000 {
		var chosen []int
		for n := first; n < first+1000 && n <= seats/2; n++ {
			chosen = append(chosen, n)
		}
		if _, err := orderWith(s, tok, "holder", p, booking.OrderRequest{Seats: chosen}, epoch, noCap); err != nil {
			b.Fatal(err)
		}
	}
	return seats/2 + 1
}

// BenchAfterPayment measures what follows a payment: checking a ticket in (the first scan, which
// writes, and a second, refused) and refunding one. Each iteration sets up a paid ticket off the
// clock; the memory adapter counts a fan's tickets by scanning, so that setup grows with the
// tickets made and only the PostgreSQL adapter runs this.
func BenchAfterPayment(b *testing.B, newStores func(b *testing.B) Stores) {
	inSale := func(b *testing.B) Stores {
		s := newStores(b)
		createSale(b, s, testSale)
		return s
	}
	b.Run("CheckIn/first", func(b *testing.B) {
		s := inSale(b)
		p := addShow(b, s, "2030-07-01", 20_000)
		seat := 0
		for b.Loop() {
			b.StopTimer() // a paid ticket to scan, off the clock
			seat++
			r, rc := benchPaidTicket(b, s, p, seat)
			b.StartTimer()
			if _, err := s.Bookings.CheckIn(ctx, r.ID, rc.PaymentID, epoch); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CheckIn/again", func(b *testing.B) {
		s := inSale(b)
		p := addShow(b, s, "2030-07-01", 1)
		r, rc := benchPaidTicket(b, s, p, 1)
		if _, err := s.Bookings.CheckIn(ctx, r.ID, rc.PaymentID, epoch); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			var again *booking.CheckedInError
			if _, err := s.Bookings.CheckIn(ctx, r.ID, rc.PaymentID, epoch); !errors.As(err, &again) {
				b.Fatalf("a second scan: %v", err)
			}
		}
	})
	b.Run("Refund", func(b *testing.B) {
		s := inSale(b)
		p := addShow(b, s, "2030-07-01", 20_000)
		seat := 0
		for b.Loop() {
			b.StopTimer()
			seat++
			r, _ := benchPaidTicket(b, s, p, seat)
			b.StartTimer()
			if _, err := s.Settlements.Refund(ctx, booking.RefundRequest{ReservationID: r.ID, RefundID: core.NewID(), Terms: r.FullRefund(),
				Reason: booking.PerformanceCancelled, At: epoch}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchPaidTicket holds, funds and pays seat of p for a fan of its own.
func benchPaidTicket(b *testing.B, s Stores, p catalog.Performance, seat int) (booking.Reservation, booking.Receipt) {
	b.Helper()
	user := core.UserID(fmt.Sprintf("bench-%d", seat))
	r, err := hold(b, s, user, p, seat, epoch, time.Hour)
	if err == nil {
		_, err = s.Wallets.Charge(ctx, user, r.Price, "", epoch)
	}
	if err != nil {
		b.Fatal(err)
	}
	rc, err := settle(s, r, user, epoch)
	if err != nil {
		b.Fatal(err)
	}
	return r, rc
}
