package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
)

// Charge implements core.WalletStore.
func (s *Store) Charge(ctx context.Context, user core.UserID, amount core.Amount, now time.Time) (core.Amount, error) {
	var balance int64
	err := s.inTx(ctx, func(q *sqlcdb.Queries) error {
		var err error
		balance, err = q.WalletCredit(ctx, sqlcdb.WalletCreditParams{UserID: string(user), Amount: int64(amount), Now: now})
		if err != nil {
			return err
		}
		return q.LedgerInsert(ctx, sqlcdb.LedgerInsertParams{UserID: string(user), Kind: "charge", Amount: int64(amount), CreatedAt: now})
	})
	return core.Amount(balance), err
}

// Balance implements core.WalletStore.
func (s *Store) Balance(ctx context.Context, user core.UserID) (core.Amount, error) {
	balance, err := s.q.WalletBalance(ctx, string(user))
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return core.Amount(balance), err
}
