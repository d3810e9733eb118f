package core

import "context"

// Charge tops up the caller's wallet and returns the new balance. Retried with the same
// idempotency key, it returns the balance the first charge produced and charges nothing.
func (b *BoxOffice) Charge(ctx context.Context, c Caller, amount int64, rawKey string) (Amount, error) {
	tok, err := b.Authorize(ctx, c, AccessQueued)
	if err != nil {
		return 0, err
	}
	a, err := ParseCharge(amount)
	if err != nil {
		return 0, err
	}
	key, err := ParseIdempotencyKey(rawKey)
	if err != nil {
		return 0, err
	}
	return underKey(ctx, b, tok.UserID, key, func() (Amount, error) {
		return b.ports.Wallets.Charge(ctx, tok.UserID, a, key, b.ports.Clock.Now())
	})
}

// Balance returns the caller's balance.
func (b *BoxOffice) Balance(ctx context.Context, c Caller) (Amount, error) {
	tok, err := b.Authorize(ctx, c, AccessQueued)
	if err != nil {
		return 0, err
	}
	return b.ports.Wallets.Balance(ctx, tok.UserID)
}
