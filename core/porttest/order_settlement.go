package porttest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// settleOrder settles o for user at at, as a new payment, with key.
func settleOrder(s Stores, o booking.Order, user core.UserID, at time.Time, key core.IdempotencyKey) (booking.OrderReceipt, error) {
	return s.Settlements.SettleOrder(ctx, booking.OrderSettlement{OrderID: o.ID, UserID: user, PaymentID: core.NewID(), At: at, IdempotencyKey: key})
}

// fundedOrder sets up alice, admitted, with a wallet of funds and an order of seats 2 (Stalls,
// 90,000) and 7 (Balcony, 50,000) held from epoch for a minute.
func fundedOrder(t *testing.T, s Stores, funds core.Amount) (booking.Order, queue.Token) {
	t.Helper()
	p := twoSections(t, s)
	tok := must[queue.Token](t)(s.Queue.IssueToken(ctx, testSale, "alice", epoch))
	must[queue.Result](t)(s.Queue.Admit(ctx, testSale, round(1, 10, epoch)))
	if funds > 0 {
		must[core.Amount](t)(s.Wallets.Charge(ctx, "alice", funds, "", epoch))
	}
	o := must[booking.Order](t)(orderWith(s, tok.ID, "alice", p, chosen(7, 2), epoch, noCap))
	return o, tok
}

// wantEveryTicket fails unless every ticket of the order is st.
func wantEveryTicket(t *testing.T, s Stores, id core.ID, st booking.Status) {
	t.Helper()
	for _, tk := range must[booking.Order](t)(s.Bookings.Order(ctx, id)).Tickets {
		if tk.Status != st {
			t.Fatalf("seat %d is %s, want %s", tk.Seat, tk.Status, st)
		}
	}
}

