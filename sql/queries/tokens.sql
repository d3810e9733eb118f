-- name: QueueLock :one
-- Every issue and every admission takes this lock first: sequence numbers are handed out and
-- tokens leave the queue one transaction at a time, so both stay gap-free and in order.
SELECT * FROM queues WHERE name = @name FOR UPDATE;

-- name: QueueRead :one
SELECT * FROM queues WHERE name = @name;

-- name: QueueClosePreQueue :exec
UPDATE queues SET early_through = last_seq WHERE name = @name AND early_through IS NULL;

-- name: QueueAdvance :exec
UPDATE queues SET last_seq = @last_seq WHERE name = @name;

-- name: TokenExpireEndedSessionsOf :exec
UPDATE queue_tokens
SET state = 'expired'
WHERE user_id = ANY(@user_ids::text[]) AND state = 'active' AND expires_at <= @now::timestamptz;

-- name: TokenIssueBatch :many
-- One waiting token for each requested user without a live one, numbered @after_seq+1, +2, …
-- in request order, and the live token of every other. Users must be distinct. The caller
-- holds the queue lock, so no other issue runs meanwhile.
WITH req AS (
    SELECT (@ids::uuid[])[i] AS id, (@user_ids::text[])[i] AS user_id, (@issued_at::timestamptz[])[i] AS issued_at, i AS ord
    FROM generate_subscripts(@ids::uuid[], 1) AS i
), live AS (
    SELECT t.id, t.user_id, t.seq, t.state, t.issued_at, t.admitted_at, t.expires_at, t.early
    FROM queue_tokens t
    WHERE t.user_id = ANY(@user_ids::text[]) AND t.state IN ('waiting', 'active')
), fresh AS (
    SELECT req.id, req.user_id, req.issued_at, row_number() OVER (ORDER BY req.ord) AS n
    FROM req
    WHERE NOT EXISTS (SELECT 1 FROM live WHERE live.user_id = req.user_id)
), inserted AS (
    INSERT INTO queue_tokens (id, user_id, seq, issued_at, last_seen_at, early)
    SELECT id, user_id, sqlc.arg(after_seq)::bigint + n, issued_at, issued_at, sqlc.arg(early)::boolean FROM fresh
    RETURNING id, user_id, seq, state, issued_at, admitted_at, expires_at, early
)
SELECT inserted.*, true AS fresh FROM inserted
UNION ALL
SELECT live.*, false AS fresh FROM live;

-- name: TokenByID :one
SELECT id, user_id, seq, state, issued_at, admitted_at, expires_at, early
FROM queue_tokens
WHERE id = @id;

-- name: TokenMarkSeen :exec
-- Coalesced last-seen times of waiting tokens; never moves one back, never revives one.
UPDATE queue_tokens t
SET last_seen_at = v.seen_at
FROM (
    SELECT (@ids::uuid[])[i] AS id, (@seen_at::timestamptz[])[i] AS seen_at
    FROM generate_subscripts(@ids::uuid[], 1) AS i
) AS v
WHERE t.id = v.id AND t.state = 'waiting' AND t.last_seen_at < v.seen_at;

-- name: TokenExpireEndedSessions :execrows
UPDATE queue_tokens
SET state = 'expired'
WHERE state = 'active' AND expires_at <= @now::timestamptz;

-- name: TokenDraw :exec
-- Gives the early tokens their drawn places: @places[i] for the token numbered i. Numbers go
-- negative first, so the unique index never sees two tokens on one number.
UPDATE queue_tokens t
SET seq = -v.place, arrival_seq = t.seq
FROM unnest(@places::bigint[]) WITH ORDINALITY AS v(place, arrival)
WHERE t.seq = v.arrival;

-- name: TokenDrawSettle :exec
UPDATE queue_tokens SET seq = -seq WHERE seq < 0;

-- name: QueueMarkDrawn :exec
UPDATE queues SET drawn_at = @now::timestamptz WHERE name = @name;

-- name: TokenAdmitNext :one
-- One tick's admission, one statement whatever the batch. It walks the waiting tokens in
-- sequence order, expiring those last seen before @abandoned_before (their fans left) and
-- activating the others, and stops before the activation that would pass the batch or the
-- ceiling. kept counts activations up to and including a row, so it takes exactly the rows
-- with kept <= room: always a prefix of the queue, and the watermark moves to its end. The
-- walk looks at most @lookahead rows past the room, so a long run of abandoned tokens is
-- cleared over several ticks. The caller holds the queue lock.
WITH room AS (
    SELECT GREATEST(0, LEAST(
        sqlc.arg(batch)::int,
        sqlc.arg(max_active)::int - (SELECT count(*) FROM queue_tokens WHERE state = 'active')::int
    )) AS n
), head AS (
    SELECT id, seq, last_seen_at < @abandoned_before::timestamptz AS abandoned
    FROM queue_tokens
    WHERE state = 'waiting'
    ORDER BY seq
    LIMIT (SELECT n FROM room) + sqlc.arg(lookahead)::int
), ranked AS (
    SELECT id, seq, abandoned, count(*) FILTER (WHERE NOT abandoned) OVER (ORDER BY seq) AS kept
    FROM head
), taken AS (
    SELECT ranked.id, ranked.seq, ranked.abandoned
    FROM ranked, room
    WHERE ranked.kept <= room.n
), moved AS (
    UPDATE queue_tokens t
    SET state       = CASE WHEN taken.abandoned THEN 'expired' ELSE 'active' END,
        admitted_at = CASE WHEN taken.abandoned THEN NULL ELSE @now::timestamptz END,
        expires_at  = CASE WHEN taken.abandoned THEN NULL ELSE @expires_at::timestamptz END
    FROM taken
    WHERE t.id = taken.id
    RETURNING t.seq, taken.abandoned
), counts AS (
    SELECT count(*) FILTER (WHERE NOT abandoned)::int AS admitted,
           count(*) FILTER (WHERE abandoned)::int AS abandoned,
           max(seq) AS through
    FROM moved
)
UPDATE queues q
SET admitted_through = GREATEST(q.admitted_through, coalesce(counts.through, 0)),
    admitted_total   = q.admitted_total + counts.admitted,
    abandoned_total  = q.abandoned_total + counts.abandoned
FROM counts
WHERE q.name = @name
RETURNING counts.admitted, counts.abandoned, (q.last_seq - q.admitted_through)::bigint AS waiting;

-- name: QueueRecordRate :exec
UPDATE queues SET admit_rate = @admit_rate, rate_at = @rate_at::timestamptz WHERE name = @name;

-- name: QueueScheduleOpening :execrows
-- Refused (no row) once the pre-queue closed, anyone was admitted, or tokens were already
-- issued first come, first served.
UPDATE queues
SET opens_at = @opens_at::timestamptz, draw_seed = @draw_seed::bigint
WHERE name = @name AND early_through IS NULL AND admitted_through = 0
  AND (opens_at IS NOT NULL OR last_seq = 0);

-- name: TokenExpireUserActive :exec
-- A payment ends the fan's session; a token they queue with again meanwhile keeps waiting,
-- since waiting tokens leave the queue only at its head.
UPDATE queue_tokens
SET state = 'expired'
WHERE user_id = @user_id AND state = 'active';

-- name: QueueStats :one
SELECT q.*,
       (SELECT count(*) FROM queue_tokens WHERE state = 'active')::bigint AS active,
       head.issued_at AS oldest_issued_at
FROM queues q
LEFT JOIN queue_tokens head ON head.seq = q.admitted_through + 1 AND head.state = 'waiting'
WHERE q.name = @name;
