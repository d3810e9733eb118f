package webhook

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// Store keeps the endpoints and their deliveries of the outbox's events. The events themselves
// are written by the other contexts' stores, each in the transaction of the change it reports.
type Store interface {
	// AddEndpoint stores a new endpoint; it hears the events committed from then on.
	AddEndpoint(ctx context.Context, ep Endpoint) error
	// Endpoint returns an endpoint, or ErrUnknownEndpoint (a removed one too).
	Endpoint(ctx context.Context, id core.ID) (Endpoint, error)
	// Endpoints lists the endpoints not removed, oldest first.
	Endpoints(ctx context.Context) ([]Endpoint, error)
	// RemoveEndpoint removes an endpoint, whose deliveries then stop; ErrUnknownEndpoint.
	RemoveEndpoint(ctx context.Context, id core.ID) error
	// Pending returns up to limit events for the endpoint to deliver next: first those whose
	// failed delivery an operator asked to retry, then the events it hears that follow the last
	// one it handled (delivered, or gave up on), in the order they happened. An event shows
	// only once every transaction that could still commit an earlier one has ended, so none is
	// ever passed over. ErrUnknownEndpoint.
	Pending(ctx context.Context, endpoint core.ID, limit int) ([]Event, error)
	// Record records an attempt to deliver an event to the endpoint: one more attempt, its
	// answer's code, and its status (Delivered, or Pending with its next attempt). A delivered
	// event is handled: Pending lists the events after it.
	Record(ctx context.Context, endpoint core.ID, a Attempt) error
	// GiveUp marks the delivery of an event failed, its retries spent, and handled.
	GiveUp(ctx context.Context, endpoint, event core.ID, at time.Time) error
	// Deliveries lists up to limit of the endpoint's latest deliveries, newest first: the
	// events due to it that were not tried yet, then those tried. ErrUnknownEndpoint.
	Deliveries(ctx context.Context, endpoint core.ID, limit int) ([]Delivery, error)
	// Retry makes a failed delivery pending again, to be tried before the endpoint's next
	// events. ErrUnknownDelivery, or ErrNotFailed.
	Retry(ctx context.Context, endpoint, event core.ID) error
	// OldestPending is when the oldest event happened that an endpoint hears and has not had
	// delivered or given up on (a retried failure's included); zero when none waits.
	OldestPending(ctx context.Context) (time.Time, error)
}

// Couriers run each endpoint's deliveries: in production a Temporal workflow per endpoint.
type Couriers interface {
	// Start begins delivering an endpoint's events, unless that runs already.
	Start(ctx context.Context, endpoint core.ID) error
}

// Sender carries one event to one endpoint: a signed POST.
type Sender interface {
	// Send posts e to ep signed with its secret at at, and returns the answer's HTTP status,
	// or 0 and the error when no answer came.
	Send(ctx context.Context, ep Endpoint, e Event, at time.Time) (int, error)
}

// Sales tell whether a sale an endpoint names exists; catalog.Program is one.
type Sales interface {
	Sale(ctx context.Context, id core.SaleID) (catalog.Sale, error)
}
