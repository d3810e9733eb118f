package catalog

import (
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// SeatStatus is what a fan sees of a seat: available, or reserved (held or sold).
type SeatStatus struct{ name string }

// Seat statuses as shown to fans.
var (
	SeatAvailable = SeatStatus{"available"}
	SeatReserved  = SeatStatus{"reserved"}
)

func (s SeatStatus) String() string { return s.name }

// Seat is one seat of a performance as a fan sees it, with its section's name and price.
type Seat struct {
	No      int
	Status  SeatStatus
	Section string
	Price   core.Amount
}

// SeatCounts is how many seats of a performance are available, held and sold.
type SeatCounts struct {
	Available, Held, Sold int
}

// Claim is a seat's state as the arbiter of holds keeps it: free, held by a reservation until
// a deadline, or sold to it. Stores keep it on the seat and decide every race with it.
type Claim struct {
	Holder core.ID // the reservation holding or owning the seat; empty when free
	// HeldUntil is when the claim of a hold ends: its deadline, or its payment deadline once
	// the API accepted a payment of it (booking.Reservation.PaymentDeadline).
	HeldUntil time.Time
	Sold      bool
}

// AvailableAt reports whether the seat can be held at now: free, or held past its deadline. A
// lapsed hold counts as available even before its release has run (lazy expiry). The database
// states the same rule once, as seat_free (sql/functions/catalog.sql), which hold_seat, hold_order
// and the seat queries of sql/queries/catalog.sql ask; the contract suite (core/porttest) holds
// both stores to it.
func (c Claim) AvailableAt(now time.Time) bool {
	return !c.Sold && (c.Holder == "" || !now.Before(c.HeldUntil))
}

// HeldBy reports whether reservation still holds the seat unsold: a later hold may have taken
// it after the reservation's deadline.
func (c Claim) HeldBy(reservation core.ID) bool { return c.Holder == reservation && !c.Sold }

// StatusAt is what a fan sees of the seat at now.
func (c Claim) StatusAt(now time.Time) SeatStatus {
	if c.AvailableAt(now) {
		return SeatAvailable
	}
	return SeatReserved
}
