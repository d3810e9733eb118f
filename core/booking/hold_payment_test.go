package booking_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/wallet"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

var ctx = context.Background()

const showDate = apptest.ShowDate

var wantErr = apptest.WantErr

// with runs holds on the lifecycle l instead of the memory one.
func with(l booking.Lifecycle) apptest.Option {
	return apptest.WithLifecycle(func(*booking.Settler) booking.Lifecycle { return l })
}

func TestHoldSeat(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", true)
	r, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 7)
	if err != nil {
		t.Fatal(err)
	}
	if r.Seat != 7 || r.Price != 50_000 || r.UserID != "ann" || r.Status != booking.Held || !r.HeldUntil.Equal(w.Clock.Now().Add(booking.DefaultPolicy.HoldTTL)) {
		t.Fatalf("hold %+v", r)
	}
	ben := w.Fan(t, "ben", true)
	for _, tc := range []struct {
		name  string
		date  string
		seat  int
		want  error
		field string
	}{
		{"taken seat", showDate, 7, booking.ErrSeatTaken, ""},
		{"seat 0", showDate, 0, core.ErrInvalid, "seat_id"},
		{"seat past the last", showDate, 51, core.ErrInvalid, "seat_id"},
		{"malformed date", "tomorrow", 1, core.ErrInvalid, "date"},
		{"no performance", "2030-07-02", 1, catalog.ErrUnknownDate, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.Booking.SeatHolder.HoldSeat(ctx, ben, tc.date, tc.seat)
			wantErr(t, err, tc.want)
			var field *core.InvalidFieldError
			if tc.field != "" && (!errors.As(err, &field) || field.Field != tc.field) {
				t.Fatalf("error %v does not name field %s", err, tc.field)
			}
		})
	}
	seats, _ := w.Catalog.Listings.Seats(ctx, ben, showDate)
	for _, s := range seats {
		if (s.Status == catalog.SeatReserved) != (s.No == 7) {
			t.Fatalf("seat %d is %v after refused holds", s.No, s.Status)
		}
	}
	// Past the deadline the seat is available to others, before any release has run.
	w.Clock.Advance(booking.DefaultPolicy.HoldTTL)
	if _, err := w.Booking.SeatHolder.HoldSeat(ctx, ben, showDate, 7); err != nil {
		t.Fatalf("hold of a seat past its deadline: %v", err)
	}
}

// failingLifecycle cannot start holds.
type failingLifecycle struct{ booking.Lifecycle }

func (failingLifecycle) StartHold(context.Context, booking.Reservation) error {
	return errors.New("temporal unavailable")
}

func TestHoldIsUndoneWhenItsTimerCannotStart(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy, with(failingLifecycle{}))
	holder, store, clk := w.Booking.SeatHolder, w.Store, w.Clock
	ann := w.Fan(t, "ann", true)
	// The request is gone by the time the timer fails: the undo must not depend on it.
	reqCtx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := holder.HoldSeat(reqCtx, ann, showDate, 1); err == nil {
		t.Fatal("a hold without its timer succeeded")
	}
	if _, err := holder.HoldSeat(ctx, ann, showDate, 1); !errors.Is(err, core.ErrUnavailable) || !errors.Is(err, booking.ErrHoldNotStarted) {
		t.Fatalf("hold without a timer: %v, want ErrHoldNotStarted (unavailable)", err)
	}
	seats, _ := w.Catalog.Listings.Seats(ctx, ann, showDate)
	if seats[0].Status != catalog.SeatAvailable {
		t.Fatal("the seat stayed held although its timer never started")
	}
	if n, _ := store.ReleaseOverdue(ctx, clk.Now().Add(24*time.Hour), 10); n != 0 {
		t.Fatalf("%d reservations were left held by failed timers", n)
	}
}

// slowLifecycle's payments never finish in time.
type slowLifecycle struct{ booking.Lifecycle }

func (slowLifecycle) StartHold(context.Context, booking.Reservation) error { return nil }