// runOrderSettlement is the contract of an order's payment, clause by clause, as
// runSettlement is a seat's.
func runOrderSettlement(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("an order is paid whole: one debit of its total, a receipt and a sold seat per ticket", func(t *testing.T) {
		s := newStores(t)
		o, tok := fundedOrder(t, s, 200_000)
		at := epoch.Add(30 * time.Second)
		rc, err := settleOrder(s, o, "alice", at, "order-key")
		if err != nil {
			t.Fatal(err)
		}
		if rc.OrderID != o.ID || len(rc.Tickets) != 2 || rc.Total() != 140_000 || !rc.PaidAt().Equal(at) {
			t.Fatalf("receipt %+v, want 2 tickets of order %s for 140000 at %s", rc, o.ID, at)
		}
		for i, tk := range rc.Tickets {
			if tk.ReservationID != o.Tickets[i].ID || tk.Amount != o.Tickets[i].Price || tk.PaymentID == "" {
				t.Fatalf("receipt %d is %+v, want ticket %+v's", i, tk, o.Tickets[i])
			}
			if got := must[booking.Receipt](t)(s.Bookings.Receipt(ctx, tk.ReservationID)); got != tk {
				t.Fatalf("Receipt(%s) = %+v, want %+v", tk.ReservationID, got, tk)
			}
		}
		if rc.PaymentID() == "" || rc.Tickets[0].PaymentID != rc.Tickets[1].PaymentID {
			t.Fatalf("receipts of payments %s and %s, want the order's one payment", rc.Tickets[0].PaymentID, rc.Tickets[1].PaymentID)
		}
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 60_000 {
			t.Fatalf("balance %d after paying 140000 of 200000", bal)
		}
		wantEveryTicket(t, s, o.ID, booking.Paid)
		for _, seat := range must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, testSale, o.Date, epoch.Add(time.Hour))) {
			if sold := seat.No == 2 || seat.No == 7; sold != (seat.Status == catalog.SeatReserved) {
				t.Fatalf("seat %d is %v an hour later", seat.No, seat.Status)
			}
		}
		if got := must[queue.Token](t)(s.Queue.Token(ctx, tok.ID)); got.State != queue.Expired {
			t.Fatalf("payer's token is %v, want expired: nothing is left to pay", got.State)
		}
		if paid, found := must2(t)(s.Bookings.PaymentByKey(ctx, "alice", "order-key")); !found || paid != o.Tickets[0].ID {
			t.Fatalf("PaymentByKey = %s, %v; want the order's first ticket %s", paid, found, o.Tickets[0].ID)
		}
		again, err := settleOrder(s, o, "alice", at.Add(time.Second), "order-key")
		if err != nil || fmt.Sprint(again) != fmt.Sprint(rc) {
			t.Fatalf("settling again = %+v, %v; want the first receipts %+v", again, err, rc)
		}
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 60_000 {
			t.Fatalf("balance %d after a replayed settlement, want 60000", bal)
		}
	})

	t.Run("an order's refusals change nothing", func(t *testing.T) {
		s := newStores(t)
		o, tok := fundedOrder(t, s, 100_000)
		_, err := settleOrder(s, o, "alice", epoch, "")
		var short *wallet.InsufficientBalanceError
		if !errors.As(err, &short) || short.Balance != 100_000 || short.Needed != 140_000 {
			t.Fatalf("short wallet: %v, want InsufficientBalanceError{100000, 140000}: the order's total", err)
		}
		_, err = settleOrder(s, o, "mallory", epoch, "")
		wantErr(t, err, booking.ErrNotYourTicket)
		_, err = settleOrder(s, booking.Order{ID: core.NewID()}, "alice", epoch, "")
		wantErr(t, err, booking.ErrUnknownOrder)
		must[core.Amount](t)(s.Wallets.Charge(ctx, "alice", 100_000, "", epoch))
		_, err = settleOrder(s, o, "alice", o.HeldUntil, "")
		wantErr(t, err, booking.ErrHoldExpired)
		wantEveryTicket(t, s, o.ID, booking.Held)
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 200_000 {
			t.Fatalf("balance %d after refusals, want 200000 untouched", bal)
		}
		if got := must[queue.Token](t)(s.Queue.Token(ctx, tok.ID)); got.State != queue.Active {
			t.Fatalf("payer's token is %v after refusals, want active", got.State)
		}
		must[bool](t)(s.Bookings.ReleaseOrder(ctx, o.ID))
		_, err = settleOrder(s, o, "alice", epoch.Add(time.Second), "")
		wantErr(t, err, booking.ErrHoldExpired)
	})

	t.Run("an order a seat of which a later hold took is refused whole", func(t *testing.T) {
		s := newStores(t)
		o, _ := fundedOrder(t, s, 200_000)
		// Past the order's deadline, before its release ran, bob takes seat 7 over.
		bob := must[booking.Reservation](t)(hold(t, s, "bob", showOf(t, s, o.Tickets[0]), 7, o.HeldUntil.Add(time.Second), time.Minute))
		// A settlement that reached the store late, for a payment made in time, pays neither seat.
		_, err := settleOrder(s, o, "alice", o.HeldUntil.Add(-time.Second), "")
		wantErr(t, err, booking.ErrHoldExpired)
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 200_000 {
			t.Fatalf("balance %d after a refused settlement, want 200000 untouched", bal)
		}
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, o.Tickets[0].ID)); got.Status != booking.Held {
			t.Fatalf("seat %d of the refused order is %v, want still held (until its release)", got.Seat, got.Status)
		}
		if got := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, bob.ID)); got.Status != booking.Held {
			t.Fatalf("bob's hold of seat 7 is %v, want held", got.Status)
		}
	})

	t.Run("a key that paid for a seat does not pay for an order, nor the order's for a seat", func(t *testing.T) {
		s := newStores(t)
		o, _ := fundedOrder(t, s, 500_000)
		single := must[booking.Reservation](t)(hold(t, s, "alice", showOf(t, s, o.Tickets[0]), 4, epoch, time.Minute))
		if _, err := s.Settlements.SettleAcrossAggregates(ctx, booking.Settlement{
			ReservationID: single.ID, UserID: "alice", PaymentID: core.NewID(), At: epoch, IdempotencyKey: "k1",
		}); err != nil {
			t.Fatal(err)
		}
		_, err := settleOrder(s, o, "alice", epoch, "k1")
		wantErr(t, err, core.ErrIdempotencyMismatch)
		wantEveryTicket(t, s, o.ID, booking.Held)
		must[booking.OrderReceipt](t)(settleOrder(s, o, "alice", epoch, "k2"))
		other := must[booking.Reservation](t)(hold(t, s, "alice", showOf(t, s, o.Tickets[0]), 5, epoch, time.Minute))
		_, err = s.Settlements.SettleAcrossAggregates(ctx, booking.Settlement{
			ReservationID: other.ID, UserID: "alice", PaymentID: core.NewID(), At: epoch, IdempotencyKey: "k2",
		})
		wantErr(t, err, core.ErrIdempotencyMismatch)
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 500_000-90_000-140_000 {
			t.Fatalf("balance %d, want 270000: one seat and one order paid", bal)
		}
	})

	t.Run("an order's tickets are given back one by one", func(t *testing.T) {
		s := newStores(t)
		o, _ := fundedOrder(t, s, 140_000)
		rc := must[booking.OrderReceipt](t)(settleOrder(s, o, "alice", epoch, ""))
		ref := must[booking.Refund](t)(s.Settlements.Refund(ctx, booking.RefundRequest{
			RefundID: core.NewID(), ReservationID: o.Tickets[1].ID, UserID: "alice",
			Terms: booking.Terms{Refund: 50_000}, Reason: booking.FanCancelled, At: epoch.Add(time.Minute),
		}))
		if ref.PaymentID != rc.PaymentID() || ref.Amount != 50_000 {
			t.Fatalf("refund %+v, want 50000 of the order's payment %s", ref, rc.PaymentID())
		}
		// The other ticket comes in on its own, with the order's payment as its credential names.
		in := must[booking.Ticket](t)(s.Bookings.CheckIn(ctx, o.Tickets[0].ID, rc.PaymentID(), epoch.Add(2*time.Minute)))
		if in.Receipt == nil || in.Receipt.PaymentID != rc.PaymentID() || in.CheckedInAt.IsZero() {
			t.Fatalf("checked in %+v, want ticket %s of payment %s", in, o.Tickets[0].ID, rc.PaymentID())
		}
		_, err := s.Bookings.CheckIn(ctx, o.Tickets[1].ID, rc.PaymentID(), epoch.Add(2*time.Minute))
		wantErr(t, err, booking.ErrTicketCancelled)
		tickets := must[booking.Order](t)(s.Bookings.Order(ctx, o.ID)).Tickets
		if tickets[0].Status != booking.Paid || tickets[1].Status != booking.Cancelled {
			t.Fatalf("after giving back seat %d: %s and %s, want paid and cancelled", tickets[1].Seat, tickets[0].Status, tickets[1].Status)
		}
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 50_000 {
			t.Fatalf("balance %d, want the one ticket's 50000 back", bal)
		}
		// Paying again still answers with the order's receipts, moving nothing.
		again := must[booking.OrderReceipt](t)(settleOrder(s, o, "alice", epoch.Add(2*time.Minute), ""))
		if fmt.Sprint(again) != fmt.Sprint(rc) {
			t.Fatalf("paying a paid order again = %+v, want %+v", again, rc)
		}
	})

	t.Run("a seat held on its own is an order of one, under its own id", func(t *testing.T) {
		s := newStores(t)
		r, _ := heldSeat(t, s, 80_000)
		o := must[booking.Order](t)(s.Bookings.Order(ctx, r.ID))
		if o.ID != r.ID || o.UserID != "alice" || !o.HeldUntil.Equal(r.HeldUntil) || len(o.Tickets) != 1 || o.Tickets[0].ID != r.ID {
			t.Fatalf("the order of seat %d held on its own: %+v", r.Seat, o)
		}
		accepted := must[booking.Order](t)(s.Bookings.AcceptOrderPayment(ctx, r.ID, "alice", epoch))
		if !accepted.PaymentAcceptedAt().Equal(epoch) {
			t.Fatalf("accepting its payment as an order's: %+v", accepted)
		}
		payment := core.NewID()
		rc := must[booking.OrderReceipt](t)(s.Settlements.SettleOrder(ctx, booking.OrderSettlement{OrderID: r.ID, UserID: "alice", PaymentID: payment, At: epoch}))
		if rc.OrderID != r.ID || rc.PaymentID() != payment || must[booking.Receipt](t)(s.Bookings.Receipt(ctx, r.ID)).PaymentID != payment {
			t.Fatalf("receipt %+v, want the seat paid by payment %s", rc, payment)
		}
		// A ticket of an order of several is not an order of its own.
		p := addShow(t, s, "2030-07-02", 10)
		pair := must[booking.Order](t)(order(s, "bob", p, chosen(1, 2), epoch, noCap))
		_, err := s.Bookings.Order(ctx, pair.Tickets[0].ID)
		wantErr(t, err, booking.ErrUnknownOrder)
		other := must[booking.Reservation](t)(hold(t, s, "bob", p, 8, epoch, time.Minute))
		if !must[bool](t)(s.Bookings.ReleaseOrder(ctx, other.ID)) || must[booking.Reservation](t)(s.Bookings.Reservation(ctx, other.ID)).Status != booking.Released {
			t.Fatal("giving back the order of one a seat held on its own is did not release it")
		}
	})

	t.Run("settlements of one order raced: one debit", func(t *testing.T) {
		s := newStores(t)
		o, _ := fundedOrder(t, s, 1_000_000)
		const payers = 8
		receipts := make([]booking.OrderReceipt, payers)
		errs := make([]error, payers)
		concurrently(payers, func(i int) { receipts[i], errs[i] = settleOrder(s, o, "alice", epoch, "") })
		for i := range payers {
			if errs[i] != nil || fmt.Sprint(receipts[i]) != fmt.Sprint(receipts[0]) {
				t.Fatalf("payer %d: %+v, %v; want payer 0's receipts %+v", i, receipts[i], errs[i], receipts[0])
			}
		}
		if bal := must[core.Amount](t)(s.Wallets.Balance(ctx, "alice")); bal != 1_000_000-140_000 {
			t.Fatalf("balance %d after %d racing settlements, want one debit of 140000", bal, payers)
		}
	})

	t.Run("an order's settlement raced against its release: paid whole or released whole", func(t *testing.T) {
		s := newStores(t)
		must[core.Amount](t)(s.Wallets.Charge(ctx, "alice", 10_000_000, "", epoch))
		const rounds = 20
		for round := range rounds {
			p := addShow(t, s, fmt.Sprintf("2030-08-%02d", round+1), 3)
			o := must[booking.Order](t)(order(s, "alice", p, wish(3, "", true), epoch, noCap))
			var settleErr, releaseErr error
			var released bool
			concurrently(2, func(i int) {
				if i == 0 {
					_, settleErr = settleOrder(s, o, "alice", o.HeldUntil.Add(-time.Millisecond), "")
					return
				}
				released, releaseErr = s.Bookings.ReleaseOrder(ctx, o.ID)
			})
			if releaseErr != nil || (settleErr != nil && !errors.Is(settleErr, booking.ErrHoldExpired)) {
				t.Fatalf("round %d: settle %v, release %v", round, settleErr, releaseErr)
			}
			if released == (settleErr == nil) {
				t.Fatalf("round %d: paid %v and released %v, want exactly one", round, settleErr == nil, released)
			}
			want := booking.Paid
			if released {
				want = booking.Released
			}
			wantEveryTicket(t, s, o.ID, want)
		}
	})
}

