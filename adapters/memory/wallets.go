package memory

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Charge implements core.WalletStore.
func (s *Store) Charge(_ context.Context, user core.UserID, amount core.Amount, now time.Time) (core.Amount, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.balances[user] += amount
	s.ledger = append(s.ledger, LedgerEntry{User: user, Amount: amount, At: now})
	return s.balances[user], nil
}

// Balance implements core.WalletStore.
func (s *Store) Balance(_ context.Context, user core.UserID) (core.Amount, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.balances[user], nil
}

// Ledger returns a copy of every wallet movement, for audits in tests.
func (s *Store) Ledger() []LedgerEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]LedgerEntry(nil), s.ledger...)
}
