-- The waiting rooms' statements that must hold queue locks for no client round trip: each is
-- one call of a function. A sale's queue row is created on its first use; each sale has its own
-- lock. Issues take the queue row's lock, which numbers tokens; admission rounds take the sale's
-- admission lock (admission_lock), and the row's only for their last statement, so an issue
-- does not wait for a round to walk its tokens. One case waits: the re-issue of a fan whose
-- session ran out and whom the running round is ending waits for that round's commit on the
-- fan's token. Both lock a token before the queue row, and a round skips a token an issue has
-- locked, so they never deadlock. `boxoffice migrate` (and every role at start-up) applies
-- this file after the migrations, every time, so a fix is an edit here. The rules they follow are the queue
-- context's (core/queue): numbers gap-free and in commit order, a round's room is
-- queue.Round.Room, a fan is skipped when queue.Round.Abandoned.
--
-- PL/pgSQL keeps, per connection, generic plans chosen from the statistics of the moment, which
-- for a new sale say its queue is empty; a plan that then scans the whole queue costs each call
-- time in proportion to the tokens issued before it (measured on a single-sale version: 36 ms a
-- thousand issues at any queue size when planned fresh, 730 ms after 50,000 with the cached
-- plan). So issue_token_batch looks fans up one index probe each, whatever the planner believes
-- (TestIssueReadsNoMoreThanTheFansItIssues counts the rows it reads), and admit_next, called
-- once a tick, is planned afresh on every call (plan_cache_mode = force_custom_plan).

-- The single-sale issue of the first release of sales, replaced by the batch of any sales below.
DROP FUNCTION IF EXISTS issue_tokens(text, uuid[], text[], timestamptz[], timestamptz);

