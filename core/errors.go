package core

import (
	"errors"
	"fmt"
	"time"
)

// Error classes. Every domain error wraps exactly one of them, so the edge maps a class to a
// status once and callers can still test for the specific error.
var (
	// ErrInvalid: the request is malformed or names something that does not exist.
	ErrInvalid = errors.New("invalid request")
	// ErrUnauthenticated: no usable queue token (missing, forged, unknown or expired).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrNotAdmitted: the token is still waiting in the queue; see *NotAdmittedError.
	ErrNotAdmitted = errors.New("not admitted yet")
	// ErrConflict: the request lost a race for a shared resource.
	ErrConflict = errors.New("conflict")
	// ErrPaymentRequired: the wallet cannot cover the payment.
	ErrPaymentRequired = errors.New("payment required")
	// ErrUnavailable: a dependency (the workflow engine) did not answer in time; retry.
	ErrUnavailable = errors.New("temporarily unavailable")
	// ErrUnprocessable: the request contradicts an earlier one it claims to repeat.
	ErrUnprocessable = errors.New("unprocessable")
	// ErrLimited: the caller is over a limit that frees itself with time.
	ErrLimited = errors.New("limited")
)

// errorClasses lists every class above; an error in none of them is an infrastructure failure.
var errorClasses = []error{
	ErrInvalid, ErrUnauthenticated, ErrNotAdmitted, ErrConflict, ErrPaymentRequired, ErrUnavailable, ErrUnprocessable, ErrLimited,
}

// IsDomainError reports whether err belongs to one of core's classes: an answer for the caller,
// not a failure of the machinery.
func IsDomainError(err error) bool {
	for _, class := range errorClasses {
		if errors.Is(err, class) {
			return true
		}
	}
	return false
}

// Specific errors, each in its class; the message says what went wrong and what to do.
var (
	ErrUnknownDate   = classed(ErrInvalid, "no performance on that date; list dates with GET /api/tickets/dates")
	ErrUnknownSeat   = classed(ErrInvalid, "no such seat on that date; list seats with GET /api/tickets/seats")
	ErrUnknownTicket = classed(ErrInvalid, noSuchTicket)
	// ErrNotYourTicket reads as ErrUnknownTicket: another user's ticket is not confirmed to exist.
	ErrNotYourTicket  = classed(ErrInvalid, noSuchTicket)
	ErrTicketMismatch = classed(ErrInvalid, "seat_id and date do not match the ticket")
	ErrHoldExpired    = classed(ErrInvalid, "the hold on this seat has ended; hold a seat again")

	ErrTokenUnknown = classed(ErrUnauthenticated, "queue token not recognised; request one with POST /api/token")
	ErrTokenExpired = classed(ErrUnauthenticated, "queue token has expired; request a new one with POST /api/token")

	ErrSeatTaken       = classed(ErrConflict, "seat already reserved; pick another seat from GET /api/tickets/seats")
	ErrRequestInFlight = classed(ErrConflict, "a request with this Idempotency-Key is still being processed; retry in a moment for its answer")
	ErrQueueOpen       = classed(ErrConflict, "the queue has already opened (its pre-queue closed or fans were admitted); an opening can only be scheduled before that")

	ErrInsufficientBalance = classed(ErrPaymentRequired, "insufficient balance; charge it with POST /api/balance")

	ErrIdempotencyMismatch = classed(ErrUnprocessable, "this Idempotency-Key was used for a different request; use a new key for a new request")

	ErrHoldNotStarted       = classed(ErrUnavailable, "the seat could not be held just now (the hold timer did not start) and was released; try again")
	ErrAdmissionUnavailable = classed(ErrUnavailable, "the admission loop did not answer (is a worker running?); retry in a moment")
	ErrPaymentPending       = classed(ErrUnavailable, "the payment did not complete in time; retry it: a payment that went through returns its receipt")
)

const noSuchTicket = "no such ticket; hold a seat with POST /api/tickets first"

// classedError is a specific error that belongs to a class but prints only its own message.
type classedError struct {
	class error
	msg   string
}

func classed(class error, msg string) error { return &classedError{class: class, msg: msg} }

func (e *classedError) Error() string { return e.msg }
func (e *classedError) Unwrap() error { return e.class }

// InvalidFieldError reports a request field that fails a domain rule.
type InvalidFieldError struct {
	Field  string
	Reason string
}

func (e *InvalidFieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

// Unwrap places the error in the ErrInvalid class.
func (e *InvalidFieldError) Unwrap() error { return ErrInvalid }

func invalidField(field, format string, args ...any) error {
	return &InvalidFieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

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
func (e *NotAdmittedError) Unwrap() error { return ErrNotAdmitted }

func (e *NotAdmittedError) Error() string {
	if !e.OpensAt.IsZero() {
		return fmt.Sprintf("the sale is not open yet: it opens at %s, when places among fans who arrived before then are drawn at random; poll GET /api/token",
			e.OpensAt.UTC().Format(time.RFC3339))
	}
	if e.Stalled {
		return fmt.Sprintf("still in the queue: %d fans ahead, and admission has not moved for a while, so no wait can be estimated; poll GET /api/token", e.Position)
	}
	return fmt.Sprintf("still in the queue: %d fans ahead, about %s to wait; poll GET /api/token", e.Position, e.EstimatedWait)
}

// InsufficientBalanceError carries what the wallet holds and what the payment needs.
type InsufficientBalanceError struct {
	Balance Amount
	Needed  Amount
}

func (e *InsufficientBalanceError) Error() string {
	return fmt.Sprintf("balance %d is less than the price %d; charge at least %d with POST /api/balance",
		e.Balance, e.Needed, e.Needed-e.Balance)
}

// Unwrap makes the error match ErrInsufficientBalance.
func (e *InsufficientBalanceError) Unwrap() error { return ErrInsufficientBalance }

// TooManyHoldsError is returned when a fan already holds as many seats as one may at once.
type TooManyHoldsError struct {
	Limit int
	// FreeAt is when the earliest of the fan's holds ends, freeing a place.
	FreeAt time.Time
}

func (e *TooManyHoldsError) Error() string {
	return fmt.Sprintf("you already hold %d seats, the most one fan may hold at once; pay for one, or wait until %s when the earliest hold ends",
		e.Limit, e.FreeAt.UTC().Format(time.RFC3339))
}

// Unwrap places the error in the ErrLimited class.
func (e *TooManyHoldsError) Unwrap() error { return ErrLimited }
