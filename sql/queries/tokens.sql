-- name: QueueEnsure :exec
-- A sale's queue row, created on its first use.
INSERT INTO queues (sale_id) VALUES (@sale_id) ON CONFLICT DO NOTHING;

-- name: QueueLock :one
-- Every issue of a sale takes this lock, so sequence numbers are handed out one transaction at a
-- time, gap-free and in commit order; the opening draw takes it after the admission lock.
SELECT * FROM queues WHERE sale_id = @sale_id FOR UPDATE;

-- name: AdmissionLock :exec
-- A sale's admission rounds, and its opening draw, one at a time (see admission_lock).
SELECT admission_lock(@sale_id::text);

-- name: QueueRead :one
-- A sale's queue counters, with the numbers above its watermark whose fans left the queue.
SELECT sqlc.embed(q),
       coalesce((SELECT array_agg(t.seq ORDER BY t.seq) FROM queue_tokens t
                 WHERE t.sale_id = q.sale_id AND t.left_at IS NOT NULL AND t.seq > q.admitted_through), '{}')::bigint[] AS left_seqs
FROM queues q WHERE q.sale_id = @sale_id;

-- name: TokenLeave :one
-- A fan leaves the queue: their live token (waiting, or active in its session) expires now; an
-- active one's session end is recorded for the next admission round to count.
WITH was AS (
    SELECT w.id, w.state FROM queue_tokens w WHERE w.id = @id FOR UPDATE
), gone AS (
    UPDATE queue_tokens t
    SET state = 'expired', left_at = @now::timestamptz
    FROM was
    WHERE t.id = was.id AND (was.state = 'waiting' OR (was.state = 'active' AND t.expires_at > @now::timestamptz))
    RETURNING t.sale_id, t.id, was.state AS was_state
), ended AS (
    INSERT INTO queue_session_ends (sale_id, token_id)
    SELECT gone.sale_id, gone.id FROM gone WHERE gone.was_state = 'active'
)
SELECT gone.id FROM gone;

-- name: QueueClosePreQueue :exec
UPDATE queues SET early_through = last_seq WHERE sale_id = @sale_id AND early_through IS NULL;

-- name: TokenIssueBatch :many
-- A batch of issues of any sales in one statement (see issue_token_batch in sql/functions).
SELECT * FROM issue_token_batch(@sale_ids::text[], @ids::uuid[], @user_ids::text[], @issued_at::timestamptz[], @now::timestamptz, NULL, NULL);

-- name: TokenIssueBatchSpending :many
-- A batch of issues of any sales that spends the joins' solutions in the same statement.
SELECT * FROM issue_token_batch(@sale_ids::text[], @ids::uuid[], @user_ids::text[], @issued_at::timestamptz[],
    @now::timestamptz, @expires_at::timestamptz[], @challenges::bytea[]);

-- name: TokenByID :one
SELECT * FROM queue_tokens WHERE id = @id;

-- name: TokenMarkSeen :exec
-- Coalesced last-seen times of waiting tokens; never moves one back, never revives one.
UPDATE queue_tokens t
SET last_seen_at = v.seen_at
FROM (
    SELECT (@ids::uuid[])[i] AS id, (@seen_at::timestamptz[])[i] AS seen_at
    FROM generate_subscripts(@ids::uuid[], 1) AS i
) AS v
WHERE t.id = v.id AND t.state = 'waiting' AND t.last_seen_at < v.seen_at;

-- name: TokenDraw :exec
-- Gives a sale's early tokens their drawn places: @places[i] for the token numbered i. Numbers
-- go negative first, so the unique index never sees two tokens on one number.
UPDATE queue_tokens t
SET seq = -v.place, arrival_seq = t.seq
FROM unnest(@places::bigint[]) WITH ORDINALITY AS v(place, arrival)
WHERE t.sale_id = @sale_id AND t.seq = v.arrival;

-- name: TokenDrawSettle :exec
UPDATE queue_tokens SET seq = -seq WHERE sale_id = @sale_id AND seq < 0;

-- name: QueueMarkDrawn :exec
UPDATE queues SET drawn_at = @now::timestamptz WHERE sale_id = @sale_id;

-- name: TokenAdmitNext :one
-- One admission round in one statement (see admit_next in sql/functions).
SELECT r.expired::int AS expired, r.admitted::int AS admitted, r.abandoned::int AS abandoned, r.waiting::bigint AS waiting
FROM admit_next(@sale_id::text, sqlc.arg(batch)::int, sqlc.arg(max_active)::int, sqlc.arg(lookahead)::int,
                @abandoned_before::timestamptz, @now::timestamptz, @expires_at::timestamptz) AS r;