-- Issues a batch of tokens of any sales in one call, so no queue lock is held for a client round
-- trip and fans spread over many sales cost one statement, as fans of one do: it locks the
-- queues of the sales named, in sale order (so concurrent batches never deadlock), closes each
-- pre-queue whose opening has come, ends the sessions that ran out for these fans, then inserts
-- a waiting token for each fan without a live one in that sale, numbered on from the sale's
-- last_seq in request order, and returns the live token of every (sale, user) asked for. Each
-- statement of a PL/pgSQL function reads a fresh snapshot, so the insert sees every batch
-- committed before the locks were granted. The pairs (sale, user) must be distinct.
--
-- Joins of sales that ask a proof of work carry its solution (p_challenges[i], the challenge's
-- 32 bytes, with its expiry; NULL for a join of a sale that asks none, and both arrays NULL for
-- a batch with none; arrays of another length than the batch's are refused): the call spends
-- them first, in key order (two batches racing to spend the same ones wait on each other in one
-- order), and a join whose solution was spent before gets nothing, not even its fan's live
-- token. So the door adds rows to the batch's one statement and transaction, not a statement or
-- a commit. The solutions must be distinct.
CREATE OR REPLACE FUNCTION issue_token_batch(p_sales text[], p_ids uuid[], p_users text[], p_issued_at timestamptz[], p_now timestamptz,
                             p_expires_at timestamptz[], p_challenges bytea[])
RETURNS SETOF queue_tokens
LANGUAGE plpgsql AS $$
DECLARE
    v_ended_sales text[];
    v_ended_counts bigint[];
    v_fresh bytea[];
BEGIN
    IF cardinality(p_challenges) <> cardinality(p_sales) OR cardinality(p_expires_at) <> cardinality(p_sales) THEN
        RAISE EXCEPTION 'issue_token_batch: % joins, % solutions and % expiries', cardinality(p_sales), cardinality(p_challenges), cardinality(p_expires_at);
    END IF;
    IF p_challenges IS NOT NULL THEN
        WITH spent AS (
            INSERT INTO spent_proofs (expires_at, challenge)
            SELECT p.expires_at, p.challenge FROM unnest(p_expires_at, p_challenges) AS p(expires_at, challenge)
            WHERE p.challenge IS NOT NULL
            ORDER BY 1, 2
            ON CONFLICT (expires_at, challenge) DO NOTHING
            RETURNING challenge
        )
        SELECT array_agg(spent.challenge) INTO v_fresh FROM spent;
    END IF;
    INSERT INTO queues (sale_id) SELECT DISTINCT s FROM unnest(p_sales) AS s ORDER BY 1 ON CONFLICT DO NOTHING;
    -- Through the index of active tokens by expiry: the sessions that ran out are few, however
    -- long the queue. Before the queue lock, as a round takes its locks in the same order.
    WITH ended AS (
        UPDATE queue_tokens t SET state = 'expired'
        WHERE t.sale_id = ANY(p_sales) AND t.state = 'active' AND t.expires_at <= p_now
          AND (t.sale_id, t.user_id) IN (SELECT * FROM unnest(p_sales, p_users))
        RETURNING t.sale_id
    )
    SELECT array_agg(e.sale_id), array_agg(e.n) INTO v_ended_sales, v_ended_counts
    FROM (SELECT ended.sale_id, count(*) AS n FROM ended GROUP BY ended.sale_id) e;
    PERFORM 1 FROM queues WHERE sale_id = ANY(p_sales) ORDER BY sale_id FOR UPDATE;
    UPDATE queues SET early_through = last_seq
    WHERE sale_id = ANY(p_sales) AND opens_at IS NOT NULL AND early_through IS NULL AND p_now >= opens_at;
    -- Each queue's count of fans in session loses the sessions ended above, under its lock.
    UPDATE queues q SET active_count = GREATEST(0, q.active_count - e.n)
    FROM unnest(v_ended_sales, v_ended_counts) AS e(sale_id, n)
    WHERE q.sale_id = e.sale_id;
    RETURN QUERY
    WITH req AS (
        -- The joins let in: those with no solution, and those whose solution was just spent (a
        -- hashed lookup: the batch's cost stays in proportion to its size).
        SELECT r.sale_id, r.id, r.user_id, r.issued_at, r.ord
        FROM unnest(p_sales, p_ids, p_users, p_issued_at, p_challenges) WITH ORDINALITY AS r(sale_id, id, user_id, issued_at, challenge, ord)
        WHERE r.challenge IS NULL OR r.challenge IN (SELECT unnest(v_fresh))
    ), live AS (
        -- One index probe a fan (LIMIT 1 keeps it a probe: a planner misled by stale statistics
        -- would otherwise join the batch to the whole queue).
        SELECT t.* FROM req CROSS JOIN LATERAL (
            SELECT * FROM queue_tokens q
            WHERE q.user_id = req.user_id AND q.sale_id = req.sale_id AND q.state IN ('waiting', 'active')
            LIMIT 1
        ) AS t
    ), fresh AS (
        SELECT req.sale_id, req.id, req.user_id, req.issued_at, row_number() OVER (PARTITION BY req.sale_id ORDER BY req.ord) AS n
        FROM req
        WHERE NOT EXISTS (SELECT 1 FROM live WHERE live.user_id = req.user_id AND live.sale_id = req.sale_id)
    ), inserted AS (
        INSERT INTO queue_tokens (id, sale_id, user_id, seq, issued_at, last_seen_at, early)
        SELECT f.id, f.sale_id, f.user_id, q.last_seq + f.n, f.issued_at, f.issued_at, q.opens_at IS NOT NULL AND q.early_through IS NULL
        FROM fresh f JOIN queues q ON q.sale_id = f.sale_id
        RETURNING *
    ), advanced AS (
        UPDATE queues q SET last_seq = q.last_seq + c.n
        FROM (SELECT sale_id, count(*) AS n FROM inserted GROUP BY sale_id) AS c
        WHERE q.sale_id = c.sale_id
    )
    SELECT * FROM inserted
    UNION ALL
    SELECT * FROM live;
END
$$;

-- The issue of the release before, which its instances call during a rolling upgrade; a later
-- release drops it. (An instance of that release that restarts puts its own body back, which
-- issues as this does.)
CREATE OR REPLACE FUNCTION issue_tokens(p_sales text[], p_ids uuid[], p_users text[], p_issued_at timestamptz[], p_now timestamptz)
RETURNS SETOF queue_tokens
LANGUAGE sql AS $$ SELECT * FROM issue_token_batch(p_sales, p_ids, p_users, p_issued_at, p_now, NULL, NULL) $$;

-- The lock a sale's admission rounds take, one round at a time; the opening draw takes it before
-- the queue row's, as a round does.
CREATE OR REPLACE FUNCTION admission_lock(p_queue text) RETURNS void
LANGUAGE sql AS $$ SELECT pg_advisory_xact_lock(hashtextextended('admission:' || p_queue, 0)) $$;

-- One admission round, under the sale's admission lock and in one call: it takes off the queue's
-- count of fans in session the sessions that payments and leavers ended since the last round,
-- ends the sessions that ran out, then, once the queue is open and its draw done, walks the
-- waiting tokens in sequence order, expiring those last seen before p_abandoned_before (their
-- fans left) and activating the others, and stops before the activation that would pass the
-- batch or the ceiling. kept counts activations up to and including a row, so the round takes
-- exactly the rows with kept <= room: always a prefix of the queue, and the watermark moves to
-- its end. It looks at most p_lookahead rows past the room, so a long run of abandoned tokens is
-- cleared over several rounds. Every statement reads an index range bounded by the round (the
-- sessions ended since the last one, the batch and the lookahead), never the sale's admitted
-- fans or its queue (TestHotStatementsReadBoundedRowsAtRushScale): the tokens taken are updated
-- by primary key.
--
-- Issues go on meanwhile: the queue row is read, not locked, until the last statement, which
-- applies the round's counts to the row as it then is. The waiting tokens it reads are a prefix
-- of the queue whatever issues commit during the round (issues number under the row lock, so
-- they commit in number order), and the room is never more than there is: only a round adds to
-- the count of fans in session. A session that ran out and whose fan is being issued a new token
-- at this moment is skipped: that issue ends it and counts it.
CREATE OR REPLACE FUNCTION admit_next(p_queue text, p_batch int, p_max_active int, p_lookahead int,
                           p_abandoned_before timestamptz, p_now timestamptz, p_expires_at timestamptz)
RETURNS TABLE (expired int, admitted int, abandoned int, waiting bigint)
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    q queues;
    n_ended     int;
    n_expired   int;
    n_admitted  int := 0;
    n_abandoned int := 0;
    v_room      int;
    v_admit     uuid[];
    v_gone      uuid[];
    v_through   bigint;
    v_left      bigint;
    v_last      bigint;
BEGIN
    PERFORM admission_lock(p_queue);
    INSERT INTO queues (sale_id) VALUES (p_queue) ON CONFLICT DO NOTHING;
    SELECT * INTO STRICT q FROM queues WHERE sale_id = p_queue;
    WITH ended AS (DELETE FROM queue_session_ends e WHERE e.sale_id = p_queue RETURNING 1)
    SELECT count(*) INTO n_ended FROM ended;
    UPDATE queue_tokens t SET state = 'expired'
    WHERE t.id IN (SELECT r.id FROM queue_tokens r
                   WHERE r.sale_id = p_queue AND r.state = 'active' AND r.expires_at <= p_now
                   FOR UPDATE SKIP LOCKED)
      AND t.state = 'active';
    GET DIAGNOSTICS n_expired = ROW_COUNT;
    IF q.opens_at IS NULL OR (p_now >= q.opens_at AND q.drawn_at IS NOT NULL) THEN
        v_room := GREATEST(0, LEAST(p_batch, p_max_active - GREATEST(0, q.active_count - n_ended - n_expired)));
        SELECT array_agg(ranked.id) FILTER (WHERE NOT ranked.gone), array_agg(ranked.id) FILTER (WHERE ranked.gone), max(ranked.seq)
        INTO v_admit, v_gone, v_through
        FROM (
            SELECT head.id, head.seq, head.gone, count(*) FILTER (WHERE NOT head.gone) OVER (ORDER BY head.seq) AS kept
            FROM (
                SELECT t.id, t.seq, t.last_seen_at < p_abandoned_before AS gone
                FROM queue_tokens t
                WHERE t.sale_id = p_queue AND t.state = 'waiting'
                ORDER BY t.seq
                LIMIT v_room + p_lookahead
            ) head
        ) ranked
        WHERE ranked.kept <= v_room;
        -- Still waiting: a fan who left while the round ran stays gone (read again under its lock).
        UPDATE queue_tokens SET state = 'active', admitted_at = p_now, expires_at = p_expires_at
        WHERE id = ANY(v_admit) AND state = 'waiting';
        GET DIAGNOSTICS n_admitted = ROW_COUNT;
        UPDATE queue_tokens SET state = 'expired'
        WHERE id = ANY(v_gone) AND state = 'waiting';
        GET DIAGNOSTICS n_abandoned = ROW_COUNT;
    END IF;
    v_through := GREATEST(q.admitted_through, coalesce(v_through, 0));
    -- Waiting: the numbers above the watermark, less those whose fans left (one index range).
    SELECT count(*) INTO v_left FROM queue_tokens l WHERE l.sale_id = p_queue AND l.left_at IS NOT NULL AND l.seq > v_through;
    -- The row as it is now, with the tokens issued during the round: nobody waits only if none
    -- was (a fan who joins later finds the queue asleep and wakes the loop).
    UPDATE queues
    SET admitted_through = v_through,
        admitted_total   = queues.admitted_total + n_admitted,
        abandoned_total  = queues.abandoned_total + n_abandoned,
        active_count     = GREATEST(0, queues.active_count - n_ended - n_expired) + n_admitted,
        asleep           = queues.last_seq - v_through - v_left = 0
    WHERE queues.sale_id = p_queue
    RETURNING queues.last_seq INTO v_last;
    RETURN QUERY SELECT n_expired, n_admitted, n_abandoned, v_last - v_through - v_left;
END
$$;
