package sweep

import "context"

// Sweeper is what the activity runs; booking's Sweeper is one.
type Sweeper interface {
	ReleaseOverdue(ctx context.Context) (int, error)
}

// Activities hold the dependencies of the sweep activity.
type Activities struct {
	Sweeper Sweeper
}

// Sweep releases the overdue holds and says how many. A retry is harmless: it only takes
// reservations still held.
func (a *Activities) Sweep(ctx context.Context) (int, error) {
	return a.Sweeper.ReleaseOverdue(ctx)
}
