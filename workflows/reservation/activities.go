package reservation

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
)

// Activity names, registered by Register.
const (
	ActivitySettle            = "ReservationSettle"
	ActivityRelease           = "ReservationRelease"
	ActivityReleaseAtDeadline = "ReservationReleaseAtDeadline"

	ActivitySettleOrder            = "OrderSettle"
	ActivityReleaseOrder           = "OrderRelease"
	ActivityReleaseOrderAtDeadline = "OrderReleaseAtDeadline"
)

// Settler is what the activities drive; booking's Settler is one.
type Settler interface {
	Settle(ctx context.Context, reservation core.ID, user core.UserID, payment core.ID, key core.IdempotencyKey) (booking.Receipt, error)
	Release(ctx context.Context, reservation core.ID) (bool, error)
	ReleaseAtDeadline(ctx context.Context, reservation core.ID, seen time.Time) (time.Time, error)
	SettleOrder(ctx context.Context, order core.ID, user core.UserID, payment core.ID, key core.IdempotencyKey) (booking.OrderReceipt, error)
	ReleaseOrder(ctx context.Context, order core.ID) (bool, error)
	ReleaseOrderAtDeadline(ctx context.Context, order core.ID, seen time.Time) (time.Time, error)
}

// Activities hold the dependencies of the reservation activities.
type Activities struct {
	Settler Settler
}

// Settle runs the payment transaction. It is idempotent: settling a paid reservation returns
// its receipt. Domain refusals are non-retryable application errors with a type the client maps.
func (a *Activities) Settle(ctx context.Context, in SettleInput) (Receipt, error) {
	rc, err := a.Settler.Settle(ctx, core.ID(in.ReservationID), core.UserID(in.UserID), core.ID(in.PaymentID), core.IdempotencyKey(in.IdempotencyKey))
	if err != nil {
		return Receipt{}, refusal(err)
	}
	return receiptOf(rc), nil
}

func receiptOf(rc booking.Receipt) Receipt {
	return Receipt{
		PaymentID: string(rc.PaymentID), ReservationID: string(rc.ReservationID), Amount: int64(rc.Amount),
		Date: rc.Date.String(), PaidAt: rc.PaidAt,
	}
}

// SettleOrder runs an order's payment transaction, as Settle runs a seat's.
func (a *Activities) SettleOrder(ctx context.Context, in SettleOrderInput) (OrderReceipt, error) {
	rc, err := a.Settler.SettleOrder(ctx, core.ID(in.OrderID), core.UserID(in.UserID), core.ID(in.PaymentID), core.IdempotencyKey(in.IdempotencyKey))
	if err != nil {
		return OrderReceipt{}, refusal(err)
	}
	out := OrderReceipt{OrderID: string(rc.OrderID), Tickets: make([]Receipt, len(rc.Tickets))}
	for i, t := range rc.Tickets {
		out.Tickets[i] = receiptOf(t)
	}
	return out, nil
}

// ReleaseOrder frees the seats of the order's held tickets together; releasing twice is
// harmless.
func (a *Activities) ReleaseOrder(ctx context.Context, orderID string) error {
	_, err := a.Settler.ReleaseOrder(ctx, core.ID(orderID))
	return err
}

// ReleaseOrderAtDeadline is ReleaseAtDeadline for an order's seats, together.
func (a *Activities) ReleaseOrderAtDeadline(ctx context.Context, in ReleaseOrderAtDeadlineInput) (time.Time, error) {
	return a.Settler.ReleaseOrderAtDeadline(ctx, core.ID(in.OrderID), in.SeenAcceptedAt)
}

// Release frees the seat if this reservation still holds it; releasing twice is harmless.
func (a *Activities) Release(ctx context.Context, reservationID string) error {
	_, err := a.Settler.Release(ctx, core.ID(reservationID))
	return err
}

// ReleaseAtDeadline frees the seat at the hold's deadline unless the API accepted a payment the
// workflow has not seen yet; then it keeps the hold and returns until when to wait for it.
func (a *Activities) ReleaseAtDeadline(ctx context.Context, in ReleaseAtDeadlineInput) (time.Time, error) {
	return a.Settler.ReleaseAtDeadline(ctx, core.ID(in.ReservationID), in.SeenAcceptedAt)
}

func newPaymentID() string { return string(core.NewID()) }
