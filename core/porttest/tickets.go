package porttest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// paidTicket holds seat of p for user and pays it from a wallet topped up with its price.
func paidTicket(t *testing.T, s Stores, user core.UserID, p catalog.Performance, seat int) (booking.Reservation, booking.Receipt) {
	t.Helper()
	r := must[booking.Reservation](t)(hold(t, s, user, p, seat, epoch, time.Hour))
	must[core.Amount](t)(s.Wallets.Charge(ctx, user, r.Price, "", epoch))
	return r, must[booking.Receipt](t)(settle(s, r, user, epoch))
}

func refundOf(s Stores, r booking.Reservation, user core.UserID, terms booking.Terms, key core.IdempotencyKey) (booking.Refund, error) {
	return s.Settlements.Refund(ctx, booking.RefundRequest{ReservationID: r.ID, UserID: user, RefundID: core.NewID(), Terms: terms,
		Reason: booking.FanCancelled, At: epoch.Add(time.Minute), IdempotencyKey: key})
}

// runTickets is the contract of what happens after a payment: tickets read back, checked in once,
// and refunded once, each decided under races by the store alone.
func runTickets(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("tickets: a fan's reservations of a sale, newest first, with receipts", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 5)
		held := must[booking.Reservation](t)(hold(t, s, "ann", p, 1, epoch, time.Minute))
		paid, rc := paidTicket(t, s, "ann", p, 2)
		must[booking.Reservation](t)(hold(t, s, "bob", p, 3, epoch, time.Minute))
		createSale(t, s, "other-sale")
		other := addPerformance(t, s, "other-sale", "2030-07-01", catalog.Section{Name: "A", FirstSeat: 1, LastSeat: 1, Price: 1})
		must[booking.Reservation](t)(hold(t, s, "ann", other, 1, epoch, time.Minute))

		tickets := must[[]booking.Ticket](t)(s.Bookings.Tickets(ctx, testSale, "ann"))
		if len(tickets) != 2 {
			t.Fatalf("ann has %d tickets in %s, want 2 (not bob's, not the other sale's)", len(tickets), testSale)
		}
		byID := map[core.ID]booking.Ticket{}
		for _, tk := range tickets {
			byID[tk.Reservation.ID] = tk
		}
		if got := byID[paid.ID]; got.Receipt == nil || *got.Receipt != rc || got.Reservation.Status != booking.Paid || got.Refund != nil || !got.CheckedInAt.IsZero() {
			t.Fatalf("the paid ticket reads %+v, want its receipt %+v", got, rc)
		}
		if got := byID[held.ID]; got.Receipt != nil || got.Reservation.Status != booking.Held {
			t.Fatalf("the held ticket reads %+v", got)
		}
		if one := must[booking.Ticket](t)(s.Bookings.Ticket(ctx, paid.ID)); one.Receipt == nil || one.Receipt.PaymentID != rc.PaymentID {
			t.Fatalf("Ticket = %+v", one)
		}
		_, err := s.Bookings.Ticket(ctx, core.NewID())
		wantErr(t, err, booking.ErrUnknownTicket)
	})

	t.Run("check-in: once, by its payment; never a cancelled or unpaid ticket", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 3)
		r, rc := paidTicket(t, s, "ann", p, 1)
		at := epoch.Add(time.Hour)
		_, err := s.Bookings.CheckIn(ctx, r.ID, core.NewID(), at)
		wantErr(t, err, booking.ErrNotATicket)
		in := must[booking.Ticket](t)(s.Bookings.CheckIn(ctx, r.ID, rc.PaymentID, at))
		if !in.CheckedInAt.Equal(at) {
			t.Fatalf("checked in at %v, want %v", in.CheckedInAt, at)
		}
		_, err = s.Bookings.CheckIn(ctx, r.ID, rc.PaymentID, at.Add(time.Minute))
		var again *booking.CheckedInError
		if !errors.As(err, &again) || !again.At.Equal(at) {
			t.Fatalf("a second check-in: %v, want CheckedInError at %v", err, at)
		}
		held := must[booking.Reservation](t)(hold(t, s, "bob", p, 2, epoch, time.Hour))
		_, err = s.Bookings.CheckIn(ctx, held.ID, core.NewID(), at)
		wantErr(t, err, booking.ErrNotPaid)
		_, err = s.Bookings.CheckIn(ctx, core.NewID(), core.NewID(), at)
		wantErr(t, err, booking.ErrUnknownTicket)
		cancelled, crc := paidTicket(t, s, "cat", p, 3)
		must[booking.Refund](t)(refundOf(s, cancelled, "cat", cancelled.FullRefund(), ""))
		_, err = s.Bookings.CheckIn(ctx, cancelled.ID, crc.PaymentID, at)
		wantErr(t, err, booking.ErrTicketCancelled)
	})

	t.Run("race: 50 gates scan one ticket at once, one admits", func(t *testing.T) {
		s := newStores(t)
		r, rc := paidTicket(t, s, "ann", addShow(t, s, "2030-07-01", 1), 1)
		var admitted, refused atomic.Int64
		concurrently(50, func(i int) {
			_, err := s.Bookings.CheckIn(ctx, r.ID, rc.PaymentID, epoch.Add(time.Duration(i)*time.Millisecond))
			var again *booking.CheckedInError
			switch {
			case err == nil:
				admitted.Add(1)
			case errors.As(err, &again):
				refused.Add(1)
			default:
				t.Error(err)
			}
		})
		if admitted.Load() != 1 || refused.Load() != 49 {
			t.Fatalf("%d admitted and %d refused of 50 scans, want 1 and 49", admitted.Load(), refused.Load())
		}
	})

	t.Run("refund: the wallet credited, the seat back on sale, the ticket cancelled; refusals change nothing", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 3)
		r, rc := paidTicket(t, s, "ann", p, 1)
		terms := booking.Terms{Fee: 5_000, Refund: generalPrice - 5_000}
		_, err := refundOf(s, r, "mallory", terms, "")
		wantErr(t, err, booking.ErrNotYourTicket)
		held := must[booking.Reservation](t)(hold(t, s, "ann", p, 2, epoch, time.Hour))
		_, err = refundOf(s, held, "ann", terms, "")
		wantErr(t, err, booking.ErrNotPaid)
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "ann")); bal != 0 {
			t.Fatalf("refused refunds left a balance of %d", bal)
		}

		rf := must[booking.Refund](t)(refundOf(s, r, "ann", terms, "cancel-1"))
		if rf.Amount != generalPrice-5_000 || rf.Fee != 5_000 || rf.PaymentID != rc.PaymentID || rf.ReservationID != r.ID || rf.Reason != booking.FanCancelled {
			t.Fatalf("refund %+v", rf)
		}
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "ann")); bal != generalPrice-5_000 {
			t.Fatalf("balance %d after the refund, want %d", bal, generalPrice-5_000)
		}
		tk := must[booking.Ticket](t)(s.Bookings.Ticket(ctx, r.ID))
		if tk.Reservation.Status != booking.Cancelled || tk.Refund == nil || *tk.Refund != rf {
			t.Fatalf("the cancelled ticket reads %+v, want its refund %+v", tk, rf)
		}
		if seats := must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, testSale, p.Date, epoch.Add(time.Hour))); seats[0].Status != catalog.SeatAvailable {
			t.Fatal("a cancelled ticket's seat is not back on sale")
		}
		if _, err := hold(t, s, "bob", p, 1, epoch.Add(time.Hour), time.Minute); err != nil {
			t.Fatalf("holding a cancelled ticket's seat: %v", err)
		}

		// The same key replays the refund; another key, or none, is refused; the key cannot
		// refund another ticket.
		if again := must[booking.Refund](t)(refundOf(s, r, "ann", terms, "cancel-1")); again != rf {
			t.Fatalf("a replay refunded %+v, want the first refund %+v", again, rf)
		}
		_, err = refundOf(s, r, "ann", terms, "")
		wantErr(t, err, booking.ErrAlreadyCancelled)
		// Whose ticket it is comes before any replay: another fan sending the owner's key learns
		// nothing of the refund.
		_, err = refundOf(s, r, "mallory", terms, "cancel-1")
		wantErr(t, err, booking.ErrNotYourTicket)
		other, _ := paidTicket(t, s, "ann", p, 3)
		_, err = refundOf(s, other, "ann", terms, "cancel-1")
		wantErr(t, err, core.ErrIdempotencyMismatch)
		if id, found := must2(t)(s.Bookings.RefundByKey(ctx, "ann", "cancel-1")); !found || id != r.ID {
			t.Fatalf("RefundByKey = %s, %v; want %s", id, found, r.ID)
		}
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "ann")); bal != generalPrice-5_000 {
			t.Fatalf("balance %d after replays and refusals, want one refund (%d)", bal, generalPrice-5_000)
		}
	})

	t.Run("refund: a checked-in ticket is not refunded; a fee of all of it refunds nothing", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 2)
		in, rc := paidTicket(t, s, "ann", p, 1)
		must[booking.Ticket](t)(s.Bookings.CheckIn(ctx, in.ID, rc.PaymentID, epoch))
		_, err := refundOf(s, in, "ann", in.FullRefund(), "")
		var checkedIn *booking.CheckedInError
		if !errors.As(err, &checkedIn) {
			t.Fatalf("refunding a checked-in ticket: %v, want CheckedInError", err)
		}
		all, _ := paidTicket(t, s, "bob", p, 2)
		if rf := must[booking.Refund](t)(refundOf(s, all, "bob", booking.Terms{Fee: all.Price}, "")); rf.Amount != 0 {
			t.Fatalf("a refund of nothing credited %d", rf.Amount)
		}
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "bob")); bal != 0 {
			t.Fatalf("balance %d after a refund of nothing", bal)
		}
	})

	t.Run("race: 20 cancellations of one ticket refund it once", func(t *testing.T) {
		s := newStores(t)
		r, _ := paidTicket(t, s, "ann", addShow(t, s, "2030-07-01", 1), 1)
		var won, refused atomic.Int64
		concurrently(20, func(int) {
			_, err := refundOf(s, r, "ann", r.FullRefund(), "")
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, booking.ErrAlreadyCancelled):
				refused.Add(1)
			default:
				t.Error(err)
			}
		})
		if won.Load() != 1 || refused.Load() != 19 {
			t.Fatalf("%d refunds and %d refusals, want 1 and 19", won.Load(), refused.Load())
		}
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "ann")); bal != r.Price {
			t.Fatalf("balance %d, want exactly one refund (%d)", bal, r.Price)
		}
	})

	t.Run("race: a cancellation and a check-in of one ticket, one wins", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 20)
		for seat := 1; seat <= 20; seat++ {
			r, rc := paidTicket(t, s, core.UserID("fan"), p, seat)
			var mu sync.Mutex
			var cancelErr, checkInErr error
			concurrently(2, func(i int) {
				var err error
				if i == 0 {
					_, err = refundOf(s, r, "fan", r.FullRefund(), "")
				} else {
					_, err = s.Bookings.CheckIn(ctx, r.ID, rc.PaymentID, epoch)
				}
				mu.Lock()
				defer mu.Unlock()
				if i == 0 {
					cancelErr = err
				} else {
					checkInErr = err
				}
			})
			var checkedIn *booking.CheckedInError
			switch {
			case cancelErr == nil && errors.Is(checkInErr, booking.ErrTicketCancelled):
			case checkInErr == nil && errors.As(cancelErr, &checkedIn):
			default:
				t.Fatalf("seat %d: cancel %v, check-in %v; want exactly one to win", seat, cancelErr, checkInErr)
			}
			tk := must[booking.Ticket](t)(s.Bookings.Ticket(ctx, r.ID))
			if (tk.Refund != nil) == !tk.CheckedInAt.IsZero() {
				t.Fatalf("seat %d: refunded %v and checked in %v", seat, tk.Refund != nil, !tk.CheckedInAt.IsZero())
			}
		}
	})
}
