package wallet

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Store keeps prepaid balances and their ledger.
type Store interface {
	// Charge adds amount to the user's balance (creating the wallet) and records it in the
	// ledger, atomically; it returns the new balance. With a key, a charge the user already made
	// with it returns the balance that charge produced and changes nothing; the same key with
	// another amount is core.ErrIdempotencyMismatch; a concurrent duplicate either replays or
	// gets core.ErrRequestInFlight, and is never credited.
	Charge(ctx context.Context, user core.UserID, amount core.Amount, key core.IdempotencyKey, now time.Time) (core.Amount, error)
	// Balance returns the user's balance; a user who never charged has 0.
	Balance(ctx context.Context, user core.UserID) (core.Amount, error)
}

// Gate lets fans at their wallet: any fan with a live token, waiting or admitted, so they can
// top up while they queue. The queue's Entrance is one.
type Gate interface {
	Queued(ctx context.Context, c core.Caller) (core.UserID, core.SaleID, error)
}
