package booking

import (
	"context"
	"errors"
	"fmt"

	"github.com/boxoffice/boxoffice/core"
)

// PayOrder pays for the caller's held order from their wallet, every seat at once, its total
// debited once: as Pay pays for a seat, a retry or a duplicate of a payment that went through
// gets its receipts, even with the token the payment expired, and requests that cannot succeed
// (another fan's order, an ended hold, a short balance) are refused before the lifecycle is
// asked. Another fan's order, or another sale's, is ErrUnknownOrder; an ended one ErrOrderEnded.
// It answers with the order as paid.
func (c *Checkout) PayOrder(ctx context.Context, caller core.Caller, rawID, rawKey string) (OrderView, error) {
	id, err := core.ParseID("order_id", rawID)
	if err != nil {
		return OrderView{}, err
	}
	rc, err := keyedPayment(ctx, c, caller, rawKey, c.offerOrIdentify(id), func(ctx context.Context, user core.UserID, sale core.SaleID, key core.IdempotencyKey) (OrderReceipt, error) {
		o, err := ownOrder(ctx, c.orders, user, sale, id)
		if err != nil {
			return OrderReceipt{}, err
		}
		return c.payOrder(ctx, caller, o, key)
	})
	if errors.Is(err, ErrHoldExpired) { // a seat's words; an order's hold ended is a conflict
		return OrderView{}, ErrOrderEnded
	}
	if err != nil {
		return OrderView{}, err
	}
	o, err := c.orders.Order(ctx, id)
	if err != nil {
		return OrderView{}, err
	}
	return OrderView{Order: o, Status: OrderPaid, Receipt: &rc}, nil
}

// payOrder is PayOrder of the caller's order o, once the key, if any, is running; Pay takes it
// too for a seat that is an order of one.
func (c *Checkout) payOrder(ctx context.Context, caller core.Caller, o Order, key core.IdempotencyKey) (OrderReceipt, error) {
	if key != "" {
		// Answered before the lifecycle is asked; the settlement enforces it atomically.
		paid, found, err := c.holds.PaymentByKey(ctx, o.UserID, key)
		if err != nil {
			return OrderReceipt{}, fmt.Errorf("look up idempotency key: %w", err)
		}
		if found && !o.Has(paid) {
			return OrderReceipt{}, core.ErrIdempotencyMismatch
		}
	}
	if o.Paid() {
		return orderReceipt(ctx, c.holds, o)
	}
	rc, err := c.payHeldOrder(ctx, caller, o, key)
	if err != nil && core.IsDomainError(err) && !errors.Is(err, core.ErrUnavailable) {
		// A duplicate of this payment may have settled since o was read (see pay).
		if now, readErr := c.orders.Order(ctx, o.ID); readErr == nil && now.Paid() {
			return orderReceipt(ctx, c.holds, now)
		}
	}
	return rc, err
}

// payHeldOrder pays for o, read as held, as payHeld pays for a seat.
func (c *Checkout) payHeldOrder(ctx context.Context, caller core.Caller, o Order, key core.IdempotencyKey) (OrderReceipt, error) {
	// An offer admits its fan: the waitlist chose them.
	admission := o.PaymentAcceptedAt().IsZero() && o.WaitlistID == ""
	if err := c.acceptable(ctx, caller, o.UserID, admission, o.PayableBy(o.UserID, c.clock.Now()), o.Total()); err != nil {
		return OrderReceipt{}, err
	}
	// From here the payment is accepted: nothing but the order's lifecycle, once it has seen
	// it, releases the order before its PaymentDeadline.
	o, err := c.orders.AcceptOrderPayment(ctx, o.ID, o.UserID, c.clock.Now())
	if err != nil {
		return OrderReceipt{}, err
	}
	return pending(c.settleInTime(ctx, o, key))
}

// settleInTime has the lifecycle that times o settle its payment: a seat held on its own is
// timed as a hold (POST /api/tickets), an order as one (POST /api/orders).
func (c *Checkout) settleInTime(ctx context.Context, o Order, key core.IdempotencyKey) (OrderReceipt, error) {
	if o.SeatOnItsOwn() {
		rc, err := c.lifecycle.Pay(ctx, o.Tickets[0], key)
		return OrderReceipt{OrderID: o.ID, Tickets: []Receipt{rc}}, err
	}
	return c.lifecycle.PayOrder(ctx, o, key)
}

// orderReceipt is the receipts of a paid order, as stored.
func orderReceipt(ctx context.Context, holds Holds, o Order) (OrderReceipt, error) {
	rc := OrderReceipt{OrderID: o.ID, Tickets: make([]Receipt, len(o.Tickets))}
	for i, t := range o.Tickets {
		var err error
		if rc.Tickets[i], err = holds.Receipt(ctx, t.ID); err != nil {
			return OrderReceipt{}, err
		}
	}
	return rc, nil
}

// offerOrIdentify identifies the payer of order id as the gate does, except that a fan still
// waiting in the queue may pay an offer the waitlist made them, with any live token of its sale.
func (c *Checkout) offerOrIdentify(id core.ID) identifier {
	return func(ctx context.Context, caller core.Caller) (core.UserID, core.SaleID, error) {
		user, sale, err := c.gate.Identify(ctx, caller)
		if !errors.Is(err, core.ErrNotAdmitted) {
			return user, sale, err
		}
		waiting, waitingIn, qerr := c.gate.Queued(ctx, caller)
		if qerr != nil {
			return "", "", err
		}
		if o, oerr := c.orders.Order(ctx, id); oerr == nil && o.WaitlistID != "" && o.UserID == waiting && o.SaleID == waitingIn {
			return waiting, waitingIn, nil
		}
		return "", "", err
	}
}
