-- name: ProofsSpend :many
-- Spends a batch of presale joins' solutions (other joins spend theirs in issue_token_batch)
-- and returns those not spent before. Sorted, so two batches' inserts never wait on each
-- other in opposite orders; of racing spends of one challenge, the unique key lets one insert it.
INSERT INTO spent_proofs (expires_at, challenge)
SELECT (@expires_at::timestamptz[])[i], (@challenges::bytea[])[i] FROM generate_subscripts(@challenges::bytea[], 1) AS i
ORDER BY 1, 2
ON CONFLICT (expires_at, challenge) DO NOTHING
RETURNING challenge;

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

-- name: CodesLock :many
-- A presale batch's codes under their row locks, in code order (racing batches take them in
-- the same order, and before any queue's lock): racing redemptions of a code go one at a time.
SELECT * FROM access_codes WHERE code = ANY(@codes::text[]) ORDER BY code FOR UPDATE;

-- name: CodeRedeemersOf :many
-- Which of a batch's (code, fan) pairs redeemed the code before: those come back in on it
-- without another use. A lateral probe for each pair; its LIMIT keeps the planner from pulling
-- it up into a hash join over every redeemer.
SELECT r.code, r.user_id FROM generate_subscripts(@codes::text[], 1) AS i
CROSS JOIN LATERAL (
    SELECT * FROM access_code_redeemers a WHERE a.code = (@codes::text[])[i] AND a.user_id = (@user_ids::text[])[i]
    LIMIT 1) r;

-- name: CodesRedeem :exec
-- Takes one use of a code for each (code, fan) pair, whose fan had not redeemed it, and
-- remembers them as its redeemers. uses_left's CHECK refuses the batch rather than let a code
-- go below zero.
WITH used AS (
    UPDATE access_codes c SET uses_left = c.uses_left - u.n
    FROM (SELECT b.code, count(*)::int AS n FROM unnest(@codes::text[]) AS b(code) GROUP BY b.code) u
    WHERE c.code = u.code
)
INSERT INTO access_code_redeemers (code, user_id)
SELECT (@codes::text[])[i], (@user_ids::text[])[i] FROM generate_subscripts(@codes::text[], 1) AS i;

-- name: QuotaReturn :exec
-- Gives back a join counted in a window: its fan got their live token back, not a new one.
UPDATE join_quotas SET joins = joins - 1
WHERE window_from = @window_from AND sale_id = @sale_id AND address = @address AND joins > 0;
