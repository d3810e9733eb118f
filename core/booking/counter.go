package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// Counter is where admitted fans hold seats and pay for them, see what they hold and bought, and
// give tickets back.
type Counter struct {
	store       Store
	settlements Settlements
	lifecycle   Lifecycle
	gate        Gate
	offers      Offers
	balances    Balances
	clock       core.Clock
	policy      Policy
	requests    *core.KeyedRequests
	observer    Observer
}

// HoldSeat holds a seat of the caller's sale for them until the hold deadline, at its
// section's price, and starts the timer that releases it unless paid. Losing the race for the
// seat is ErrSeatTaken and touches nothing else; a paused sale refuses holds, and a date of
// another sale is unknown to the token. The attempt is one step of the store, which checks the
// token is active as it decides the race: the token is not read first.
func (c *Counter) HoldSeat(ctx context.Context, caller core.Caller, rawDate string, seat int) (_ Reservation, err error) {
	user, sale := caller.UserID, caller.SaleID
	if sale == "" { // a token signed before tokens named their sale is read
		if user, sale, err = c.gate.Admitted(ctx, caller); err != nil {
			return Reservation{}, err
		}
	}
	defer func() { c.observer.HoldDecided(sale, OutcomeOf(err)) }()
	now := c.clock.Now()
	d, err := catalog.SaleDate(rawDate, now)
	if err != nil {
		return Reservation{}, err
	}
	// A cached copy of the offer refuses what it can without the store, which decides.
	offer, err := c.offers.CachedOffer(ctx, sale, d)
	if err != nil {
		return Reservation{}, err
	}
	if err := catalog.CheckHoldable(offer.Sale.State); err != nil {
		return Reservation{}, err
	}
	perf := offer.Performance
	if err := perf.CheckOn(); err != nil {
		return Reservation{}, err
	}
	if err := perf.CheckSeat(seat); err != nil {
		return Reservation{}, err
	}
	r, err := c.hold(ctx, caller, HoldAttempt{
		Hold:  Reservation{ID: core.NewID(), UserID: user, SaleID: sale, Date: perf.Date, Seat: seat, Status: Held, HeldUntil: now.Add(c.policy.HoldTTL), CreatedAt: now},
		Token: caller.TokenID, Now: now, Limit: offer.Sale.MaxTicketsPerFan,
	})
	if err != nil {
		return Reservation{}, err
	}
	if err := c.lifecycle.StartHold(ctx, r); err != nil {
		// Without its timer the hold would linger: give the seat back now, even if the request
		// that asked for it has been cancelled (the Sweeper is the last resort).
		undoCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, relErr := c.store.ReleaseHold(undoCtx, r.ID); relErr != nil {
			err = errors.Join(err, fmt.Errorf("undo hold: %w", relErr))
		}
		return Reservation{}, errors.Join(ErrHoldNotStarted, fmt.Errorf("start hold timer: %w", err))
	}
	return r, nil
}

// hold makes the attempt. A token the store finds not active is taken to the gate, which says
// why (a waiting fan learns their place); one admitted in between is tried again.
func (c *Counter) hold(ctx context.Context, caller core.Caller, a HoldAttempt) (Reservation, error) {
	r, err := c.store.HoldSeat(ctx, a)
	if !errors.Is(err, ErrTokenNotActive) {
		return r, err
	}
	if _, _, err := c.gate.Admitted(ctx, caller); err != nil {
		return Reservation{}, err
	}
	return c.store.HoldSeat(ctx, a)
}

// PayRequest names the ticket to pay and, as a check, its seat and date.
type PayRequest struct {
	TicketID string
	SeatID   int
	Date     string
}

// Pay pays for the caller's held seat from their wallet. A ticket already paid returns its
// receipt to its owner, even once the payment has expired their token, so a client retrying
// after a timeout or a crash gets the same receipt and nothing is charged twice. Requests that
// cannot succeed (wrong owner, mismatched seat, ended hold, short balance) are refused here,
// before the lifecycle is asked.
func (c *Counter) Pay(ctx context.Context, caller core.Caller, req PayRequest, rawKey string) (Receipt, error) {
	id, err := core.ParseID("ticket_id", req.TicketID)
	if err != nil {
		return Receipt{}, err
	}
	date, err := core.ParseDate(req.Date)
	if err != nil {
		return Receipt{}, err
	}
	key, err := core.ParseIdempotencyKey(rawKey)
	if err != nil {
		return Receipt{}, err
	}
	user, sale, err := c.gate.Identify(ctx, caller)
	if err != nil {
		return Receipt{}, err
	}
	start := time.Now()
	rc, err := core.Once(ctx, c.requests, user, key, func(ctx context.Context) (Receipt, error) {
		return c.pay(ctx, caller, user, sale, id, date, req.SeatID, key)
	})
	c.observer.PaymentDecided(sale, OutcomeOf(err), time.Since(start))
	return rc, err
}

// pay is Pay once the request is parsed, the token identified and the key, if any, running.
func (c *Counter) pay(ctx context.Context, caller core.Caller, user core.UserID, sale core.SaleID, id core.ID, date core.Date, seat int, key core.IdempotencyKey) (Receipt, error) {
	r, err := c.store.Reservation(ctx, id)
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
	if key != "" {
		// Answered before the lifecycle is asked; the settlement enforces it atomically.
		paid, found, err := c.store.PaymentByKey(ctx, user, key)
		if err != nil {
			return Receipt{}, fmt.Errorf("look up idempotency key: %w", err)
		}
		if found && paid != r.ID {
			return Receipt{}, core.ErrIdempotencyMismatch
		}
	}
	if r.Status == Paid {
		return c.store.Receipt(ctx, r.ID)
	}
	rc, err := c.payHeld(ctx, caller, r, key)
	if err != nil && core.IsDomainError(err) && !errors.Is(err, core.ErrUnavailable) {
		// A duplicate of this payment may have settled since r was read: it expired the token,
		// debited the wallet and ended the hold's timer, so each check above can now refuse a
		// ticket that is paid. Its owner gets the receipt instead.
		if now, readErr := c.store.Reservation(ctx, r.ID); readErr == nil && now.Status == Paid {
			return c.store.Receipt(ctx, r.ID)
		}
	}
	return rc, err
}

// payHeld pays for r, read as held: the caller must be admitted, the hold payable and the
// wallet able to cover it, or the lifecycle is not asked.
func (c *Counter) payHeld(ctx context.Context, caller core.Caller, r Reservation, key core.IdempotencyKey) (Receipt, error) {
	user, _, err := c.gate.Admitted(ctx, caller)
	if err != nil {
		return Receipt{}, err
	}
	if err := r.PayableBy(user, c.clock.Now()); err != nil {
		return Receipt{}, err
	}
	balance, err := c.balances.Balance(ctx, user)
	if err != nil {
		return Receipt{}, fmt.Errorf("read balance: %w", err)
	}
	if err := wallet.Covers(balance, r.Price); err != nil {
		return Receipt{}, err
	}
	rc, err := c.lifecycle.Pay(ctx, r, key)
	if err != nil && !core.IsDomainError(err) {
		return Receipt{}, errors.Join(ErrPaymentPending, err)
	}
	return rc, err
}
