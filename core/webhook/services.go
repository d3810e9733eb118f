package webhook

import (
	"errors"

	"github.com/boxoffice/boxoffice/core"
)

// Ports are what the webhooks' use cases need from outside.
type Ports struct {
	Store Store
	Sales Sales
	// Couriers start each endpoint's deliveries; nil where none can run, and then registering
	// an endpoint is refused (ErrNoCouriers).
	Couriers Couriers
	// Sender carries the events; nil in a process that registers endpoints but delivers none
	// (an API without a worker).
	Sender Sender
	// Allowed are the destinations endpoints may have.
	Allowed Destinations
	Clock   core.Clock
	// Observer hears what the courier does, for metrics; nil hears nothing.
	Observer Observer
}

// Services are the webhooks' use cases: the operators' Admin, and the Courier the delivery
// workflow's activities run.
type Services struct {
	Admin   *Admin
	Courier *Courier
}

// New checks the ports and builds the use cases.
func New(p Ports) (Services, error) {
	if p.Store == nil || p.Sales == nil || p.Clock == nil {
		return Services{}, errors.New("webhook: store, sales and clock must be set")
	}
	if p.Observer == nil {
		p.Observer = NopObserver{}
	}
	return Services{
		Admin:   &Admin{store: p.Store, sales: p.Sales, couriers: p.Couriers, allowed: p.Allowed, clock: p.Clock},
		Courier: &Courier{store: p.Store, sender: p.Sender, clock: p.Clock, observer: p.Observer},
	}, nil
}
