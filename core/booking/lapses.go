package booking

import (
	"context"
	"fmt"
	"time"
)

// LapseGrace is how long past its deadline a hold stays held before the lapse release frees it
// in bulk, when its own workflow has not released it yet (the workflows fall behind when many
// deadlines come together). A payment accepted before the deadline settles within milliseconds
// of it, inside the grace; one that has not settled by then (its worker crashed mid-way, or its
// settlement failed and waits for a retry, which starts at 200 ms and backs off) finds the
// hold released and fails as expired, moving no money, as it would had another fan taken the
// seat over. The cutoff is the worker's clock against deadlines set by the API's: their clocks
// must agree to well within the grace.
const LapseGrace = time.Second

// LapseInterval is how often each worker runs the lapse release.
const LapseInterval = 250 * time.Millisecond

// ReleaseLapsed releases up to SweepBatch holds more than LapseGrace past their deadline and
// returns how many it released. The hold's workflow, releasing it later, finds nothing to do.
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
