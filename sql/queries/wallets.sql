-- name: WalletCredit :one
INSERT INTO wallets (user_id, balance, updated_at)
VALUES (@user_id, @amount, @now)
ON CONFLICT (user_id) DO UPDATE
SET balance = wallets.balance + EXCLUDED.balance, updated_at = EXCLUDED.updated_at
RETURNING balance;

-- name: WalletDebit :one
-- No row back means the wallet cannot cover the amount; CHECK (balance >= 0) guards regardless.
UPDATE wallets
SET balance = balance - @amount, updated_at = @now
WHERE user_id = @user_id AND balance >= @amount
RETURNING balance;

-- name: WalletBalance :one
SELECT balance FROM wallets WHERE user_id = @user_id;

-- name: LedgerInsert :exec
INSERT INTO wallet_ledger (user_id, kind, amount, reservation_id, idempotency_key, balance_after, created_at)
VALUES (@user_id, @kind, @amount, sqlc.narg(reservation_id), sqlc.narg(idempotency_key), @balance_after, @created_at);

-- name: LedgerChargeByKey :one
SELECT amount, balance_after FROM wallet_ledger
WHERE user_id = @user_id AND idempotency_key = @idempotency_key AND kind = 'charge';

-- name: WalletKeyTryLock :one
-- Taken first in a keyed charge's transaction: false means a request with the same key is in
-- flight on some instance. Released at commit or rollback; it needs no connection of its own.
SELECT pg_try_advisory_xact_lock(hashtextextended(@name::text, 0));
