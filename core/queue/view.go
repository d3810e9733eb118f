package queue

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// view keeps the queue counters every poll computes positions from, so polling does not read
// the store: at most one request refreshes them at a time, the others use the copy they find.
// Its age is measured on the process's monotonic clock, not the domain Clock. The use cases of
// one instance share one view.
type view struct {
	store      Store
	refresh    time.Duration
	cur        atomic.Pointer[cachedQueue]
	refreshing atomic.Bool
}

type cachedQueue struct {
	q      Queue
	readAt time.Time
}

// counters returns counters at most refresh old (or being refreshed).
func (v *view) counters(ctx context.Context) (Queue, error) {
	c := v.cur.Load()
	if c != nil && v.refresh > 0 {
		if time.Since(c.readAt) < v.refresh || !v.refreshing.CompareAndSwap(false, true) {
			return c.q, nil
		}
		defer v.refreshing.Store(false)
	}
	return v.read(ctx)
}

// read reads the counters and caches them.
func (v *view) read(ctx context.Context) (Queue, error) {
	q, err := v.store.Queue(ctx)
	if err != nil {
		return Queue{}, fmt.Errorf("read queue counters: %w", err)
	}
	v.cur.Store(&cachedQueue{q: q, readAt: time.Now()})
	return q, nil
}
