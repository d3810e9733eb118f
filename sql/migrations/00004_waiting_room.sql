-- +goose Up
-- The waiting room at rush scale. Sequence numbers come from the queue row, taken under its
-- lock by every issue and every admission, so they are gap-free and commit in order; tokens
-- leave the queue only at its head, so the waiting tokens are exactly admitted_through+1 ..
-- last_seq and a position is arithmetic, not a count.
CREATE TABLE queues (
    name             text             PRIMARY KEY,
    last_seq         bigint           NOT NULL DEFAULT 0,
    admitted_through bigint           NOT NULL DEFAULT 0,
    -- A scheduled opening: tokens issued before it are early, and their places are drawn with
    -- draw_seed when it comes. early_through is set when the pre-queue closes.
    opens_at         timestamptz,
    draw_seed        bigint,
    early_through    bigint,
    drawn_at         timestamptz,
    -- The measured admission rate (fans per second, a moving average) and when it was updated.
    admit_rate       double precision NOT NULL DEFAULT 0,
    rate_at          timestamptz,
    admitted_total   bigint           NOT NULL DEFAULT 0,
    abandoned_total  bigint           NOT NULL DEFAULT 0,
    CHECK (0 <= admitted_through AND admitted_through <= last_seq),
    CHECK ((opens_at IS NULL) = (draw_seed IS NULL)),
    CHECK (drawn_at IS NULL OR early_through IS NOT NULL)
);

ALTER TABLE queue_tokens ALTER COLUMN seq DROP IDENTITY;
-- last_seen_at is not indexed, so the coalesced last-seen writes stay heap-only updates.
ALTER TABLE queue_tokens ADD COLUMN last_seen_at timestamptz;
UPDATE queue_tokens SET last_seen_at = issued_at;
ALTER TABLE queue_tokens ALTER COLUMN last_seen_at SET NOT NULL;
ALTER TABLE queue_tokens ADD COLUMN early boolean NOT NULL DEFAULT false;
-- The provisional number an early token had before the draw, kept to replay the draw.
ALTER TABLE queue_tokens ADD COLUMN arrival_seq bigint;

-- Tokens issued before this migration may have gaps; the watermark starts below the first
-- waiting one, so positions can only overstate for them.
INSERT INTO queues (name, last_seq, admitted_through)
SELECT 'main', coalesce(max(seq), 0),
       coalesce((SELECT min(seq) - 1 FROM queue_tokens WHERE state = 'waiting'), max(seq), 0)
FROM queue_tokens;

-- Issues a batch of tokens in one call, so the queue lock is held for no client round trip:
-- it locks the queue, closes the pre-queue if the opening has come, ends sessions that ran out
-- for these users, then inserts a waiting token for each user without a live one, numbered on
-- from last_seq in request order, and returns the live token of every requested user. Each
-- statement of a PL/pgSQL function reads a fresh snapshot, so the insert sees every batch
-- committed before the lock was granted. Users must be distinct.
-- +goose StatementBegin
CREATE FUNCTION issue_tokens(p_queue text, p_ids uuid[], p_users text[], p_issued_at timestamptz[], p_now timestamptz)
RETURNS SETOF queue_tokens
LANGUAGE plpgsql AS $$
DECLARE
    q queues;
BEGIN
    SELECT * INTO STRICT q FROM queues WHERE name = p_queue FOR UPDATE;
    IF q.opens_at IS NOT NULL AND q.early_through IS NULL AND p_now >= q.opens_at THEN
        UPDATE queues SET early_through = last_seq WHERE name = p_queue;
        q.early_through := q.last_seq;
    END IF;
    UPDATE queue_tokens SET state = 'expired'
    WHERE user_id = ANY(p_users) AND state = 'active' AND expires_at <= p_now;
    RETURN QUERY
    WITH req AS (
        SELECT p_ids[i] AS id, p_users[i] AS user_id, p_issued_at[i] AS issued_at, i AS ord
        FROM generate_subscripts(p_ids, 1) AS i
    ), live AS (
        SELECT t.* FROM queue_tokens t
        WHERE t.user_id = ANY(p_users) AND t.state IN ('waiting', 'active')
    ), fresh AS (
        SELECT req.id, req.user_id, req.issued_at, row_number() OVER (ORDER BY req.ord) AS n
        FROM req
        WHERE NOT EXISTS (SELECT 1 FROM live WHERE live.user_id = req.user_id)
    ), inserted AS (
        INSERT INTO queue_tokens (id, user_id, seq, issued_at, last_seen_at, early)
        SELECT id, user_id, q.last_seq + n, issued_at, issued_at, q.opens_at IS NOT NULL AND q.early_through IS NULL
        FROM fresh
        RETURNING *
    ), advanced AS (
        UPDATE queues SET last_seq = last_seq + (SELECT count(*) FROM inserted) WHERE name = p_queue
    )
    SELECT * FROM inserted
    UNION ALL
    SELECT * FROM live;
