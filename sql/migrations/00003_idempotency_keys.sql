-- +goose Up
-- Idempotency-Key support, exactly once by construction: the key is stored on the row the
-- request creates, in the same transaction, unique per user.
ALTER TABLE wallet_ledger ADD COLUMN idempotency_key text;
ALTER TABLE wallet_ledger ADD COLUMN balance_after bigint;
CREATE UNIQUE INDEX wallet_ledger_idempotency ON wallet_ledger (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
ALTER TABLE payments ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX payments_idempotency ON payments (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- +goose Down
DROP INDEX payments_idempotency;
ALTER TABLE payments DROP COLUMN idempotency_key;
DROP INDEX wallet_ledger_idempotency;
ALTER TABLE wallet_ledger DROP COLUMN balance_after;
ALTER TABLE wallet_ledger DROP COLUMN idempotency_key;
