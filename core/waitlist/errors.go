package waitlist

import "github.com/boxoffice/boxoffice/core"

// The waitlist's errors.
var (
	ErrUnknownEntry   = core.Classed(core.ErrNotFound, "no such waitlist entry")
	ErrAlreadyWaiting = core.Classed(core.ErrConflict, "you are on this date's waitlist already: GET /api/waitlist shows your place")
	// ErrEntryEnded is leaving an entry that is over: claimed or expired.
	ErrEntryEnded = core.Classed(core.ErrConflict, "the entry has ended (claimed or expired): there is no line to leave; a claimed offer's tickets are given back with POST /api/tickets/{ticket_id}/cancel")
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
