package wallet

import (
	"context"

	"github.com/boxoffice/boxoffice/core"
)

// Cashier tops up and reads fans' wallets.
type Cashier struct {
	store    Store
	gate     Gate
	clock    core.Clock
	requests *core.KeyedRequests
}

// Charge tops up the caller's wallet and returns the new balance. Retried with the same
// idempotency key, it returns the balance the first charge produced and charges nothing.
func (c *Cashier) Charge(ctx context.Context, caller core.Caller, amount int64, rawKey string) (core.Amount, error) {
	user, _, err := c.gate.Queued(ctx, caller)
	if err != nil {
		return 0, err
	}
	a, err := ParseCharge(amount)
	if err != nil {
		return 0, err
	}
	key, err := core.ParseIdempotencyKey(rawKey)
	if err != nil {
		return 0, err
	}
	return core.Once(ctx, c.requests, user, key, func(ctx context.Context) (core.Amount, error) {
		return c.store.Charge(ctx, user, a, key, c.clock.Now())
	})
}

// Balance returns the caller's balance.
func (c *Cashier) Balance(ctx context.Context, caller core.Caller) (core.Amount, error) {
	user, _, err := c.gate.Queued(ctx, caller)
	if err != nil {
		return 0, err
	}
	return c.store.Balance(ctx, user)
}