-- name: QueueRecordAdmission :exec
-- What a round measured, and the settings it ran with unless a later revision is recorded.
UPDATE queues
SET admit_rate           = @admit_rate,
    rate_at              = @rate_at::timestamptz,
    moved_at             = CASE WHEN @moved::bool THEN @rate_at::timestamptz ELSE moved_at END,
    settings_admit_rate  = CASE WHEN @revision::bigint >= settings_revision THEN @settings_admit_rate::int ELSE settings_admit_rate END,
    settings_max_active  = CASE WHEN @revision::bigint >= settings_revision THEN @settings_max_active::int ELSE settings_max_active END,
    settings_tick_ms     = CASE WHEN @revision::bigint >= settings_revision THEN @settings_tick_ms::int ELSE settings_tick_ms END,
    settings_session_ms  = CASE WHEN @revision::bigint >= settings_revision THEN @settings_session_ms::bigint ELSE settings_session_ms END,
    settings_revision    = GREATEST(settings_revision, @revision::bigint)
WHERE sale_id = @sale_id;

-- name: QueueRecordSettings :exec
INSERT INTO queues (sale_id, settings_admit_rate, settings_max_active, settings_tick_ms, settings_session_ms, settings_revision)
VALUES (@sale_id, @settings_admit_rate::int, @settings_max_active::int, @settings_tick_ms::int, @settings_session_ms::bigint, @revision::bigint)
ON CONFLICT (sale_id) DO UPDATE
SET settings_admit_rate = EXCLUDED.settings_admit_rate,
    settings_max_active = EXCLUDED.settings_max_active,
    settings_tick_ms    = EXCLUDED.settings_tick_ms,
    settings_session_ms = EXCLUDED.settings_session_ms,
    settings_revision   = EXCLUDED.settings_revision
WHERE queues.settings_revision <= EXCLUDED.settings_revision;

-- name: QueueScheduleOpening :execrows
-- Refused (no row) once the pre-queue closed, anyone was admitted, or tokens were already
-- issued first come, first served (queue.Queue.Schedulable).
UPDATE queues
SET opens_at = @opens_at::timestamptz, draw_seed = @draw_seed::bigint
WHERE sale_id = @sale_id AND early_through IS NULL AND admitted_through = 0
  AND (opens_at IS NOT NULL OR last_seq = 0);

-- name: TokenExpireUserActive :exec
-- A payment that leaves the fan no hold to pay in the sale ends their session there; a token
-- they queue with again meanwhile keeps waiting, since waiting tokens leave the queue only at
-- its head.
WITH ended AS (
    UPDATE queue_tokens t
    SET state = 'expired'
    WHERE t.sale_id = @sale_id AND t.user_id = @user_id AND t.state = 'active'
    RETURNING t.sale_id, t.id
)
INSERT INTO queue_session_ends (sale_id, token_id) SELECT ended.sale_id, ended.id FROM ended;

-- name: QueueStats :one
-- The counters with the active count and the oldest waiting token (the first waiting one above
-- the watermark: fans who left may stand before it).
SELECT sqlc.embed(q),
       -- The kept count, less the sessions ended since the last round: no count of the admitted.
       GREATEST(0, q.active_count - (SELECT count(*) FROM queue_session_ends e WHERE e.sale_id = q.sale_id))::bigint AS active,
       head.issued_at AS oldest_issued_at,
       coalesce((SELECT array_agg(t.seq ORDER BY t.seq) FROM queue_tokens t
                 WHERE t.sale_id = q.sale_id AND t.left_at IS NOT NULL AND t.seq > q.admitted_through), '{}')::bigint[] AS left_seqs
FROM queues q
LEFT JOIN queue_tokens head ON head.id = (
    SELECT w.id FROM queue_tokens w
    WHERE w.sale_id = q.sale_id AND w.state = 'waiting' AND w.seq > q.admitted_through
    ORDER BY w.seq LIMIT 1)
WHERE q.sale_id = @sale_id;

-- name: TokensLive :many
-- The live tokens of a batch's fans, each (sale, fan) pair by the index issues probe.
-- A lateral probe for each pair (its LIMIT keeps the planner from pulling it up into a join
-- that could scan every token).
SELECT t.* FROM generate_subscripts(@sale_ids::text[], 1) AS i
CROSS JOIN LATERAL (
    SELECT * FROM queue_tokens q
    WHERE q.sale_id = (@sale_ids::text[])[i] AND q.user_id = (@user_ids::text[])[i] AND q.state IN ('waiting', 'active')
      AND (q.state = 'waiting' OR q.expires_at > @now::timestamptz)
    LIMIT 1) t;

-- name: TokenLive :one
-- A fan's live token in a sale's queue, by the index issues probe.
SELECT * FROM queue_tokens
WHERE sale_id = @sale_id AND user_id = @user_id AND state IN ('waiting', 'active')
  AND (state = 'waiting' OR expires_at > @now::timestamptz)
LIMIT 1;
