package booking

import (
	"errors"
	"fmt"

	"github.com/boxoffice/boxoffice/core"
)

// Ports are what booking's use cases need from outside.
type Ports struct {
	Store       Store
	Settlements Settlements
	// Settler is the one NewSettler built, which Lifecycle calls back.
	Settler   *Settler
	Lifecycle Lifecycle
	// Cancellations carry performances' cancellations through; built from the Refunder, which
	// they drive (Temporal's runs in the worker and calls it there).
	Cancellations func(*Refunder) Cancellations
	Gate          Gate
	Shows         Shows
	Balances      Balances
	Clock         core.Clock
	// Requests are the keyed requests running in this process, shared by every context that
	// takes an Idempotency-Key.
	Requests *core.KeyedRequests
	// Observer hears what the use cases decide, for metrics.
	Observer Observer
}

// Services are booking's use cases.
type Services struct {
	SeatHolder    *SeatHolder
	OrderTaker    *OrderTaker
	Checkout      *Checkout
	FanTickets    *FanTickets
	Returns       *Returns
	CheckIns      *CheckIns
	ShowCanceller *ShowCanceller
	Settler       *Settler
	Refunder      *Refunder
	Sweeper       *Sweeper
	// Offers start the timers of the waitlist's offers.
	Offers *OfferTimers
}

// NewSettler builds the Settler first: it needs only the stores, so a hold's lifecycle can be
// given it before the SeatHolder and the Checkout, which need the lifecycle, exist.
func NewSettler(store Store, settlements Settlements, clock core.Clock, observer Observer) *Settler {
	return &Settler{store: store, settlements: settlements, clock: clock, observer: observer}
}

// New checks the ports and the policy and builds the use cases.
func New(p Ports, policy Policy) (Services, error) {
	if p.Store == nil || p.Settlements == nil || p.Settler == nil || p.Lifecycle == nil || p.Cancellations == nil || p.Gate == nil ||
		p.Shows == nil || p.Balances == nil || p.Clock == nil || p.Requests == nil || p.Observer == nil {
		return Services{}, errors.New("booking: every port must be set")
	}
	if err := policy.Validate(); err != nil {
		return Services{}, fmt.Errorf("booking: %w", err)
	}
	offers := &OfferTimers{orders: p.Store, lifecycle: p.Lifecycle}
	p.Settler.offers = offers // built before the lifecycle, which needs it
	refunder := &Refunder{shows: p.Shows, store: p.Store, settlements: p.Settlements, clock: p.Clock, observer: p.Observer}
	return Services{
		SeatHolder: &SeatHolder{holds: p.Store, lifecycle: p.Lifecycle, gate: p.Gate, offers: p.Shows, clock: p.Clock, policy: policy, observer: p.Observer},
		OrderTaker: &OrderTaker{orders: p.Store, receipts: p.Store, lifecycle: p.Lifecycle, gate: p.Gate, offers: p.Shows, clock: p.Clock, policy: policy, observer: p.Observer,
			waitlist: offers},
		Checkout: &Checkout{holds: p.Store, orders: p.Store, lifecycle: p.Lifecycle, gate: p.Gate, balances: p.Balances, clock: p.Clock,
			requests: p.Requests, observer: p.Observer},
		FanTickets: &FanTickets{book: p.Store, gate: p.Gate},
		Returns: &Returns{book: p.Store, settlements: p.Settlements, gate: p.Gate, offers: p.Shows, clock: p.Clock,
			requests: p.Requests, observer: p.Observer, waitlist: offers},
		CheckIns:      &CheckIns{store: p.Store, shows: p.Shows, clock: p.Clock, observer: p.Observer},
		ShowCanceller: &ShowCanceller{runs: p.Cancellations(refunder), refunder: refunder},
		Settler:       p.Settler,
		Refunder:      refunder,
		Sweeper:       &Sweeper{store: p.Store, clock: p.Clock, observer: p.Observer, waitlist: offers},
		Offers:        offers,
	}, nil
}
