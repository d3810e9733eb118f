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
	"github.com/boxoffice/boxoffice/core/wallet"
)

func settle(s Stores, r booking.Reservation, user core.UserID, at time.Time) (booking.Receipt, error) {
	return s.Settlements.SettleAcrossAggregates(ctx, booking.Settlement{ReservationID: r.ID, UserID: user, PaymentID: core.NewID(), At: at})
}

// fundedHolds has n fans (fan-0…) each hold one seat of p, 1 to n, from epoch for a minute,
// with a wallet of its price.
func fundedHolds(t *testing.T, s Stores, p catalog.Performance, n int) []booking.Reservation {
	t.Helper()
	holds := make([]booking.Reservation, n)
	for i := range holds {
		user := core.UserID(fmt.Sprintf("fan-%d", i))
		must[core.Amount](t)(s.Wallets.Charge(ctx, user, generalPrice, "", epoch))
		holds[i] = must[booking.Reservation](t)(hold(t, s, user, p, i+1, epoch, time.Minute))
	}
	return holds
}

// heldSeat sets up alice with a live token, a wallet of `funds` and a held seat.
func heldSeat(t *testing.T, s Stores, funds core.Amount) (booking.Reservation, queue.Token) {
	t.Helper()
	p := addShow(t, s, "2030-07-01", 2)
	tok := must[queue.Token](t)(s.Queue.IssueToken(ctx, testSale, "alice", epoch))
	must[queue.Result](t)(s.Queue.Admit(ctx, testSale, round(1, 10, epoch))) // the payer is admitted
	if funds > 0 {
		must[core.Amount](t)(s.Wallets.Charge(ctx, "alice", funds, "", epoch))
	}
	r, err := hold(t, s, "alice", p, 1, epoch, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return r, tok
}

// runSettlement is the contract clause by clause, each t.Run one promise of the port, in the
// order a reader checks them; it is long because the contract is.
func runSettlement(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("settle: a token the payer queues with again keeps its place", func(t *testing.T) {
		s := newStores(t)
		r, _ := heldSeat(t, s, 80_000)
		// The session (1 minute) ends; the fan queues again before the payment settles.
		requeued := must[queue.Token](t)(s.Queue.IssueToken(ctx, testSale, "alice", epoch.Add(2*time.Minute)))
		if _, err := settle(s, r, "alice", epoch.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got := must[queue.Token](t)(s.Queue.Token(ctx, requeued.ID)); got.State != queue.Waiting {
			t.Fatalf("the payer's new waiting token is %v, want still waiting: tokens leave the queue only at its head", got.State)
		}
	})

	t.Run("settle: debit, seat sold, paid, receipt, token expired", func(t *testing.T) {
		s := newStores(t)
		r, tok := heldSeat(t, s, 80_000)
		at := epoch.Add(time.Minute)
		rc, err := settle(s, r, "alice", at)
		if err != nil {
			t.Fatal(err)
		}
		if rc.ReservationID != r.ID || rc.Amount != r.Price || rc.Date != r.Date || !rc.PaidAt.Equal(at) || rc.PaymentID == "" {
			t.Fatalf("receipt %+v for %+v", rc, r)
		}
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 30_000 {
			t.Fatalf("balance %d after paying 50000 of 80000", bal)
		}
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, r.ID)); got.Status != booking.Paid {
			t.Fatalf("reservation is %v, want paid", got.Status)
		}
		// Sold stays sold, whatever the clock says.
		seats := must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, testSale, r.Date, epoch.Add(time.Hour)))
		if seats[0].Status != catalog.SeatReserved {
			t.Fatal("sold seat shows available")
		}
		if _, err := hold(t, s, "bob", showOf(t, s, r), 1, epoch.Add(time.Hour), time.Minute); !errors.Is(err, booking.ErrSeatTaken) {
			t.Fatalf("holding a sold seat: %v, want ErrSeatTaken", err)
		}
		if got := must[queue.Token](t)(s.Queue.Token(ctx, tok.ID)); got.State != queue.Expired {
			t.Fatalf("payer's token is %v, want expired", got.State)
		}
		if must[bool](t)(s.Bookings.ReleaseHold(ctx, r.ID)) {
			t.Fatal("releasing a paid reservation changed it")
		}
		again, err := settle(s, r, "alice", at.Add(time.Second))
		if err != nil || again != rc {
			t.Fatalf("settling again = %+v, %v; want the first receipt %+v", again, err, rc)
		}
		if got := must[booking.Receipt](t)(s.Bookings.Receipt(ctx, r.ID)); got != rc {
			t.Fatalf("Receipt = %+v, want %+v", got, rc)
		}
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 30_000 {
			t.Fatalf("balance %d after a replayed settlement, want 30000", bal)
		}
	})

	t.Run("settle refusals change nothing", func(t *testing.T) {
		s := newStores(t)
		r, tok := heldSeat(t, s, 10_000)
		_, err := settle(s, r, "alice", epoch)
		var short *wallet.InsufficientBalanceError
		if !errors.As(err, &short) || short.Balance != 10_000 || short.Needed != r.Price {
			t.Fatalf("short wallet: %v, want InsufficientBalanceError{10000, %d}", err, r.Price)
		}
		wantErr(t, err, wallet.ErrInsufficientBalance)
		_, err = settle(s, r, "mallory", epoch)
		wantErr(t, err, booking.ErrNotYourTicket)
		_, err = s.Settlements.SettleAcrossAggregates(ctx, booking.Settlement{ReservationID: core.NewID(), UserID: "alice", PaymentID: core.NewID(), At: epoch})
		wantErr(t, err, booking.ErrUnknownTicket)
		_, err = s.Bookings.Receipt(ctx, r.ID)
		wantErr(t, err, booking.ErrUnknownTicket)
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 10_000 {
			t.Fatalf("balance changed to %d by refused settlements", bal)
		}
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, r.ID)); got.Status != booking.Held {
			t.Fatalf("reservation is %v after refusals, want still held", got.Status)
		}
		if got := must[queue.Token](t)(s.Queue.Token(ctx, tok.ID)); got.State != queue.Active {
			t.Fatalf("token is %v after refusals", got.State)
		}
		// Top up, then the same hold pays.
		must[core.Amount](t)(s.Wallets.Charge(ctx, "alice", 40_000, "", epoch))
		if _, err := settle(s, r, "alice", epoch.Add(time.Second)); err != nil {
			t.Fatalf("after top-up: %v", err)
		}
	})

	t.Run("settle after release or after the seat was re-held is refused", func(t *testing.T) {
		s := newStores(t)
		r, _ := heldSeat(t, s, 200_000)
		must[bool](t)(s.Bookings.ReleaseHold(ctx, r.ID))
		_, err := settle(s, r, "alice", epoch)
		wantErr(t, err, booking.ErrHoldExpired)

		r2, err := hold(t, s, "alice", showOf(t, s, r), 2, epoch, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hold(t, s, "bob", showOf(t, s, r), 2, epoch.Add(time.Minute), time.Minute); err != nil {
			t.Fatal(err)
		}
		_, err = settle(s, r2, "alice", epoch.Add(time.Minute))
		wantErr(t, err, booking.ErrHoldExpired)
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 200_000 {
			t.Fatalf("balance %d after refused settlements, want 200000", bal)
		}
	})

	t.Run("race: concurrent settlements of one hold make one payment and one debit", func(t *testing.T) {
		s := newStores(t)
		r, _ := heldSeat(t, s, 500_000)
		var mu sync.Mutex
		receipts := map[core.ID]bool{}
		concurrently(20, func(int) {
			rc, err := settle(s, r, "alice", epoch.Add(time.Second))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			receipts[rc.PaymentID] = true
			mu.Unlock()
		})
		if len(receipts) != 1 {
			t.Fatalf("%d distinct payments for one hold", len(receipts))
		}
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 450_000 {
			t.Fatalf("balance %d, want exactly one debit (450000)", bal)
		}
	})

	t.Run("race: a bulk release and the settlements of lapsed holds: each ends paid or released, never both", func(t *testing.T) {
		s := newStores(t)
		const n = 20
		p := addShow(t, s, "2030-07-01", n)
		holds := fundedHolds(t, s, p, n)
		// Past every deadline, each settlement (of a hold no payment was accepted for in the store:
		// the workflow of an API from before acceptance took it) runs while bulk releases run,
		// one hold a call so they interleave with the settlements, until every settlement is done.
		var settled atomic.Int64
		concurrently(n+4, func(i int) {
			if i >= n {
				for settled.Load() < n {
					if _, err := s.Bookings.ReleaseOverdue(ctx, epoch.Add(2*time.Minute), 1); err != nil {
						t.Error(err)
						return
					}
				}
				return
			}
			defer settled.Add(1)
			if _, err := settle(s, holds[i], holds[i].UserID, epoch.Add(2*time.Minute)); err != nil && !errors.Is(err, booking.ErrHoldExpired) {
				t.Errorf("settlement of a hold being released: %v, want success or ErrHoldExpired", err)
			}
		})
		if _, err := s.Bookings.ReleaseOverdue(ctx, epoch.Add(2*time.Minute), n); err != nil {
			t.Fatal(err)
		}
		seats := must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, testSale, p.Date, epoch.Add(2*time.Minute)))
		paid := 0
		for i, r := range holds {
			got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, r.ID))
			balance := must[core.Amount](t)(s.Wallets.Balance(ctx, r.UserID))
			_, receiptErr := s.Bookings.Receipt(ctx, r.ID)
			switch got.Status {
			case booking.Paid:
				paid++
				if balance != 0 || receiptErr != nil || seats[i].Status != catalog.SeatReserved {
					t.Errorf("paid hold %d: balance %d, receipt %v, seat %v; want one debit, a receipt, the seat taken", i, balance, receiptErr, seats[i].Status)
				}
			case booking.Released:
				if balance != generalPrice || receiptErr == nil || seats[i].Status != catalog.SeatAvailable {
					t.Errorf("released hold %d: balance %d, receipt %v, seat %v; want no debit, no receipt, the seat free", i, balance, receiptErr, seats[i].Status)
				}
			default:
				t.Errorf("hold %d ended %v, want paid or released", i, got.Status)
			}
		}
		t.Logf("%d of %d lapsed holds were paid before the bulk release reached them", paid, n)
	})

	t.Run("settle: a hold of a cancelled date is not paid, and nothing changes", func(t *testing.T) {
		s := newStores(t)
		r, _ := heldSeat(t, s, 80_000)
		must[catalog.Performance](t)(s.Catalog.CancelPerformance(ctx, testSale, r.Date, epoch))
		if _, err := settle(s, r, "alice", epoch.Add(time.Second)); !errors.Is(err, catalog.ErrPerformanceCancelled) {
			t.Fatalf("settling a hold of a cancelled date: %v, want ErrPerformanceCancelled", err)
		}
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, r.ID)); got.Status != booking.Held {
			t.Fatalf("the hold is %v after the refused payment, want still held (the cancellation's rounds end it)", got.Status)
		}
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 80_000 {
			t.Fatalf("balance %d after the refused payment, want 80000", bal)
		}
	})

	t.Run("race: payments and a date's cancellation: none starts after the cancellation's answer and succeeds", func(t *testing.T) {
		s := newStores(t)
		const n = 24
		p := addShow(t, s, "2030-07-01", n)
		holds := fundedHolds(t, s, p, n)
		var cancelled atomic.Bool
		var late, paid atomic.Int64
		concurrently(n+1, func(i int) {
			if i == n { // the operator, once some payments are under way
				time.Sleep(time.Duration(n/2) * 3 * time.Millisecond)
				must[catalog.Performance](t)(s.Catalog.CancelPerformance(ctx, testSale, p.Date, epoch.Add(time.Second)))
				cancelled.Store(true)
				return
			}
			time.Sleep(time.Duration(i) * 3 * time.Millisecond) // payments spread over the cancellation
			afterTheAnswer := cancelled.Load()
			_, err := settle(s, holds[i], holds[i].UserID, epoch.Add(time.Second))
			switch {
			case err == nil && afterTheAnswer:
				t.Errorf("payment %d started after the cancellation was answered and went through", i)
			case err == nil:
				paid.Add(1)
			case !errors.Is(err, catalog.ErrPerformanceCancelled):
				t.Errorf("payment %d: %v, want success or ErrPerformanceCancelled", i, err)
			}
			if afterTheAnswer {
				late.Add(1)
			}
		})
		for i, r := range holds {
			got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, r.ID))
			balance := must[core.Amount](t)(s.Wallets.Balance(ctx, r.UserID))
			if paidOnce := got.Status == booking.Paid && balance == 0; !paidOnce && (got.Status != booking.Held || balance != generalPrice) {
				t.Errorf("hold %d ended %v with balance %d: want paid with one debit, or still held with none", i, got.Status, balance)
			}
		}
		t.Logf("%d payments went through before the cancellation, %d were asked after its answer", paid.Load(), late.Load())
	})

	t.Run("a payment's key is recorded and cannot pay for another reservation", func(t *testing.T) {
		s := newStores(t)
		r, _ := heldSeat(t, s, 200_000)
		other, err := hold(t, s, "alice", showOf(t, s, r), 2, epoch, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		pay := func(res booking.Reservation) error {
			_, err := s.Settlements.SettleAcrossAggregates(ctx, booking.Settlement{ReservationID: res.ID, UserID: "alice", PaymentID: core.NewID(), At: epoch, IdempotencyKey: "pay-key"})
			return err
		}
		if err := pay(r); err != nil {
			t.Fatal(err)
		}
		if id, found := must2(t)(s.Bookings.PaymentByKey(ctx, "alice", "pay-key")); !found || id != r.ID {
			t.Fatalf("PaymentByKey = %s, %v; want %s", id, found, r.ID)
		}
		if _, found := must2(t)(s.Bookings.PaymentByKey(ctx, "bob", "pay-key")); found {
			t.Fatal("bob sees alice's key")
		}
		if err := pay(r); err != nil {
			t.Fatalf("replaying the keyed payment: %v", err)
		}
		wantErr(t, pay(other), core.ErrIdempotencyMismatch)
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 150_000 {
			t.Fatalf("balance %d, want one debit (150000)", bal)
		}
	})
}

func must2(t *testing.T) func(core.ID, bool, error) (core.ID, bool) {
	return func(id core.ID, ok bool, err error) (core.ID, bool) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id, ok
	}
}
