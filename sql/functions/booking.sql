-- The race for a seat, in one statement. `boxoffice migrate` (and every role at start-up)
-- applies this file after the migrations, every time, so a fix is an edit here. The rules it
-- follows are the booking context's (core/booking): a seat is holdable while available or held
-- past its claim (catalog.Claim.AvailableAt), a fan's holds that can still be paid and tickets in
-- a sale stay under the limit (booking.TicketCount.Allows), only an active token of the sale holds, only a sale on
-- sale, only a performance not cancelled. The contract suite holds this function and the memory
-- store to the same answers.

-- When paying for a hold ends (booking.Reservation.PaymentDeadline): its deadline, or
-- booking.PaymentWait (a minute) after it once the API accepted a payment of it. Inlined by the
-- planner wherever it is used.
CREATE OR REPLACE FUNCTION payment_deadline(p_held_until timestamptz, p_payment_accepted_at timestamptz)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_payment_accepted_at IS NULL THEN p_held_until ELSE p_held_until + interval '1 minute' END
$$;

-- What a fan has in a sale at p_now, as booking.TicketCount counts it (TicketCount.Add): holds
-- that can still be paid (neither paid nor released, before their payment deadline), those
-- before their deadline, tickets bought, the earliest payment deadline of the held ones
-- (p_now when none), and the greatest limit the counted ones were made under (0 for none). hold_seat and the settlements (FanTicketCount) both count with it, under
-- the fan's lock.
CREATE OR REPLACE FUNCTION fan_ticket_count(p_sale text, p_user text, p_now timestamptz)
RETURNS TABLE (held int, live int, paid int, earliest_hold_end timestamptz, fan_limit int)
LANGUAGE sql STABLE AS $$
    SELECT count(*) FILTER (WHERE r.status = 'held' AND payment_deadline(r.held_until, r.payment_accepted_at) > p_now)::int,
           count(*) FILTER (WHERE r.status = 'held' AND r.held_until > p_now)::int,
           count(*) FILTER (WHERE r.status = 'paid')::int,
           coalesce(min(payment_deadline(r.held_until, r.payment_accepted_at))
                    FILTER (WHERE r.status = 'held' AND payment_deadline(r.held_until, r.payment_accepted_at) > p_now), p_now),
           coalesce(max(r.fan_limit) FILTER (WHERE r.status = 'paid' OR payment_deadline(r.held_until, r.payment_accepted_at) > p_now), 0)::int
    FROM reservations r
    WHERE r.sale_id = p_sale AND r.user_id = p_user AND r.status IN ('held', 'paid')
$$;

-- What seats won by a fan still meet, in hold_seat's and hold_order's order, raising to give
-- them back with the statement: BX002 for a sale not on sale (the detail is its state, empty for
-- no sale) or a cancelled date (the detail: cancelled), which the caller's copy of the offer did
-- not know yet; BX001 for a fan whose holds and tickets and p_seats more would pass the limit
-- (booking.TicketCount.AllowsMore), p_limit or the sale's own where an operator lowered it since,
-- with the limit and the fan's booking.TicketCount in the detail ("limit held live paid
-- earliest_hold_end"). It takes the fan's lock first (after their seats: a fan's racing attempts
-- queue on it, never on another fan or seat), so racing holds cannot pass the limit, and
-- returns the limit the seats are held under.
CREATE OR REPLACE FUNCTION keep_won_seats(p_sale text, p_date date, p_user text, p_now timestamptz, p_limit int, p_seats int)
RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    v_state     text;
    v_limit     int;
    v_cancelled timestamptz;
    v_held      int;
    v_live      int;
    v_paid      int;
    v_earliest  timestamptz;
