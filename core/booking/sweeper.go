package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// OverdueHoldGrace is how long past its payment deadline a hold may stay held before the sweep
// of overdue holds (a workflow) releases it itself: the net behind each hold's workflow, for a
// workflow that could not be started or fell that far behind. Nothing else needs a lapsed hold
// released sooner: its seat is holdable by others from its claim's end (lazy expiry,
// catalog.Claim.AvailableAt), and it no longer counts under the per-fan limit once it cannot be
// paid (TicketCount.Add).
const OverdueHoldGrace = time.Minute

// SweepBatch bounds the holds one sweep releases, so a backlog cannot make a sweep slow.
const SweepBatch = 500

// Sweeper releases holds past their payment deadline whose own release has not run, a minute
// past it, as the safety net behind each hold's lifecycle (a workflow that could not be
// started, say). It runs in the sweep workflow: time is kept by Temporal only.
type Sweeper struct {
	store    Store
	clock    core.Clock
	observer Observer
	waitlist *OfferTimers
}

// ReleaseOverdue releases up to SweepBatch holds past their payment deadline by more than
// OverdueHoldGrace and returns how many it released.
func (s *Sweeper) ReleaseOverdue(ctx context.Context) (int, error) {
	n, err := s.store.ReleaseOverdue(ctx, s.clock.Now().Add(-OverdueHoldGrace), SweepBatch)
	if n > 0 {
		s.observer.HoldsReleased(ReleasedBySweep, n, 0)
	}
	if err != nil {
		return n, fmt.Errorf("release overdue holds: %w", err)
	}
	// Every round also times the offers that a release's own call missed.
	return n, s.waitlist.StartOffers(ctx)
}
