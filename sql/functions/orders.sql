-- An order's seats, taken all or none (booking.Order), in one call. Applied after booking.sql,
-- whose functions it uses; the contract suite holds it and the memory store to the same answers.

-- Claims seats p_seats (distinct, in seat order) of p_sale's p_date for the reservations p_ids
-- (the i-th seat for the i-th id) until p_held_until, all or none, waiting for no other
-- transaction. It locks the seats one by one in seat order and gives up at the first that is
-- not free (catalog.Claim.AvailableAt) or that another transaction has locked: of attempts
-- racing for the same seats, the one that locks the lowest first goes on unhindered, so one
-- wins. claimed says whether it took them all; if not, it took none (the attempt runs in a
-- subtransaction, undone with its row locks) and missing names the seat it gave up at.
-- previous lists the holds the seats' claims still named, past their deadline, which the
-- caller releases.
CREATE OR REPLACE FUNCTION claim_seats(p_sale text, p_date date, p_seats int[], p_ids uuid[], p_held_until timestamptz, p_now timestamptz,
                                       OUT claimed boolean, OUT missing int[], OUT previous uuid[])
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_seat   int;
    v_holder uuid;
BEGIN
    previous := '{}';
    missing := '{}';
    BEGIN
        FOREACH v_seat IN ARRAY p_seats LOOP
            missing := ARRAY[v_seat];
            SELECT t.reservation_id INTO v_holder FROM seats t
            WHERE t.sale_id = p_sale AND t.perf_date = p_date AND t.seat_no = v_seat
              AND seat_free(t.status, t.held_until, p_now)
            FOR UPDATE NOWAIT;
            IF NOT FOUND OR (v_holder IS NOT NULL AND waitlist_waits(p_sale, p_date)) THEN
                -- Taken; or held past its deadline while fans wait for the date, whose waitlist
                -- gets the seat when its release runs.
                RAISE EXCEPTION USING ERRCODE = 'BX090', MESSAGE = 'a seat is taken';
            END IF;
            IF v_holder IS NOT NULL THEN
                previous := previous || v_holder;
            END IF;
        END LOOP;
        missing := '{}';
        -- Seat by seat, by primary key: a plan that cannot depend on statistics, which a date
        -- just put on sale does not have yet.
        FOR i IN 1 .. cardinality(p_seats) LOOP
            UPDATE seats s SET status = 'held', reservation_id = p_ids[i], held_until = p_held_until
            WHERE s.sale_id = p_sale AND s.perf_date = p_date AND s.seat_no = p_seats[i];
        END LOOP;
        claimed := true;
    EXCEPTION WHEN SQLSTATE 'BX090' OR lock_not_available THEN
        claimed := false;
        previous := '{}';
    END;
END $$;

-- The best available seats of p_sale's p_date for a wish (catalog.Performance.BestAvailable):
-- in section p_section, or else in the first section by first seat that can satisfy it, the
-- lowest-numbered p_quantity seats free, or with p_together the lowest-numbered run of
-- consecutive ones, claimed as claim_seats does. A seat another transaction is taking is
-- passed over and the search goes on past it. claimed is null when no section has them, and
-- available then says the most the wish could have had (together: the longest run), counting
-- no seat found being taken. The free seats are read in seat order from seats_free, and the holds past their
-- deadline (free too) from seats_held_by_deadline, merged in: the search passes over no seat
-- sold or held, so its cost follows the seats it takes and those being taken as it looks, not
-- the date's size or how much of it is sold.
CREATE OR REPLACE FUNCTION claim_best_available(p_sale text, p_date date, p_quantity int, p_section text, p_together boolean,
                                                p_ids uuid[], p_held_until timestamptz, p_now timestamptz,
                                                OUT claimed int[], OUT previous uuid[], OUT available int)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_lapsed  int[];
    v_section record;
    v_free    refcursor;
    v_next    int;
    v_li      int;
    v_seat    int;
    v_picked  int[];
    v_seen    int;
    v_claim   record;