func (slowLifecycle) Pay(context.Context, booking.Reservation, core.IdempotencyKey) (booking.Receipt, error) {
	return booking.Receipt{}, context.DeadlineExceeded
}

func (slowLifecycle) StartOrder(context.Context, booking.Order) error { return nil }

func (slowLifecycle) PayOrder(context.Context, booking.Order, core.IdempotencyKey) (booking.OrderReceipt, error) {
	return booking.OrderReceipt{}, context.DeadlineExceeded
}

func TestPaymentThatTimesOutIsUnavailableNotFailed(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy, with(slowLifecycle{}))
	ann := w.Fan(t, "ann", true)
	r, _ := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 1)
	_, _ = w.Wallet.Cashier.Charge(ctx, ann, 50_000, "")
	_, err := w.Booking.Checkout.Pay(ctx, ann, booking.PayRequest{TicketID: string(r.ID), SeatID: 1, Date: showDate}, "")
	if !errors.Is(err, booking.ErrPaymentPending) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timed-out payment: %v, want ErrPaymentPending with its cause", err)
	}
}

func TestPay(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", true)
	r, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 3)
	if err != nil {
		t.Fatal(err)
	}
	ben := w.Fan(t, "ben", true)
	good := booking.PayRequest{TicketID: string(r.ID), SeatID: 3, Date: showDate}
	for _, tc := range []struct {
		name   string
		caller core.Caller
		req    booking.PayRequest
		want   error
	}{
		{"malformed ticket id", ann, booking.PayRequest{TicketID: "42", SeatID: 3, Date: showDate}, core.ErrInvalid},
		{"malformed date", ann, booking.PayRequest{TicketID: string(r.ID), SeatID: 3, Date: "soon"}, core.ErrInvalid},
		{"unknown ticket", ann, booking.PayRequest{TicketID: string(core.NewID()), SeatID: 3, Date: showDate}, booking.ErrUnknownTicket},
		{"another user's ticket", ben, good, booking.ErrNotYourTicket},
		{"wrong seat", ann, booking.PayRequest{TicketID: string(r.ID), SeatID: 4, Date: showDate}, booking.ErrTicketMismatch},
		{"wrong date", ann, booking.PayRequest{TicketID: string(r.ID), SeatID: 3, Date: "2030-07-02"}, booking.ErrTicketMismatch},
		{"empty wallet", ann, good, wallet.ErrInsufficientBalance},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.Booking.Checkout.Pay(ctx, tc.caller, tc.req, "")
			wantErr(t, err, tc.want)
		})
	}
	if got, _ := w.Store.Reservation(ctx, r.ID); got.Status != booking.Held {
		t.Fatalf("refused payments changed the hold to %v", got.Status)
	}
	if _, err := w.Wallet.Cashier.Charge(ctx, ann, 60_000, ""); err != nil {
		t.Fatal(err)
	}
	rc, err := w.Booking.Checkout.Pay(ctx, ann, good, "")
	if err != nil {
		t.Fatal(err)
	}
	if rc.Amount != 50_000 || rc.ReservationID != r.ID || rc.Date != w.Date {
		t.Fatalf("receipt %+v", rc)
	}
	if bal, _ := w.Store.Balance(ctx, "ann"); bal != 10_000 {
		t.Fatalf("balance %d after paying, want 10000", bal)
	}
	_, err = w.Wallet.Cashier.Balance(ctx, ann)
	wantErr(t, err, queue.ErrTokenExpired) // payment expires the payer's token

	// Back through the queue, the same payment replays its receipt and charges nothing.
	again := w.Fan(t, "ann", true)
	replay, err := w.Booking.Checkout.Pay(ctx, again, good, "")
	if err != nil || replay != rc {
		t.Fatalf("replay = %+v, %v; want %+v", replay, err, rc)
	}
	if bal, _ := w.Store.Balance(ctx, "ann"); bal != 10_000 {
		t.Fatalf("balance %d after replay, want 10000", bal)
	}
}

