package catalog

import (
	"context"

	"github.com/boxoffice/boxoffice/core"
)

// Listings are what admitted fans browse: the dates and seats of the sale their token queues for.
type Listings struct {
	store Store
	gate  Gate
	clock core.Clock
}

// OpenDates lists the dates of the caller's sale from today on that still have a seat available.
func (l *Listings) OpenDates(ctx context.Context, c core.Caller) ([]core.Date, error) {
	_, sale, err := l.gate.Admitted(ctx, c)
	if err != nil {
		return nil, err
	}
	now := l.clock.Now()
	return l.store.OpenDates(ctx, sale, core.DateOf(now), now)
}

// Seats lists the seats of a performance of the caller's sale with their status, section and
// price. A date of another sale is ErrUnknownDate: a token sees its own sale only.
func (l *Listings) Seats(ctx context.Context, c core.Caller, rawDate string) ([]Seat, error) {
	_, sale, err := l.gate.Admitted(ctx, c)
	if err != nil {
		return nil, err
	}
	now := l.clock.Now()
	// No read of the performance: Store.Seats answers ErrUnknownDate for a date without one.
	d, err := SaleDate(rawDate, now)
	if err != nil {
		return nil, err
	}
	return l.store.Seats(ctx, sale, d, now)
}
