package catalog

import (
	"context"

	"github.com/boxoffice/boxoffice/core"
)

// Listings are what admitted fans browse.
type Listings struct {
	store Store
	gate  Gate
	clock core.Clock
}

// OpenDates lists the dates from today on that still have an available seat.
func (l *Listings) OpenDates(ctx context.Context, c core.Caller) ([]core.Date, error) {
	if _, err := l.gate.Admitted(ctx, c); err != nil {
		return nil, err
	}
	now := l.clock.Now()
	return l.store.OpenDates(ctx, core.DateOf(now), now)
}

// Seats lists the seats of a performance with their status.
func (l *Listings) Seats(ctx context.Context, c core.Caller, rawDate string) ([]Seat, error) {
	if _, err := l.gate.Admitted(ctx, c); err != nil {
		return nil, err
	}
	now := l.clock.Now()
	// No read of the performance: Store.Seats answers ErrUnknownDate for a date without one.
	d, err := SaleDate(rawDate, now)
	if err != nil {
		return nil, err
	}
	return l.store.Seats(ctx, d, now)
}
