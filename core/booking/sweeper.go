package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// OverdueHoldGrace is how long past its deadline a hold may stay held before the sweep of
// overdue holds (a workflow) releases it itself; each worker's lapse release (lapses.go) frees
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

// ReleaseOverdue releases up to SweepBatch holds overdue by more than OverdueHoldGrace and
// returns how many it released.
func (s *Sweeper) ReleaseOverdue(ctx context.Context) (int, error) {
	n, err := s.store.ReleaseOverdue(ctx, s.clock.Now().Add(-OverdueHoldGrace), SweepBatch)
	if err != nil {
		return n, fmt.Errorf("release overdue holds: %w", err)
	}
	return n, nil
}
