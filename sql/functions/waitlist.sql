-- The waitlists' offers, made in the transaction that returns seats (waitlist.Entry.Offerable;
-- the memory store's offerReturnedSeats follows the same rule). Applied after orders.sql.

-- Whether fans wait for p_sale's p_date: then a hold past its deadline keeps its seat for the
-- waitlist (hold_seat, claim_seats, claim_best_available), which gets it once its release runs.
CREATE OR REPLACE FUNCTION waitlist_waits(p_sale text, p_date date)
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM waitlist w WHERE w.sale_id = p_sale AND w.perf_date = p_date AND w.status = 'waiting')
$$;

-- Offers p_sale's p_date's available seats to its waiting entries, first come first served:
-- each entry in turn gets, if the seats of its kind free now are enough, the lowest-numbered of
-- them (make_offer), and the entries behind one not satisfied are still looked at, until no
-- seat is free. Nothing is offered for a sale not on sale or a cancelled date. It runs under
-- the date's lock, which joins take too (WaitlistLockDate): a join either counts a returned
-- seat free or is seen waiting here, and two returns of a date offer one after the other.
CREATE OR REPLACE FUNCTION offer_to_waitlist(p_sale text, p_date date)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_entry record;
    v_seq   bigint;
    v_seats int[];
    v_limit int;
    v_state text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('waitlist/' || p_sale || '/' || to_char(p_date, 'YYYY-MM-DD'), 0));
    -- EXISTS stops at the first entry; PERFORM of the rows would read the whole line.
    IF NOT waitlist_waits(p_sale, p_date) THEN
        RETURN;
    END IF;
    SELECT s.state, s.max_tickets_per_fan INTO v_state, v_limit FROM sales s WHERE s.id = p_sale;
    PERFORM 1 FROM performances p WHERE p.sale_id = p_sale AND p.perf_date = p_date AND p.cancelled_at IS NULL;
    IF NOT FOUND OR v_state IS DISTINCT FROM 'on_sale' THEN
        RETURN;
    END IF;
    -- The date's lock serializes offerers; an entry a fan leaves meanwhile is passed over by
    -- make_offer's own check, so the entries are read without locking each. They are read one
    -- at a time, each by the index from the last (waitlist_waiting): a cursor over the whole
    -- line was planned as a sort of it, whose cost grew with the line.
    v_seq := 0;
    LOOP
        SELECT w.id, w.seq, w.user_id, w.quantity, w.section, w.offer_ttl INTO v_entry FROM waitlist w
        WHERE w.sale_id = p_sale AND w.perf_date = p_date AND w.status = 'waiting' AND w.seq > v_seq
        ORDER BY w.seq
        LIMIT 1;
        EXIT WHEN NOT FOUND;
        v_seq := v_entry.seq;
        v_seats := ARRAY(SELECT t.seat_no FROM seats t
                         WHERE t.sale_id = p_sale AND t.perf_date = p_date AND t.status = 'available'
                           AND (v_entry.section IS NULL OR t.section = v_entry.section)
                         ORDER BY t.seat_no
                         LIMIT v_entry.quantity
                         FOR UPDATE SKIP LOCKED);
        EXIT WHEN cardinality(v_seats) = 0 AND v_entry.section IS NULL; -- no seat is free: nobody behind gets one
        CONTINUE WHEN cardinality(v_seats) < v_entry.quantity;
        PERFORM make_offer(p_sale, p_date, v_entry.id, v_entry.user_id, v_seats, v_entry.offer_ttl, v_limit);
    END LOOP;
END $$;

