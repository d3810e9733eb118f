package booking

import (
	"context"
	"fmt"

	"github.com/boxoffice/boxoffice/core"
)

// Returns is where fans give paid tickets back, under their sale's cancellation policy.
type Returns struct {
	book        TicketBook
	settlements Settlements
	gate        Gate
	offers      Offers
	clock       core.Clock
	requests    *core.KeyedRequests
	observer    Observer
	waitlist    *OfferTimers // of the offers a ticket given back made
}

// Cancel gives a paid ticket back under its sale's cancellation policy: the price less the fee
// goes back to the wallet, the seat goes back on sale, and the ticket admits nobody. A retry
// with the same idempotency key answers with the first refund.
func (c *Returns) Cancel(ctx context.Context, caller core.Caller, rawID, rawKey string) (Refund, error) {
	id, err := core.ParseID("ticket_id", rawID)
	if err != nil {
		return Refund{}, err
	}
	key, err := core.ParseIdempotencyKey(rawKey)
	if err != nil {
		return Refund{}, err
	}
	user, sale, err := c.gate.Queued(ctx, caller)
	if err != nil {
		return Refund{}, err
	}
	return core.Once(ctx, c.requests, user, key, func(ctx context.Context) (Refund, error) {
		return c.cancel(ctx, user, sale, id, key)
	})
}

// cancel is Cancel once the request is parsed, the token checked and the key, if any, running.
func (c *Returns) cancel(ctx context.Context, user core.UserID, sale core.SaleID, id core.ID, key core.IdempotencyKey) (Refund, error) {
	t, err := ownTicket(ctx, c.book, user, sale, id)
	if err != nil {
		return Refund{}, err
	}
	if key != "" {
		refunded, found, err := c.book.RefundByKey(ctx, user, key)
		if err != nil {
			return Refund{}, fmt.Errorf("look up idempotency key: %w", err)
		}
		switch {
		case found && refunded != id:
			return Refund{}, core.ErrIdempotencyMismatch
		case found && t.Refund != nil:
			return *t.Refund, nil // the first answer, again
		}
	}
	offer, err := c.offers.Offer(ctx, sale, t.Reservation.Date)
	if err != nil {
		return Refund{}, err
	}
	if offer.Performance.Cancelled() && t.Reservation.Status == Paid {
		return Refund{}, ErrRefundingPerformance
	}
	terms, err := t.Reservation.Cancellable(user, offer.Sale.Cancellation, offer.Performance.Start(), c.clock.Now())
	if err != nil {
		return Refund{}, err
	}
	refund, err := c.settlements.Refund(ctx, RefundRequest{
		ReservationID: id, UserID: user, RefundID: core.NewID(), Terms: terms, Reason: FanCancelled, At: c.clock.Now(), IdempotencyKey: key,
	})
	if err == nil {
		c.observer.Refunded(sale, FanCancelled, 1) // here, not on a retry's replay of the first answer
		_ = c.waitlist.StartOffers(ctx)            // the seat may have gone to the waitlist; the sweep retries
	}
	return refund, err
}
