package booking

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// OrderTaker is where admitted fans hold several seats together: chosen ones, all or none, or
// the best available; each order until its one deadline, with the lifecycle that releases its
// seats together unless paid. The Checkout takes its payment.
type OrderTaker struct {
	orders    Orders
	receipts  Holds // the receipts of paid orders
	lifecycle Lifecycle
	gate      Gate
	offers    Offers
	clock     core.Clock
	policy    Policy
	observer  Observer
	waitlist  *OfferTimers // of the offers an order given back made
}

// PlaceOrderRequest is what a fan asks for, as the API receives it: a date, and chosen seats or
// a quantity of the best available (in a section, together).
type PlaceOrderRequest struct {
	Date     string
	Seats    []int
	Quantity int
	Section  string
	Together bool
}

// PlaceOrder holds an order of the caller's sale for them until the hold deadline, each seat at
// its section's price, and starts the timer that releases its seats together unless paid. It
// refuses in DESIGN's order: the request's fields (OrderRequest.Check), the sale and the date,
// then the store's decision (the token, the seats, the per-fan limit counting every seat).
func (c *OrderTaker) PlaceOrder(ctx context.Context, caller core.Caller, req PlaceOrderRequest) (_ Order, err error) {
	user, sale, err := callersSale(ctx, c.gate, caller)
	if err != nil {
		return Order{}, err
	}
	defer func() { c.observer.HoldDecided(sale, OutcomeOf(err)) }()
	now := c.clock.Now()
	offer, err := cachedOffer(ctx, c.offers, sale, req.Date, now)
	if err != nil {
		return Order{}, err
	}
	q := OrderRequest{Seats: req.Seats, Wish: catalog.SeatWish{Quantity: req.Quantity, Section: req.Section, Together: req.Together}}
	if err := q.Check(offer.Performance, offer.Sale.MaxTicketsPerFan); err != nil {
		return Order{}, err
	}
	if err := catalog.CheckHoldable(offer.Sale.State); err != nil {
		return Order{}, err
	}
	if err := offer.Performance.CheckOn(); err != nil {
		return Order{}, err
	}
	ids := make([]core.ID, q.Quantity())
	for i := range ids {
		ids[i] = core.NewID()
	}
	a := OrderAttempt{
		Request: q, IDs: ids, Token: caller.TokenID, Now: now, Limit: offer.Sale.MaxTicketsPerFan,
		Order: Order{ID: core.NewID(), UserID: user, SaleID: sale, Date: offer.Performance.Date, HeldUntil: now.Add(c.policy.HoldTTL), CreatedAt: now},
	}
	o, err := tryAdmitted(ctx, c.gate, caller, func() (Order, error) { return c.orders.HoldOrder(ctx, a) })
	if err != nil {
		return Order{}, err
	}
	err = startTimer(ctx, func() error { return c.lifecycle.StartOrder(ctx, o) },
		func(ctx context.Context) error { _, err := c.orders.ReleaseOrder(ctx, o.ID); return err })
	if err != nil {
		return Order{}, err
	}
	return o, nil
}

// OrderView is an order as its fan sees it: where it stands, and its payment once paid.
type OrderView struct {
	Order
	Status  OrderStatus
	Receipt *OrderReceipt
}

// Order is one of the caller's orders in their token's sale, as it stands; any live token will
// do, as for their tickets. Another fan's, or another sale's, is ErrUnknownOrder.
func (c *OrderTaker) Order(ctx context.Context, caller core.Caller, rawID string) (OrderView, error) {
	id, err := core.ParseID("order_id", rawID)
	if err != nil {
		return OrderView{}, err
	}
	user, sale, err := c.gate.Queued(ctx, caller)
	if err != nil {
		return OrderView{}, err
	}
	o, err := ownOrder(ctx, c.orders, user, sale, id)
	if err != nil {
		return OrderView{}, err
	}
	v := OrderView{Order: o, Status: o.StatusAt(c.clock.Now())}
	if o.Paid() {
		rc, err := orderReceipt(ctx, c.receipts, o)
		if err != nil {
			return OrderView{}, err
		}
		v.Receipt = &rc
	}
	return v, nil
}

// GiveBack releases the caller's unpaid order at once, every seat together, for others to
// take; one released already stays so. A paid order is ErrOrderPaid: its tickets are given
// back one by one, for a refund. An order whose payment the API has accepted is kept for that
// payment, as at its deadline (ErrPaymentUnderWay).
func (c *OrderTaker) GiveBack(ctx context.Context, caller core.Caller, rawID string) error {
	id, err := core.ParseID("order_id", rawID)
	if err != nil {
		return err
	}
	user, sale, err := c.gate.Admitted(ctx, caller)
	if err != nil {
		return err
	}
	o, err := ownOrder(ctx, c.orders, user, sale, id)
	if err != nil {
		return err
	}
	if o.Paid() {
		return ErrOrderPaid
	}
	_, awaitUntil, err := c.orders.ReleaseOrderUnlessAwaitingPayment(ctx, id, c.clock.Now(), time.Time{})
	switch {
	case err != nil:
		return err
	case !awaitUntil.IsZero():
		return ErrPaymentUnderWay
	}
	// Released in the store, or paid in the meantime: the store decided under its locks.
	if o, err = c.orders.Order(ctx, id); err == nil && o.Paid() {
		return ErrOrderPaid
	}
	_ = c.waitlist.StartOffers(ctx) // the seats may have gone to the waitlist; the sweep retries
	return err
}

// ownOrder reads an order of user's in sale; another fan's or sale's is ErrUnknownOrder.
func ownOrder(ctx context.Context, orders Orders, user core.UserID, sale core.SaleID, id core.ID) (Order, error) {
	o, err := orders.Order(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if o.SaleID != sale || o.OwnedBy(user) != nil {
		return Order{}, ErrUnknownOrder
	}
	return o, nil
}