-- Offers seats p_seats (free, locked, of the entry's kind) to waitlist entry p_entry of fan
-- p_user, as an order held for them for p_ttl, unless the entry no longer waits (its fan left)
-- or the fan's holds and tickets with them would pass the sale's limit p_limit, which expires
-- the entry. The offer writes waitlist.offered to the outbox.
CREATE OR REPLACE FUNCTION make_offer(p_sale text, p_date date, p_entry uuid, p_user text, p_seats int[], p_ttl interval, p_limit int)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_order   uuid := gen_random_uuid();
    v_expires timestamptz := now() + p_ttl;
    v_ids     uuid[] := ARRAY(SELECT gen_random_uuid() FROM unnest(p_seats));
    v_count   record;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('tickets:' || p_sale || ':' || p_user, 0));
    SELECT c.held, c.paid INTO v_count FROM fan_ticket_count(p_sale, p_user, now()) c;
    IF v_count.held + v_count.paid + cardinality(p_seats) > p_limit THEN
        UPDATE waitlist SET status = 'expired' WHERE id = p_entry AND status = 'waiting';
        RETURN;
    END IF;
    UPDATE waitlist SET status = 'offered', order_id = v_order, offer_expires = v_expires WHERE id = p_entry AND status = 'waiting';
    IF NOT FOUND THEN
        RETURN; -- left meanwhile
    END IF;
    INSERT INTO orders (id, user_id, sale_id, perf_date, held_until, created_at, waitlist_id)
    VALUES (v_order, p_user, p_sale, p_date, v_expires, now(), p_entry);
    INSERT INTO reservations (id, order_id, user_id, sale_id, perf_date, seat_no, section, price, status, held_until, created_at, fan_limit)
    SELECT v_ids[i], v_order, p_user, p_sale, p_date, t.seat_no, t.section, c.price, 'held', v_expires, now(), p_limit
    FROM generate_subscripts(p_seats, 1) i
    JOIN seats t ON t.sale_id = p_sale AND t.perf_date = p_date AND t.seat_no = p_seats[i]
    JOIN sections c ON c.sale_id = t.sale_id AND c.perf_date = t.perf_date AND c.name = t.section;
    FOR i IN 1 .. cardinality(p_seats) LOOP
        UPDATE seats s SET status = 'held', reservation_id = v_ids[i], held_until = v_expires
        WHERE s.sale_id = p_sale AND s.perf_date = p_date AND s.seat_no = p_seats[i];
    END LOOP;
    INSERT INTO events (id, type, sale_id, data, created_at)
    VALUES (gen_random_uuid(), 'waitlist.offered', p_sale,
            jsonb_build_object('sale_id', p_sale, 'date', to_char(p_date, 'YYYY-MM-DD'), 'waitlist_id', p_entry, 'order_id', v_order,
                               'offer_expires', to_char(v_expires AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
            now());
END $$;

-- A seat that came back (available again, from held or sold) has its date's waiting entries
-- offered what is free, when the transaction that returned it commits: an order's seats all
-- come back before the first entry is looked at, so one that wants them all is not passed over
-- for one that wants fewer.
CREATE OR REPLACE FUNCTION offer_returned_seat() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM offer_to_waitlist(NEW.sale_id, NEW.perf_date);
    RETURN NULL;
END $$;

-- Queued only for a seat coming back (a hold, available → held, never is), run at commit. The
-- triggers here are made once, not replaced each time this file is applied: making a trigger
-- locks its table against writes, and seats and reservations are the rush's hottest tables.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'seats_offer_returned_at_commit' AND tgrelid = 'seats'::regclass) THEN
        CREATE CONSTRAINT TRIGGER seats_offer_returned_at_commit AFTER UPDATE OF status ON seats
            DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW WHEN (OLD.status <> 'available' AND NEW.status = 'available')
            EXECUTE FUNCTION offer_returned_seat();
    END IF;
END $$;

-- An offer's hold that ends unpaid (released at its expiry, given back, or taken over past its
-- deadline by another hold) has expired its waitlist entry, whichever way it ended.
CREATE OR REPLACE FUNCTION expire_offer() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE waitlist SET status = 'expired' WHERE order_id = NEW.order_id AND status = 'offered';
    RETURN NULL;
END $$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'reservations_expire_offer' AND tgrelid = 'reservations'::regclass) THEN
        CREATE TRIGGER reservations_expire_offer AFTER UPDATE OF status ON reservations
            FOR EACH ROW WHEN (NEW.status = 'released' AND OLD.status = 'held' AND NEW.order_id IS NOT NULL)
            EXECUTE FUNCTION expire_offer();
    END IF;
END $$;
