package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// PayRequest names the ticket to pay and, as a check, its seat and date.
type PayRequest struct {
	TicketID string
	SeatID   int
	Date     string
}

// Checkout is where fans pay for what they hold, from their wallet, once however often they
// retry.
type Checkout struct {
	holds     Holds
	orders    Orders
	lifecycle Lifecycle
	gate      Gate
	balances  Balances
	clock     core.Clock
	requests  *core.KeyedRequests
	observer  Observer
}

// Pay pays for the caller's held seat from their wallet. A ticket already paid returns its
// receipt to its owner, even once the payment has expired their token, so a client retrying
// after a timeout or a crash gets the same receipt and nothing is charged twice. Requests that
// cannot succeed (wrong owner, mismatched seat, ended hold, short balance) are refused here,
// before the lifecycle is asked.
func (c *Checkout) Pay(ctx context.Context, caller core.Caller, req PayRequest, rawKey string) (Receipt, error) {
	id, err := core.ParseID("ticket_id", req.TicketID)
	if err != nil {
		return Receipt{}, err
	}
	date, err := core.ParseDate(req.Date)
	if err != nil {
		return Receipt{}, err
	}
	return keyedPayment(ctx, c, caller, rawKey, c.gate.Identify, func(ctx context.Context, user core.UserID, sale core.SaleID, key core.IdempotencyKey) (Receipt, error) {
		return c.pay(ctx, caller, user, sale, id, date, req.SeatID, key)
	})
}

// keyedPayment runs a payment of a seat or an order, by pay, for the payer the caller's token
// names (any token the queue issued them: a retry needs no session), once at a time for its
// Idempotency-Key (rawKey, "" for none), and tells the observer its outcome.
func keyedPayment[T any](ctx context.Context, c *Checkout, caller core.Caller, rawKey string, identify identifier,
	pay func(context.Context, core.UserID, core.SaleID, core.IdempotencyKey) (T, error)) (T, error) {
	var none T
	key, err := core.ParseIdempotencyKey(rawKey)
	if err != nil {
		return none, err
	}
	user, sale, err := identify(ctx, caller)
	if err != nil {
		return none, err
	}
	start := time.Now()
	paid, err := core.Once(ctx, c.requests, user, key, func(ctx context.Context) (T, error) { return pay(ctx, user, sale, key) })
	c.observer.PaymentDecided(sale, OutcomeOf(err), time.Since(start))
	return paid, err
}

// pay is Pay once the request is parsed, the token identified and the key, if any, running.
func (c *Checkout) pay(ctx context.Context, caller core.Caller, user core.UserID, sale core.SaleID, id core.ID, date core.Date, seat int, key core.IdempotencyKey) (Receipt, error) {
	r, err := c.holds.Reservation(ctx, id)
	if err != nil {
		return Receipt{}, err
	}
	if err := r.InSale(sale); err != nil {
		return Receipt{}, err
	}
	if err := r.OwnedBy(user); err != nil {
		return Receipt{}, err
	}
	if err := r.Matches(seat, date); err != nil {
		return Receipt{}, err
	}
	if r.OrderID != "" { // a seat held with POST /api/orders: its order's payment pays it
		return c.payOrderOfOne(ctx, caller, r.OrderID, key)
	}
	if key != "" {
		// Answered before the lifecycle is asked; the settlement enforces it atomically.
		paid, found, err := c.holds.PaymentByKey(ctx, user, key)
		if err != nil {
			return Receipt{}, fmt.Errorf("look up idempotency key: %w", err)
		}
		if found && paid != r.ID {
			return Receipt{}, core.ErrIdempotencyMismatch
		}
	}
	if r.Status == Paid {
		return c.holds.Receipt(ctx, r.ID)
	}
	rc, err := c.payHeld(ctx, caller, user, r, key)
	if err != nil && core.IsDomainError(err) && !errors.Is(err, core.ErrUnavailable) {
		// A duplicate of this payment may have settled since r was read: it expired the token,
		// debited the wallet and ended the hold's timer, so each check above can now refuse a
		// ticket that is paid. Its owner gets the receipt instead.
		if now, readErr := c.holds.Reservation(ctx, r.ID); readErr == nil && now.Status == Paid {
			return c.holds.Receipt(ctx, r.ID)
		}
	}
	return rc, err
}

// payOrderOfOne pays for the order of one seat a ticket is, and answers with the seat's receipt;
// a seat of an order of several is *PartOfOrderError.
func (c *Checkout) payOrderOfOne(ctx context.Context, caller core.Caller, id core.ID, key core.IdempotencyKey) (Receipt, error) {
	o, err := c.orders.Order(ctx, id)
	if err != nil {
		return Receipt{}, err
	}
	if len(o.Tickets) > 1 {
		return Receipt{}, &PartOfOrderError{OrderID: o.ID, Seats: len(o.Tickets)}
	}
	rc, err := c.payOrder(ctx, caller, o, key)
	if err != nil {
		return Receipt{}, err
	}
	return rc.Tickets[0], nil
}

// payHeld pays for r, read as held: the caller must be admitted, the hold payable and the
// wallet able to cover it, or the payment is not accepted and the lifecycle not asked. A retry
// of a payment accepted already needs the payer, not their session: the payment that ended
// another of their holds may have ended it since.
func (c *Checkout) payHeld(ctx context.Context, caller core.Caller, user core.UserID, r Reservation, key core.IdempotencyKey) (Receipt, error) {
	if err := c.acceptable(ctx, caller, user, r.PaymentAcceptedAt.IsZero(), r.PayableBy(user, c.clock.Now()), r.Price); err != nil {
		return Receipt{}, err
	}
	// From here the payment is accepted: nothing but the hold's lifecycle, once it has seen it,
	// releases the hold before its PaymentDeadline, however long the payment takes to reach it.
	r, err := c.holds.AcceptPayment(ctx, r.ID, user, c.clock.Now())
	if err != nil {
		return Receipt{}, err
	}
	return pending(c.lifecycle.Pay(ctx, r, key))
}

// acceptable reports a payment the lifecycle would refuse, so that it is not accepted: the
// caller not admitted (unless a payment was accepted already, at acceptedAt: its retry needs the
// payer, not their session, which the payment may have ended), the hold not payable (payable,
// its PayableBy at now) or the wallet short of price.
func (c *Checkout) acceptable(ctx context.Context, caller core.Caller, user core.UserID, admission bool, payable error, price core.Amount) error {
	if admission {
		if _, _, err := c.gate.Admitted(ctx, caller); err != nil {
			return err
		}
	}
	if payable != nil {
		return payable
	}
	balance, err := c.balances.Balance(ctx, user)
	if err != nil {
		return fmt.Errorf("read balance: %w", err)
	}
	return wallet.Covers(balance, price)
}

// identifier tells whose a payment's token is and its sale: the gate's Identify, or for an
// order that may be an offer, offerOrIdentify.
type identifier func(ctx context.Context, c core.Caller) (core.UserID, core.SaleID, error)

// pending is a lifecycle's answer to a payment, its failures of machinery (a timeout, Temporal
// unavailable) ErrPaymentPending: a payment accepted may still go through.
func pending[T any](paid T, err error) (T, error) {
	if err != nil && !core.IsDomainError(err) {
		var none T
		return none, errors.Join(ErrPaymentPending, err)
	}
	return paid, err
}
