package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/cache"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// countedCounters answers reads with LastSeq counting them.
type countedCounters struct{ reads int64 }

func (c *countedCounters) Copy(ctx context.Context, sale core.SaleID) (queue.Queue, error) {
	return c.Read(ctx, sale)
}

func (c *countedCounters) Read(context.Context, core.SaleID) (queue.Queue, error) {
	c.reads++
	return queue.Queue{LastSeq: c.reads}, nil
}

func (c *countedCounters) Cached(time.Duration) map[core.SaleID]queue.Queue { return nil }

// A copy answers polls without a read for up to the refresh; a read (what a use case asks for
// after its own write) always reads and refreshes the copy; operators' gauges list what was read.
func TestQueueCountersAnswerFromACopyUntilTheRefresh(t *testing.T) {
	ctx := context.Background()
	inner := &countedCounters{}
	c := cache.New(core.SystemClock{}, 0).Counters(inner, time.Hour)
	for range 5 {
		if q, err := c.Copy(ctx, "s1"); err != nil || q.LastSeq != 1 {
			t.Fatalf("copy: %+v, %v; want the first read's counters", q, err)
		}
	}
	if q, _ := c.Read(ctx, "s1"); q.LastSeq != 2 {
		t.Fatalf("read: %+v, want a second read", q)
	}
	if q, _ := c.Copy(ctx, "s1"); q.LastSeq != 2 || inner.reads != 2 {
		t.Fatalf("copy after a read: %+v after %d reads; want the read's counters, no other read", q, inner.reads)
	}
	cached := c.Cached(time.Hour)
	if len(cached) != 1 || cached["s1"].LastSeq != 2 {
		t.Fatalf("cached: %+v, want s1 as last read", cached)
	}

	fresh := cache.New(core.SystemClock{}, 0).Counters(inner, 0)
	_, _ = fresh.Copy(ctx, "s1")
	_, _ = fresh.Copy(ctx, "s1")
	if inner.reads != 4 {
		t.Fatalf("%d reads with no refresh, want every copy read (4)", inner.reads)
	}
}