END
$$;
-- +goose StatementEnd

-- One admission round, under the queue lock and in one call: it ends the sessions that ran out,
-- then, once the queue is open and its draw done, walks the waiting tokens in sequence order,
-- expiring those last seen before p_abandoned_before (their fans left) and activating the
-- others, and stops before the activation that would pass the batch or the ceiling. kept counts
-- activations up to and including a row, so the round takes exactly the rows with kept <= room:
-- always a prefix of the queue, and the watermark moves to its end. It looks at most p_lookahead
-- rows past the room, so a long run of abandoned tokens is cleared over several rounds.
-- +goose StatementBegin
CREATE FUNCTION admit_next(p_queue text, p_batch int, p_max_active int, p_lookahead int,
                           p_abandoned_before timestamptz, p_now timestamptz, p_expires_at timestamptz)
RETURNS TABLE (expired int, admitted int, abandoned int, waiting bigint)
LANGUAGE plpgsql AS $$
DECLARE
    q queues;
    n_expired int;
BEGIN
    SELECT * INTO STRICT q FROM queues WHERE name = p_queue FOR UPDATE;
    UPDATE queue_tokens SET state = 'expired' WHERE state = 'active' AND expires_at <= p_now;
    GET DIAGNOSTICS n_expired = ROW_COUNT;
    IF q.opens_at IS NOT NULL AND (p_now < q.opens_at OR q.drawn_at IS NULL) THEN
        -- Not open yet, or the opening draw is still to do: admit nobody.
        RETURN QUERY SELECT n_expired, 0, 0, q.last_seq - q.admitted_through;
        RETURN;
    END IF;
    RETURN QUERY
    WITH room AS (
        SELECT GREATEST(0, LEAST(p_batch, p_max_active - (SELECT count(*) FROM queue_tokens WHERE state = 'active')::int)) AS n
    ), head AS (
        SELECT t.id, t.seq, t.last_seen_at < p_abandoned_before AS gone
        FROM queue_tokens t
        WHERE t.state = 'waiting'
        ORDER BY t.seq
        LIMIT (SELECT n FROM room) + p_lookahead
    ), ranked AS (
        SELECT head.id, head.seq, head.gone, count(*) FILTER (WHERE NOT head.gone) OVER (ORDER BY head.seq) AS kept
        FROM head
    ), taken AS (
        SELECT ranked.id, ranked.seq, ranked.gone FROM ranked, room WHERE ranked.kept <= room.n
    ), moved AS (
        UPDATE queue_tokens t
        SET state       = CASE WHEN taken.gone THEN 'expired' ELSE 'active' END,
            admitted_at = CASE WHEN taken.gone THEN NULL ELSE p_now END,
            expires_at  = CASE WHEN taken.gone THEN NULL ELSE p_expires_at END
        FROM taken
        WHERE t.id = taken.id
        RETURNING t.seq, taken.gone
    ), counts AS (
        SELECT count(*) FILTER (WHERE NOT moved.gone)::int AS n_admitted,
               count(*) FILTER (WHERE moved.gone)::int AS n_abandoned,
               max(moved.seq) AS through
        FROM moved
    )
    UPDATE queues
    SET admitted_through = GREATEST(queues.admitted_through, coalesce(counts.through, 0)),
        admitted_total   = queues.admitted_total + counts.n_admitted,
        abandoned_total  = queues.abandoned_total + counts.n_abandoned
    FROM counts
    WHERE queues.name = p_queue
    RETURNING n_expired, counts.n_admitted, counts.n_abandoned, queues.last_seq - queues.admitted_through;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION admit_next;
DROP FUNCTION issue_tokens;
ALTER TABLE queue_tokens DROP COLUMN arrival_seq;
ALTER TABLE queue_tokens DROP COLUMN early;
ALTER TABLE queue_tokens DROP COLUMN last_seen_at;
ALTER TABLE queue_tokens ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('queue_tokens', 'seq'), (SELECT coalesce(max(seq), 0) + 1 FROM queue_tokens), false);
DROP TABLE queues;
