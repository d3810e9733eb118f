package queue

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// view keeps the queue counters every poll computes positions from, a copy per sale, so
// polling does not read the store: at most one request per sale refreshes them at a time, the
// others use the copy they find. Its age is measured on the process's monotonic clock, not the
// domain Clock. The use cases of one instance share one view.
type view struct {
	store   Store
	refresh time.Duration
	sales   sync.Map // core.SaleID → *saleView
}

type saleView struct {
	cur        atomic.Pointer[cachedQueue]
	refreshing atomic.Bool
}

type cachedQueue struct {
	q      Queue
	readAt time.Time
}

func (v *view) of(sale core.SaleID) *saleView {
	if sv, ok := v.sales.Load(sale); ok {
		return sv.(*saleView)
	}
	sv, _ := v.sales.LoadOrStore(sale, &saleView{})
	return sv.(*saleView)
}

// counters returns the sale's counters at most refresh old (or being refreshed).
func (v *view) counters(ctx context.Context, sale core.SaleID) (Queue, error) {
	sv := v.of(sale)
	c := sv.cur.Load()
	if c != nil && v.refresh > 0 {
		if time.Since(c.readAt) < v.refresh || !sv.refreshing.CompareAndSwap(false, true) {
			return c.q, nil
		}
		defer sv.refreshing.Store(false)
	}
	return v.read(ctx, sale)
}

// read reads the sale's counters and caches them.
func (v *view) read(ctx context.Context, sale core.SaleID) (Queue, error) {
	q, err := v.store.Queue(ctx, sale)
	if err != nil {
		return Queue{}, fmt.Errorf("read queue counters of %s: %w", sale, err)
	}
	v.of(sale).cur.Store(&cachedQueue{q: q, readAt: time.Now()})
	return q, nil
}

// cached returns the counters of each sale this view read within maxAge, as last read: no
// store read.
func (v *view) cached(maxAge time.Duration) map[core.SaleID]Queue {
	out := map[core.SaleID]Queue{}
	v.sales.Range(func(k, sv any) bool {
		if c := sv.(*saleView).cur.Load(); c != nil && time.Since(c.readAt) <= maxAge {
			out[k.(core.SaleID)] = c.q
		}
		return true
	})
	return out
}
