package cancellation

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// Refunder is the steps the activities run; booking's Refunder is one.
type Refunder interface {
	Close(ctx context.Context, sale core.SaleID, d core.Date) (catalog.Performance, error)
	Round(ctx context.Context, sale core.SaleID, d core.Date, batch int) (booking.Round, error)
}

// Activities hold the dependencies of the cancellation activities.
type Activities struct {
	Refunder Refunder
}

// ErrTypeRefused is the type of a domain refusal (an unknown sale or date), which no retry
// changes.
const ErrTypeRefused = "CancellationRefused"

// heartbeatEvery paces a round's heartbeats, so a worker killed mid-round is noticed within
// roundOptions' HeartbeatTimeout and the round retried elsewhere.
const heartbeatEvery = time.Second

// Close marks the date cancelled; closing it again keeps the first time.
func (a *Activities) Close(ctx context.Context, sale core.SaleID, date string) error {
	d, err := core.ParseDate(date)
	if err == nil {
		_, err = a.Refunder.Close(ctx, sale, d)
	}
	return refusal(err)
}

// Round runs one round: a retry after a crash redoes nothing, as the round refunds only tickets
// still paid and ends only holds still held.
func (a *Activities) Round(ctx context.Context, in Round) (RoundResult, error) {
	d, err := core.ParseDate(in.Date)
	if err != nil {
		return RoundResult{}, refusal(err)
	}
	stop := heartbeat(ctx)
	defer stop()
	r, err := a.Refunder.Round(ctx, in.SaleID, d, in.Batch)
	if err != nil {
		return RoundResult{}, refusal(err)
	}
	t := r.Left.Tally
	return RoundResult{Released: r.Released, Refunded: r.Refunded, Left: Tally{Held: t.Held, Paid: t.Paid, CheckedIn: t.CheckedIn, Refunded: t.Refunded}}, nil
}

// heartbeat records the activity's heartbeat until stopped; stop returns once the last
// heartbeat has, so none is recorded after the activity returned.
func heartbeat(ctx context.Context) (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			activity.RecordHeartbeat(ctx)
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// refusal makes a domain error non-retryable; anything else (the database) is retried.
func refusal(err error) error {
	if err != nil && core.IsDomainError(err) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeRefused, err)
	}
	return err
}
