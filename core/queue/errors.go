package queue

import (
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// The queue's errors.
var (
	ErrTokenUnknown = core.Classed(core.ErrUnauthenticated, "queue token not recognised")
	ErrTokenExpired = core.Classed(core.ErrUnauthenticated, "queue token has expired")
	ErrQueueOpen    = core.Classed(core.ErrConflict, "the queue has already opened (its pre-queue closed or fans were admitted); an opening can only be scheduled before that")
	// ErrSaleClosed: an operator asked to change the waiting room of a sale that has closed.
	ErrSaleClosed = core.Classed(core.ErrConflict, "the sale has closed: its waiting room admits nobody any more, so its admission and opening can no longer change")
	// ErrAdmissionUnavailable: the admission loop did not answer an operator's request.
	ErrAdmissionUnavailable = core.Classed(core.ErrUnavailable, "the admission loop did not answer (is a worker running?); retry in a moment")
)

// NotAdmittedError is returned when a waiting token tries to do what only admitted fans may.
type NotAdmittedError struct {
	Position      int64
	EstimatedWait time.Duration
	// OpensAt is the scheduled opening while the sale has not opened; zero otherwise.
	OpensAt time.Time
	// Stalled says admission has not moved for a while; EstimatedWait is then MaxEstimate.
	Stalled bool
}

// Unwrap places the error in the ErrNotAdmitted class.
func (e *NotAdmittedError) Unwrap() error { return core.ErrNotAdmitted }

func (e *NotAdmittedError) Error() string {
	switch {
	case !e.OpensAt.IsZero():
		return fmt.Sprintf("the sale is not open yet: it opens at %s, when places among fans who arrived before then are drawn at random",
			e.OpensAt.UTC().Format(time.RFC3339))
	case e.Stalled:
		return fmt.Sprintf("still in the queue: %d fans ahead, and admission has not moved for a while, so no wait can be estimated", e.Position)
	}
	return fmt.Sprintf("still in the queue: %d fans ahead, about %s to wait", e.Position, e.EstimatedWait)
}
