package booking

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Settler is what a hold's lifecycle calls back once it has decided: settle an accepted
// payment, or release the seat at the deadline. It asks nobody's permission; the lifecycle
// checked the payer (Reservation.PayableBy) when it accepted the payment.
type Settler struct {
	store       Store
	settlements Settlements
	clock       core.Clock
	observer    Observer
	offers      *OfferTimers // of the offers its releases made
}

// Settle performs the payment's settlement across aggregates.
func (s *Settler) Settle(ctx context.Context, reservation core.ID, user core.UserID, payment core.ID, key core.IdempotencyKey) (Receipt, error) {
	return s.settlements.SettleAcrossAggregates(ctx, Settlement{
		ReservationID: reservation, UserID: user, PaymentID: payment, At: s.clock.Now(), IdempotencyKey: key,
	})
}

// Release frees a hold whose deadline has come, and whose lifecycle has seen every payment
// of it (or waited for one until its PaymentDeadline).
func (s *Settler) Release(ctx context.Context, reservation core.ID) (bool, error) {
	released, err := s.store.ReleaseHold(ctx, reservation)
	s.released(ctx, reservation, released)
	return released, err
}

// ReleaseAtDeadline frees a hold whose deadline has come, unless the API accepted a payment of
// it after seen (the acceptance of the last payment the lifecycle has seen; zero for none):
// then it keeps the hold and returns the payment's deadline, until which the lifecycle waits
// for that payment, asking again once it has come and failed, or the time is up.
func (s *Settler) ReleaseAtDeadline(ctx context.Context, reservation core.ID, seen time.Time) (time.Time, error) {
	released, awaitUntil, err := s.store.ReleaseUnlessAwaitingPayment(ctx, reservation, s.clock.Now(), seen)
	s.released(ctx, reservation, released)
	return awaitUntil, err
}

// SettleOrder performs an order's payment across aggregates, as Settle a seat's.
func (s *Settler) SettleOrder(ctx context.Context, order core.ID, user core.UserID, payment core.ID, key core.IdempotencyKey) (OrderReceipt, error) {
	return s.settlements.SettleOrder(ctx, OrderSettlement{OrderID: order, UserID: user, PaymentID: payment, At: s.clock.Now(), IdempotencyKey: key})
}

// ReleaseOrder frees an order's seats, together, as Release frees a seat's.
func (s *Settler) ReleaseOrder(ctx context.Context, order core.ID) (bool, error) {
	released, err := s.store.ReleaseOrder(ctx, order)
	s.orderReleased(ctx, order, released)
	return released, err
}

// ReleaseOrderAtDeadline is ReleaseAtDeadline for an order's seats, together.
func (s *Settler) ReleaseOrderAtDeadline(ctx context.Context, order core.ID, seen time.Time) (time.Time, error) {
	released, awaitUntil, err := s.store.ReleaseOrderUnlessAwaitingPayment(ctx, order, s.clock.Now(), seen)
	s.orderReleased(ctx, order, released)
	return awaitUntil, err
}

// orderReleased tells the observer how late an order's release came, of each of its seats.
func (s *Settler) orderReleased(ctx context.Context, order core.ID, released bool) {
	if released {
		_ = s.offers.StartOffers(ctx) // the seats may have gone to the waitlist; the sweep retries
		if o, err := s.store.Order(ctx, order); err == nil {
			s.observer.HoldsReleased(ReleasedByWorkflow, len(o.Tickets), max(0, s.clock.Now().Sub(o.PaymentDeadline())))
		}
	}
}

// released tells the observer how late a release came.
func (s *Settler) released(ctx context.Context, reservation core.ID, released bool) {
	if released {
		_ = s.offers.StartOffers(ctx) // the seat may have gone to the waitlist; the sweep retries
		// How late the release came is for operators; failing to tell changes nothing.
		if r, err := s.store.Reservation(ctx, reservation); err == nil {
			s.observer.HoldsReleased(ReleasedByWorkflow, 1, max(0, s.clock.Now().Sub(r.PaymentDeadline())))
		}
	}
}
