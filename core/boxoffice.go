package core

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Ports are the driven adapters the use cases need.
type Ports struct {
	Tokens       TokenStore
	Catalog      Catalog
	Reservations ReservationStore
	Wallets      WalletStore
	Locks        RequestLocks
	Lifecycle    ReservationLifecycle
	Admission    AdmissionControl
	Clock        Clock
}

// Policy holds the operator-set rules of a sale.
type Policy struct {
	HoldTTL    time.Duration // how long a held seat waits for payment
	SessionTTL time.Duration // how long an admitted fan may book
	MaxHolds   int           // seats one fan may hold at once
	// Admission seeds the admission loop of a queue not yet running; a running one keeps its
	// own settings, which operators change.
	Admission AdmissionSettings
	// AbandonAfter: a waiting fan not seen (polling, streaming or calling) for this long is
	// skipped at admission and their token expires.
	AbandonAfter time.Duration
	// QueueRefresh is how stale the queue counters that positions are computed from may be;
	// zero reads them on every request.
	QueueRefresh time.Duration
}

// DefaultPolicy is the policy of `boxoffice dev` and the flags' defaults.
var DefaultPolicy = Policy{HoldTTL: 5 * time.Minute, SessionTTL: 10 * time.Minute, MaxHolds: 4,
	Admission:    AdmissionSettings{AdmitRate: 50, MaxActive: 1000, Tick: time.Second},
	AbandonAfter: 2 * time.Minute, QueueRefresh: 250 * time.Millisecond}

// Validate reports the first rule the policy breaks.
func (p Policy) Validate() error {
	switch {
	case p.HoldTTL <= 0:
		return errors.New("hold time must be positive")
	case p.SessionTTL <= 0:
		return errors.New("session time must be positive")
	case p.MaxHolds <= 0:
		return errors.New("holds per fan must be positive")
	case p.AbandonAfter < MinAbandonAfter:
		return fmt.Errorf("abandonment time must be at least %s: last-seen times are written back coalesced, seconds late", MinAbandonAfter)
	case p.QueueRefresh < 0 || p.QueueRefresh > 5*time.Second:
		return errors.New("queue refresh must be between 0 and 5s")
	}
	if err := p.Admission.Validate(); err != nil {
		return fmt.Errorf("admission: %w", err)
	}
	return nil
}

// BoxOffice is the application: every use case the HTTP edge and the workflows drive.
type BoxOffice struct {
	ports  Ports
	policy Policy
	queue  queueCache
}

// MinAbandonAfter is the shortest abandonment time: well above how late last-seen writes land.
const MinAbandonAfter = 30 * time.Second

// New checks the ports and policy and returns the application.
func New(ports Ports, policy Policy) (*BoxOffice, error) {
	if ports.Tokens == nil || ports.Catalog == nil || ports.Reservations == nil ||
		ports.Wallets == nil || ports.Locks == nil || ports.Lifecycle == nil || ports.Admission == nil || ports.Clock == nil {
		return nil, errors.New("core: every port must be set")
	}
	if err := policy.Validate(); err != nil {
		return nil, fmt.Errorf("core: %w", err)
	}
	return &BoxOffice{ports: ports, policy: policy}, nil
}

// Policy returns the policy the application runs with.
func (b *BoxOffice) Policy() Policy { return b.policy }

// underKey runs f as the only request of the user's idempotency key in flight: a second one
// meanwhile gets ErrRequestInFlight. Without a key it just runs f.
func underKey[T any](ctx context.Context, b *BoxOffice, user UserID, key IdempotencyKey, f func() (T, error)) (T, error) {
	var zero T
	if key == "" {
		return f()
	}
	release, ok, err := b.ports.Locks.TryLock(ctx, user, key)
	if err != nil {
		return zero, fmt.Errorf("lock idempotency key: %w", err)
	}
	if !ok {
		return zero, ErrRequestInFlight
	}
	defer release()
	return f()
}
