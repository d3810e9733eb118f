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
	// ErrConflict: the request lost a race for a shared resource.
	ErrConflict = errors.New("conflict")
	// ErrPaymentRequired: the wallet cannot cover the payment.
	ErrPaymentRequired = errors.New("payment required")
)

// Specific errors, each wrapping its class.
var (
	ErrUnknownDate    = fmt.Errorf("%w: no performance on that date; list dates with GET /api/tickets/dates", ErrInvalid)
	ErrUnknownSeat    = fmt.Errorf("%w: no such seat on that date; list seats with GET /api/tickets/seats", ErrInvalid)
	ErrUnknownTicket  = fmt.Errorf("%w: no such ticket; hold a seat with POST /api/tickets first", ErrInvalid)
	ErrNotYourTicket  = fmt.Errorf("%w: that ticket belongs to another user", ErrInvalid)
	ErrTicketMismatch = fmt.Errorf("%w: seat_id and date do not match the ticket", ErrInvalid)
	ErrHoldExpired    = fmt.Errorf("%w: the hold on this seat has ended; hold a seat again", ErrInvalid)

	ErrTokenUnknown = fmt.Errorf("%w: queue token not recognised; request one with POST /api/token", ErrUnauthenticated)
	ErrTokenExpired = fmt.Errorf("%w: queue token has expired; request a new one with POST /api/token", ErrUnauthenticated)

	ErrSeatTaken = fmt.Errorf("%w: seat already reserved; pick another seat from GET /api/tickets/seats", ErrConflict)

	ErrInsufficientBalance = fmt.Errorf("%w: insufficient balance; charge it with POST /api/balance", ErrPaymentRequired)
)

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
}

func (e *NotAdmittedError) Error() string {
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