BEGIN
    available := 0;
    -- Holds past their deadline are free too, unless fans wait for the date: then their seats
    -- are the waitlist's once their releases run.
    v_lapsed := ARRAY(SELECT t.seat_no FROM seats t
                      WHERE t.sale_id = p_sale AND t.perf_date = p_date AND t.status = 'held' AND t.held_until <= p_now
                      ORDER BY t.seat_no);
    IF cardinality(v_lapsed) > 0 AND waitlist_waits(p_sale, p_date) THEN -- asked only when a hold has lapsed
        v_lapsed := '{}';
    END IF;
    FOR v_section IN
        SELECT c.first_seat, c.last_seat FROM sections c
        WHERE c.sale_id = p_sale AND c.perf_date = p_date AND (p_section IS NULL OR c.name = p_section)
        ORDER BY c.first_seat
    LOOP
        v_picked := '{}';
        v_seen := 0;
        v_li := 1;
        OPEN v_free FOR
            SELECT t.seat_no FROM seats t
            WHERE t.sale_id = p_sale AND t.perf_date = p_date AND t.status = 'available'
              AND t.seat_no BETWEEN v_section.first_seat AND v_section.last_seat
            ORDER BY t.seat_no;
        FETCH v_free INTO v_next;
        LOOP
            -- The next seat free, in seat order, from either source.
            WHILE v_li <= cardinality(v_lapsed) AND v_lapsed[v_li] < v_section.first_seat LOOP
                v_li := v_li + 1;
            END LOOP;
            -- A hold released since v_lapsed was read is free as well: taken once.
            IF v_li <= cardinality(v_lapsed) AND v_lapsed[v_li] = v_next THEN
                v_li := v_li + 1;
            END IF;
            IF v_li <= cardinality(v_lapsed) AND v_lapsed[v_li] <= v_section.last_seat AND (v_next IS NULL OR v_lapsed[v_li] < v_next) THEN
                v_seat := v_lapsed[v_li];
                v_li := v_li + 1;
            ELSIF v_next IS NOT NULL THEN
                v_seat := v_next;
                FETCH v_free INTO v_next;
                IF NOT FOUND THEN
                    v_next := NULL;
                END IF;
            ELSE
                EXIT;
            END IF;

            IF p_together AND cardinality(v_picked) > 0 AND v_seat <> v_picked[cardinality(v_picked)] + 1 THEN
                v_picked := '{}';
            END IF;
            v_picked := v_picked || v_seat;
            IF cardinality(v_picked) = p_quantity THEN
                SELECT c.claimed, c.missing, c.previous INTO v_claim FROM claim_seats(p_sale, p_date, v_picked, p_ids, p_held_until, p_now) c;
                IF v_claim.claimed THEN
                    CLOSE v_free;
                    claimed := v_picked;
                    previous := v_claim.previous;
                    RETURN;
                END IF;
                -- A seat being taken: keep the others (together: those after it) and look
                -- further.
                v_picked := CASE WHEN p_together
                                 THEN ARRAY(SELECT n FROM unnest(v_picked) n WHERE n > v_claim.missing[1] ORDER BY n)
                                 ELSE ARRAY(SELECT n FROM unnest(v_picked) n WHERE n <> v_claim.missing[1] ORDER BY n) END;
            END IF;
            -- What could be had, without the seats found being taken: fewer than asked at the end.
            v_seen := CASE WHEN p_together THEN greatest(v_seen, cardinality(v_picked)) ELSE cardinality(v_picked) END;
        END LOOP;
        CLOSE v_free;
        available := greatest(available, v_seen);
    END LOOP;
END $$;

-- Holds an order of p_sale's p_date for the fan of token p_token, as order p_order whose
-- reservations are p_ids (in seat order): the chosen seats p_seats, all or none, or else
-- p_quantity of the best available (claim_best_available). It answers, in HoldSeat's order of
-- checks, one row per seat held (outcome held, with its section and price and the limit it was
-- held under), or one row: not_admitted, unknown_seat (a chosen seat, or the date, the sale
-- does not have), taken (one row per chosen seat found taken, or the one found being taken), or
-- not_enough (available: the most the wish could have had). The rarer refusals of won seats
-- raise as hold_seat's do (keep_won_seats: BX001, BX002), which gives the seats back with the
-- statement; BX001's count is of seats.
CREATE OR REPLACE FUNCTION hold_order(p_token uuid, p_order uuid, p_ids uuid[], p_user text, p_sale text, p_date date,
                                      p_seats int[], p_quantity int, p_section text, p_together boolean,
                                      p_held_until timestamptz, p_now timestamptz, p_limit int)
