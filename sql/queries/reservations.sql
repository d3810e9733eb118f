-- name: SeatHold :one
-- The race for a seat: the one conditional write that decides it. A row another transaction is
-- taking right now is skipped, so losers answer at once instead of queueing on its lock.
-- Returns the reservation this hold supersedes (a hold past its deadline), if any.
WITH target AS (
    SELECT perf_date, seat_no, reservation_id AS previous
    FROM seats
    WHERE perf_date = @perf_date::date AND seat_no = @seat_no::int
      AND (status = 'available' OR (status = 'held' AND held_until <= @now::timestamptz))
    FOR UPDATE SKIP LOCKED
)
UPDATE seats s
SET status = 'held', reservation_id = @reservation_id::uuid, held_until = @held_until::timestamptz
FROM target
WHERE s.perf_date = target.perf_date AND s.seat_no = target.seat_no
RETURNING target.previous;

-- name: SeatExists :one
SELECT EXISTS (SELECT 1 FROM seats WHERE perf_date = @perf_date AND seat_no = @seat_no);

-- name: ReservationInsert :exec
INSERT INTO reservations (id, user_id, perf_date, seat_no, price, status, held_until, created_at)
VALUES (@id, @user_id, @perf_date, @seat_no, @price, 'held', @held_until, @created_at);

-- name: ReservationByID :one
SELECT id, user_id, perf_date, seat_no, price, status, held_until, created_at
FROM reservations
WHERE id = @id;

-- name: ReservationLock :one
SELECT id, user_id, perf_date, seat_no, price, status, held_until, created_at
FROM reservations
WHERE id = @id
FOR UPDATE;

-- name: ReservationRelease :one
UPDATE reservations
SET status = 'released'
WHERE id = @id AND status = 'held'
RETURNING perf_date, seat_no;

-- name: ReservationMarkPaid :exec
UPDATE reservations SET status = 'paid' WHERE id = @id AND status = 'held';

-- name: SeatLock :one
SELECT status, reservation_id FROM seats WHERE perf_date = @perf_date AND seat_no = @seat_no FOR UPDATE;

-- name: SeatFree :exec
-- Frees the seat only if this reservation still holds it; a later hold keeps it.
UPDATE seats
SET status = 'available', reservation_id = NULL, held_until = NULL
WHERE perf_date = @perf_date AND seat_no = @seat_no AND reservation_id = @reservation_id::uuid AND status = 'held';

-- name: SeatSell :execrows
UPDATE seats
SET status = 'sold', held_until = NULL
WHERE perf_date = @perf_date AND seat_no = @seat_no AND reservation_id = @reservation_id::uuid AND status = 'held';

-- name: PaymentInsert :exec
INSERT INTO payments (id, reservation_id, user_id, amount, paid_at, idempotency_key)
VALUES (@id, @reservation_id, @user_id, @amount, @paid_at, sqlc.narg(idempotency_key));

-- name: PaymentReservationByKey :one
SELECT reservation_id FROM payments WHERE user_id = @user_id AND idempotency_key = @idempotency_key;

-- name: PaymentByReservation :one
SELECT p.id, p.reservation_id, p.amount, p.paid_at, r.perf_date
FROM payments p
JOIN reservations r ON r.id = p.reservation_id
WHERE p.reservation_id = @reservation_id;

-- name: ReservationReleaseOverdue :execrows
-- The safety net behind each hold's workflow: releases holds long past their deadline whose
-- release never ran (a workflow that could not be started, say). Seats first, as everywhere.
WITH overdue AS (
    SELECT r.id, r.perf_date, r.seat_no
    FROM reservations r
    WHERE r.status = 'held' AND r.held_until < @cutoff::timestamptz
    ORDER BY r.held_until
    LIMIT sqlc.arg(max_rows)::int
), freed AS (
    UPDATE seats s
    SET status = 'available', reservation_id = NULL, held_until = NULL
    FROM overdue o
    WHERE s.perf_date = o.perf_date AND s.seat_no = o.seat_no AND s.reservation_id = o.id AND s.status = 'held'
    RETURNING s.reservation_id
)
UPDATE reservations r
SET status = 'released'
FROM overdue o
WHERE r.id = o.id AND r.status = 'held';

-- name: UserLockHolds :exec
-- Serialises one user's won holds so the cap on simultaneous holds cannot be overshot by a race.
SELECT pg_advisory_xact_lock(hashtextextended('holds:' || @user_id::text, 0));

-- name: ReservationLiveHoldsOfUser :one
SELECT count(*)::bigint AS holds, coalesce(min(held_until), @now::timestamptz)::timestamptz AS earliest_end
FROM reservations
WHERE user_id = @user_id AND status = 'held' AND held_until > @now::timestamptz;