// A payment accepted before the deadline, not yet answered by the lifecycle, is accepted again
// when its fan retries after the deadline; a hold no payment was accepted for is not.
func TestAPaymentAcceptedBeforeTheDeadlineIsStillTakenAfterIt(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy, with(slowLifecycle{}))
	ann := w.Fan(t, "ann", true)
	r, _ := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 1)
	other, _ := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 2)
	_, _ = w.Wallet.Cashier.Charge(ctx, ann, 50_000, "")
	w.Clock.Advance(booking.DefaultPolicy.HoldTTL - time.Second)
	acceptedAt := w.Clock.Now()
	_, err := w.Booking.Checkout.Pay(ctx, ann, booking.PayRequest{TicketID: string(r.ID), SeatID: 1, Date: showDate}, "")
	wantErr(t, err, booking.ErrPaymentPending)
	if got, _ := w.Store.Reservation(ctx, r.ID); !got.PaymentAcceptedAt.Equal(acceptedAt) {
		t.Fatalf("the pending payment's hold was accepted at %v, want %v", got.PaymentAcceptedAt, acceptedAt)
	}
	w.Clock.Advance(2 * time.Second) // past both deadlines
	_, err = w.Booking.Checkout.Pay(ctx, ann, booking.PayRequest{TicketID: string(r.ID), SeatID: 1, Date: showDate}, "")
	wantErr(t, err, booking.ErrPaymentPending) // accepted again: the lifecycle is asked
	_, err = w.Booking.Checkout.Pay(ctx, ann, booking.PayRequest{TicketID: string(other.ID), SeatID: 2, Date: showDate}, "")
	wantErr(t, err, booking.ErrHoldExpired)
}

// A retry of a payment accepted already needs the payer, not their session: once the session
// has ended, a hold no payment was accepted for is refused for it, and an accepted one is paid.
func TestARetryOfAnAcceptedPaymentNeedsThePayerNotTheirSession(t *testing.T) {
	policy := app.DefaultPolicy
	policy.Queue.Admission.SessionTTL = 2 * time.Minute // ends before the holds do
	w := apptest.New(t, policy, with(slowLifecycle{}))
	ann := w.Fan(t, "ann", true)
	accepted, _ := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 1)
	other, _ := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 2)
	_, _ = w.Wallet.Cashier.Charge(ctx, ann, 100_000, "")
	_, err := w.Booking.Checkout.Pay(ctx, ann, booking.PayRequest{TicketID: string(accepted.ID), SeatID: 1, Date: showDate}, "")
	wantErr(t, err, booking.ErrPaymentPending)
	w.Clock.Advance(policy.Queue.Admission.SessionTTL + time.Second)
	_, err = w.Booking.Checkout.Pay(ctx, ann, booking.PayRequest{TicketID: string(accepted.ID), SeatID: 1, Date: showDate}, "")
	wantErr(t, err, booking.ErrPaymentPending) // accepted again: the lifecycle is asked
	_, err = w.Booking.Checkout.Pay(ctx, ann, booking.PayRequest{TicketID: string(other.ID), SeatID: 2, Date: showDate}, "")
	wantErr(t, err, queue.ErrTokenExpired)
}

func TestPayAfterDeadline(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", true)
	r, _ := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 3)
	_, _ = w.Wallet.Cashier.Charge(ctx, ann, 60_000, "")
	w.Clock.Advance(booking.DefaultPolicy.HoldTTL)
	_, err := w.Booking.Checkout.Pay(ctx, ann, booking.PayRequest{TicketID: string(r.ID), SeatID: 3, Date: showDate}, "")
	wantErr(t, err, booking.ErrHoldExpired)
	if bal, _ := w.Store.Balance(ctx, "ann"); bal != 60_000 {
		t.Fatalf("balance %d after a refused late payment", bal)
	}
}

