package reservation

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// refusals pair each booking refusal a payment can end in with its application error type, in
// both directions: refusal turns one into the typed, non-retryable error the workflow fails
// the update with, and Refused turns it back for adapters/temporal.
var refusals = []struct {
	err error
	typ string
}{
	{booking.ErrHoldExpired, ErrTypeHoldExpired},
	{catalog.ErrPerformanceCancelled, ErrTypePerformanceCancelled},
	{booking.ErrNotYourTicket, ErrTypeNotYourTicket},
	{booking.ErrUnknownTicket, ErrTypeUnknownTicket},
	{booking.ErrUnknownOrder, ErrTypeUnknownOrder},
	{core.ErrIdempotencyMismatch, ErrTypeIdempotencyMismatch},
}

// refusal is a booking refusal as the non-retryable application error, typed, that
// adapters/temporal maps back to booking's errors; anything else is an infrastructure failure
// the activity retries.
func refusal(err error) error {
	var short *wallet.InsufficientBalanceError
	if errors.As(err, &short) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInsufficientBalance, nil,
			InsufficientBalance{Balance: int64(short.Balance), Needed: int64(short.Needed)})
	}
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			return temporal.NewNonRetryableApplicationError(err.Error(), r.typ, nil)
		}
	}
	return err // infrastructure: retried
}

// Refused is the booking refusal an application error of the workflow stands for, or nil for
// none.
func Refused(appErr *temporal.ApplicationError) error {
	if appErr.Type() == ErrTypeInsufficientBalance {
		var d InsufficientBalance
		if appErr.Details(&d) == nil {
			return &wallet.InsufficientBalanceError{Balance: core.Amount(d.Balance), Needed: core.Amount(d.Needed)}
		}
		return wallet.ErrInsufficientBalance
	}
	for _, r := range refusals {
		if appErr.Type() == r.typ {
			return r.err
		}
	}
	return nil
}
