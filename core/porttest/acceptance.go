package porttest

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// runPaymentAcceptance is the contract of a payment the API accepted before a hold's deadline
// (booking.Reservation.AcceptPayment): nothing but the hold's lifecycle releases it before its
// payment deadline, so its settlement is never refused for a release that came after it.
func runPaymentAcceptance(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("accept: by the owner before the deadline; again after it, the latest recorded; refusals change nothing", func(t *testing.T) {
		s := newStores(t)
		r, _ := heldSeat(t, s, 80_000) // held from epoch for 5 minutes
		other := must[booking.Reservation](t)(hold(t, s, "alice", showOf(t, s, r), 2, epoch, 5*time.Minute))
		_, err := s.Bookings.AcceptPayment(ctx, r.ID, "mallory", epoch.Add(time.Minute))
		wantErr(t, err, booking.ErrNotYourTicket)
		_, err = s.Bookings.AcceptPayment(ctx, core.NewID(), "alice", epoch.Add(time.Minute))
		wantErr(t, err, booking.ErrUnknownTicket)
		_, err = s.Bookings.AcceptPayment(ctx, other.ID, "alice", other.HeldUntil)
		wantErr(t, err, booking.ErrHoldExpired)
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, other.ID)); !got.PaymentAcceptedAt.IsZero() || got.Status != booking.Held {
			t.Fatalf("a refused acceptance left %+v, want the hold as it was", got)
		}

		at := r.HeldUntil.Add(-time.Minute)
		accepted, err := s.Bookings.AcceptPayment(ctx, r.ID, "alice", at)
		if err != nil || !accepted.PaymentAcceptedAt.Equal(at) || !accepted.PaymentDeadline().Equal(r.HeldUntil.Add(booking.PaymentWait)) {
			t.Fatalf("accept before the deadline: %+v, %v; want accepted at %v", accepted, err, at)
		}
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, r.ID)); !got.PaymentAcceptedAt.Equal(at) {
			t.Fatalf("stored acceptance %v, want %v", got.PaymentAcceptedAt, at)
		}
		retry := r.HeldUntil.Add(booking.PaymentWait / 2)
		again, err := s.Bookings.AcceptPayment(ctx, r.ID, "alice", retry)
		if err != nil || !again.PaymentAcceptedAt.Equal(retry) || !again.PaymentDeadline().Equal(accepted.PaymentDeadline()) {
			t.Fatalf("a retry after the deadline: %+v, %v; want accepted at %v, the payment deadline unchanged", again, err, retry)
		}
		_, err = s.Bookings.AcceptPayment(ctx, r.ID, "alice", again.PaymentDeadline())
		wantErr(t, err, booking.ErrHoldExpired)
	})

	t.Run("an accepted hold past its deadline is kept until its payment deadline, then released", func(t *testing.T) {
		s := newStores(t)
		r, _ := heldSeat(t, s, 80_000)
		p := showOf(t, s, r)
		lapsed := must[booking.Reservation](t)(hold(t, s, "carol", p, 2, epoch, 5*time.Minute))
		must[booking.Reservation](t)(s.Bookings.AcceptPayment(ctx, r.ID, "alice", r.HeldUntil.Add(-time.Second)))

		past := r.HeldUntil.Add(booking.PaymentWait / 2)
		if _, err := hold(t, s, "bob", p, 1, past, time.Minute); !errors.Is(err, booking.ErrSeatTaken) {
			t.Fatalf("another fan holding an accepted hold's seat past its deadline: %v, want ErrSeatTaken", err)
		}
		seats := must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, testSale, r.Date, past))
		if seats[0].Status != catalog.SeatReserved || seats[1].Status != catalog.SeatAvailable {
			t.Fatalf("seats past the deadline: %+v; want the accepted one reserved, the lapsed one available", seats[:2])
		}
		if n := must[int](t)(s.Bookings.ReleaseOverdue(ctx, past, 10)); n != 1 {
			t.Fatalf("a bulk release past the deadline released %d holds, want 1 (the lapsed one, not the accepted one)", n)
		}
		released, awaitUntil, err := s.Bookings.ReleaseUnlessAwaitingPayment(ctx, r.ID, past, time.Time{})
		if err != nil || released || !awaitUntil.Equal(r.HeldUntil.Add(booking.PaymentWait)) {
			t.Fatalf("the deadline's release of an accepted hold: released %v, await until %v, %v; want kept until %v", released, awaitUntil, err, r.HeldUntil.Add(booking.PaymentWait))
		}
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, lapsed.ID)); got.Status != booking.Released {
			t.Fatalf("the lapsed hold is %v, want released", got.Status)
		}

		end := r.HeldUntil.Add(booking.PaymentWait)
		released, awaitUntil, err = s.Bookings.ReleaseUnlessAwaitingPayment(ctx, r.ID, end, time.Time{})
		if err != nil || !released || !awaitUntil.IsZero() {
			t.Fatalf("the release at the payment deadline: released %v, await until %v, %v; want released", released, awaitUntil, err)
		}
		if _, err := hold(t, s, "bob", p, 1, end, time.Minute); err != nil {
			t.Fatalf("holding the seat once the payment deadline passed: %v", err)
		}
	})

	t.Run("the deadline's release waits only for an acceptance newer than the payments the lifecycle has seen", func(t *testing.T) {
		s := newStores(t)
		r, _ := heldSeat(t, s, 10_000) // too little: the first payment fails
		first := must[booking.Reservation](t)(s.Bookings.AcceptPayment(ctx, r.ID, "alice", r.HeldUntil.Add(-time.Minute)))
		if _, err := settle(s, r, "alice", r.HeldUntil.Add(-time.Minute)); !errors.Is(err, wallet.ErrInsufficientBalance) {
			t.Fatalf("the first payment: %v, want ErrInsufficientBalance", err)
		}
		// The fan tops up and pays again just before the deadline; the lifecycle has seen only
		// the first payment when its deadline comes.
		must[core.Amount](t)(s.Wallets.Charge(ctx, "alice", 40_000, "", r.HeldUntil.Add(-time.Second)))
		must[booking.Reservation](t)(s.Bookings.AcceptPayment(ctx, r.ID, "alice", r.HeldUntil.Add(-time.Millisecond)))
		released, awaitUntil, err := s.Bookings.ReleaseUnlessAwaitingPayment(ctx, r.ID, r.HeldUntil, first.PaymentAcceptedAt)
		if err != nil || released || !awaitUntil.Equal(r.HeldUntil.Add(booking.PaymentWait)) {
			t.Fatalf("the deadline with a newer acceptance unseen: released %v, await until %v, %v; want kept", released, awaitUntil, err)
		}
		if _, err := settle(s, r, "alice", r.HeldUntil.Add(time.Second)); err != nil {
			t.Fatalf("the second payment, arriving after the deadline: %v", err)
		}

		other := must[booking.Reservation](t)(hold(t, s, "alice", showOf(t, s, r), 2, epoch, 5*time.Minute))
		seen := must[booking.Reservation](t)(s.Bookings.AcceptPayment(ctx, other.ID, "alice", other.HeldUntil.Add(-time.Minute)))
		released, awaitUntil, err = s.Bookings.ReleaseUnlessAwaitingPayment(ctx, other.ID, other.HeldUntil, seen.PaymentAcceptedAt)
		if err != nil || !released || !awaitUntil.IsZero() {
			t.Fatalf("the deadline with every acceptance seen: released %v, await until %v, %v; want released at once", released, awaitUntil, err)
		}
	})

	t.Run("an accepted hold settles after its deadline; a bulk release frees one only after its payment deadline", func(t *testing.T) {
		s := newStores(t)
		r, unpaid, _ := twoAcceptedHolds(t, s, 80_000)
		if _, err := settle(s, r, "alice", r.HeldUntil.Add(booking.PaymentWait-time.Second)); err != nil {
			t.Fatalf("settling an accepted payment after the hold's deadline: %v", err)
		}
		if n := must[int](t)(s.Bookings.ReleaseOverdue(ctx, unpaid.PaymentDeadline().Add(-time.Millisecond), 10)); n != 0 {
			t.Fatalf("a bulk release before the payment deadline released %d holds, want none", n)
		}
		if n := must[int](t)(s.Bookings.ReleaseOverdue(ctx, unpaid.HeldUntil.Add(booking.PaymentWait+time.Second), 10)); n != 1 {
			t.Fatalf("a bulk release after the payment deadline released %d holds, want the unpaid one", n)
		}
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, r.ID)); got.Status != booking.Paid {
			t.Fatalf("the paid hold is %v, want paid", got.Status)
		}
	})

	t.Run("accept: an acceptance read before the deadline, reaching the store after the fan took another seat in the lapsed hold's place, is refused", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 2)
		tok := must[core.ID](t)(AdmitFan(ctx, s.Queue, testSale, "alice"))
		lapsing := must[booking.Reservation](t)(holdWith(s, tok, "alice", p, 1, epoch, time.Minute, 1))
		// Past its deadline the hold counts no more: the fan takes another seat under a limit of one.
		if _, err := holdWith(s, tok, "alice", p, 2, lapsing.HeldUntil, time.Minute, 1); err != nil {
			t.Fatalf("a hold beside a lapsed one under a limit of one: %v", err)
		}
		_, err := s.Bookings.AcceptPayment(ctx, lapsing.ID, "alice", lapsing.HeldUntil.Add(-time.Millisecond))
		wantErr(t, err, booking.ErrHoldExpired)
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, lapsing.ID)); !got.PaymentAcceptedAt.IsZero() {
			t.Fatalf("the refused acceptance was recorded: %+v", got)
		}
	})

	t.Run("accept: the limit the fan's holds were made under is the greatest of them: raising it refuses nobody", func(t *testing.T) {
		s := newStores(t)
		p := addShow(t, s, "2030-07-01", 3)
		tok := must[core.ID](t)(AdmitFan(ctx, s.Queue, testSale, "alice"))
		first := must[booking.Reservation](t)(holdWith(s, tok, "alice", p, 1, epoch, 5*time.Minute, 2))
		must[booking.Reservation](t)(holdWith(s, tok, "alice", p, 2, epoch, 5*time.Minute, 2))
		must[booking.Reservation](t)(holdWith(s, tok, "alice", p, 3, epoch, 5*time.Minute, 4)) // the operator raised it to 4
		if _, err := s.Bookings.AcceptPayment(ctx, first.ID, "alice", first.HeldUntil.Add(-time.Minute)); err != nil {
			t.Fatalf("accepting a hold made under a limit of 2 beside two more, one made under 4: %v", err)
		}
	})

	t.Run("settle: a payment that leaves an accepted hold to pay keeps the session, past that hold's deadline too", func(t *testing.T) {
		s := newStores(t)
		r, other, tok := twoAcceptedHolds(t, s, 200_000)
		if _, err := settle(s, r, "alice", r.HeldUntil.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if got := must[queue.Token](t)(s.Queue.Token(ctx, tok.ID)); got.State != queue.Active {
			t.Fatalf("the payer's token is %v with an accepted hold left to pay, want active", got.State)
		}
		if _, err := settle(s, other, "alice", other.HeldUntil.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		if got := must[queue.Token](t)(s.Queue.Token(ctx, tok.ID)); got.State != queue.Expired {
			t.Fatalf("the payer's token is %v with nothing left to pay, want expired", got.State)
		}
	})

	t.Run("settle: a payment past the payment deadline is refused under the locks, and nothing changes", func(t *testing.T) {
		s := newStores(t)
		r, _ := heldSeat(t, s, 80_000)
		_, err := settle(s, r, "alice", r.HeldUntil)
		wantErr(t, err, booking.ErrHoldExpired)
		accepted := must[booking.Reservation](t)(s.Bookings.AcceptPayment(ctx, r.ID, "alice", r.HeldUntil.Add(-time.Second)))
		_, err = settle(s, r, "alice", accepted.PaymentDeadline())
		wantErr(t, err, booking.ErrHoldExpired)
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 80_000 {
			t.Fatalf("balance %d after refused late settlements, want 80000", bal)
		}
		if _, err := settle(s, r, "alice", accepted.PaymentDeadline().Add(-time.Second)); err != nil {
			t.Fatalf("settling before the payment deadline: %v", err)
		}
	})

	t.Run("race: acceptances read before the deadline against the deadline's releases, bulk releases and takeovers: every acceptance made is paid", func(t *testing.T) {
		s := newStores(t)
		const n = 20
		p := addShow(t, s, "2030-07-01", n)
		holds := fundedHolds(t, s, p, n)
		deadline := holds[0].HeldUntil // every hold's: each was made at epoch for a minute
		var done atomic.Int64
		accepted := make([]bool, n)
		concurrently(n+8, func(i int) {
			switch {
			case i >= n+4: // another fan tries every seat just past the deadline, once some acceptances are in
				time.Sleep(time.Duration(n/2) * 2 * time.Millisecond)
				for seat := n; seat >= 1; seat-- { // from the last, which the acceptances reach last
					_, err := hold(t, s, core.UserID(fmt.Sprintf("taker-%d", i)), p, seat, deadline.Add(time.Millisecond), time.Minute)
					if err != nil && !errors.Is(err, booking.ErrSeatTaken) {
						t.Errorf("taking seat %d past its deadline: %v, want a hold or ErrSeatTaken", seat, err)
					}
				}
			case i >= n: // the holds' deadlines, and the bulk release, once some acceptances are in
				time.Sleep(time.Duration(n/2) * 2 * time.Millisecond)
				for done.Load() < n {
					for _, r := range slices.Backward(holds) {
						if _, _, err := s.Bookings.ReleaseUnlessAwaitingPayment(ctx, r.ID, deadline, time.Time{}); err != nil {
							t.Error(err)
							return
						}
					}
					if _, err := s.Bookings.ReleaseOverdue(ctx, deadline.Add(time.Millisecond), 1); err != nil {
						t.Error(err)
						return
					}
				}
			default:
				defer done.Add(1)
				time.Sleep(time.Duration(i) * 2 * time.Millisecond) // spread over the releases
				r := holds[i]
				_, err := s.Bookings.AcceptPayment(ctx, r.ID, r.UserID, deadline.Add(-time.Millisecond))
				if errors.Is(err, booking.ErrHoldExpired) {
					return // released or taken over first: never accepted
				} else if err != nil {
					t.Errorf("accepting hold %d: %v", i, err)
					return
				}
				accepted[i] = true
				if _, err := settle(s, r, r.UserID, deadline.Add(booking.PaymentWait/2)); err != nil {
					t.Errorf("settling hold %d, accepted before its deadline: %v", i, err)
				}
			}
		})
		paid := 0
		for i, r := range holds {
			got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, r.ID))
			switch {
			case accepted[i] && got.Status != booking.Paid:
				t.Errorf("hold %d was accepted and ended %v, want paid", i, got.Status)
			case !accepted[i] && got.Status != booking.Released:
				t.Errorf("hold %d was not accepted and ended %v, want released", i, got.Status)
			case accepted[i]:
				paid++
			}
		}
		t.Logf("%d of %d acceptances came before the deadline's release", paid, n)
	})

	t.Run("race: accepted payments settle past the deadline while bulk releases and other fans' holds run: every one is paid", func(t *testing.T) {
		s := newStores(t)
		const n = 20
		p := addShow(t, s, "2030-07-01", n)
		holds := fundedHolds(t, s, p, n)
		for _, r := range holds {
			must[booking.Reservation](t)(s.Bookings.AcceptPayment(ctx, r.ID, r.UserID, r.HeldUntil.Add(-time.Millisecond)))
		}
		late := epoch.Add(time.Minute + booking.PaymentWait/2)
		var settled atomic.Int64
		concurrently(n+8, func(i int) {
			switch {
			case i >= n+4: // another fan tries every seat
				for seat := 1; seat <= n; seat++ {
					if _, err := hold(t, s, core.UserID(fmt.Sprintf("taker-%d", i)), p, seat, late, time.Minute); !errors.Is(err, booking.ErrSeatTaken) {
						t.Errorf("taking seat %d of an accepted payment: %v, want ErrSeatTaken", seat, err)
					}
				}
			case i >= n:
				for settled.Load() < n {
					if _, err := s.Bookings.ReleaseOverdue(ctx, late, 1); err != nil {
						t.Error(err)
						return
					}
				}
			default:
				defer settled.Add(1)
				if _, err := settle(s, holds[i], holds[i].UserID, late); err != nil {
					t.Errorf("settling hold %d, accepted before its deadline: %v", i, err)
				}
			}
		})
		for i, r := range holds {
			if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, r.ID)); got.Status != booking.Paid {
				t.Errorf("hold %d ended %v, want paid", i, got.Status)
			}
		}
	})
}

// twoAcceptedHolds is alice with a wallet of funds, holding seats 1 and 2 from epoch for five
// minutes, each with a payment accepted a second before its deadline, and her token.
func twoAcceptedHolds(t *testing.T, s Stores, funds core.Amount) (booking.Reservation, booking.Reservation, queue.Token) {
	t.Helper()
	r, tok := heldSeat(t, s, funds)
	other := must[booking.Reservation](t)(hold(t, s, "alice", showOf(t, s, r), 2, epoch, 5*time.Minute))
	for _, h := range []booking.Reservation{r, other} {
		must[booking.Reservation](t)(s.Bookings.AcceptPayment(ctx, h.ID, "alice", h.HeldUntil.Add(-time.Second)))
	}
	return r, other, tok
}
