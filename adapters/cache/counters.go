package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// queueCounters keep the queue counters every poll computes positions from, a copy per sale, so
// polling does not read the store: at most one request per sale refreshes them at a time, the
// others use the copy they find. Its age is measured on the process's monotonic clock, not the
// domain Clock.
type queueCounters struct {
	counters queue.Counters
	refresh  time.Duration
	sales    sync.Map // core.SaleID → *saleCounters
}

type saleCounters struct {
	cur        atomic.Pointer[countersCopy]
	refreshing atomic.Bool
}

type countersCopy struct {
	q      queue.Queue
	readAt time.Time
}

func (c *queueCounters) of(sale core.SaleID) *saleCounters {
	if sc, ok := c.sales.Load(sale); ok {
		return sc.(*saleCounters)
	}
	sc, _ := c.sales.LoadOrStore(sale, &saleCounters{})
	return sc.(*saleCounters)
}

// Copy implements queue.Counters: the sale's counters at most refresh old (or being refreshed).
func (c *queueCounters) Copy(ctx context.Context, sale core.SaleID) (queue.Queue, error) {
	sc := c.of(sale)
	cur := sc.cur.Load()
	if cur != nil && c.refresh > 0 {
		if time.Since(cur.readAt) < c.refresh || !sc.refreshing.CompareAndSwap(false, true) {
			return cur.q, nil
		}
		defer sc.refreshing.Store(false)
	}
	return c.Read(ctx, sale)
}

// Read implements queue.Counters, keeping what it read.
func (c *queueCounters) Read(ctx context.Context, sale core.SaleID) (queue.Queue, error) {
	q, err := c.counters.Read(ctx, sale)
	if err != nil {
		return queue.Queue{}, err
	}
	c.of(sale).cur.Store(&countersCopy{q: q, readAt: time.Now()})
	return q, nil
}

// Cached implements queue.Counters: each sale's counters read within maxAge, as last read.
func (c *queueCounters) Cached(maxAge time.Duration) map[core.SaleID]queue.Queue {
	out := map[core.SaleID]queue.Queue{}
	c.sales.Range(func(k, sc any) bool {
		if cur := sc.(*saleCounters).cur.Load(); cur != nil && time.Since(cur.readAt) <= maxAge {
			out[k.(core.SaleID)] = cur.q
		}
		return true
	})
	return out
}