// runOrderLimits is the per-fan limit under orders and single holds raced by one fan.
func runOrderLimits(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("a fan's orders and single holds raced: the limit counts seats, exactly", func(t *testing.T) {
		s := newStores(t)
		const limit, rounds = 5, 10 // odd: an order of 2 at 4 seats held must be refused
		for round := range rounds {
			p := addShow(t, s, fmt.Sprintf("2030-09-%02d", round+1), 30)
			user := core.UserID(fmt.Sprintf("racer-%d", round))
			tok := must[core.ID](t)(AdmitFan(ctx, s.Queue, testSale, user))
			seats := make([]int, 10) // what each attempt won
			errs := make([]error, 10)
			concurrently(10, func(i int) {
				if i%2 == 0 { // an order of the pair 2i+1, 2i+2
					var o booking.Order
					o, errs[i] = orderWith(s, tok, user, p, chosen(2*i+1, 2*i+2), epoch, limit)
					seats[i] = len(o.Tickets)
					return
				}
				if _, errs[i] = holdWith(s, tok, user, p, 20+i, epoch, time.Minute, limit); errs[i] == nil {
					seats[i] = 1
				}
			})
			won := 0
			for i, err := range errs {
				var full *booking.TooManyHoldsError
				if err != nil && (!errors.As(err, &full) || full.Limit != limit) {
					t.Fatalf("round %d, attempt %d: %v, want a hold or TooManyHoldsError", round, i, err)
				}
				won += seats[i]
			}
			held := 0
			for _, tk := range must[[]booking.Ticket](t)(s.Bookings.Tickets(ctx, testSale, user)) {
				if tk.Reservation.Date == p.Date && tk.Reservation.Status == booking.Held {
					held++
				}
			}
			// Exactly at the limit, or one short where only an order of 2 was left to fill it.
			if held != won || won > limit || won < limit-1 {
				t.Fatalf("round %d: attempts won %d seats, %d held; want the same, %d or %d", round, won, held, limit-1, limit)
			}
		}
	})
}
