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
}

// Lifecycle is booking.Lifecycle without Temporal: a process-local timer per hold. It follows
// the workflow's rules (Reservation.PayableBy: pay only before the payment's deadline; at the
// hold's deadline, release it unless the API accepted a payment not seen here yet, which is
// waited for until its deadline) but does not survive a restart; use it in tests and
// single-process demos only.
type Lifecycle struct {
	clock   core.Clock
	settler Settler

	mu     sync.Mutex
	holds  map[core.ID]*hold
	closed bool
}

type hold struct {
	mu    sync.Mutex // serialises pay and release of one hold
	r     booking.Reservation
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
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("lifecycle stopped")
	}
	h := &hold{r: r}
	h.timer = time.AfterFunc(r.HeldUntil.Sub(l.clock.Now()), func() { l.release(h) })
	l.holds[r.ID] = h
	return nil
}

func (l *Lifecycle) release(h *hold) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.r.Status != booking.Held {
		return
	}
	// Releasing is conditional and idempotent; one that fails leaves the hold to the sweep.
	until, err := l.settler.ReleaseAtDeadline(context.Background(), h.r.ID, h.seen)
	if err == nil && !until.IsZero() {
		h.timer.Reset(until.Sub(l.clock.Now())) // an accepted payment on its way: ask again then
		return
	}
	h.r.Status = booking.Released
}

// Pay implements booking.Lifecycle.
func (l *Lifecycle) Pay(ctx context.Context, r booking.Reservation, key core.IdempotencyKey) (booking.Receipt, error) {
	id, user := r.ID, r.UserID
	l.mu.Lock()
	h, ok := l.holds[id]
	l.mu.Unlock()
	if !ok {
		return booking.Receipt{}, booking.ErrUnknownTicket
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.PaymentAcceptedAt.After(h.r.PaymentAcceptedAt) {
		h.r.PaymentAcceptedAt = r.PaymentAcceptedAt // the store decided it; the hold follows
	}
	switch err := h.r.PayableBy(user, l.clock.Now()); {
	case errors.Is(err, booking.ErrAlreadyPaid):
		return l.settler.Settle(ctx, id, user, core.NewID(), key) // the store replays the receipt
	case err != nil:
		return booking.Receipt{}, err
	}
	if r.PaymentAcceptedAt.After(h.seen) {
		h.seen = r.PaymentAcceptedAt
	}
	rc, err := l.settler.Settle(ctx, id, user, core.NewID(), key)
	if err != nil {
		return booking.Receipt{}, err
	}
	h.r.Status = booking.Paid
	h.timer.Stop()
	return rc, nil
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
