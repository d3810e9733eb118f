package postgres

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
)

// Charge implements wallet.Store. A keyed charge is recorded on its ledger row, unique per
// user and key, in the same transaction as the credit. A duplicate arriving while the first is
// in flight, on any instance, finds the key's transaction lock taken (ErrRequestInFlight); one
// that slips past it still hits the unique index, rolls back its credit and replays.
func (s *Wallets) Charge(ctx context.Context, user core.UserID, amount core.Amount, key core.IdempotencyKey, now time.Time) (core.Amount, error) {
	if key != "" {
		if balance, done, err := s.keyedCharge(ctx, user, amount, key); done || err != nil {
			return balance, err
		}
	}
	var balance int64
	err := s.inTx(ctx, func(q *sqlcdb.Queries) error {
		if key != "" {
			free, err := q.WalletKeyTryLock(ctx, "charge:"+string(user)+":"+string(key))
			if err != nil {
				return err
			}
			if !free {
				return core.ErrRequestInFlight
			}
		}
		var err error
		balance, err = q.WalletCredit(ctx, sqlcdb.WalletCreditParams{UserID: string(user), Amount: int64(amount), Now: now})
		if err != nil {
			return err
		}
		return q.LedgerInsert(ctx, sqlcdb.LedgerInsertParams{
			UserID: string(user), Kind: "charge", Amount: int64(amount), IdempotencyKey: optional(string(key)), BalanceAfter: &balance, CreatedAt: now,
		})
	})
	if key != "" && isUniqueViolation(err, "wallet_ledger_idempotency") {
		b, _, err := s.keyedCharge(ctx, user, amount, key)
		return b, err
	}
	return core.Amount(balance), err
}

// keyedCharge looks up the charge the user made with key: its resulting balance if it had the
// same amount, ErrIdempotencyMismatch if not, done=false if there is none.
func (s *Wallets) keyedCharge(ctx context.Context, user core.UserID, amount core.Amount, key core.IdempotencyKey) (core.Amount, bool, error) {
	k := string(key)
	row, err := s.q.LedgerChargeByKey(ctx, sqlcdb.LedgerChargeByKeyParams{UserID: string(user), IdempotencyKey: &k})
	switch {
	case noRows(err):
		return 0, false, nil
	case err != nil:
		return 0, false, err
	case row.Amount != int64(amount) || row.BalanceAfter == nil:
		return 0, true, core.ErrIdempotencyMismatch
	}
	return core.Amount(*row.BalanceAfter), true, nil
}

// Balance implements wallet.Store.
func (s *Wallets) Balance(ctx context.Context, user core.UserID) (core.Amount, error) {
	balance, err := s.q.WalletBalance(ctx, string(user))
	if noRows(err) {
		return 0, nil
	}
	return core.Amount(balance), err
}
