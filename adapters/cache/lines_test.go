package cache_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/cache"
	"github.com/boxoffice/boxoffice/core"
)

// countedLines answers every date's line as 1, 2, 3 and counts its reads.
type countedLines struct{ reads atomic.Int32 }

func (c *countedLines) WaitingSeqs(context.Context, core.SaleID, core.Date) ([]int64, error) {
	c.reads.Add(1)
	return []int64{1, 2, 3}, nil
}

// However many fans ask their place, a date's line is read once per LinesRefresh.
func TestAWaitlistIsReadOnceASecondHoweverManyAsk(t *testing.T) {
	store := &countedLines{}
	lines := cache.New(core.SystemClock{}, time.Second).Lines(store)
	d, _ := core.ParseDate("2030-07-01")
	for range 1000 {
		if seqs, err := lines.WaitingSeqs(context.Background(), "s1", d); err != nil || len(seqs) != 3 {
			t.Fatalf("the line %v, %v", seqs, err)
		}
	}
	if _, err := lines.WaitingSeqs(context.Background(), "s1", d.AddDays(1)); err != nil {
		t.Fatal(err)
	}
	if n := store.reads.Load(); n != 2 {
		t.Fatalf("%d reads for 1,000 asks of one date and one of another, want 2", n)
	}
	time.Sleep(cache.LinesRefresh + 50*time.Millisecond)
	_, _ = lines.WaitingSeqs(context.Background(), "s1", d)
	if n := store.reads.Load(); n != 3 {
		t.Fatalf("%d reads after the copy aged, want 3", n)
	}
}
