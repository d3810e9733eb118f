package porttest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
)

// order asks the store to hold an order of p for user, admitted first (AdmitFan), under limit.
func order(s Stores, user core.UserID, p catalog.Performance, q booking.OrderRequest, now time.Time, limit int) (booking.Order, error) {
	tok, err := AdmitFan(ctx, s.Queue, p.SaleID, user)
	if err != nil {
		return booking.Order{}, err
	}
	return orderWith(s, tok, user, p, q, now, limit)
}

// orderWith asks the store to hold an order of p with the fan's token tok, for a minute.
func orderWith(s Stores, tok core.ID, user core.UserID, p catalog.Performance, q booking.OrderRequest, now time.Time, limit int) (booking.Order, error) {
	ids := make([]core.ID, q.Quantity())
	for i := range ids {
		ids[i] = core.NewID()
	}
	o := booking.Order{ID: core.NewID(), UserID: user, SaleID: p.SaleID, Date: p.Date, HeldUntil: now.Add(time.Minute), CreatedAt: now}
	return s.Bookings.HoldOrder(ctx, booking.OrderAttempt{Request: q, Order: o, IDs: ids, Token: tok, Now: now, Limit: limit})
}

func chosen(seats ...int) booking.OrderRequest { return booking.OrderRequest{Seats: seats} }

func wish(quantity int, section string, together bool) booking.OrderRequest {
	return booking.OrderRequest{Wish: catalog.SeatWish{Quantity: quantity, Section: section, Together: together}}
}

// must2t is must for a release's two answers.
func must2t(t *testing.T) func(bool, time.Time, error) (bool, time.Time) {
	return func(b bool, at time.Time, err error) (bool, time.Time) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b, at
	}
}

// twoSections puts a date of testSale on with Stalls (seats 1–5) and Balcony (6–10).
func twoSections(t *testing.T, s Stores) catalog.Performance {
	return addPerformance(t, s, testSale, "2030-07-01",
		catalog.Section{Name: "Stalls", FirstSeat: 1, LastSeat: 5, Price: 90_000},
		catalog.Section{Name: "Balcony", FirstSeat: 6, LastSeat: 10, Price: 50_000})
}

