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
	// Counters are where positions' counters come from; nil: StoreCounters, a read each time.
	Counters Counters
	// Door checks a join against its sale's entry rules; nil lets every join in unchecked.
	Door Door
}

// Services are the queue's use cases, sharing one source of the counters.
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
	var door Door = openDoor{}
	if p.Door != nil {
		door = p.Door
	}
	counters := p.Counters
	if counters == nil {
		counters = StoreCounters{Store: p.Store}
	}
	return Services{
		Entrance: &Entrance{store: p.Store, sales: p.Sales, loop: p.Loop, clock: p.Clock, policy: policy, counters: counters, door: door},
		Control:  &Control{store: p.Store, loop: p.Loop, sales: p.Sales, clock: p.Clock, policy: policy, counters: counters},
		Admitter: &Admitter{store: p.Store, sales: p.Sales, clock: p.Clock, policy: policy, counters: counters},
	}, nil
}
