package wallet

import (
	"errors"

	"github.com/boxoffice/boxoffice/core"
)

// Ports are what the wallet's use cases need from outside.
type Ports struct {
	Store Store
	Gate  Gate
	Clock core.Clock
	// Requests are the keyed requests running in this process, shared by every context that
	// takes an Idempotency-Key.
	Requests *core.KeyedRequests
}

// Services are the wallet's use cases.
type Services struct {
	Cashier *Cashier
}

// New checks the ports and builds the use cases.
func New(p Ports) (Services, error) {
	if p.Store == nil || p.Gate == nil || p.Clock == nil || p.Requests == nil {
		return Services{}, errors.New("wallet: store, gate, clock and requests must be set")
	}
	return Services{Cashier: &Cashier{store: p.Store, gate: p.Gate, clock: p.Clock, requests: p.Requests}}, nil
}
