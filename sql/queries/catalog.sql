-- name: PerformanceInsert :execrows
INSERT INTO performances (perf_date, concert, price, seat_count)
VALUES (@perf_date, @concert, @price, @seat_count)
ON CONFLICT (perf_date) DO NOTHING;

-- name: SeatInsertRange :exec
INSERT INTO seats (perf_date, seat_no)
SELECT @perf_date, generate_series(1, sqlc.arg(seat_count)::int);

-- name: PerformanceByDate :one
SELECT perf_date, concert, price, seat_count FROM performances WHERE perf_date = @perf_date;

-- name: PerformanceOpenDates :many
-- A held seat past its deadline counts as available (lazy expiry).
SELECT p.perf_date
FROM performances p
WHERE p.perf_date >= @from_date
  AND EXISTS (
      SELECT 1 FROM seats s
      WHERE s.perf_date = p.perf_date
        AND (s.status = 'available' OR (s.status = 'held' AND s.held_until <= @now::timestamptz))
  )
ORDER BY p.perf_date;

-- name: SeatListByDate :many
SELECT seat_no,
       (status = 'available' OR (status = 'held' AND held_until <= @now::timestamptz))::bool AS available
FROM seats
WHERE perf_date = @perf_date
ORDER BY seat_no;