// runOrders is the contract of orders, clause by clause.
func runOrders(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("chosen seats are taken all or none, and read back as one order", func(t *testing.T) {
		s := newStores(t)
		p := twoSections(t, s)
		must[booking.Reservation](t)(hold(t, s, "bob", p, 3, epoch, time.Minute))
		must[booking.Reservation](t)(hold(t, s, "bob", p, 5, epoch, time.Minute))
		_, err := order(s, "alice", p, chosen(5, 2, 3, 4), epoch, noCap)
		var taken *booking.SeatsTakenError
		if !errors.As(err, &taken) || !slices.Equal(taken.Taken, []int{3, 5}) {
			t.Fatalf("an order of seats 2–5, 3 and 5 held: %v, want SeatsTakenError naming 3 and 5", err)
		}
		// None of its seats was taken: another fan holds 2 and 4 one by one.
		must[booking.Reservation](t)(hold(t, s, "carol", p, 2, epoch, time.Minute))
		must[booking.Reservation](t)(hold(t, s, "carol", p, 4, epoch, time.Minute))

		o := must[booking.Order](t)(order(s, "alice", p, chosen(7, 1, 6), epoch, noCap))
		if !slices.Equal(o.Seats(), []int{1, 6, 7}) || o.Total() != 90_000+2*50_000 || o.UserID != "alice" {
			t.Fatalf("order = seats %v total %d for %s, want seats 1, 6, 7 for 190000 for alice", o.Seats(), o.Total(), o.UserID)
		}
		for _, tk := range o.Tickets {
			section, _ := p.SectionOf(tk.Seat)
			if tk.OrderID != o.ID || tk.Status != booking.Held || !tk.HeldUntil.Equal(o.HeldUntil) || tk.Section != section.Name || tk.Price != section.Price {
				t.Errorf("ticket %+v of order %s: want held in it until %s, in %s at %d", tk, o.ID, o.HeldUntil, section.Name, section.Price)
			}
			if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, tk.ID)); got.OrderID != o.ID || got.OrderOf() != o.ID || got.Seat != tk.Seat {
				t.Errorf("Reservation(%s) = %+v, want seat %d of order %s", tk.ID, got, tk.Seat, o.ID)
			}
		}
		read := must[booking.Order](t)(s.Bookings.Order(ctx, o.ID))
		if read.ID != o.ID || read.UserID != "alice" || read.SaleID != testSale || read.Date != p.Date || !read.HeldUntil.Equal(o.HeldUntil) ||
			!read.CreatedAt.Equal(epoch) || !slices.Equal(read.Seats(), o.Seats()) || read.Total() != o.Total() {
			t.Fatalf("Order = %+v, want %+v", read, o)
		}
		_, err = s.Bookings.Order(ctx, core.NewID())
		wantErr(t, err, booking.ErrUnknownOrder)
		if r := must[booking.Reservation](t)(hold(t, s, "dave", p, 8, epoch, time.Minute)); r.OrderID != "" || r.OrderOf() != r.ID {
			t.Errorf("a seat held on its own: OrderID %q, OrderOf %q, want none and its own id", r.OrderID, r.OrderOf())
		}
	})

	t.Run("an order attempt is decided whole: token, seats, sale and date, limit", func(t *testing.T) {
		s := newStores(t)
		p := twoSections(t, s)
		for _, q := range []booking.OrderRequest{chosen(2, 2), wish(0, "", false), {}} {
			if _, err := order(s, "ann", p, q, epoch, noCap); !errors.Is(err, core.ErrInvalid) {
				t.Errorf("an order %+v: %v, want it refused as invalid", q, err)
			}
		}
		waiting := must[queue.Token](t)(s.Queue.IssueToken(ctx, testSale, "wendy", epoch))
		if _, err := orderWith(s, waiting.ID, "wendy", p, chosen(1, 2), epoch, noCap); !errors.Is(err, booking.ErrTokenNotActive) {
			t.Errorf("an order with a waiting token: %v, want ErrTokenNotActive", err)
		}
		if _, err := order(s, "ann", p, chosen(10, 11), epoch, noCap); !errors.Is(err, catalog.ErrUnknownSeat) {
			t.Errorf("an order of a seat the date lacks: %v, want ErrUnknownSeat", err)
		}
		elsewhere := catalog.Performance{SaleID: testSale, Date: day("2030-07-02")}
		for _, q := range []booking.OrderRequest{chosen(1), wish(1, "", false)} {
			if _, err := order(s, "ann", elsewhere, q, epoch, noCap); !errors.Is(err, catalog.ErrUnknownSeat) {
				t.Errorf("an order %+v of a date without a performance: %v, want ErrUnknownSeat", q, err)
			}
		}
		// The limit counts seats: 1 held and 3 asked make 4.
		must[booking.Reservation](t)(holdUnder(s, "ann", p, 1, epoch, time.Minute, 3))
		var limited *booking.TooManyHoldsError
		if _, err := order(s, "ann", p, chosen(2, 3, 4), epoch, 3); !errors.As(err, &limited) || limited.Limit != 3 {
			t.Fatalf("1 seat held and 3 ordered under a limit of 3: %v, want TooManyHoldsError", err)
		}
		if _, err := order(s, "ann", p, wish(3, "", false), epoch, 3); !errors.As(err, &limited) {
			t.Fatalf("1 seat held and 3 wished under a limit of 3: %v, want TooManyHoldsError", err)
		}
		must[booking.Order](t)(order(s, "ann", p, chosen(2, 3), epoch, 3))
		// Refused seats were given back: another fan takes them.
		must[booking.Order](t)(order(s, "bea", p, chosen(4, 5), epoch, noCap))
		// Bought tickets leaving room for fewer seats than asked: how many are left.
		paidTicket(t, s, "dan", p, 9)
		paidTicket(t, s, "dan", p, 10)
		var left *booking.TicketsLeftError
		if _, err := order(s, "dan", p, chosen(6, 7), epoch, 3); !errors.As(err, &left) || left.Left != 1 || left.Limit != 3 {
			t.Fatalf("2 bought and 2 ordered under a limit of 3: %v, want TicketsLeftError with 1 left", err)
		}

		pause := func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.Paused; return sl, nil }
		must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, testSale, pause))
		if _, err := order(s, "cid", p, chosen(6, 7), epoch, noCap); !errors.Is(err, core.ErrSalePaused) {
			t.Fatalf("an order in a paused sale: %v, want ErrSalePaused", err)
		}
		resume := func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.OnSale; return sl, nil }
		must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, testSale, resume))
		must[catalog.Performance](t)(s.Catalog.CancelPerformance(ctx, testSale, p.Date, epoch))
		if _, err := order(s, "cid", p, wish(2, "", false), epoch, noCap); !errors.Is(err, catalog.ErrPerformanceCancelled) {
			t.Fatalf("an order of a cancelled date: %v, want ErrPerformanceCancelled", err)
		}
	})

	t.Run("an order gives its seats back together, once", func(t *testing.T) {
		s := newStores(t)
		p := twoSections(t, s)
		o := must[booking.Order](t)(order(s, "alice", p, chosen(2, 3, 7), epoch, noCap))
		if !must[bool](t)(s.Bookings.ReleaseOrder(ctx, o.ID)) {
			t.Fatal("releasing a held order changed nothing")
		}
		for _, tk := range must[booking.Order](t)(s.Bookings.Order(ctx, o.ID)).Tickets {
			if tk.Status != booking.Released {
				t.Errorf("seat %d of the released order is %s", tk.Seat, tk.Status)
			}
		}
		// Every seat is free again, at once.
		bobs := must[booking.Order](t)(order(s, "bob", p, chosen(2, 3, 7), epoch, noCap))
		if must[bool](t)(s.Bookings.ReleaseOrder(ctx, o.ID)) {
			t.Error("releasing a released order changed something")
		}
		if _, err := order(s, "carol", p, chosen(3), epoch, noCap); !errors.As(err, new(*booking.SeatsTakenError)) {
			t.Errorf("seat 3, bob's since alice's order was released and released again: %v, want taken", err)
		}
		for _, tk := range must[booking.Order](t)(s.Bookings.Order(ctx, bobs.ID)).Tickets {
			if tk.Status != booking.Held {
				t.Errorf("seat %d of bob's order is %s after alice's was released again", tk.Seat, tk.Status)
			}
		}
		if must[bool](t)(s.Bookings.ReleaseOrder(ctx, core.NewID())) {
			t.Error("releasing an unknown order changed something")
		}
	})

	t.Run("a payment accepted keeps the whole order until its payment deadline", func(t *testing.T) {
		s := newStores(t)
		p := twoSections(t, s)
		o := must[booking.Order](t)(order(s, "alice", p, chosen(2, 7), epoch, noCap))
		_, err := s.Bookings.AcceptOrderPayment(ctx, o.ID, "mallory", epoch)
		wantErr(t, err, booking.ErrNotYourTicket)
		_, err = s.Bookings.AcceptOrderPayment(ctx, core.NewID(), "alice", epoch)
		wantErr(t, err, booking.ErrUnknownOrder)
		_, err = s.Bookings.AcceptOrderPayment(ctx, o.ID, "alice", o.HeldUntil)
		wantErr(t, err, booking.ErrHoldExpired)

		at := o.HeldUntil.Add(-time.Second)
		accepted := must[booking.Order](t)(s.Bookings.AcceptOrderPayment(ctx, o.ID, "alice", at))
		for _, tk := range must[booking.Order](t)(s.Bookings.Order(ctx, o.ID)).Tickets {
			if !tk.PaymentAcceptedAt.Equal(at) || tk.Status != booking.Held {
				t.Errorf("seat %d after the acceptance: %s, accepted at %s; want held, accepted at %s", tk.Seat, tk.Status, tk.PaymentAcceptedAt, at)
			}
		}
		deadline := accepted.PaymentDeadline()
		if !deadline.Equal(o.HeldUntil.Add(booking.PaymentWait)) {
			t.Fatalf("payment deadline %s, want %s", deadline, o.HeldUntil.Add(booking.PaymentWait))
		}
		// Past the hold's deadline and before the payment's, no other fan takes a seat over and
		// the lifecycle keeps the order for the payment it has not seen.
		if _, err := order(s, "bob", p, chosen(7), o.HeldUntil.Add(time.Second), noCap); !errors.As(err, new(*booking.SeatsTakenError)) {
			t.Fatalf("seat 7 of an order accepted, past its hold's deadline: %v, want taken", err)
		}
		released, until := must2t(t)(s.Bookings.ReleaseOrderUnlessAwaitingPayment(ctx, o.ID, o.HeldUntil, time.Time{}))
		if released || !until.Equal(deadline) {
			t.Fatalf("at the deadline, the acceptance unseen: released %v, kept until %s; want kept until %s", released, until, deadline)
		}
		// Once the lifecycle has seen it, the deadline releases every seat.
		released, until = must2t(t)(s.Bookings.ReleaseOrderUnlessAwaitingPayment(ctx, o.ID, o.HeldUntil, at))
		if !released || !until.IsZero() {
			t.Fatalf("at the deadline, the acceptance seen: released %v, kept until %s; want released", released, until)
		}
		for _, tk := range must[booking.Order](t)(s.Bookings.Order(ctx, o.ID)).Tickets {
			if tk.Status != booking.Released {
				t.Errorf("seat %d is %s, want released", tk.Seat, tk.Status)
			}
		}
		_, err = s.Bookings.AcceptOrderPayment(ctx, o.ID, "alice", at)
		wantErr(t, err, booking.ErrHoldExpired)
	})

	t.Run("an order's acceptance raced against its deadline's release: one or the other, whole", func(t *testing.T) {
		s := newStores(t)
		const rounds = 20
		for round := range rounds {
			p := addShow(t, s, fmt.Sprintf("2030-07-%02d", round+1), 3)
			o := must[booking.Order](t)(order(s, core.UserID(fmt.Sprintf("fan-%d", round)), p, wish(3, "", true), epoch, noCap))
			var acceptErr, releaseErr error
			var released bool
			concurrently(2, func(i int) {
				if i == 0 {
					_, acceptErr = s.Bookings.AcceptOrderPayment(ctx, o.ID, o.UserID, o.HeldUntil.Add(-time.Millisecond))
					return
				}
				released, _, releaseErr = s.Bookings.ReleaseOrderUnlessAwaitingPayment(ctx, o.ID, o.HeldUntil, time.Time{})
			})
			if releaseErr != nil || (acceptErr != nil && !errors.Is(acceptErr, booking.ErrHoldExpired)) {
				t.Fatalf("round %d: accept %v, release %v", round, acceptErr, releaseErr)
			}
			if released == (acceptErr == nil) {
				t.Fatalf("round %d: accepted %v and released %v, want exactly one", round, acceptErr == nil, released)
			}
			want := booking.Released
			if !released {
				want = booking.Held
			}
			for _, tk := range must[booking.Order](t)(s.Bookings.Order(ctx, o.ID)).Tickets {
				if tk.Status != want || tk.PaymentAcceptedAt.IsZero() == (acceptErr == nil) {
					t.Fatalf("round %d: seat %d %s, accepted %v; want all %s", round, tk.Seat, tk.Status, !tk.PaymentAcceptedAt.IsZero(), want)
				}
			}
		}
	})

	t.Run("the best available: lowest numbers, in the section asked or the first that can", func(t *testing.T) {
		s := newStores(t)
		p := twoSections(t, s)
		must[booking.Reservation](t)(hold(t, s, "bob", p, 1, epoch, time.Minute))
		must[booking.Reservation](t)(hold(t, s, "bob", p, 3, epoch, time.Minute))
		for _, step := range []struct {
			q     booking.OrderRequest
			seats []int // nil: not enough, with available
			avail int
		}{
			{wish(2, "", false), []int{2, 4}, 0},       // Stalls, passing 1 and 3
			{wish(2, "", true), []int{6, 7}, 0},        // Stalls has only 5 left: Balcony
			{wish(2, "Stalls", false), nil, 1},         // only 5 left in Stalls
			{wish(2, "Balcony", true), []int{8, 9}, 0}, // the lowest run
			{wish(2, "", true), nil, 1},                // 5 and 10, apart
			{wish(2, "", false), nil, 1},               // one section each
			{wish(1, "", false), []int{5}, 0},          // the first section that can
		} {
			o, err := order(s, "alice", p, step.q, epoch, noCap)
			var short *booking.NotEnoughSeatsError
			switch {
			case step.seats == nil && (!errors.As(err, &short) || short.Available != step.avail):
				t.Fatalf("%+v: %v, want NotEnoughSeatsError with %d available", step.q.Wish, err, step.avail)
			case step.seats != nil && (err != nil || !slices.Equal(o.Seats(), step.seats)):
				t.Fatalf("%+v: seats %v (%v), want %v", step.q.Wish, o.Seats(), err, step.seats)
			}
		}
	})

	t.Run("a lapsed hold's seat is available to an order, which supersedes it", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 5)
		lapsed := must[booking.Reservation](t)(hold(t, s, "bob", p, 1, epoch, time.Minute))
		must[booking.Reservation](t)(hold(t, s, "dave", p, 3, epoch, time.Minute))
		must[booking.Reservation](t)(hold(t, s, "erin", p, 5, epoch, time.Hour))
		later := epoch.Add(2 * time.Minute)
		if o := must[booking.Order](t)(order(s, "alice", p, chosen(1, 2), later, noCap)); !slices.Equal(o.Seats(), []int{1, 2}) {
			t.Fatalf("chosen 1 and 2, 1's hold lapsed: got %v", o.Seats())
		}
		// Seat 3's hold lapsed too, 4 was never held, 5 is held: the best available merges them.
		if o := must[booking.Order](t)(order(s, "carol", p, wish(2, "", true), later, noCap)); !slices.Equal(o.Seats(), []int{3, 4}) {
			t.Fatalf("the best 2 together after 1 and 2, 3 lapsed and 5 held: got %v, want 3 and 4", o.Seats())
		}
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, lapsed.ID)); got.Status != booking.Released {
			t.Fatalf("the superseded hold is %s, want released", got.Status)
		}
	})

	t.Run("overlapping chosen orders raced: each seat won once, every order whole", func(t *testing.T) {
		s := newStores(t)
		const seats, fans, size = 12, 24, 3
		p := addShow(t, s, "2030-07-01", seats)
		orders := make([]booking.Order, fans)
		errs := make([]error, fans)
		toks := make([]core.ID, fans)
		for i := range fans {
			toks[i] = must[core.ID](t)(AdmitFan(ctx, s.Queue, testSale, core.UserID(fmt.Sprintf("fan-%02d", i))))
		}
		concurrently(fans, func(i int) {
			first := i%(seats-size+1) + 1
			q := chosen(first+size-1, first+1, first) // out of order: the store sorts
			orders[i], errs[i] = orderWith(s, toks[i], core.UserID(fmt.Sprintf("fan-%02d", i)), p, q, epoch, noCap)
		})
		wonBy := map[int]int{}
		for i := range fans {
			var taken *booking.SeatsTakenError
			switch {
			case errors.As(errs[i], &taken):
				continue
			case errs[i] != nil:
				t.Fatalf("fan %d: %v, want an order or SeatsTakenError", i, errs[i])
			}
			read := must[booking.Order](t)(s.Bookings.Order(ctx, orders[i].ID))
			if len(read.Tickets) != size {
				t.Fatalf("fan %d's order has seats %v, want %d", i, read.Seats(), size)
			}
			for _, n := range read.Seats() {
				if other, ok := wonBy[n]; ok {
					t.Fatalf("seat %d won by fans %d and %d", n, other, i)
				}
				wonBy[n] = i
			}
		}
		if len(wonBy) == 0 {
			t.Fatal("no fan won an order")
		}
	})

	t.Run("fans racing for the same chosen seats: one wins each race", func(t *testing.T) {
		s := newStores(t)
		const rounds, fans = 30, 4
		for round := range rounds {
			p := addShow(t, s, fmt.Sprintf("2030-07-%02d", round+1), 2)
			toks := make([]core.ID, fans)
			for i := range fans {
				toks[i] = must[core.ID](t)(AdmitFan(ctx, s.Queue, testSale, core.UserID(fmt.Sprintf("fan-%d-%d", round, i))))
			}
			errs := make([]error, fans)
			concurrently(fans, func(i int) {
				_, errs[i] = orderWith(s, toks[i], core.UserID(fmt.Sprintf("fan-%d-%d", round, i)), p, chosen(2, 1), epoch, noCap)
			})
			won := 0
			for i, err := range errs {
				var taken *booking.SeatsTakenError
				switch {
				case err == nil:
					won++
				case !errors.As(err, &taken):
					t.Fatalf("round %d, fan %d: %v, want an order or SeatsTakenError", round, i, err)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d of %d fans racing for seats 1 and 2 won, want 1", round, won, fans)
			}
		}
	})

	t.Run("lapsed holds released while best-available orders look: each seat taken once", func(t *testing.T) {
		s := newStores(t)
		const seats, fans, each = 240, 6, 20
		p := addShow(t, s, "2030-07-01", seats)
		lapsed := make([]booking.Reservation, seats)
		for n := range seats {
			lapsed[n] = must[booking.Reservation](t)(hold(t, s, core.UserID(fmt.Sprintf("early-%d", n)), p, n+1, epoch, time.Minute))
		}
		later := epoch.Add(2 * time.Minute)
		toks := make([]core.ID, fans)
		for i := range fans {
			toks[i] = must[core.ID](t)(AdmitFan(ctx, s.Queue, testSale, core.UserID(fmt.Sprintf("fan-%d", i))))
		}
		errs := make([]error, fans+1)
		concurrently(fans+1, func(i int) {
			if i == fans { // the holds' own releases, running late
				for _, r := range lapsed {
					if _, err := s.Bookings.ReleaseHold(ctx, r.ID); err != nil {
						errs[i] = err
						return
					}
				}
				return
			}
			_, errs[i] = orderWith(s, toks[i], core.UserID(fmt.Sprintf("fan-%d", i)), p, wish(each, "", i%2 == 0), later, noCap)
		})
		for i, err := range errs {
			var short *booking.NotEnoughSeatsError
			if err != nil && !errors.As(err, &short) {
				t.Fatalf("goroutine %d: %v", i, err)
			}
		}
	})

	t.Run("a storm of best-available orders together: consecutive seats, each once", func(t *testing.T) {
		s := newStores(t)
		const seats, fans = 30, 40
		p := addShow(t, s, "2030-07-01", seats)
		toks := make([]core.ID, fans)
		for i := range fans {
			toks[i] = must[core.ID](t)(AdmitFan(ctx, s.Queue, testSale, core.UserID(fmt.Sprintf("fan-%02d", i))))
		}
		var mu sync.Mutex
		held := map[int]bool{}
		won := 0
		concurrently(fans, func(i int) {
			o, err := orderWith(s, toks[i], core.UserID(fmt.Sprintf("fan-%02d", i)), p, wish(2, "", true), epoch, noCap)
			mu.Lock()
			defer mu.Unlock()
			var short *booking.NotEnoughSeatsError
			switch {
			case errors.As(err, &short) && short.Available >= 2:
				t.Errorf("fan %d told %d seats together could be had, and not given 2", i, short.Available)
				return
			case errors.As(err, &short):
				return
			case err != nil:
				t.Errorf("fan %d: %v, want an order or NotEnoughSeatsError", i, err)
				return
			}
			got := o.Seats()
			if len(got) != 2 || got[1] != got[0]+1 {
				t.Errorf("fan %d got seats %v, want two together", i, got)
			}
			for _, n := range got {
				if held[n] {
					t.Errorf("seat %d won twice", n)
				}
				held[n] = true
			}
			won++
		})
		if won == 0 || won > seats/2 {
			t.Fatalf("%d orders of 2 won in %d seats", won, seats)
		}
	})
}

