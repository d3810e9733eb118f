package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// OverdueHoldGrace is how long past its payment deadline a hold may stay held before the sweep
// of overdue holds (a workflow) releases it itself; each worker's lapse release (RunLapseRelease, below) frees
// such holds much sooner, after LapseGrace, so the sweep is the net for a worker that runs no
// lapse release (one of an older version) and for reservations whose seat moved on.
const OverdueHoldGrace = time.Minute

// SweepBatch bounds the holds one sweep releases, so a backlog cannot make a sweep slow.
const SweepBatch = 500

// Sweeper releases holds past their deadline whose own release has not run: a second past it,
// in bulk, when the workflows fall behind (the lapse release), and a minute past it as the
// safety net behind each hold's lifecycle (a workflow that could not be started, say).
type Sweeper struct {
	store    Store
	clock    core.Clock
	observer Observer
}

// ReleaseOverdue releases up to SweepBatch holds past their payment deadline by more than
// OverdueHoldGrace and returns how many it released.
func (s *Sweeper) ReleaseOverdue(ctx context.Context) (int, error) {
	n, err := s.store.ReleaseOverdue(ctx, s.clock.Now().Add(-OverdueHoldGrace), SweepBatch)
	if err != nil {
		return n, fmt.Errorf("release overdue holds: %w", err)
	}
	return n, nil
}

// LapseGrace is how long past its payment deadline (Reservation.PaymentDeadline) a hold stays
// held before the lapse release frees it in bulk, when its own workflow has not released it yet
// (the workflows fall behind when many deadlines come together). It never refuses a payment:
// one the API accepted before the deadline keeps its hold until its payment deadline, by which
// its settlement has finished or failed. (The seat itself is holdable by others from the
// deadline on, lapsed or not: hold_seat's lazy expiry; what the release frees sooner is the
// fan's count under the per-fan limit.) The cutoff is the worker's clock against deadlines set
// by the API's: their clocks must agree to well within the grace.
const LapseGrace = time.Second

// LapseInterval is how often each worker runs the lapse release.
const LapseInterval = 250 * time.Millisecond

// ReleaseLapsed releases up to SweepBatch holds more than LapseGrace past their payment
// deadline and returns how many it released. The hold's workflow, releasing it later, finds nothing to do.
func (s *Sweeper) ReleaseLapsed(ctx context.Context) (int, error) {
	n, err := s.store.ReleaseOverdue(ctx, s.clock.Now().Add(-LapseGrace), SweepBatch)
	if n > 0 {
		s.observer.HoldsReleased(ReleasedByLapse, n, 0)
	}
	if err != nil {
		return n, fmt.Errorf("release lapsed holds: %w", err)
	}
	return n, nil
}

// RunLapseRelease runs ReleaseLapsed every LapseInterval, and at once again after a round that
// released any (a backlog drains without waiting), until ctx ends; failed hears of each
// failure (the next round tries again).
func (s *Sweeper) RunLapseRelease(ctx context.Context, failed func(error)) {
	wait := time.NewTimer(LapseInterval)
	defer wait.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wait.C:
		}
		n, err := s.ReleaseLapsed(ctx)
		if err != nil && ctx.Err() == nil {
			failed(err)
		}
		if n > 0 {
			wait.Reset(0)
		} else {
			wait.Reset(LapseInterval)
		}
	}
}
