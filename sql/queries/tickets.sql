-- After the payment: a fan's tickets, check-ins at the gates, and refunds.

-- name: TicketByID :one
-- A reservation with its payment, refund and check-in, if any.
SELECT sqlc.embed(r), p.id AS payment_id, p.order_payment_id, p.paid_at,
       rf.id AS refund_id, rf.amount AS refund_amount, rf.fee AS refund_fee, rf.reason AS refund_reason, rf.refunded_at,
       c.checked_in_at
FROM reservations r
LEFT JOIN payments p ON p.reservation_id = r.id
LEFT JOIN refunds rf ON rf.reservation_id = r.id
LEFT JOIN check_ins c ON c.reservation_id = r.id
WHERE r.id = @id;

-- name: TicketsOfFan :many
SELECT sqlc.embed(r), p.id AS payment_id, p.order_payment_id, p.paid_at,
       rf.id AS refund_id, rf.amount AS refund_amount, rf.fee AS refund_fee, rf.reason AS refund_reason, rf.refunded_at,
       c.checked_in_at
FROM reservations r
LEFT JOIN payments p ON p.reservation_id = r.id
LEFT JOIN refunds rf ON rf.reservation_id = r.id
LEFT JOIN check_ins c ON c.reservation_id = r.id
WHERE r.sale_id = @sale_id AND r.user_id = @user_id
ORDER BY r.created_at DESC, r.id DESC;

-- name: CheckInInsert :one
-- The primary key decides a race of gates: nothing back means the ticket was in already.
INSERT INTO check_ins (reservation_id, checked_in_at) VALUES (@reservation_id, @checked_in_at)
ON CONFLICT (reservation_id) DO NOTHING
RETURNING checked_in_at;

-- name: CheckInOf :one
SELECT checked_in_at FROM check_ins WHERE reservation_id = @reservation_id;

-- name: RefundInsert :exec
INSERT INTO refunds (id, payment_id, reservation_id, user_id, amount, fee, reason, refunded_at, idempotency_key)
VALUES (@id, @payment_id, @reservation_id, @user_id, @amount, @fee, @reason, @refunded_at, sqlc.narg(idempotency_key));

-- name: RefundReservationByKey :one
SELECT reservation_id FROM refunds WHERE user_id = @user_id AND idempotency_key = @idempotency_key;

-- name: RefundOf :one
SELECT * FROM refunds WHERE reservation_id = @reservation_id;

-- name: ReservationCancel :exec
UPDATE reservations SET status = 'cancelled' WHERE id = @id AND status = 'paid';

-- name: SeatUnsell :exec
-- A cancelled ticket's seat goes back on sale.
UPDATE seats
SET status = 'available', reservation_id = NULL, held_until = NULL
WHERE sale_id = @sale_id AND perf_date = @perf_date AND seat_no = @seat_no AND reservation_id = @reservation_id::uuid AND status = 'sold';

-- name: HeldOfDate :many
-- Holds on a cancelled performance still to end.
SELECT id FROM reservations
WHERE sale_id = @sale_id AND perf_date = @perf_date AND status = 'held'
LIMIT @max_rows;

-- name: PaidOfDate :many
-- Paid tickets of a cancelled performance still to refund, in seat order; not those checked in,
-- whose holders came to the show.
SELECT r.* FROM reservations r
WHERE r.sale_id = @sale_id AND r.perf_date = @perf_date AND r.status = 'paid'
  AND NOT EXISTS (SELECT 1 FROM check_ins c WHERE c.reservation_id = r.id)
ORDER BY r.seat_no
LIMIT @max_rows;

-- name: DateTally :one
-- Where a performance's tickets stand: what a cancellation has left to do and has done.
SELECT count(*) FILTER (WHERE r.status = 'held')::int                                 AS held,
       count(*) FILTER (WHERE r.status = 'paid' AND c.reservation_id IS NULL)::int     AS paid,
       count(*) FILTER (WHERE r.status = 'paid' AND c.reservation_id IS NOT NULL)::int AS checked_in,
       count(*) FILTER (WHERE rf.reason = 'performance_cancelled')::int                AS refunded
FROM reservations r
LEFT JOIN check_ins c ON c.reservation_id = r.id
LEFT JOIN refunds rf ON rf.reservation_id = r.id
WHERE r.sale_id = @sale_id AND r.perf_date = @perf_date AND r.status IN ('held', 'paid', 'cancelled');

-- name: PaidTicketsOfSale :many
-- Every ticket of a sale that admits its holder, with its payment: what the audit verifies the
-- credentials of.
SELECT sqlc.embed(r), p.id AS payment_id, p.order_payment_id, p.paid_at,
       rf.id AS refund_id, rf.amount AS refund_amount, rf.fee AS refund_fee, rf.reason AS refund_reason, rf.refunded_at,
       c.checked_in_at
FROM reservations r
LEFT JOIN payments p ON p.reservation_id = r.id
LEFT JOIN refunds rf ON rf.reservation_id = r.id
LEFT JOIN check_ins c ON c.reservation_id = r.id
WHERE r.sale_id = @sale_id AND r.status = 'paid'
ORDER BY r.perf_date, r.seat_no;
