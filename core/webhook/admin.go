package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Admin is where operators register endpoints, watch their deliveries and retry a failed one.
type Admin struct {
	store    Store
	sales    Sales
	couriers Couriers
	allowed  Destinations
	clock    core.Clock
}

// Register stores the endpoint r asks for and starts its deliveries; the answer is the only
// place its secret shows. Errors: a URL not allowed, no or unknown event types, an unknown sale
// (each *core.InvalidFieldError); ErrNoCouriers, or the couriers' error, having stored nothing.
func (a *Admin) Register(ctx context.Context, r EndpointRequest) (Endpoint, error) {
	ep, err := newEndpoint(r, a.allowed, a.clock.Now())
	if err != nil {
		return Endpoint{}, err
	}
	if ep.SaleID != "" {
		if _, err := a.sales.Sale(ctx, ep.SaleID); err != nil {
			if core.IsDomainError(err) {
				return Endpoint{}, core.InvalidField("sale_id", "no sale %q: leave it out to hear every sale", ep.SaleID)
			}
			return Endpoint{}, err
		}
	}
	if a.couriers == nil {
		return Endpoint{}, ErrNoCouriers
	}
	if err := a.store.AddEndpoint(ctx, ep); err != nil {
		return Endpoint{}, err
	}
	if err := a.couriers.Start(ctx, ep.ID); err != nil {
		undo := a.store.RemoveEndpoint(context.WithoutCancel(ctx), ep.ID)
		return Endpoint{}, errors.Join(fmt.Errorf("start the endpoint's deliveries: %w", err), undo)
	}
	return ep, nil
}

// Endpoints lists the endpoints, oldest first.
func (a *Admin) Endpoints(ctx context.Context) ([]Endpoint, error) { return a.store.Endpoints(ctx) }

// Endpoint returns one endpoint, or ErrUnknownEndpoint.
func (a *Admin) Endpoint(ctx context.Context, id core.ID) (Endpoint, error) {
	return a.store.Endpoint(ctx, id)
}

// Remove removes an endpoint; its courier stops at its next event. ErrUnknownEndpoint.
func (a *Admin) Remove(ctx context.Context, id core.ID) error { return a.store.RemoveEndpoint(ctx, id) }

// DeliveriesShown is how many of an endpoint's latest deliveries the operator sees.
const DeliveriesShown = 100

// Deliveries lists an endpoint's latest deliveries, newest first. ErrUnknownEndpoint.
func (a *Admin) Deliveries(ctx context.Context, endpoint core.ID) ([]Delivery, error) {
	return a.store.Deliveries(ctx, endpoint, DeliveriesShown)
}

// Retry has a failed delivery tried again, before the endpoint's next events.
// ErrUnknownEndpoint, ErrUnknownDelivery or ErrNotFailed.
func (a *Admin) Retry(ctx context.Context, endpoint, event core.ID) error {
	if _, err := a.store.Endpoint(ctx, endpoint); err != nil {
		return err
	}
	err := a.store.Retry(ctx, endpoint, event)
	if err == nil && a.couriers != nil {
		// Its courier takes it next; one that ended (terminated by hand, say) starts again.
		return a.couriers.Start(ctx, endpoint)
	}
	if !errors.Is(err, ErrUnknownDelivery) {
		return err
	}
	// An event due to the endpoint and not tried yet is pending as the operator sees it.
	shown, lerr := a.store.Deliveries(ctx, endpoint, DeliveriesShown)
	if lerr != nil {
		return lerr
	}
	for _, d := range shown {
		if d.EventID == event {
			return ErrNotFailed
		}
	}
	return err
}

// Resume starts every endpoint's deliveries unless they run: what a worker does when it starts,
// so an endpoint whose courier was lost still hears its events.
func (a *Admin) Resume(ctx context.Context) error {
	if a.couriers == nil {
		return ErrNoCouriers
	}
	eps, err := a.store.Endpoints(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, ep := range eps {
		errs = append(errs, a.couriers.Start(ctx, ep.ID))
	}
	return errors.Join(errs...)
}

// OldestPending is when the oldest event still to deliver to an endpoint happened (zero: none
// waits), for the metric that tells operators deliveries fall behind.
func (a *Admin) OldestPending(ctx context.Context) (time.Time, error) {
	return a.store.OldestPending(ctx)
}
