package catalog

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Store holds performances and the claims on their seats.
type Store interface {
	// AddPerformance creates a performance and its seats 1..p.Seats; adding an existing date
	// again changes nothing.
	AddPerformance(ctx context.Context, p Performance) error
	// Performance returns one performance, or ErrUnknownDate.
	Performance(ctx context.Context, d core.Date) (Performance, error)
	// OpenDates lists, in order, the dates from `from` on with at least one seat available at now.
	OpenDates(ctx context.Context, from core.Date, now time.Time) ([]core.Date, error)
	// Seats lists every seat of a date in seat order with its status at now, or ErrUnknownDate.
	Seats(ctx context.Context, d core.Date, now time.Time) ([]Seat, error)
}

// Gate admits fans to the catalog: only admitted fans browse what is on sale. The queue's
// Entrance is one.
type Gate interface {
	Admitted(ctx context.Context, c core.Caller) (core.UserID, error)
}
