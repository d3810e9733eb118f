package reservation

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// refusal is a booking refusal as the non-retryable application error, typed, that
// adapters/temporal maps back to booking's errors; anything else is an infrastructure failure
// the activity retries.
func refusal(err error) error {
	var short *wallet.InsufficientBalanceError
	switch {
	case errors.As(err, &short):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInsufficientBalance, nil,
			InsufficientBalance{Balance: int64(short.Balance), Needed: int64(short.Needed)})
	case errors.Is(err, booking.ErrHoldExpired):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeHoldExpired, nil)
	case errors.Is(err, booking.ErrNotYourTicket):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeNotYourTicket, nil)
	case errors.Is(err, booking.ErrUnknownTicket):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeUnknownTicket, nil)
	case errors.Is(err, core.ErrIdempotencyMismatch):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeIdempotencyMismatch, nil)
	}
	return err // infrastructure: retried
}
