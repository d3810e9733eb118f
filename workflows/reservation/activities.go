package reservation

import (
	"context"
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/boxoffice/boxoffice/core"
)

// Activity names, registered by Register.
const (
	ActivitySettle  = "ReservationSettle"
	ActivityRelease = "ReservationRelease"
)

// Settler is the part of the application the activities drive; *core.BoxOffice is one.
type Settler interface {
	Settle(ctx context.Context, reservation core.ID, user core.UserID, payment core.ID, key core.IdempotencyKey) (core.Receipt, error)
	Release(ctx context.Context, reservation core.ID) (bool, error)
}

// Activities hold the dependencies of the reservation activities.
type Activities struct {
	App Settler
}

// Settle runs the payment transaction. It is idempotent: settling a paid reservation returns
// its receipt. Domain refusals are non-retryable application errors with a type the client maps.
func (a *Activities) Settle(ctx context.Context, in SettleInput) (Receipt, error) {
	rc, err := a.App.Settle(ctx, core.ID(in.ReservationID), core.UserID(in.UserID), core.ID(in.PaymentID), core.IdempotencyKey(in.IdempotencyKey))
	if err != nil {
		return Receipt{}, settleError(err)
	}
	return Receipt{
		PaymentID: string(rc.PaymentID), ReservationID: string(rc.ReservationID), Amount: int64(rc.Amount),
		Date: rc.Date.String(), PaidAt: rc.PaidAt,
	}, nil
}

// Release frees the seat if this reservation still holds it; releasing twice is harmless.
func (a *Activities) Release(ctx context.Context, reservationID string) error {
	_, err := a.App.Release(ctx, core.ID(reservationID))
	return err
}

func settleError(err error) error {
	var short *core.InsufficientBalanceError
	switch {
	case errors.As(err, &short):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInsufficientBalance, nil,
			InsufficientBalance{Balance: int64(short.Balance), Needed: int64(short.Needed)})
	case errors.Is(err, core.ErrHoldExpired):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeHoldExpired, nil)
	case errors.Is(err, core.ErrNotYourTicket):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeNotYourTicket, nil)
	case errors.Is(err, core.ErrUnknownTicket):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeUnknownTicket, nil)
	case errors.Is(err, core.ErrIdempotencyMismatch):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeIdempotencyMismatch, nil)
	}
	return err // infrastructure: retried
}

func newPaymentID() string { return string(core.NewID()) }
