package waitlist

import "github.com/boxoffice/boxoffice/core"

// The waitlist's errors.
var (
	ErrUnknownEntry   = core.Classed(core.ErrNotFound, "no such waitlist entry")
	ErrAlreadyWaiting = core.Classed(core.ErrConflict, "you are on this date's waitlist already: GET /api/waitlist shows your place")
)

// SeatsAvailableError is joining the waitlist for seats that are there to take.
type SeatsAvailableError struct {
	Available int
}

func (e *SeatsAvailableError) Error() string {
	return "seats of that kind are available: hold them (POST /api/orders) instead of waiting"
}

// Unwrap places the error in the ErrConflict class.
func (e *SeatsAvailableError) Unwrap() error { return core.ErrConflict }
