package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// SeatHolder is where admitted fans hold seats: one at a time, each until its deadline, at its
// section's price, with the lifecycle that releases it unless paid.
type SeatHolder struct {
	holds     Holds
	lifecycle Lifecycle
	gate      Gate
	offers    Offers
	clock     core.Clock
	policy    Policy
	observer  Observer
}

// HoldSeat holds a seat of the caller's sale for them until the hold deadline, at its
// section's price, and starts the timer that releases it unless paid. Losing the race for the
// seat is ErrSeatTaken and touches nothing else; a paused sale refuses holds, and a date of
// another sale is unknown to the token. The attempt is one step of the store, which checks the
// token is active as it decides the race: the token is not read first.
func (c *SeatHolder) HoldSeat(ctx context.Context, caller core.Caller, rawDate string, seat int) (_ Reservation, err error) {
	user, sale, err := callersSale(ctx, c.gate, caller)
	if err != nil {
		return Reservation{}, err
	}
	defer func() { c.observer.HoldDecided(sale, OutcomeOf(err)) }()
	now := c.clock.Now()
	offer, err := cachedOffer(ctx, c.offers, sale, rawDate, now)
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
	err = startTimer(ctx, func() error { return c.lifecycle.StartHold(ctx, r) },
		func(ctx context.Context) error { _, err := c.holds.ReleaseHold(ctx, r.ID); return err })
	if err != nil {
		return Reservation{}, err
	}
	return r, nil
}

// startTimer starts the timer of a hold just stored, of a seat or an order; without it the hold
// would linger, so when it cannot start, giveBack releases the hold at once, even if the
// request that asked for it has been cancelled (the Sweeper is the last resort), and the answer
// is ErrHoldNotStarted.
func startTimer(ctx context.Context, start func() error, giveBack func(context.Context) error) error {
	err := start()
	if err == nil {
		return nil
	}
	undoCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if relErr := giveBack(undoCtx); relErr != nil {
		err = errors.Join(err, fmt.Errorf("undo hold: %w", relErr))
	}
	return errors.Join(ErrHoldNotStarted, fmt.Errorf("start hold timer: %w", err))
}

// hold makes the attempt (tryAdmitted).
func (c *SeatHolder) hold(ctx context.Context, caller core.Caller, a HoldAttempt) (Reservation, error) {
	return tryAdmitted(ctx, c.gate, caller, func() (Reservation, error) { return c.holds.HoldSeat(ctx, a) })
}

// tryAdmitted makes a hold attempt, of a seat or an order, which the store decides with the
// caller's token. A token the store finds not active is taken to the gate, which says why (a
// waiting fan learns their place); one admitted in between is tried again.
func tryAdmitted[T any](ctx context.Context, gate Gate, caller core.Caller, attempt func() (T, error)) (T, error) {
	held, err := attempt()
	if !errors.Is(err, ErrTokenNotActive) {
		return held, err
	}
	if _, _, err := gate.Admitted(ctx, caller); err != nil {
		var none T
		return none, err
	}
	return attempt()
}

// callersSale is whose token the caller holds and its sale; a token signed before tokens named
// their sale is read through the gate, which requires it admitted.
func callersSale(ctx context.Context, gate Gate, caller core.Caller) (core.UserID, core.SaleID, error) {
	if caller.SaleID == "" {
		return gate.Admitted(ctx, caller)
	}
	return caller.UserID, caller.SaleID, nil
}

// cachedOffer is the offer of the sale's date rawDate (from today on) from the cached copy, which
// refuses what it can without the store, which decides.
func cachedOffer(ctx context.Context, offers Offers, sale core.SaleID, rawDate string, now time.Time) (catalog.Offer, error) {
	d, err := catalog.SaleDate(rawDate, now)
	if err != nil {
		return catalog.Offer{}, err
	}
	return offers.CachedOffer(ctx, sale, d)
}
