package booking_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/wallet"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

// recorder is an Observer that writes down what it hears.
type recorder struct {
	mu    sync.Mutex
	heard []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.heard = append(r.heard, fmt.Sprintf(format, args...))
}

func (r *recorder) HoldDecided(sale core.SaleID, o booking.Outcome) { r.add("hold %s %s", sale, o) }
func (r *recorder) PaymentDecided(sale core.SaleID, o booking.Outcome, took time.Duration) {
	r.add("payment %s %s %t", sale, o, took > 0)
}
func (r *recorder) HoldsReleased(by booking.Releaser, n int, late time.Duration) {
	r.add("released %s %d %s", by, n, late)
}
func (r *recorder) Refunded(sale core.SaleID, reason booking.RefundReason, n int) {
	r.add("refunded %s %s %d", sale, reason, n)
}
func (r *recorder) CheckInDecided(sale core.SaleID, o booking.Outcome) {
	r.add("check-in %s %s", sale, o)
}

func TestObserverHearsRefundsAndCheckIns(t *testing.T) {
	heard := &recorder{}
	w := withRefundableSale(t, apptest.WithObserver(heard))
	ann, _ := buy(t, w, refundable, "ann", 1)
	bob, bobsToken := buy(t, w, refundable, "bob", 2)
	_, _ = buy(t, w, refundable, "cy", 3)
	annsTicket, err := w.Booking.FanTickets.Ticket(ctx, w.FanOf(t, refundable, "ann", false), string(ann.ID))
	if err != nil {
		t.Fatal(err)
	}
	cred, _ := booking.CredentialOf(annsTicket)
	_, _ = w.Booking.CheckIns.CheckIn(ctx, cred, refundable) // in
	_, _ = w.Booking.CheckIns.CheckIn(ctx, cred, refundable) // in already
	_, _ = w.Booking.CheckIns.CheckIn(ctx, cred, "another-sale")
	for range 2 { // a retry with the key answers the first refund, and is not counted again
		if _, err := w.Booking.Returns.Cancel(ctx, bobsToken, string(bob.ID), "bob-gives-back"); err != nil {
			t.Fatal(err)
		}
	}
	d, _ := core.ParseDate(showDate)
	if _, err := w.Booking.Refunder.Close(ctx, refundable, d); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Booking.Refunder.Round(ctx, refundable, d, 10); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range heard.heard {
		if strings.HasPrefix(h, "check-in") || strings.HasPrefix(h, "refunded") {
			got = append(got, h)
		}
	}
	want := []string{"check-in refundable won", "check-in refundable lost", "check-in refundable refused",
		"refunded refundable fan 1", "refunded refundable performance_cancelled 1"} // cy's; ann came in, bob cancelled
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("heard\n%q\nwant\n%q", got, want)
	}
}

func TestObserverHearsEachDecisionOnce(t *testing.T) {
	heard := &recorder{}
	w := apptest.New(t, app.DefaultPolicy, apptest.WithObserver(heard))
	ann, ben := w.Fan(t, "ann", true), w.Fan(t, "ben", true)
	annHold, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 5)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Booking.SeatHolder.HoldSeat(ctx, ben, showDate, 5)  // the seat is taken
	_, _ = w.Booking.SeatHolder.HoldSeat(ctx, ben, showDate, 99) // no such seat
	benHold, err := w.Booking.SeatHolder.HoldSeat(ctx, ben, showDate, 6)
	if err != nil {
		t.Fatal(err)
	}
	pay := booking.PayRequest{TicketID: string(benHold.ID), SeatID: 6, Date: showDate}
	_, _ = w.Booking.Checkout.Pay(ctx, ben, pay, "") // no balance yet
	if _, err := w.Wallet.Cashier.Charge(ctx, ben, int64(benHold.Price), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Booking.Checkout.Pay(ctx, ben, pay, ""); err != nil {
		t.Fatal(err)
	}
	// Ann's deadline passes: her workflow releases it 3 s late.
	w.Clock.Advance(booking.DefaultPolicy.HoldTTL + 3*time.Second)
	if released, err := w.Booking.Settler.Release(ctx, annHold.ID); err != nil || !released {
		t.Fatalf("release: %t, %v", released, err)
	}
	if released, _ := w.Booking.Settler.Release(ctx, annHold.ID); released {
		t.Fatal("released twice")
	}
	want := []string{"hold %s won", "hold %s lost", "hold %s refused", "hold %s won", "payment %s no_balance true", "payment %s won true"}
	for i := range want {
		want[i] = fmt.Sprintf(want[i], w.Sale)
	}
	want = append(want, "released workflow 1 3s")
	if fmt.Sprint(heard.heard) != fmt.Sprint(want) {
		t.Fatalf("heard\n%q\nwant\n%q", heard.heard, want)
	}
}

func TestTheSweepsReleasesAreHeardWithTheirCount(t *testing.T) {
	heard := &recorder{}
	w := apptest.New(t, app.DefaultPolicy, apptest.WithObserver(heard))
	for i, user := range []string{"ann", "ben"} {
		if _, err := w.Booking.SeatHolder.HoldSeat(ctx, w.Fan(t, user, true), showDate, i+1); err != nil {
			t.Fatal(err)
		}
	}
	w.Clock.Advance(booking.DefaultPolicy.HoldTTL + 2*booking.OverdueHoldGrace)
	if n, err := w.Booking.Sweeper.ReleaseOverdue(ctx); err != nil || n != 2 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	if _, err := w.Booking.Sweeper.ReleaseOverdue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := heard.heard[len(heard.heard)-1]; got != "released sweep 2 0s" || len(heard.heard) != 3 {
		t.Fatalf("heard %q, want the two holds then one sweep of 2", heard.heard)
	}
}

func TestOutcomeOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want booking.Outcome
	}{
		{nil, booking.OutcomeWon},
		{booking.ErrSeatTaken, booking.OutcomeLost},
		{fmt.Errorf("settle: %w", booking.ErrHoldExpired), booking.OutcomeLost},
		{wallet.ErrInsufficientBalance, booking.OutcomeNoBalance},
		{catalog.ErrSalePaused, booking.OutcomeRefused},
		{booking.ErrTicketLimit, booking.OutcomeRefused},
		{booking.ErrHoldNotStarted, booking.OutcomeFailed},
		{errors.New("connection refused"), booking.OutcomeFailed},
	} {
		if got := booking.OutcomeOf(tc.err); got != tc.want {
			t.Errorf("OutcomeOf(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}
