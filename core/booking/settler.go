package booking

import (
	"context"

	"github.com/boxoffice/boxoffice/core"
)

// Settler is what a hold's lifecycle calls back once it has decided: settle an accepted
// payment, or release the seat at the deadline. It asks nobody's permission; the lifecycle
// checked the payer (Reservation.PayableBy) when it accepted the payment.
type Settler struct {
	store       Store
	settlements Settlements
	clock       core.Clock
}

// Settle performs the payment's settlement across aggregates.
func (s *Settler) Settle(ctx context.Context, reservation core.ID, user core.UserID, payment core.ID, key core.IdempotencyKey) (Receipt, error) {
	return s.settlements.SettleAcrossAggregates(ctx, Settlement{
		ReservationID: reservation, UserID: user, PaymentID: payment, At: s.clock.Now(), IdempotencyKey: key,
	})
}

// Release frees a hold whose deadline has come.
func (s *Settler) Release(ctx context.Context, reservation core.ID) (bool, error) {
	return s.store.ReleaseHold(ctx, reservation)
}