// OrderWhileAHoldIsReleased is a clause only a store with a hook into its search can be held to:
// an order asks for the best 2 of seats 4–6 (1–3 held, 4's hold lapsed) and, while its search
// is stopped midway (pause, until resume; waiting returns once it is stopped), the sweep
// releases seat 4's hold. The order still gets seats 4 and 5, each once.
func OrderWhileAHoldIsReleased(t *testing.T, s Stores, pause func() (waiting, resume func())) {
	createSale(t, s, testSale)
	p := addPerformance(t, s, testSale, "2030-07-01",
		catalog.Section{Name: "A", FirstSeat: 1, LastSeat: 3, Price: 10},
		catalog.Section{Name: "B", FirstSeat: 4, LastSeat: 6, Price: 20})
	for n := 1; n <= 3; n++ {
		must[booking.Reservation](t)(hold(t, s, "live", p, n, epoch, time.Hour))
	}
	must[booking.Reservation](t)(hold(t, s, "old", p, 4, epoch.Add(-time.Hour), time.Minute))
	tok := must[core.ID](t)(AdmitFan(ctx, s.Queue, testSale, "alice"))
	waiting, resume := pause()
	done := make(chan error, 1)
	var o booking.Order
	go func() {
		var err error
		o, err = orderWith(s, tok, "alice", p, wish(2, "", false), epoch, noCap)
		done <- err
	}()
	waiting()
	if n := must[int](t)(s.Bookings.ReleaseOverdue(ctx, epoch, 100)); n != 1 {
		t.Fatalf("the sweep released %d holds, want seat 4's", n)
	}
	resume()
	if err := <-done; err != nil || !slices.Equal(o.Seats(), []int{4, 5}) {
		t.Fatalf("the best 2 of seats 4–6, 4's lapsed hold released meanwhile: %v, %v; want 4 and 5", o.Seats(), err)
	}
}
