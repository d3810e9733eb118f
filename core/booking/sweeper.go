package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// OverdueHoldGrace is how long past its deadline a hold may stay held before the sweep releases
// it itself: long enough for a payment accepted at the deadline to settle.
const OverdueHoldGrace = time.Minute

// SweepBatch bounds the holds one sweep releases, so a backlog cannot make a sweep slow.
const SweepBatch = 500

// Sweeper releases holds long past their deadline whose own release never ran (a workflow that
// could not be started, say): the safety net behind each hold's lifecycle.
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
