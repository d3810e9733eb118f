-- name: ProofSpend :execrows
-- Spends a presale join's solution (batched joins spend theirs in issue_token_batch): 1 if it
-- was not spent before. Of two racing spends of one challenge, the unique key lets one insert it.
INSERT INTO spent_proofs (expires_at, challenge) VALUES (@expires_at, @challenge)
ON CONFLICT (expires_at, challenge) DO NOTHING;

-- name: ProofsForget :execrows
-- Solutions whose challenge expired cannot be sent again: forget up to 10,000 of them.
DELETE FROM spent_proofs
WHERE (expires_at, challenge) IN (
    SELECT s.expires_at, s.challenge FROM spent_proofs s WHERE s.expires_at < @now::timestamptz ORDER BY s.expires_at LIMIT 10000);

-- name: QuotaTake :one
-- Counts one join from an address in a minute window unless the window holds @max_joins already;
-- the row lock of the upsert makes racing joins count one after the other.
INSERT INTO join_quotas AS q (sale_id, address, window_from, joins)
VALUES (@sale_id, @address, @window_from, 1)
ON CONFLICT (window_from, sale_id, address) DO UPDATE SET joins = q.joins + 1
WHERE q.joins < sqlc.arg(max_joins)::int
RETURNING q.joins;

-- name: QuotasForget :exec
DELETE FROM join_quotas WHERE window_from < @before::timestamptz;

-- name: CodeInsert :exec
INSERT INTO access_codes (code, sale_id, uses, uses_left, expires_at, created_at)
SELECT (@codes::text[])[i], @sale_id, (@uses::int[])[i], (@uses::int[])[i], sqlc.narg(expires_at)::timestamptz, @created_at
FROM generate_subscripts(@codes::text[], 1) AS i;

-- name: CodesOfSale :many
SELECT * FROM access_codes WHERE sale_id = @sale_id ORDER BY created_at, code;

-- name: CodeLock :one
-- A code under its row lock (racing redemptions of it go one at a time), and whether the fan
-- redeemed it before.
SELECT sqlc.embed(c),
    EXISTS (SELECT 1 FROM access_code_redeemers r WHERE r.code = c.code AND r.user_id = @user_id) AS redeemed
FROM access_codes c WHERE c.code = @code FOR UPDATE OF c;

-- name: CodeRedeem :exec
-- Takes one use of a code for a fan who had not redeemed it, and remembers them as its redeemer.
WITH used AS (
    UPDATE access_codes c SET uses_left = c.uses_left - 1 WHERE c.code = @code AND c.uses_left > 0
    RETURNING c.code
)
INSERT INTO access_code_redeemers (code, user_id) SELECT used.code, @user_id FROM used;

-- name: QuotaReturn :exec
-- Gives back a join counted in a window: its fan got their live token back, not a new one.
UPDATE join_quotas SET joins = joins - 1
WHERE window_from = @window_from AND sale_id = @sale_id AND address = @address AND joins > 0;
