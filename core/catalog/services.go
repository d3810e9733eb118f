package catalog

import (
	"errors"

	"github.com/boxoffice/boxoffice/core"
)

// Ports are what the catalog's use cases need from outside.
type Ports struct {
	Store  Store
	Gate   Gate
	Queues Queues
	Clock  core.Clock
	// Directory is the one NewDirectory built, which the queue reads sales by.
	Directory *Directory
}

// Services are the catalog's use cases.
type Services struct {
	Listings  *Listings
	Admin     *Admin
	Directory *Directory
}

// New checks the ports and builds the use cases.
func New(p Ports, policy Policy) (Services, error) {
	if p.Store == nil || p.Gate == nil || p.Queues == nil || p.Clock == nil || p.Directory == nil {
		return Services{}, errors.New("catalog: store, gate, queues, clock and directory must be set")
	}
	if err := policy.Validate(); err != nil {
		return Services{}, err
	}
	return Services{
		Listings:  &Listings{store: p.Store, gate: p.Gate, clock: p.Clock},
		Admin:     &Admin{store: p.Store, queues: p.Queues, clock: p.Clock},
		Directory: p.Directory,
	}, nil
}

// NewDirectory builds the Directory first: the queue reads sales by it, and the catalog's
// other use cases need the queue. It lists what lister lists (StoreListings, or a copy of it),
// and reads a sale that is not public from store. defaultSale is BOXOFFICE_DEFAULT_SALE; empty:
// the earliest-created sale on sale or paused.
func NewDirectory(store Store, lister Lister, defaultSale core.SaleID) *Directory {
	return &Directory{lister: lister, store: store, fallback: defaultSale}
}
