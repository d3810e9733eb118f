package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Settler performs payments and releases; *core.BoxOffice is one.
type Settler interface {
	Settle(ctx context.Context, reservation core.ID, user core.UserID, payment core.ID, key core.IdempotencyKey) (core.Receipt, error)
	Release(ctx context.Context, reservation core.ID) (bool, error)
}

// Lifecycle is core.ReservationLifecycle without Temporal: a process-local timer per hold. It
// keeps the workflow's rules (pay only before the deadline, release at it) but does not
// survive a restart; use it in tests and single-process demos only.
type Lifecycle struct {
	clock   core.Clock
	settler Settler

	mu     sync.Mutex
	holds  map[core.ID]*hold
	closed bool
}

type hold struct {
	mu       sync.Mutex // serialises pay and release of one hold
	user     core.UserID
	deadline time.Time
	timer    *time.Timer
	done     bool
}

// NewLifecycle returns a lifecycle; call SetSettler before the first hold.
func NewLifecycle(clock core.Clock) *Lifecycle {
	return &Lifecycle{clock: clock, holds: map[core.ID]*hold{}}
}

// SetSettler connects the lifecycle to the application, which itself needs the lifecycle.
func (l *Lifecycle) SetSettler(s Settler) { l.settler = s }

var _ core.ReservationLifecycle = (*Lifecycle)(nil)

// StartHold implements core.ReservationLifecycle.
func (l *Lifecycle) StartHold(_ context.Context, r core.Reservation) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("lifecycle stopped")
	}
	h := &hold{user: r.UserID, deadline: r.HeldUntil}
	h.timer = time.AfterFunc(r.HeldUntil.Sub(l.clock.Now()), func() { l.release(r.ID, h) })
	l.holds[r.ID] = h
	return nil
}

func (l *Lifecycle) release(id core.ID, h *hold) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done {
		return
	}
	h.done = true
	_, _ = l.settler.Release(context.Background(), id) // releasing is conditional and idempotent
}

// Pay implements core.ReservationLifecycle.
func (l *Lifecycle) Pay(ctx context.Context, id core.ID, user core.UserID, key core.IdempotencyKey) (core.Receipt, error) {
	l.mu.Lock()
	h, ok := l.holds[id]
	l.mu.Unlock()
	if !ok {
		return core.Receipt{}, core.ErrUnknownTicket
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.user != user:
		return core.Receipt{}, core.ErrNotYourTicket
	case h.done:
		// Paid already (the store replays the receipt) or released (the store refuses).
		return l.settler.Settle(ctx, id, user, core.NewID(), key)
	case !l.clock.Now().Before(h.deadline):
		return core.Receipt{}, core.ErrHoldExpired
	}
	rc, err := l.settler.Settle(ctx, id, user, core.NewID(), key)
	if err != nil {
		return core.Receipt{}, err
	}
	h.done = true
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
