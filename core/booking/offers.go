package booking

import (
	"context"
	"errors"
	"fmt"

	"github.com/boxoffice/boxoffice/core"
)

// OfferTimers start the lifecycle of each waitlist offer the stores made: an offer is an order
// held for a fan, made in the transaction that returned its seats, which cannot start a
// workflow itself. Whatever returns seats asks them next (the Settler's releases, a fan's
// refund, an order given back, a fan leaving the waitlist), and the sweep every round, for any
// that one of those missed. Starting one twice is harmless: a lifecycle starts an order once.
type OfferTimers struct {
	orders    Orders
	lifecycle Lifecycle
}

// offerBatch bounds the offers one call starts.
const offerBatch = 100

// StartOffers starts the timers of the offers made and not timed yet.
func (t *OfferTimers) StartOffers(ctx context.Context) error {
	if t == nil {
		return nil
	}
	ids, err := t.orders.UntimedOffers(ctx, offerBatch)
	if err != nil {
		return fmt.Errorf("read the offers to time: %w", err)
	}
	var errs []error
	for _, id := range ids {
		errs = append(errs, t.start(ctx, id))
	}
	return errors.Join(errs...)
}

func (t *OfferTimers) start(ctx context.Context, id core.ID) error {
	o, err := t.orders.Order(ctx, id)
	if err != nil {
		return err
	}
	if err := t.lifecycle.StartOrder(ctx, o); err != nil {
		return fmt.Errorf("start the timer of offer %s: %w", id, err)
	}
	return t.orders.OfferTimed(ctx, id)
}
