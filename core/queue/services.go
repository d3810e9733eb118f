package queue

import (
	"errors"
	"fmt"

	"github.com/boxoffice/boxoffice/core"
)

// Ports are what the queue's use cases need from outside.
type Ports struct {
	Store Store
	Loop  Loop
	Sales Sales
	Clock core.Clock
}

// Services are the queue's use cases, sharing one view of the counters.
type Services struct {
	Entrance *Entrance
	Control  *Control
	Admitter *Admitter
}

// New checks the ports and the policy and builds the use cases.
func New(p Ports, policy Policy) (Services, error) {
	if p.Store == nil || p.Loop == nil || p.Sales == nil || p.Clock == nil {
		return Services{}, errors.New("queue: store, loop, sales and clock must be set")
	}
	if err := policy.Validate(); err != nil {
		return Services{}, fmt.Errorf("queue: %w", err)
	}
	v := &view{store: p.Store, refresh: policy.Refresh}
	return Services{
		Entrance: &Entrance{store: p.Store, sales: p.Sales, loop: p.Loop, clock: p.Clock, policy: policy, view: v},
		Control:  &Control{store: p.Store, loop: p.Loop, sales: p.Sales, clock: p.Clock, policy: policy, view: v},
		Admitter: &Admitter{store: p.Store, sales: p.Sales, clock: p.Clock, policy: policy, view: v},
	}, nil
}
