package catalog

import (
	"errors"

	"github.com/boxoffice/boxoffice/core"
)

// Ports are what the catalog's use cases need from outside.
type Ports struct {
	Store Store
	Gate  Gate
	Clock core.Clock
}

// Services are the catalog's use cases.
type Services struct {
	Listings *Listings
	Admin    *Admin
}

// New checks the ports and builds the use cases.
func New(p Ports) (Services, error) {
	if p.Store == nil || p.Gate == nil || p.Clock == nil {
		return Services{}, errors.New("catalog: store, gate and clock must be set")
	}
	return Services{Listings: &Listings{store: p.Store, gate: p.Gate, clock: p.Clock}, Admin: &Admin{store: p.Store}}, nil
}
