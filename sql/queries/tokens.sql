-- name: TokenIssue :many
-- The user's live token, or a new waiting one. Under a race for one user both branches can come
-- back empty (the other insert won); the caller retries.
WITH live AS (
    SELECT id, user_id, seq, state, issued_at, admitted_at, expires_at
    FROM queue_tokens
    WHERE user_id = @user_id::text AND state IN ('waiting', 'active')
), inserted AS (
    INSERT INTO queue_tokens (id, user_id, issued_at)
    SELECT @id::uuid, @user_id::text, @issued_at::timestamptz
    WHERE NOT EXISTS (SELECT 1 FROM live)
    ON CONFLICT (user_id) WHERE state IN ('waiting', 'active') DO NOTHING
    RETURNING id, user_id, seq, state, issued_at, admitted_at, expires_at
)
SELECT * FROM inserted
UNION ALL
SELECT * FROM live;

-- name: TokenByID :one
SELECT id, user_id, seq, state, issued_at, admitted_at, expires_at
FROM queue_tokens
WHERE id = @id;

-- name: TokenExpireEndedSession :exec
UPDATE queue_tokens
SET state = 'expired'
WHERE user_id = @user_id AND state = 'active' AND expires_at <= @now::timestamptz;

-- name: TokenCountWaitingAhead :one
SELECT count(*) FROM queue_tokens WHERE state = 'waiting' AND seq < @seq;

-- name: TokenExpireEndedSessions :execrows
UPDATE queue_tokens
SET state = 'expired'
WHERE state = 'active' AND expires_at <= @now::timestamptz;

-- name: TokenAdmitBatch :execrows
-- Activates the next waiting tokens in sequence order, as many as the batch allows and the
-- ceiling leaves room for. One statement per tick, whatever the batch size.
WITH room AS (
    SELECT GREATEST(0, LEAST(
        sqlc.arg(batch)::int,
        sqlc.arg(max_active)::int - (SELECT count(*) FROM queue_tokens WHERE state = 'active')::int
    )) AS n
), next AS (
    SELECT id FROM queue_tokens
    WHERE state = 'waiting'
    ORDER BY seq
    LIMIT (SELECT n FROM room)
    FOR UPDATE
)
UPDATE queue_tokens t
SET state = 'active', admitted_at = @now::timestamptz, expires_at = @expires_at::timestamptz
FROM next
WHERE t.id = next.id;

-- name: TokenExpireUserLive :exec
UPDATE queue_tokens
SET state = 'expired'
WHERE user_id = @user_id AND state IN ('waiting', 'active');

-- name: TokenStats :one
SELECT count(*) FILTER (WHERE state = 'waiting')::bigint AS waiting,
       count(*) FILTER (WHERE state = 'active')::bigint AS active
FROM queue_tokens
WHERE state IN ('waiting', 'active');
