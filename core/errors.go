package core

import (
	"errors"
	"fmt"
)

// Error classes. Every domain error wraps exactly one of them, so the edge maps a class to a
// status once and callers can still test for the specific error. Messages say what went wrong
// in the domain's words; the edge adds the hints that name routes.
var (
	// ErrInvalid: the request is malformed or names something that does not exist.
	ErrInvalid = errors.New("invalid request")
	// ErrUnauthenticated: no usable queue token (missing, forged, unknown or expired).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrNotAdmitted: the token is still waiting in the queue.
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
	// ErrForbidden: the caller may not do this, and waiting will not change it.
	ErrForbidden = errors.New("forbidden")
	// ErrGone: what the request names has ended for good (a closed sale).
	ErrGone = errors.New("gone")
	// ErrNotFound: what the request's path names has not happened (a performance not cancelled).
	ErrNotFound = errors.New("not found")
)

// errorClasses lists every class above; an error in none of them is an infrastructure failure.
var errorClasses = []error{
	ErrInvalid, ErrUnauthenticated, ErrNotAdmitted, ErrConflict, ErrPaymentRequired, ErrUnavailable, ErrUnprocessable, ErrLimited,
	ErrForbidden, ErrGone, ErrNotFound,
}

// IsDomainError reports whether err belongs to one of the classes: an answer for the caller,
// not a failure of the machinery.
func IsDomainError(err error) bool {
	for _, class := range errorClasses {
		if errors.Is(err, class) {
			return true
		}
	}
	return false
}

// Classed returns a specific error of a class that prints only its own message.
func Classed(class error, msg string) error { return &classedError{class: class, msg: msg} }

type classedError struct {
	class error
	msg   string
}

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

// InvalidField reports that field breaks the rule the format says.
func InvalidField(field, format string, args ...any) error {
	return &InvalidFieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
