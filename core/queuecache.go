package core

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// queueCache keeps the queue counters every poll computes positions from, so polling does not
// read the database: at most one request refreshes them at a time, the others use the copy
// they find. Its age is measured on the process's monotonic clock, not the domain Clock.
type queueCache struct {
	cur        atomic.Pointer[cachedQueue]
	refreshing atomic.Bool
}

type cachedQueue struct {
	q      Queue
	readAt time.Time
}

// queueCounters returns counters at most Policy.QueueRefresh old (or being refreshed).
func (b *BoxOffice) queueCounters(ctx context.Context) (Queue, error) {
	c := b.queue.cur.Load()
	if c != nil && b.policy.QueueRefresh > 0 {
		if time.Since(c.readAt) < b.policy.QueueRefresh || !b.queue.refreshing.CompareAndSwap(false, true) {
			return c.q, nil
		}
		defer b.queue.refreshing.Store(false)
	}
	return b.refreshQueue(ctx)
}

// refreshQueue reads the counters and caches them.
func (b *BoxOffice) refreshQueue(ctx context.Context) (Queue, error) {
	q, err := b.ports.Tokens.Queue(ctx)
	if err != nil {
		return Queue{}, fmt.Errorf("read queue counters: %w", err)
	}
	b.queue.cur.Store(&cachedQueue{q: q, readAt: time.Now()})
	return q, nil
}
