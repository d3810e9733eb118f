-- name: HoldSeat :one
-- One hold attempt, one statement: see hold_seat in sql/functions/booking.sql.
SELECT outcome::text AS outcome, coalesce(section, '')::text AS section, coalesce(price, 0)::bigint AS price
FROM hold_seat(@token_id::uuid, @id::uuid, @user_id::text, @sale_id::text, @perf_date::date, @seat_no::int,
               @held_until::timestamptz, @now::timestamptz, @fan_limit::int);

-- name: ReservationByID :one
SELECT * FROM reservations WHERE id = @id;

-- name: ReservationLock :one
SELECT * FROM reservations WHERE id = @id FOR UPDATE;

-- name: ReservationRelease :one
UPDATE reservations
SET status = 'released'
WHERE id = @id AND status = 'held'
RETURNING sale_id, perf_date, seat_no;

-- name: ReservationAcceptPayment :exec
-- Records that the API accepted a payment of the hold, the latest acceptance's time
-- (booking.Reservation.AcceptPayment decided it under the seat's, the reservation's and the
-- fan's locks).
UPDATE reservations SET payment_accepted_at = @at::timestamptz WHERE id = @id AND status = 'held';

-- name: SeatClaimUntil :exec
-- Extends a held seat's claim to its hold's payment deadline: hold_seat takes a seat over, and
-- the listings show it free, only once its claim has ended.
UPDATE seats SET held_until = @held_until::timestamptz
WHERE sale_id = @sale_id AND perf_date = @perf_date AND seat_no = @seat_no AND reservation_id = @reservation_id::uuid AND status = 'held';

-- name: ReservationMarkPaid :exec
UPDATE reservations SET status = 'paid' WHERE id = @id AND status = 'held';

-- name: SeatLock :one
SELECT status, reservation_id FROM seats WHERE sale_id = @sale_id AND perf_date = @perf_date AND seat_no = @seat_no FOR UPDATE;

-- name: SeatLockForPayment :one
-- Locks the seat, and its performance against a cancellation, for a payment: a cancellation
-- answered before this runs is seen, and one asked while the payment runs waits for it (its
-- rounds then refund the payment).
SELECT s.status, s.reservation_id, p.cancelled_at
FROM seats s JOIN performances p ON p.sale_id = s.sale_id AND p.perf_date = s.perf_date
WHERE s.sale_id = @sale_id AND s.perf_date = @perf_date AND s.seat_no = @seat_no
FOR UPDATE OF s FOR SHARE OF p;

-- name: SeatFree :exec
-- Frees the seat only if this reservation still holds it; a later hold keeps it.
UPDATE seats
SET status = 'available', reservation_id = NULL, held_until = NULL
WHERE sale_id = @sale_id AND perf_date = @perf_date AND seat_no = @seat_no AND reservation_id = @reservation_id::uuid AND status = 'held';

-- name: SeatSell :execrows
UPDATE seats
SET status = 'sold', held_until = NULL
WHERE sale_id = @sale_id AND perf_date = @perf_date AND seat_no = @seat_no AND reservation_id = @reservation_id::uuid AND status = 'held';

-- name: PaymentInsert :exec
-- A seat's payment, or a line of an order's (order_payment_id names the order's payment).
INSERT INTO payments (id, reservation_id, user_id, amount, paid_at, idempotency_key, order_payment_id)
VALUES (@id, @reservation_id, @user_id, @amount, @paid_at, sqlc.narg(idempotency_key), sqlc.narg(order_payment_id));

-- name: PaymentReservationByKey :one
SELECT reservation_id FROM payments WHERE user_id = @user_id AND idempotency_key = @idempotency_key;

-- name: PaymentByReservation :one
-- The ticket's payment as its fan knows it (an order's, for a ticket of one), and its own row.
SELECT coalesce(p.order_payment_id, p.id) AS payment_id, p.id AS line_id, p.reservation_id, p.amount, p.paid_at, r.perf_date
FROM payments p
JOIN reservations r ON r.id = p.reservation_id
WHERE p.reservation_id = @reservation_id;

-- name: ReservationReleaseOverdue :execrows
-- Releases, in bulk, held reservations whose payment deadline passed before the cutoff
-- (booking.Reservation.PaymentDeadline, payment_deadline in sql/functions/booking.sql), as each
-- hold's own release would: the sweep's safety net behind the holds' workflows. Seats first, as
-- everywhere, and a seat another transaction has locked is skipped, not waited for: a payment
-- settling or being accepted, a hold taking the seat over or the hold's own release decides that
-- seat itself. Every locked row's reservation was held in the statement's snapshot, so the final
-- update reaches each one, re-checking, as the seat's lock did, that it is still held and past
-- its payment deadline (an acceptance that committed before the lock extended both): no seat
-- is freed while its reservation stays held.
WITH overdue AS (
    SELECT r.id, r.sale_id, r.perf_date, r.seat_no
    FROM reservations r
    WHERE r.status = 'held' AND r.held_until < @cutoff::timestamptz
      AND payment_deadline(r.held_until, r.payment_accepted_at) < @cutoff::timestamptz
    ORDER BY r.held_until
    LIMIT sqlc.arg(max_rows)::int
), locked AS (
    SELECT o.id, s.sale_id, s.perf_date, s.seat_no,
           s.reservation_id = o.id AND s.status = 'held' AND s.held_until < @cutoff::timestamptz AS holds_seat
    FROM seats s
    JOIN overdue o ON s.sale_id = o.sale_id AND s.perf_date = o.perf_date AND s.seat_no = o.seat_no
    FOR UPDATE OF s SKIP LOCKED
), freed AS (
    UPDATE seats s
    SET status = 'available', reservation_id = NULL, held_until = NULL
    FROM locked l
    WHERE l.holds_seat AND s.sale_id = l.sale_id AND s.perf_date = l.perf_date AND s.seat_no = l.seat_no
)
UPDATE reservations r
SET status = 'released'
FROM locked l
WHERE r.id = l.id AND r.status = 'held' AND payment_deadline(r.held_until, r.payment_accepted_at) < @cutoff::timestamptz;

-- name: FanLockTickets :exec
-- Serialises one fan's won holds in a sale, so the per-fan limit cannot be overshot by a race.
SELECT pg_advisory_xact_lock(hashtextextended('tickets:' || @sale_id::text || ':' || @user_id::text, 0));

-- name: FanTicketCount :one
-- What booking.TicketCount counts, as hold_seat counts it: fan_ticket_count in
-- sql/functions/booking.sql.
SELECT c.held::int AS held, c.live::int AS live, c.paid::int AS paid, c.earliest_hold_end::timestamptz AS earliest_hold_end,
       c.fan_limit::int AS fan_limit
FROM fan_ticket_count(@sale_id::text, @user_id::text, @now::timestamptz) c;
