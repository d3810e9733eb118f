package memory

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Charge implements wallet.Store.
func (s *Wallets) Charge(_ context.Context, user core.UserID, amount core.Amount, key core.IdempotencyKey, _ time.Time) (core.Amount, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" {
		if done, ok := s.chargesByKey[userKey{user, key}]; ok {
			if done.amount != amount {
				return 0, core.ErrIdempotencyMismatch
			}
			return done.balanceAfter, nil
		}
	}
	s.balances[user] += amount
	if key != "" {
		s.chargesByKey[userKey{user, key}] = keyedCharge{amount: amount, balanceAfter: s.balances[user]}
	}
	return s.balances[user], nil
}

// Balance implements wallet.Store.
func (s *Wallets) Balance(_ context.Context, user core.UserID) (core.Amount, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.balances[user], nil
}
