-- The waiting room's two statements that must hold the queue lock for no client round trip:
-- each is one call of a function. `boxoffice migrate` (and every role at start-up) applies this
-- file after the migrations, every time, so a fix is an edit here. The rules they follow are
-- the queue context's (core/queue): numbers gap-free and in commit order, a round's room is
-- queue.Round.Room, a fan is skipped when queue.Round.Abandoned.

-- Issues a batch of tokens in one call, so the queue lock is held for no client round trip:
-- it locks the queue, closes the pre-queue if the opening has come, ends sessions that ran out
-- for these users, then inserts a waiting token for each user without a live one, numbered on
-- from last_seq in request order, and returns the live token of every requested user. Each
-- statement of a PL/pgSQL function reads a fresh snapshot, so the insert sees every batch
-- committed before the lock was granted. Users must be distinct.
CREATE OR REPLACE FUNCTION issue_tokens(p_queue text, p_ids uuid[], p_users text[], p_issued_at timestamptz[], p_now timestamptz)
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

-- One admission round, under the queue lock and in one call: it ends the sessions that ran out,
-- then, once the queue is open and its draw done, walks the waiting tokens in sequence order,
-- expiring those last seen before p_abandoned_before (their fans left) and activating the
-- others, and stops before the activation that would pass the batch or the ceiling. kept counts
-- activations up to and including a row, so the round takes exactly the rows with kept <= room:
-- always a prefix of the queue, and the watermark moves to its end. It looks at most p_lookahead
-- rows past the room, so a long run of abandoned tokens is cleared over several rounds.
CREATE OR REPLACE FUNCTION admit_next(p_queue text, p_batch int, p_max_active int, p_lookahead int,
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
