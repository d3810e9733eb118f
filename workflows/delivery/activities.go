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
	Pending(ctx context.Context, endpoint core.ID) ([]webhook.Event, error)
	Deliver(ctx context.Context, endpoint core.ID, e webhook.Event, attempt int) error
	DeliverInOrder(ctx context.Context, endpoint core.ID, events []webhook.Event, from int, done func(delivered int)) (int, error)
	GiveUp(ctx context.Context, endpoint, event core.ID) error
}

// Activities hold the dependencies of the delivery activities.
type Activities struct {
	Courier Courier
}

// PollEvery is how often Next looks for new events while it waits: a committed event reaches
// its courier within about this much.
const PollEvery = 200 * time.Millisecond

// Next waits up to wait for the endpoint's next events, looking every PollEvery and
// heartbeating each time, and returns them in order: none when the wait ran out.
func (a *Activities) Next(ctx context.Context, endpoint core.ID, wait time.Duration) ([]webhook.Event, error) {
	deadline := time.Now().Add(wait)
	for {
		events, err := a.Courier.Pending(ctx, endpoint)
		if err != nil || len(events) > 0 || !time.Now().Before(deadline) {
			return events, removed(err)
		}
		activity.RecordHeartbeat(ctx)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(PollEvery):
		}
	}
}

// DeliverInOrder delivers a batch of events one attempt each until the endpoint refuses one,
// and returns how many it delivered. It heartbeats that count after each, so a try after a
// crash goes on from there rather than deliver them again (doing so would be harmless:
// receivers deduplicate by the event's id, as the convention asks of them).
func (a *Activities) DeliverInOrder(ctx context.Context, endpoint core.ID, events []webhook.Event) (int, error) {
	from := 0
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &from)
	}
	n, err := a.Courier.DeliverInOrder(ctx, endpoint, events, from, func(delivered int) { activity.RecordHeartbeat(ctx, delivered) })
	return n, removed(err)
}

// Deliver makes one more attempt at delivering e, prior attempts having been made already;
// the activity's retry policy makes the next ones. An attempt whose answer arrives after a
// retry began is harmless: receivers deduplicate by the event's id.
func (a *Activities) Deliver(ctx context.Context, endpoint core.ID, e webhook.Event, prior int) error {
	return removed(a.Courier.Deliver(ctx, endpoint, e, prior+int(activity.GetInfo(ctx).Attempt)))
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
