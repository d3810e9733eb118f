package booking

import (
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

const noSuchTicket = "no such ticket"

// Booking's errors.
var (
	ErrUnknownTicket = core.Classed(core.ErrInvalid, noSuchTicket)
	ErrUnknownOrder  = core.Classed(core.ErrNotFound, "no such order")
	// ErrOrderEnded is an order's payment after its hold ended: released at its deadline, or
	// given back.
	ErrOrderEnded = core.Classed(core.ErrConflict, "the order's hold has ended: its seats were released (at its deadline, given back, or with its performance cancelled)")
	// ErrPaymentUnderWay is giving back an order whose payment the API has accepted: its
	// lifecycle settles it or, failing, releases the order at the payment's deadline.
	ErrPaymentUnderWay = core.Classed(core.ErrConflict, "a payment of this order is under way: wait for its answer (retry the payment with its Idempotency-Key to learn it)")
	// ErrOrderPaid is giving back an order that is paid.
	ErrOrderPaid = core.Classed(core.ErrConflict, "the order is paid: give its tickets back one by one with POST /api/tickets/{ticket_id}/cancel")
	// ErrNotYourTicket reads as ErrUnknownTicket: another user's ticket is not confirmed to exist.
	ErrNotYourTicket  = core.Classed(core.ErrInvalid, noSuchTicket)
	ErrTicketMismatch = core.Classed(core.ErrInvalid, "seat_id and date do not match the ticket")
	ErrHoldExpired    = core.Classed(core.ErrInvalid, "the hold on this seat has ended")
	ErrSeatTaken      = core.Classed(core.ErrConflict, "seat already reserved")
	// ErrTokenNotActive is a hold attempt with a token that is not active (still waiting, or
	// its session ended); the SeatHolder asks the queue why, so it rarely reaches a client.
	ErrTokenNotActive = core.Classed(core.ErrUnauthenticated, "the token is not an active one of this sale: ask for your place in the queue again")
	ErrTicketLimit    = core.Classed(core.ErrForbidden, "you have bought as many tickets of this sale as one fan may")
	// ErrAlreadyPaid says a reservation is paid: callers answer with its receipt, so it reaches
	// no client.
	ErrAlreadyPaid = core.Classed(core.ErrConflict, "the ticket is paid already")

	// After the payment.
	ErrNotPaid          = core.Classed(core.ErrConflict, "the ticket is not paid: only a paid ticket can be cancelled or checked in")
	ErrAlreadyCancelled = core.Classed(core.ErrConflict, "the ticket is cancelled already")
	ErrNotCancellable   = core.Classed(core.ErrConflict, "tickets of this sale cannot be cancelled")
	ErrTicketCancelled  = core.Classed(core.ErrGone, "the ticket was cancelled: it admits nobody")
	ErrNotATicket       = core.Classed(core.ErrInvalid, "not a ticket of this box office: a credential from a paid ticket's QR code is needed")
	ErrOtherSale        = core.Classed(core.ErrInvalid, "the ticket is for another sale than this gate's")

	// A performance's cancellation.
	ErrRefundingPerformance   = core.Classed(core.ErrConflict, "the performance was cancelled: every ticket of it is being refunded in full, this one included, with no fee")
	ErrNotCancelled           = core.Classed(core.ErrNotFound, "the performance is not cancelled")
	ErrCancellationNotStarted = core.Classed(core.ErrUnavailable, "the performance is cancelled (no seat of it can be held) but its refunds could not be started just now; ask again: nothing is refunded twice")

	ErrHoldNotStarted = core.Classed(core.ErrUnavailable, "the seat could not be held just now (the hold timer did not start) and was released; try again")
	ErrPaymentPending = core.Classed(core.ErrUnavailable, "the payment did not complete in time; retry it: a payment that went through returns its receipt")
)

// TooManyHoldsError is returned when a fan's holds and bought tickets in a sale make its limit
// and holds are part of it: a place frees when a hold ends unpaid.
type TooManyHoldsError struct {
	Limit int
	// FreeAt is when the earliest of the fan's holds ends, freeing a place.
	FreeAt time.Time
}

func (e *TooManyHoldsError) Error() string {
	return fmt.Sprintf("your held and bought tickets of this sale leave no room for this many more under its limit of %d a fan; a place frees if a hold of yours ends unpaid (the earliest at %s)",
		e.Limit, e.FreeAt.UTC().Format(time.RFC3339))
}

// Unwrap places the error in the ErrLimited class.
func (e *TooManyHoldsError) Unwrap() error { return core.ErrLimited }

// TicketsLeftError is returned for an order of more seats than a fan's bought tickets leave
// room for under the sale's limit: fewer would do.
type TicketsLeftError struct {
	Limit int
	Left  int // how many more the fan may have
}

func (e *TicketsLeftError) Error() string {
	return fmt.Sprintf("your bought tickets of this sale leave room for %d more (one fan may have %d), your holds counting until they end; ask for %d or fewer", e.Left, e.Limit, e.Left)
}

// Unwrap places the error in the ErrForbidden class, as ErrTicketLimit.
func (e *TicketsLeftError) Unwrap() error { return core.ErrForbidden }

// CancellationClosedError is returned for a cancellation after the sale's deadline.
type CancellationClosedError struct {
	Deadline time.Time
}

func (e *CancellationClosedError) Error() string {
	return fmt.Sprintf("tickets of this show could be cancelled until %s", e.Deadline.UTC().Format(time.RFC3339))
}

// Unwrap places the error in the ErrConflict class.
func (e *CancellationClosedError) Unwrap() error { return core.ErrConflict }

// CheckedInError says a ticket was checked in already, and when: a second scan at a gate, or a
// cancellation after the show let its holder in.
type CheckedInError struct {
	At time.Time
}

func (e *CheckedInError) Error() string {
	return fmt.Sprintf("the ticket was checked in at %s", e.At.UTC().Format(time.RFC3339))
}

// Unwrap places the error in the ErrConflict class.
func (e *CheckedInError) Unwrap() error { return core.ErrConflict }
