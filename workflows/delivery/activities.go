package delivery

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// Courier is what the activities run; the webhook context's Courier is one.
type Courier interface {
	Next(ctx context.Context, endpoint core.ID, wait time.Duration, alive func()) ([]webhook.Event, error)
	Deliver(ctx context.Context, endpoint core.ID, e webhook.Event, attempt int) error
	GiveUp(ctx context.Context, endpoint, event core.ID) error
}

// Activities hold the dependencies of the delivery activities.
type Activities struct {
	Courier Courier
}

// Next waits up to wait for the endpoint's next events, heartbeating as it looks.
func (a *Activities) Next(ctx context.Context, endpoint core.ID, wait time.Duration) ([]webhook.Event, error) {
	events, err := a.Courier.Next(ctx, endpoint, wait, func() { activity.RecordHeartbeat(ctx) })
	return events, removed(err)
}

// Deliver makes one attempt at delivering e; the activity's retry policy makes the next ones.
// An attempt whose answer arrives after a retry began is harmless: receivers deduplicate by
// the event's id, as the convention asks of them.
func (a *Activities) Deliver(ctx context.Context, endpoint core.ID, e webhook.Event) error {
	return removed(a.Courier.Deliver(ctx, endpoint, e, int(activity.GetInfo(ctx).Attempt)))
}

// GiveUp records that e's delivery failed for good.
func (a *Activities) GiveUp(ctx context.Context, endpoint, event core.ID) error {
	return removed(a.Courier.GiveUp(ctx, endpoint, event))
}

// removed turns an endpoint's removal into an error no retry can mend, which ends the workflow.
func removed(err error) error {
	if errors.Is(err, webhook.ErrUnknownEndpoint) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrEndpointRemoved, err)
	}
	return err
}
