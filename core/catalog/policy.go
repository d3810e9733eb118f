package catalog

import (
	"errors"
	"time"
)

// Policy is how the catalog serves fans who browse.
type Policy struct {
	// SeatsStaleness is how old a seat listing may be (BOXOFFICE_SEATS_STALENESS): the copies
	// an instance keeps (adapters/cache) read a date's seats at most once per SeatsStaleness
	// however many fans ask, and take a fan's token for admitted for as long after the gate
	// said so. Holds never read a listing: the store decides each. Zero reads both on every
	// request.
	SeatsStaleness time.Duration
}

// DefaultPolicy lists seats at most a quarter of a second old.
var DefaultPolicy = Policy{SeatsStaleness: 250 * time.Millisecond}

// Validate reports the first rule the policy breaks.
func (p Policy) Validate() error {
	if p.SeatsStaleness < 0 || p.SeatsStaleness > 5*time.Second {
		return errors.New("seat listing staleness must be between 0 and 5s")
	}
	return nil
}
