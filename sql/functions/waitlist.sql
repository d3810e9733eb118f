-- The waitlists' offers, made in the transaction that returns seats (waitlist.Entry.Offerable;
-- the memory store's offerReturnedSeats follows the same rule). Applied after orders.sql.

-- Offers p_sale's p_date's available seats to its waiting entries, first come first served:
-- each entry gets, if the seats of its kind free now are enough, the lowest-numbered of them
-- as an order held for its fan until its offer expires (offer_ttl from now), unless the fan's
-- holds and tickets with them would pass the sale's limit, which expires the entry; the
-- entries behind one not satisfied are still looked at. Nothing is offered for a sale not on
-- sale or a cancelled date. Each offer writes waitlist.offered to the outbox.
CREATE OR REPLACE FUNCTION offer_to_waitlist(p_sale text, p_date date)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_entry   record;
    v_seats   int[];
    v_ids     uuid[];
    v_order   uuid;
    v_expires timestamptz;
    v_limit   int;
    v_state   text;
    v_count   record;
BEGIN
    -- The date's lock against joins (WaitlistLockDate): a join either counts this seat free or
    -- is seen waiting here.
    PERFORM pg_advisory_xact_lock(hashtextextended('waitlist/' || p_sale || '/' || to_char(p_date, 'YYYY-MM-DD'), 0));
    PERFORM 1 FROM waitlist w WHERE w.sale_id = p_sale AND w.perf_date = p_date AND w.status = 'waiting';
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT s.state, s.max_tickets_per_fan INTO v_state, v_limit FROM sales s WHERE s.id = p_sale;
    PERFORM 1 FROM performances p WHERE p.sale_id = p_sale AND p.perf_date = p_date AND p.cancelled_at IS NULL;
    IF NOT FOUND OR v_state IS DISTINCT FROM 'on_sale' THEN
        RETURN;
    END IF;
    FOR v_entry IN
        SELECT w.* FROM waitlist w
        WHERE w.sale_id = p_sale AND w.perf_date = p_date AND w.status = 'waiting'
        ORDER BY w.seq
        FOR UPDATE
    LOOP
        v_seats := ARRAY(SELECT t.seat_no FROM seats t
                         WHERE t.sale_id = p_sale AND t.perf_date = p_date AND t.status = 'available'
                           AND (v_entry.section IS NULL OR t.section = v_entry.section)
                         ORDER BY t.seat_no
                         LIMIT v_entry.quantity
                         FOR UPDATE SKIP LOCKED);
        CONTINUE WHEN cardinality(v_seats) < v_entry.quantity;
        PERFORM pg_advisory_xact_lock(hashtextextended('tickets:' || p_sale || ':' || v_entry.user_id, 0));
        SELECT c.held, c.paid INTO v_count FROM fan_ticket_count(p_sale, v_entry.user_id, now()) c;
        IF v_count.held + v_count.paid + v_entry.quantity > v_limit THEN
            UPDATE waitlist SET status = 'expired' WHERE id = v_entry.id;
            CONTINUE;
        END IF;
        v_order := gen_random_uuid();
        v_expires := now() + v_entry.offer_ttl;
        v_ids := ARRAY(SELECT gen_random_uuid() FROM unnest(v_seats));
        INSERT INTO orders (id, user_id, sale_id, perf_date, held_until, created_at, waitlist_id)
        VALUES (v_order, v_entry.user_id, p_sale, p_date, v_expires, now(), v_entry.id);
        INSERT INTO reservations (id, order_id, user_id, sale_id, perf_date, seat_no, section, price, status, held_until, created_at, fan_limit)
        SELECT v_ids[i], v_order, v_entry.user_id, p_sale, p_date, t.seat_no, t.section, c.price, 'held', v_expires, now(), v_limit
        FROM generate_subscripts(v_seats, 1) i
        JOIN seats t ON t.sale_id = p_sale AND t.perf_date = p_date AND t.seat_no = v_seats[i]
        JOIN sections c ON c.sale_id = t.sale_id AND c.perf_date = t.perf_date AND c.name = t.section;
        FOR i IN 1 .. cardinality(v_seats) LOOP
            UPDATE seats s SET status = 'held', reservation_id = v_ids[i], held_until = v_expires
            WHERE s.sale_id = p_sale AND s.perf_date = p_date AND s.seat_no = v_seats[i];
        END LOOP;
        UPDATE waitlist SET status = 'offered', order_id = v_order, offer_expires = v_expires WHERE id = v_entry.id;
        INSERT INTO events (id, type, sale_id, data, created_at)
        VALUES (gen_random_uuid(), 'waitlist.offered', p_sale,
                jsonb_build_object('sale_id', p_sale, 'date', to_char(p_date, 'YYYY-MM-DD'), 'waitlist_id', v_entry.id, 'order_id', v_order,
                                   'offer_expires', to_char(v_expires AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
                now());
    END LOOP;
END $$;

-- A seat that comes back (available again, from held or sold): the offer it was part of, if
-- unpaid, has expired, and the date's waiting entries are offered what is free.
CREATE OR REPLACE FUNCTION offer_returned_seat() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE waitlist w SET status = 'expired'
    FROM reservations r
    WHERE r.id = OLD.reservation_id AND w.order_id = r.order_id AND w.status = 'offered' AND r.status NOT IN ('paid', 'cancelled');
    PERFORM offer_to_waitlist(NEW.sale_id, NEW.perf_date);
    RETURN NULL;
END $$;

-- Fired only for a seat coming back: a hold (available → held) never calls it.
CREATE OR REPLACE TRIGGER seats_offer_returned AFTER UPDATE OF status ON seats
    FOR EACH ROW WHEN (OLD.status <> 'available' AND NEW.status = 'available')
    EXECUTE FUNCTION offer_returned_seat();
