package catalog

import (
	"context"
	"slices"

	"github.com/boxoffice/boxoffice/core"
)

// Listings are what admitted fans browse: the dates and seats of the sale their token queues
// for. The store's seats and the gate's verdicts may come from copies up to
// Policy.SeatsStaleness old (adapters/cache), over which each fan's own seats are laid as they
// stand now.
type Listings struct {
	store Store
	gate  Gate
	clock core.Clock
}

// OpenDates lists the dates of the caller's sale from today on that still have a seat available.
func (l *Listings) OpenDates(ctx context.Context, c core.Caller) ([]core.Date, error) {
	now := l.clock.Now()
	_, sale, err := l.gate.Admitted(ctx, c)
	if err != nil {
		return nil, err
	}
	return l.store.OpenDates(ctx, sale, core.DateOf(now), now)
}

// Seats lists the seats of a performance of the caller's sale with their status, section and
// price, as a snapshot up to Policy.SeatsStaleness old, over which the fan's own seats are laid
// as they stand now: a fan sees their own hold, payment or cancellation in their next listing,
// on any instance. A date of another sale is ErrUnknownDate: a token sees its own sale only.
// The slice may be shared: callers must not change it.
func (l *Listings) Seats(ctx context.Context, c core.Caller, rawDate string) ([]Seat, error) {
	now := l.clock.Now()
	user, sale, err := l.gate.Admitted(ctx, c)
	if err != nil {
		return nil, err
	}
	d, err := SaleDate(rawDate, now)
	if err != nil {
		return nil, err
	}
	// No read of the performance: Store.Seats answers ErrUnknownDate for a date without one.
	seats, err := l.store.Seats(ctx, sale, d, now)
	if err != nil {
		return nil, err
	}
	own, err := l.store.SeatsOfFan(ctx, sale, d, user, now)
	if err != nil {
		return nil, err
	}
	return layOver(seats, own), nil
}

// layOver is seats with the fan's own seats in their place: seats itself when they change
// nothing, a copy otherwise (seats is a shared snapshot). Seats are numbered 1..n in order.
func layOver(seats, own []Seat) []Seat {
	var out []Seat
	for _, o := range own {
		i := o.No - 1
		if i < 0 || i >= len(seats) || seats[i] == o {
			continue
		}
		if out == nil {
			out = slices.Clone(seats)
		}
		out[i] = o
	}
	if out == nil {
		return seats
	}
	return out
}