RETURNS TABLE (outcome text, seat_no int, section text, price bigint, fan_limit int, available int)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_seats     int[];
    v_previous  uuid[];
    v_seat      int;
    v_status    text;
    v_until     timestamptz;
    v_section   text;
    v_price     bigint;
    v_taken     int[];
    v_claim     record;
    v_limit     int;
BEGIN
    IF NOT token_admits(p_token, p_user, p_sale, p_now) THEN
        outcome := 'not_admitted'; RETURN NEXT; RETURN;
    END IF;

    IF cardinality(p_seats) > 0 THEN
        -- Chosen seats: a loser is told every seat taken as last committed, without a lock, each
        -- read by primary key (as claim_seats takes them).
        v_seats := ARRAY(SELECT DISTINCT n FROM unnest(p_seats) n ORDER BY n);
        v_taken := '{}';
        FOREACH v_seat IN ARRAY v_seats LOOP
            SELECT t.status, t.held_until INTO v_status, v_until
            FROM seats t WHERE t.sale_id = p_sale AND t.perf_date = p_date AND t.seat_no = v_seat;
            IF NOT FOUND THEN
                outcome := 'unknown_seat'; RETURN NEXT; RETURN;
            ELSIF NOT seat_free(v_status, v_until, p_now) THEN
                v_taken := v_taken || v_seat;
            END IF;
        END LOOP;
        IF cardinality(v_taken) = 0 THEN
            SELECT c.claimed, c.missing, c.previous INTO v_claim FROM claim_seats(p_sale, p_date, v_seats, p_ids, p_held_until, p_now) c;
            v_taken := CASE WHEN v_claim.claimed THEN '{}' ELSE v_claim.missing END;
            v_previous := v_claim.previous;
        END IF;
        IF cardinality(v_taken) > 0 THEN
            RETURN QUERY SELECT 'taken', n, NULL::text, NULL::bigint, NULL::int, NULL::int FROM unnest(v_taken) n;
            RETURN;
        END IF;
    ELSE
        PERFORM 1 FROM performances p WHERE p.sale_id = p_sale AND p.perf_date = p_date;
        IF NOT FOUND THEN
            outcome := 'unknown_seat'; RETURN NEXT; RETURN;
        END IF;
        SELECT c.claimed, c.previous, c.available INTO v_claim
        FROM claim_best_available(p_sale, p_date, p_quantity, p_section, p_together, p_ids, p_held_until, p_now) c;
        IF v_claim.claimed IS NULL THEN
            outcome := 'not_enough'; available := v_claim.available; RETURN NEXT; RETURN;
        END IF;
        v_seats := v_claim.claimed;
        v_previous := v_claim.previous;
    END IF;

    -- The seats are won. What follows keeps them, or raises, which gives them back with the
    -- statement.
    v_limit := keep_won_seats(p_sale, p_date, p_user, p_now, p_limit, cardinality(v_seats));

    UPDATE reservations r SET status = 'released'
    WHERE r.id IN (SELECT q.id FROM reservations q WHERE q.id = ANY (v_previous) AND q.status = 'held' FOR UPDATE SKIP LOCKED);
    INSERT INTO orders (id, user_id, sale_id, perf_date, held_until, created_at) VALUES (p_order, p_user, p_sale, p_date, p_held_until, p_now);
    -- Each seat at its section's price of the moment, read by primary key.
    FOR i IN 1 .. cardinality(v_seats) LOOP
        SELECT t.section, c.price INTO v_section, v_price
        FROM seats t JOIN sections c ON c.sale_id = t.sale_id AND c.perf_date = t.perf_date AND c.name = t.section
        WHERE t.sale_id = p_sale AND t.perf_date = p_date AND t.seat_no = v_seats[i];
        INSERT INTO reservations (id, order_id, user_id, sale_id, perf_date, seat_no, section, price, status, held_until, created_at, fan_limit)
        VALUES (p_ids[i], p_order, p_user, p_sale, p_date, v_seats[i], v_section, v_price, 'held', p_held_until, p_now, v_limit);
        outcome := 'held'; seat_no := v_seats[i]; section := v_section; price := v_price; fan_limit := v_limit;
        RETURN NEXT;
    END LOOP;
END $$;
