package catalog

import (
	"context"

	"github.com/boxoffice/boxoffice/core"
)

// Listings are what admitted fans browse: the dates and seats of the sale their token queues
// for, seats and verdicts on tokens up to Policy.SeatsStaleness old.
type Listings struct {
	store     Store
	gate      Gate
	clock     core.Clock
	snapshots *seatSnapshots
	verdicts  *admittedVerdicts
}

// OpenDates lists the dates of the caller's sale from today on that still have a seat available.
func (l *Listings) OpenDates(ctx context.Context, c core.Caller) ([]core.Date, error) {
	now := l.clock.Now()
	_, sale, err := l.verdicts.admitted(ctx, l.gate, c, now)
	if err != nil {
		return nil, err
	}
	return l.store.OpenDates(ctx, sale, core.DateOf(now), now)
}

// Seats lists the seats of a performance of the caller's sale with their status, section and
// price, as a snapshot up to Policy.SeatsStaleness old. A date of another sale is
// ErrUnknownDate: a token sees its own sale only. The slice is shared: callers must not change it.
func (l *Listings) Seats(ctx context.Context, c core.Caller, rawDate string) ([]Seat, error) {
	now := l.clock.Now()
	_, sale, err := l.verdicts.admitted(ctx, l.gate, c, now)
	if err != nil {
		return nil, err
	}
	d, err := SaleDate(rawDate, now)
	if err != nil {
		return nil, err
	}
	// No read of the performance: Store.Seats answers ErrUnknownDate for a date without one.
	return l.snapshots.seats(ctx, dateKey{sale, d}, now, func(ctx context.Context) ([]Seat, error) {
		return l.store.Seats(ctx, sale, d, now)
	})
}