BEGIN
    SELECT s.state, least(p_limit, s.max_tickets_per_fan) INTO v_state, v_limit FROM sales s WHERE s.id = p_sale;
    SELECT p.cancelled_at INTO v_cancelled FROM performances p WHERE p.sale_id = p_sale AND p.perf_date = p_date;
    IF v_cancelled IS NOT NULL OR v_state IS DISTINCT FROM 'on_sale' THEN
        RAISE EXCEPTION USING ERRCODE = 'BX002', MESSAGE = 'the sale takes no holds of this date',
            DETAIL = CASE WHEN v_cancelled IS NOT NULL THEN 'cancelled' ELSE coalesce(v_state, '') END;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('tickets:' || p_sale || ':' || p_user, 0));
    SELECT c.held, c.live, c.paid, c.earliest_hold_end INTO v_held, v_live, v_paid, v_earliest
    FROM fan_ticket_count(p_sale, p_user, p_now) c;
    IF v_held + v_paid + p_seats > v_limit THEN
        RAISE EXCEPTION USING ERRCODE = 'BX001', MESSAGE = 'the fan''s holds and tickets make the sale''s limit',
            DETAIL = format('%s %s %s %s %s', v_limit, v_held, v_live, v_paid, to_char(v_earliest AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'));
    END IF;
    RETURN v_limit;
END $$;

-- Whether token p_token is an active one of p_user in p_sale at p_now: read by its primary key
-- alone, its fields compared here. A statement with one equality on a unique key has no other
-- plan, generic or custom, whereas one that also names sale, state and expiry let a generic plan
-- (PL/pgSQL's after five calls) walk the partial index of a sale's active tokens, every one of
-- them, on every attempt.
CREATE OR REPLACE FUNCTION token_admits(p_token uuid, p_user text, p_sale text, p_now timestamptz)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT t.user_id = p_user AND t.sale_id = p_sale AND t.state = 'active' AND t.expires_at > p_now
                     FROM queue_tokens t WHERE t.id = p_token), false)
$$;

-- Holds seat p_seat of p_sale's p_date for the fan of token p_token, as reservation p_id, and
-- says how it went in outcome: held (section and price are the reservation's), not_admitted (the
-- token is not an active one of this fan and sale at p_now), taken, or unknown_seat. The rarer
-- refusals of a won seat raise (keep_won_seats), which undoes it: BX001 for a fan over the limit (p_limit, or the
-- sale's own where an operator lowered it since the caller's copy), the limit and the fan's
-- booking.TicketCount in the detail ("limit held live paid earliest_hold_end"); BX002 for a sale not on
-- sale (the detail is its state, empty for no sale) or a cancelled date (the detail: cancelled),
-- which the caller's copy of the offer did not know yet. A winner and a loser each cost the caller one round
-- trip, no transaction block, no follow-up read, and a loser costs the server the least: the
-- token's probe and a read of the seat. A seat another transaction is taking right now
-- is skipped, so losers answer at once instead of queueing on its lock. Only a winner takes the
-- fan's lock (after its seat; a fan's racing attempts queue on it, never on another fan or seat),
-- so racing holds cannot pass the limit.
CREATE OR REPLACE FUNCTION hold_seat(p_token uuid, p_id uuid, p_user text, p_sale text, p_date date, p_seat int,
                                     p_held_until timestamptz, p_now timestamptz, p_limit int)
RETURNS TABLE (outcome text, section text, price bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_status    text;
    v_until     timestamptz;
    v_limit     int;
    v_previous  uuid;
BEGIN
    IF NOT token_admits(p_token, p_user, p_sale, p_now) THEN
        outcome := 'not_admitted'; RETURN NEXT; RETURN;
    END IF;

    -- A loser is told from the seat as last committed, without a lock; only a seat that looks
    -- free is raced for.
    SELECT t.status, t.held_until INTO v_status, v_until
    FROM seats t WHERE t.sale_id = p_sale AND t.perf_date = p_date AND t.seat_no = p_seat;
    IF NOT FOUND THEN
        outcome := 'unknown_seat'; RETURN NEXT; RETURN;
    ELSIF NOT seat_free(v_status, v_until, p_now) THEN
        outcome := 'taken'; RETURN NEXT; RETURN;
    ELSIF v_status = 'held' AND waitlist_waits(p_sale, p_date) THEN
        -- A hold past its deadline whose release has not run yet: its seat goes to the date's
        -- waitlist when it does, not to whoever asks first.
        outcome := 'taken'; RETURN NEXT; RETURN;
    END IF;
    WITH target AS (
        SELECT t.seat_no, t.reservation_id AS previous
        FROM seats t
        WHERE t.sale_id = p_sale AND t.perf_date = p_date AND t.seat_no = p_seat
          AND seat_free(t.status, t.held_until, p_now)
        FOR UPDATE SKIP LOCKED
    )
    UPDATE seats s
    SET status = 'held', reservation_id = p_id, held_until = p_held_until
    FROM target
    WHERE s.sale_id = p_sale AND s.perf_date = p_date AND s.seat_no = target.seat_no
    RETURNING target.previous, s.section INTO v_previous, section;
    IF NOT FOUND THEN
        outcome := 'taken'; RETURN NEXT; RETURN;
    END IF;

    -- The seat is won. What follows keeps it, or raises, which gives it back with the statement.
    v_limit := keep_won_seats(p_sale, p_date, p_user, p_now, p_limit, 1);

    SELECT c.price INTO price FROM sections c WHERE c.sale_id = p_sale AND c.perf_date = p_date AND c.name = section;
    IF v_previous IS NOT NULL THEN
        -- The seat's last hold ran past its deadline; its release may not have run yet. Whoever
        -- holds that reservation's lock holds its seat too (every release takes the seat
        -- first), so it cannot be locked here; it is skipped rather than waited for all the same.
        UPDATE reservations r SET status = 'released'
        WHERE r.id = (SELECT q.id FROM reservations q WHERE q.id = v_previous AND q.status = 'held' FOR UPDATE SKIP LOCKED);
    END IF;
    INSERT INTO reservations (id, user_id, sale_id, perf_date, seat_no, section, price, status, held_until, created_at, fan_limit)
    VALUES (p_id, p_user, p_sale, p_date, p_seat, section, price, 'held', p_held_until, p_now, v_limit);
    outcome := 'held';
    RETURN NEXT;
END $$;
