package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
)

// Settler performs payments and releases; booking's Settler is one.
type Settler interface {
	Settle(ctx context.Context, reservation core.ID, user core.UserID, payment core.ID, key core.IdempotencyKey) (booking.Receipt, error)
	ReleaseAtDeadline(ctx context.Context, reservation core.ID, seen time.Time) (time.Time, error)
	SettleOrder(ctx context.Context, order core.ID, user core.UserID, payment core.ID, key core.IdempotencyKey) (booking.OrderReceipt, error)
	ReleaseOrderAtDeadline(ctx context.Context, order core.ID, seen time.Time) (time.Time, error)
}

// Lifecycle is booking.Lifecycle without Temporal: a process-local timer per hold, of a seat or
// an order. It follows the workflow's rules (Reservation.PayableBy: pay only before the
// payment's deadline; at the hold's deadline, release it unless the API accepted a payment not
// seen here yet, which is waited for until its deadline) but does not survive a restart; use it
// in tests and single-process demos only.
type Lifecycle struct {
	clock   core.Clock
	settler Settler

	mu     sync.Mutex
	holds  map[core.ID]*hold
	closed bool
}

type hold struct {
	mu sync.Mutex // serialises pay and release of one hold
	// r is the seat's reservation, or, for an order, the order as one: its id, fan and deadline.
	r     booking.Reservation
	order bool
	timer *time.Timer
	seen  time.Time // the latest store acceptance of the payments that reached the hold
}

// NewLifecycle times holds on clock and settles them with settler.
func NewLifecycle(clock core.Clock, settler Settler) *Lifecycle {
	return &Lifecycle{clock: clock, settler: settler, holds: map[core.ID]*hold{}}
}

var _ booking.Lifecycle = (*Lifecycle)(nil)

// StartHold implements booking.Lifecycle.
func (l *Lifecycle) StartHold(_ context.Context, r booking.Reservation) error {
	return l.start(&hold{r: r})
}

// StartOrder implements booking.Lifecycle.
func (l *Lifecycle) StartOrder(_ context.Context, o booking.Order) error {
	return l.start(&hold{r: booking.Reservation{ID: o.ID, UserID: o.UserID, Status: booking.Held, HeldUntil: o.HeldUntil}, order: true})
}

func (l *Lifecycle) start(h *hold) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("lifecycle stopped")
	}
	h.timer = time.AfterFunc(h.r.HeldUntil.Sub(l.clock.Now()), func() { l.release(h) })
	l.holds[h.r.ID] = h
	return nil
}

func (l *Lifecycle) release(h *hold) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.r.Status != booking.Held {
		return
	}
	// Releasing is conditional and idempotent; one that fails leaves the hold to the sweep.
	releaseAtDeadline := l.settler.ReleaseAtDeadline
	if h.order {
		releaseAtDeadline = l.settler.ReleaseOrderAtDeadline
	}
	until, err := releaseAtDeadline(context.Background(), h.r.ID, h.seen)
	if err == nil && !until.IsZero() {
		h.timer.Reset(until.Sub(l.clock.Now())) // an accepted payment on its way: ask again then
		return
	}
	h.r.Status = booking.Released
}

// Pay implements booking.Lifecycle.
func (l *Lifecycle) Pay(ctx context.Context, r booking.Reservation, key core.IdempotencyKey) (booking.Receipt, error) {
	var rc booking.Receipt
	err := l.pay(r.ID, r.UserID, r.PaymentAcceptedAt, booking.ErrUnknownTicket, func() (err error) {
		rc, err = l.settler.Settle(ctx, r.ID, r.UserID, core.NewID(), key)
		return err
	})
	return rc, err
}

// PayOrder implements booking.Lifecycle.
func (l *Lifecycle) PayOrder(ctx context.Context, o booking.Order, key core.IdempotencyKey) (booking.OrderReceipt, error) {
	var rc booking.OrderReceipt
	err := l.pay(o.ID, o.UserID, o.PaymentAcceptedAt(), booking.ErrUnknownOrder, func() (err error) {
		rc, err = l.settler.SettleOrder(ctx, o.ID, o.UserID, core.NewID(), key)
		return err
	})
	return rc, err
}

// pay settles the hold id for user, by settle, under the hold's lock, as the workflow does: a
// hold not timed here is unknown, one already paid is settled again (the store replays the
// receipt), and one no longer payable is refused.
func (l *Lifecycle) pay(id core.ID, user core.UserID, accepted time.Time, unknown error, settle func() error) error {
	l.mu.Lock()
	h, ok := l.holds[id]
	l.mu.Unlock()
	if !ok {
		return unknown
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if accepted.After(h.r.PaymentAcceptedAt) {
		h.r.PaymentAcceptedAt = accepted // the store decided it; the hold follows
	}
	switch err := h.r.PayableBy(user, l.clock.Now()); {
	case errors.Is(err, booking.ErrAlreadyPaid):
		return settle() // the store replays the receipt
	case err != nil:
		return err
	}
	if accepted.After(h.seen) {
		h.seen = accepted
	}
	if err := settle(); err != nil {
		return err
	}
	h.r.Status = booking.Paid
	h.timer.Stop()
	return nil
}

// Stop cancels every pending release timer.
func (l *Lifecycle) Stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for _, h := range l.holds {
		h.timer.Stop()
	}
}
