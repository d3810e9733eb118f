package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/waitlist"
)

// LinesRefresh is how old a copy of a date's waitlist may be: a fan's place, polled every few
// seconds by the fan page, is at most this stale.
const LinesRefresh = time.Second

// Lines is lines with each date's waiting entries read at most once per LinesRefresh, however
// many fans ask their place: one read a second per date and instance, where each fan's count
// of those ahead of them grew with the line.
func (c *Copies) Lines(lines waitlist.Lines) waitlist.Lines {
	return &waitingLines{lines: lines}
}

// waitingLines keep a copy per date, refreshed by one request at a time, as queueCounters do;
// the copy's age is on the process's monotonic clock.
type waitingLines struct {
	lines waitlist.Lines
	dates sync.Map // lineKey → *lineCopy
}

type lineKey struct {
	sale core.SaleID
	date core.Date
}

type lineCopy struct {
	cur        atomic.Pointer[lineRead]
	refreshing atomic.Bool
}

type lineRead struct {
	seqs   []int64
	readAt time.Time
}

// WaitingSeqs implements waitlist.Lines from the date's copy, at most LinesRefresh old (or being
// refreshed by another request).
func (l *waitingLines) WaitingSeqs(ctx context.Context, sale core.SaleID, d core.Date) ([]int64, error) {
	v, _ := l.dates.LoadOrStore(lineKey{sale, d}, &lineCopy{})
	lc := v.(*lineCopy)
	if cur := lc.cur.Load(); cur != nil {
		if time.Since(cur.readAt) < LinesRefresh || !lc.refreshing.CompareAndSwap(false, true) {
			return cur.seqs, nil
		}
		defer lc.refreshing.Store(false)
	}
	seqs, err := l.lines.WaitingSeqs(ctx, sale, d)
	if err != nil {
		return nil, err
	}
	lc.cur.Store(&lineRead{seqs: seqs, readAt: time.Now()})
	return seqs, nil
}
