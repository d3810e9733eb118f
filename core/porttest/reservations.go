package porttest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
)

// runReservations is the contract clause by clause, each t.Run one promise of the port, in the
// order a reader checks them; it is long because the contract is.
func runReservations(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("hold, read back, lose to a taken seat", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 5)
		r, err := hold(t, s, "alice", p, 2, epoch, 5*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, r.ID))
		if got.ID != r.ID || got.UserID != "alice" || got.Seat != 2 || got.Date != p.Date || got.Price != p.Sections[0].Price ||
			got.Status != booking.Held || !got.HeldUntil.Equal(r.HeldUntil) {
			t.Fatalf("Reservation = %+v, want %+v", got, r)
		}
		_, err = hold(t, s, "bob", p, 2, epoch.Add(time.Second), 5*time.Minute)
		wantErr(t, err, booking.ErrSeatTaken)
		_, err = s.Bookings.Reservation(ctx, core.NewID())
		wantErr(t, err, booking.ErrUnknownTicket)
		_, err = hold(t, s, "bob", p, 6, epoch, time.Minute)
		wantErr(t, err, catalog.ErrUnknownSeat)
	})

	t.Run("a hold attempt is decided whole: token, seat, sale and date, limit, at the section's price", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 5)
		ann := must[core.ID](t)(AdmitFan(ctx, s.Queue, testSale, "ann"))
		// A token that is not an active one of this fan in this sale holds nothing.
		waiting := must[queue.Token](t)(s.Queue.IssueToken(ctx, testSale, "wendy", epoch))
		createSale(t, s, "porttest-other")
		annElsewhere := must[core.ID](t)(AdmitFan(ctx, s.Queue, "porttest-other", "ann"))
		for name, tc := range map[string]struct {
			tok  core.ID
			user core.UserID
			now  time.Time
		}{
			"waiting":         {waiting.ID, "wendy", epoch},
			"another fan's":   {ann, "bob", epoch},
			"no such token":   {core.NewID(), "ann", epoch},
			"session run out": {ann, "ann", admittedAt.Add(201 * 365 * 24 * time.Hour)},
			"of another sale": {annElsewhere, "ann", epoch},
		} {
			if _, err := holdWith(s, tc.tok, tc.user, p, 1, tc.now, time.Minute, noCap); !errors.Is(err, booking.ErrTokenNotActive) {
				t.Errorf("a hold with a token %s: %v, want ErrTokenNotActive", name, err)
			}
		}
		if _, err := holdWith(s, ann, "ann", catalog.Performance{SaleID: testSale, Date: day("2030-07-02")}, 1, epoch, time.Minute, noCap); !errors.Is(err, catalog.ErrUnknownSeat) {
			t.Errorf("a hold of a date without a performance: %v, want ErrUnknownSeat", err)
		}
		// The price is the section's at the moment of the hold, whatever the caller believed.
		must[int](t)(s.Catalog.RepriceSection(ctx, testSale, p.Date, "General", 61_000, epoch))
		r := must[booking.Reservation](t)(holdWith(s, ann, "ann", p, 1, epoch, time.Minute, noCap))
		if r.Price != 61_000 || r.Section != "General" {
			t.Errorf("held at %d in %q, want the section's new price 61000 in General", r.Price, r.Section)
		}
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, r.ID)); got.Price != 61_000 {
			t.Errorf("stored at %d, want 61000", got.Price)
		}
		// The sale's limit, lowered since the caller's copy of the offer, wins over the attempt's.
		lower := func(sl catalog.Sale) (catalog.Sale, error) { sl.MaxTicketsPerFan = 1; return sl, nil }
		must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, testSale, lower))
		var limited *booking.TooManyHoldsError
		if _, err := holdWith(s, ann, "ann", p, 3, epoch, time.Minute, noCap); !errors.As(err, &limited) || limited.Limit != 1 {
			t.Errorf("a second hold under a sale's limit lowered to 1: %v, want TooManyHoldsError with limit 1", err)
		}
		raise := func(sl catalog.Sale) (catalog.Sale, error) { sl.MaxTicketsPerFan = noCap; return sl, nil }
		must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, testSale, raise))
		// A paused sale and a cancelled date hold nothing, even for an active token.
		pause := func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.Paused; return sl, nil }
		must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, testSale, pause))
		if _, err := holdWith(s, ann, "ann", p, 2, epoch, time.Minute, noCap); !errors.Is(err, catalog.ErrSalePaused) {
			t.Errorf("a hold in a paused sale: %v, want ErrSalePaused", err)
		}
		resume := func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.OnSale; return sl, nil }
		must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, testSale, resume))
		must[catalog.Performance](t)(s.Catalog.CancelPerformance(ctx, testSale, p.Date, epoch))
		if _, err := holdWith(s, ann, "ann", p, 2, epoch, time.Minute, noCap); !errors.Is(err, catalog.ErrPerformanceCancelled) {
			t.Errorf("a hold of a cancelled date: %v, want ErrPerformanceCancelled", err)
		}
		if got := must[map[core.Date]catalog.SeatCounts](t)(s.Catalog.SeatCounts(ctx, testSale, epoch))[p.Date]; got.Held != 1 {
			t.Errorf("%+v seats after one hold and refused attempts, want 1 held", got)
		}
	})

	t.Run("race: 200 fans, one seat, exactly one winner", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 1)
		var won, lost atomic.Int64
		concurrently(200, func(i int) {
			_, err := hold(t, s, core.UserID(fmt.Sprintf("fan-%d", i)), p, 1, epoch, time.Minute)
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, booking.ErrSeatTaken):
				lost.Add(1)
			default:
				t.Error(err)
			}
		})
		if won.Load() != 1 || lost.Load() != 199 {
			t.Fatalf("%d winners and %d losers, want 1 and 199", won.Load(), lost.Load())
		}
	})

	t.Run("an expired hold is superseded and its release no longer frees the seat", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 1)
		first, err := hold(t, s, "alice", p, 1, epoch, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		second, err := hold(t, s, "bob", p, 1, epoch.Add(time.Minute), time.Minute)
		if err != nil {
			t.Fatalf("a hold past its deadline must yield the seat: %v", err)
		}
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, first.ID)); got.Status != booking.Released {
			t.Fatalf("superseded hold is %v, want released", got.Status)
		}
		if changed := must[bool](t)(s.Bookings.ReleaseHold(ctx, first.ID)); changed {
			t.Fatal("releasing a superseded hold changed something")
		}
		seats := must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, testSale, p.Date, epoch.Add(time.Minute+time.Second)))
		if seats[0].Status != catalog.SeatReserved {
			t.Fatal("the late release of the first hold freed bob's seat")
		}
		if !must[bool](t)(s.Bookings.ReleaseHold(ctx, second.ID)) {
			t.Fatal("releasing a live hold reported no change")
		}
		if must[bool](t)(s.Bookings.ReleaseHold(ctx, second.ID)) {
			t.Fatal("releasing twice reported a change")
		}
		seats = must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, testSale, p.Date, epoch.Add(time.Minute+time.Second)))
		if seats[0].Status != catalog.SeatAvailable {
			t.Fatal("released seat is not available")
		}
		if _, err := hold(t, s, "carol", p, 1, epoch.Add(time.Minute+time.Second), time.Minute); err != nil {
			t.Fatalf("released seat cannot be held: %v", err)
		}
	})

	t.Run("overdue holds are released in bulk, others untouched", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 3)
		early, _ := hold(t, s, "alice", p, 1, epoch, time.Minute)
		late, _ := hold(t, s, "bob", p, 2, epoch, time.Hour)
		paid, _ := hold(t, s, "carol", p, 3, epoch, time.Minute)
		must[core.Amount](t)(s.Wallets.Charge(ctx, "carol", p.Sections[0].Price, "", epoch))
		if _, err := s.Settlements.SettleAcrossAggregates(ctx, booking.Settlement{ReservationID: paid.ID, UserID: "carol", PaymentID: core.NewID(), At: epoch}); err != nil {
			t.Fatal(err)
		}
		if n := must[int](t)(s.Bookings.ReleaseOverdue(ctx, epoch.Add(2*time.Minute), 10)); n != 1 {
			t.Fatalf("released %d overdue holds, want 1", n)
		}
		for r, want := range map[core.ID]booking.Status{early.ID: booking.Released, late.ID: booking.Held, paid.ID: booking.Paid} {
			if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, r)); got.Status != want {
				t.Fatalf("reservation %s is %v, want %v", r, got.Status, want)
			}
		}
		seats := must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, testSale, p.Date, epoch))
		if seats[0].Status != catalog.SeatAvailable || seats[1].Status != catalog.SeatReserved || seats[2].Status != catalog.SeatReserved {
			t.Fatalf("seats after the sweep: %+v", seats)
		}
		if n := must[int](t)(s.Bookings.ReleaseOverdue(ctx, epoch.Add(2*time.Minute), 10)); n != 0 {
			t.Fatalf("a second sweep released %d", n)
		}
		// Two holds are overdue now (dave's and bob's); the limit bounds one sweep to one.
		if _, err := hold(t, s, "dave", p, 1, epoch.Add(3*time.Minute), time.Minute); err != nil {
			t.Fatal(err)
		}
		if n := must[int](t)(s.Bookings.ReleaseOverdue(ctx, epoch.Add(2*time.Hour), 1)); n != 1 {
			t.Fatalf("a sweep limited to 1 released %d", n)
		}
	})

	t.Run("race: holds beyond a user's cap are refused, exactly", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 21) // the hoarder races for seats 1 to 20
		var won, capped atomic.Int64
		var mu sync.Mutex
		var holds []booking.Reservation
		hoarder := must[core.ID](t)(AdmitFan(ctx, s.Queue, testSale, "hoarder"))
		concurrently(20, func(i int) {
			r, err := holdWith(s, hoarder, "hoarder", p, i+1, epoch, time.Duration(i+1)*time.Minute, 4)
			var tooMany *booking.TooManyHoldsError
			switch {
			case err == nil:
				won.Add(1)
				mu.Lock()
				holds = append(holds, r)
				mu.Unlock()
			case errors.As(err, &tooMany) && tooMany.Limit == 4 && tooMany.FreeAt.After(epoch):
				capped.Add(1)
			default:
				t.Error(err)
			}
		})
		if won.Load() != 4 || capped.Load() != 16 {
			t.Fatalf("%d holds taken and %d capped, want 4 and 16", won.Load(), capped.Load())
		}
		// Another user is not affected.
		if _, err := hold(t, s, "other", p, 21, epoch, time.Minute); err != nil {
			t.Fatalf("another user's hold: %v", err)
		}
		// Past their deadlines the holds count while a payment accepted before it may still
		// settle (until their payment deadlines), and no longer, released yet or not.
		for _, r := range holds {
			must[booking.Reservation](t)(s.Bookings.AcceptPayment(ctx, r.ID, "hoarder", epoch.Add(30*time.Second)))
		}
		byDeadline := func(a, b booking.Reservation) int { return a.HeldUntil.Compare(b.HeldUntil) }
		first, last := slices.MinFunc(holds, byDeadline).HeldUntil, slices.MaxFunc(holds, byDeadline).HeldUntil
		var limited *booking.TooManyHoldsError
		_, err := holdWith(s, hoarder, "hoarder", p, 21, first.Add(booking.PaymentWait/2), time.Minute, 4)
		if !errors.As(err, &limited) || !limited.FreeAt.Equal(first.Add(booking.PaymentWait)) {
			t.Fatalf("a hold beside four holds, one lapsed, whose payments were accepted: %v, want TooManyHoldsError free at %v", err, first.Add(booking.PaymentWait))
		}
		var free []int // seats none of the hoarder's holds took
		for seat := 1; seat <= 20; seat++ {
			if !slices.ContainsFunc(holds, func(r booking.Reservation) bool { return r.Seat == seat }) {
				free = append(free, seat)
			}
		}
		after := last.Add(booking.PaymentWait + time.Second)
		if _, err := holdWith(s, hoarder, "hoarder", p, free[0], after, time.Minute, 4); err != nil {
			t.Fatalf("a hold beside four holds past their payment deadlines, not yet released: %v", err)
		}
		if n := must[int](t)(s.Bookings.ReleaseOverdue(ctx, after, 100)); n != 5 {
			t.Fatalf("released %d lapsed holds, want the hoarder's 4 and the other fan's", n)
		}
		if _, err := holdWith(s, hoarder, "hoarder", p, free[1], after, time.Minute, 4); err != nil {
			t.Fatalf("holding again once the lapsed holds were released: %v", err)
		}
	})
}
