package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// StoreCounters are Counters read from the store at every call.
type StoreCounters struct{ Store Store }

// Copy implements Counters: a read.
func (c StoreCounters) Copy(ctx context.Context, sale core.SaleID) (Queue, error) {
	return c.Read(ctx, sale)
}

// Read implements Counters.
func (c StoreCounters) Read(ctx context.Context, sale core.SaleID) (Queue, error) {
	q, err := c.Store.Queue(ctx, sale)
	if err != nil {
		return Queue{}, fmt.Errorf("read queue counters of %s: %w", sale, err)
	}
	return q, nil
}

// Cached implements Counters: nothing is kept.
func (StoreCounters) Cached(time.Duration) map[core.SaleID]Queue { return map[core.SaleID]Queue{} }
