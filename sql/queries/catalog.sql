-- name: SaleInsert :execrows
INSERT INTO sales (id, title, venue, state, max_tickets_per_fan, cancel_until, cancel_fee_percent, pow_max_number, presale_until, created_at)
VALUES (@id, @title, @venue, @state, @max_tickets_per_fan, sqlc.narg(cancel_until), sqlc.narg(cancel_fee_percent), @pow_max_number,
        sqlc.narg(presale_until), @created_at)
ON CONFLICT (id) DO NOTHING;

-- name: SaleByID :one
SELECT * FROM sales WHERE id = @id;

-- name: SaleLock :one
SELECT * FROM sales WHERE id = @id FOR UPDATE;

-- name: SaleList :many
SELECT * FROM sales ORDER BY created_at, id;

-- name: SaleUpdate :exec
UPDATE sales
SET title = @title, state = @state, max_tickets_per_fan = @max_tickets_per_fan,
    cancel_until = sqlc.narg(cancel_until), cancel_fee_percent = sqlc.narg(cancel_fee_percent),
    pow_max_number = @pow_max_number, presale_until = sqlc.narg(presale_until)
WHERE id = @id;

-- name: PerformanceInsert :execrows
INSERT INTO performances (sale_id, perf_date, starts_at, seat_count)
VALUES (@sale_id, @perf_date, sqlc.narg(starts_at), @seat_count)
ON CONFLICT (sale_id, perf_date) DO NOTHING;

-- name: SectionInsert :exec
INSERT INTO sections (sale_id, perf_date, name, first_seat, last_seat, price)
VALUES (@sale_id, @perf_date, @name, @first_seat, @last_seat, @price);

-- name: SeatInsertSection :exec
-- The seats of one section, all available.
INSERT INTO seats (sale_id, perf_date, seat_no, section)
SELECT @sale_id, @perf_date, generate_series(sqlc.arg(first_seat)::int, sqlc.arg(last_seat)::int), @section;

-- name: PerformanceList :many
-- The performances of the sales named, by sale and date: the directory reads every sale's at once.
SELECT sale_id, perf_date, starts_at, seat_count, cancelled_at FROM performances WHERE sale_id = ANY(@sale_ids::text[]) ORDER BY sale_id, perf_date;

-- name: PerformanceByDate :one
SELECT sale_id, perf_date, starts_at, seat_count, cancelled_at FROM performances WHERE sale_id = @sale_id AND perf_date = @perf_date;

-- name: PerformanceCancel :one
-- Cancels a performance once: asking again keeps the first time. newly says this call did it.
WITH before AS (
    SELECT cancelled_at FROM performances WHERE sale_id = @sale_id AND perf_date = @perf_date FOR UPDATE
)
UPDATE performances p SET cancelled_at = coalesce(p.cancelled_at, @at::timestamptz)
FROM before
WHERE p.sale_id = @sale_id AND p.perf_date = @perf_date
RETURNING p.cancelled_at, (before.cancelled_at IS NULL)::boolean AS newly;

-- name: SectionList :many
-- The sections of a sale's performances (of one date when @perf_date is given), in seat order.
SELECT sale_id, perf_date, name, first_seat, last_seat, price
FROM sections
WHERE sale_id = @sale_id AND (sqlc.narg(perf_date)::date IS NULL OR perf_date = sqlc.narg(perf_date)::date)
ORDER BY perf_date, first_seat;

-- name: SectionListOfSales :many
-- The sections of the sales named, by sale, date and seat.
SELECT sale_id, perf_date, name, first_seat, last_seat, price
FROM sections
WHERE sale_id = ANY(@sale_ids::text[])
ORDER BY sale_id, perf_date, first_seat;

-- name: PerformanceOpenDates :many
-- The open dates of the sales named: a held seat past its deadline counts as available (lazy
-- expiry, catalog.Claim.AvailableAt); one probe a date.
SELECT p.sale_id, p.perf_date
FROM performances p
WHERE p.sale_id = ANY(@sale_ids::text[]) AND p.perf_date >= @from_date AND p.cancelled_at IS NULL
  AND EXISTS (
      SELECT 1 FROM seats s
      WHERE s.sale_id = p.sale_id AND s.perf_date = p.perf_date
        AND seat_free(s.status, s.held_until, @now::timestamptz)
  )
ORDER BY p.sale_id, p.perf_date;

-- name: SeatListByDate :many
-- A date's seats at @now, a lapsed hold counted as available (catalog.Claim.AvailableAt, as
-- everywhere a seat's availability is read); a held or sold seat with the
-- price it was taken at (NULL for a free one: its section's price).
SELECT s.seat_no, s.section,
       seat_free(s.status, s.held_until, @now::timestamptz)::bool AS available,
       r.price AS taken_at
FROM seats s
LEFT JOIN reservations r ON r.id = s.reservation_id AND s.status IN ('held', 'sold')
WHERE s.sale_id = @sale_id AND s.perf_date = @perf_date
ORDER BY s.seat_no;

-- name: SeatListOfFan :many
-- The seats of a date the fan holds, bought, or held or bought before, as SeatListByDate
-- lists them: what the fan's own writes changed, to lay over an older listing.
SELECT s.seat_no, s.section,
       seat_free(s.status, s.held_until, @now::timestamptz)::bool AS available,
       t.price AS taken_at
FROM seats s
LEFT JOIN reservations t ON t.id = s.reservation_id AND s.status IN ('held', 'sold')
WHERE s.sale_id = @sale_id AND s.perf_date = @perf_date
  AND s.seat_no IN (SELECT r.seat_no FROM reservations r WHERE r.sale_id = @sale_id AND r.user_id = @user_id AND r.perf_date = @perf_date)
ORDER BY s.seat_no;

-- name: SeatCounts :many
-- A sale's seats by date and status at @now, a lapsed hold counted as available
-- (catalog.Claim.AvailableAt).
SELECT perf_date,
       count(*) FILTER (WHERE seat_free(status, held_until, @now::timestamptz))::int AS available,
       count(*) FILTER (WHERE status = 'held' AND held_until > @now::timestamptz)::int AS held,
       count(*) FILTER (WHERE status = 'sold')::int AS sold
FROM seats
WHERE sale_id = @sale_id
GROUP BY perf_date;

-- name: SectionReprice :one
-- Sets a section's price and counts its seats neither held nor sold at @now, which take it
-- (available as catalog.Claim.AvailableAt says).
WITH changed AS (
    UPDATE sections sc SET price = @price
    WHERE sc.sale_id = sqlc.arg(sale_id)::text AND sc.perf_date = sqlc.arg(perf_date)::date AND sc.name = sqlc.arg(name)::text
    RETURNING sc.sale_id, sc.perf_date, sc.name
)
SELECT (SELECT count(*) FROM changed)::int AS found,
       (SELECT count(*) FROM seats s JOIN changed c ON s.sale_id = c.sale_id AND s.perf_date = c.perf_date AND s.section = c.name
        WHERE seat_free(s.status, s.held_until, @now::timestamptz))::int AS repriced;