func TestUnpaidHoldReleasesItself(t *testing.T) {
	policy := app.DefaultPolicy
	policy.Booking.HoldTTL = 50 * time.Millisecond
	w := apptest.New(t, policy)
	store := w.Store
	r, err := w.Booking.SeatHolder.HoldSeat(ctx, w.Fan(t, "ann", true), showDate, 1)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ := store.Reservation(ctx, r.ID)
		if got.Status == booking.Released {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("hold still %v 5s after a 50ms deadline", got.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// staleReservations answers the first read of a reservation with the copy it was given: a
// request that read the hold just before a duplicate settled it.
type staleReservations struct {
	*memory.Store
	mu    sync.Mutex
	stale *booking.Reservation
}

func (s *staleReservations) Reservation(ctx context.Context, id core.ID) (booking.Reservation, error) {
	s.mu.Lock()
	stale := s.stale
	s.stale = nil
	s.mu.Unlock()
	if stale != nil && stale.ID == id {
		return *stale, nil
	}
	return s.Store.Reservation(ctx, id)
}

// finishedLifecycle answers a payment of a hold whose timing has ended as Temporal answers an
// update to a finished workflow: the hold has ended.
type finishedLifecycle struct{ booking.Lifecycle }

func (finishedLifecycle) Pay(context.Context, booking.Reservation, core.IdempotencyKey) (booking.Receipt, error) {
	return booking.Receipt{}, booking.ErrHoldExpired
}

func TestDuplicatePaymentThatLostTheRaceGetsTheReceipt(t *testing.T) {
	for _, tc := range []struct {
		name string
		// second is the lifecycle the duplicate meets once the first payment has settled
		second func(booking.Lifecycle) booking.Lifecycle
		// requeue gives the duplicate a live token, so it gets as far as the lifecycle
		requeue bool
	}{
		{"the token was expired by the payment meanwhile", func(l booking.Lifecycle) booking.Lifecycle { return l }, false},
		{"the hold's workflow has finished", func(l booking.Lifecycle) booking.Lifecycle { return finishedLifecycle{l} }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reservations *staleReservations
			life := &switchableLifecycle{}
			var memLife *memory.Lifecycle
			w := apptest.New(t, app.DefaultPolicy,
				apptest.WithStores(func(s *memory.Store) app.Stores {
					reservations = &staleReservations{Store: s}
					return app.StoresOf(reservations)
				}),
				apptest.WithLifecycle(func(s *booking.Settler) booking.Lifecycle {
					memLife = memory.NewLifecycle(apptest.NewClock(apptest.Start), s)
					t.Cleanup(memLife.Stop)
					life.set(memLife)
					return life
				}))
			store := w.Store
			ann := w.Fan(t, "ann", true)
			r, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 1)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Wallet.Cashier.Charge(ctx, ann, 80_000, ""); err != nil {
				t.Fatal(err)
			}
			req := booking.PayRequest{TicketID: string(r.ID), SeatID: 1, Date: showDate}
			first, err := w.Booking.Checkout.Pay(ctx, ann, req, "")
			if err != nil {
				t.Fatal(err)
			}
			reservations.mu.Lock()
			reservations.stale = &r // the duplicate read the hold before the first payment settled
			reservations.mu.Unlock()
			life.set(tc.second(memLife))
			if tc.requeue {
				ann = w.Fan(t, "ann", true)
			}
			dup, err := w.Booking.Checkout.Pay(ctx, ann, req, "")
			if err != nil || dup != first {
				t.Fatalf("duplicate = %+v, %v; want the first receipt %+v", dup, err, first)
			}
			if bal, _ := store.Balance(ctx, "ann"); bal != 30_000 {
				t.Fatalf("balance %d, want one debit (30000)", bal)
			}
		})
	}
}

// switchableLifecycle delegates to the lifecycle last set.
type switchableLifecycle struct {
	mu sync.Mutex
	l  booking.Lifecycle
}

func (s *switchableLifecycle) set(l booking.Lifecycle) { s.mu.Lock(); s.l = l; s.mu.Unlock() }

func (s *switchableLifecycle) get() booking.Lifecycle {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.l
}

func (s *switchableLifecycle) StartHold(ctx context.Context, r booking.Reservation) error {
	return s.get().StartHold(ctx, r)
}

func (s *switchableLifecycle) Pay(ctx context.Context, r booking.Reservation, k core.IdempotencyKey) (booking.Receipt, error) {
	return s.get().Pay(ctx, r, k)
}

func (s *switchableLifecycle) StartOrder(ctx context.Context, o booking.Order) error {
	return s.get().StartOrder(ctx, o)
}

func (s *switchableLifecycle) PayOrder(ctx context.Context, o booking.Order, k core.IdempotencyKey) (booking.OrderReceipt, error) {
	return s.get().PayOrder(ctx, o, k)
}

// countingHolds counts the hold attempts and token reads asked of the memory store.
type countingHolds struct {
	*memory.Store
	holds, tokens int
	mu            sync.Mutex
}

func (c *countingHolds) HoldSeat(ctx context.Context, a booking.HoldAttempt) (booking.Reservation, error) {
	c.mu.Lock()
	c.holds++
	c.mu.Unlock()
	return c.Store.HoldSeat(ctx, a)
}

func (c *countingHolds) Token(ctx context.Context, id core.ID) (queue.Token, error) {
	c.mu.Lock()
	c.tokens++
	c.mu.Unlock()
	return c.Store.Token(ctx, id)
}

// A hold attempt, won or lost, is one call of the store, which checks the token as it decides:
// the token is not read first. A waiting fan's attempt is then explained by the gate, with
// their place; a fan whose session ended is told so.
func TestAHoldIsOneStoreCallAndReadsNoToken(t *testing.T) {
	var counted *countingHolds
	w := apptest.New(t, app.DefaultPolicy, apptest.WithStores(func(s *memory.Store) app.Stores {
		counted = &countingHolds{Store: s}
		return app.StoresOf(counted)
	}))
	ann, bob := w.Fan(t, "ann", true), w.Fan(t, "bob", true)
	if _, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 1); err != nil {
		t.Fatal(err)
	}
	_, err := w.Booking.SeatHolder.HoldSeat(ctx, bob, showDate, 1)
	wantErr(t, err, booking.ErrSeatTaken)
	if counted.holds != 2 || counted.tokens != 0 {
		t.Fatalf("a won and a lost hold made %d store calls and read %d tokens, want 2 and 0", counted.holds, counted.tokens)
	}

	w.Fan(t, "wendy-ahead", false)
	wendy := w.Fan(t, "wendy", false)
	var waiting *queue.NotAdmittedError
	if _, err := w.Booking.SeatHolder.HoldSeat(ctx, wendy, showDate, 2); !errors.As(err, &waiting) || waiting.Position != 1 {
		t.Fatalf("a waiting fan's hold: %v, want NotAdmittedError at position 1", err)
	}
	w.Clock.Advance(app.DefaultPolicy.Queue.Admission.SessionTTL + time.Second)
	_, err = w.Booking.SeatHolder.HoldSeat(ctx, bob, showDate, 2)
	wantErr(t, err, queue.ErrTokenExpired)
}

// notYetActive refuses the first hold attempt as made with a token not active yet.
type notYetActive struct {
	*memory.Store
	refused int
}

func (n *notYetActive) HoldSeat(ctx context.Context, a booking.HoldAttempt) (booking.Reservation, error) {
	if n.refused == 0 {
		n.refused++
		return booking.Reservation{}, booking.ErrTokenNotActive
	}
	return n.Store.HoldSeat(ctx, a)
}

// A fan admitted between the store's check and the gate's (the store found the token waiting,
// the gate then found it active) gets the hold on the attempt made again.
func TestAFanAdmittedDuringTheAttemptIsTriedAgain(t *testing.T) {
	var store *notYetActive
	w := apptest.New(t, app.DefaultPolicy, apptest.WithStores(func(s *memory.Store) app.Stores {
		store = &notYetActive{Store: s}
		return app.StoresOf(store)
	}))
	ann := w.Fan(t, "ann", true)
	r, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 3)
	if err != nil || r.Seat != 3 || store.refused != 1 {
		t.Fatalf("hold after a refusal as not active: %+v, %v (refused %d times)", r, err, store.refused)
	}
}
