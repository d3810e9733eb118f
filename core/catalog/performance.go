package catalog

import (
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// DefaultSeatsPerPerformance is N in seats 1..N.
const DefaultSeatsPerPerformance = 50

// FirstSeat is the number of every performance's first seat: seats are numbered 1..N.
const FirstSeat = 1

// Performance is one date of a concert.
type Performance struct {
	Date    core.Date
	Concert string
	Price   core.Amount
	Seats   int // seats are numbered 1..Seats
}

// Validate reports a performance that cannot be put on sale.
func (p Performance) Validate() error {
	if p.Date.IsZero() || p.Price <= 0 || p.Seats <= 0 || p.Concert == "" {
		return fmt.Errorf("performance needs a date, a concert, a positive price and seats: %+v", p)
	}
	return nil
}

// HasSeat reports whether seat n exists at this performance.
func (p Performance) HasSeat(n int) bool { return n >= FirstSeat && n <= p.Seats }

// CheckSeat reports a seat the performance does not have.
func (p Performance) CheckSeat(n int) error {
	if !p.HasSeat(n) {
		return core.InvalidField("seat_id", "seat %d does not exist on %s; seats are numbered 1 to %d", n, p.Date, p.Seats)
	}
	return nil
}

// SaleDate parses a date a fan asks for: a performance date from today on, since a past one is
// no longer on sale.
func SaleDate(raw string, now time.Time) (core.Date, error) {
	d, err := core.ParseDate(raw)
	if err != nil {
		return core.Date{}, err
	}
	if d.Before(core.DateOf(now)) {
		return core.Date{}, ErrUnknownDate
	}
	return d, nil
}
