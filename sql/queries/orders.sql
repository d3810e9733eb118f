-- name: HoldOrder :many
-- One order attempt, one statement: see hold_order in sql/functions/orders.sql.
SELECT outcome::text AS outcome, coalesce(seat_no, 0)::int AS seat_no, coalesce(section, '')::text AS section,
       coalesce(price, 0)::bigint AS price, coalesce(fan_limit, 0)::int AS fan_limit, coalesce(available, 0)::int AS available
FROM hold_order(@token_id::uuid, @order_id::uuid, @ids::uuid[], @user_id::text, @sale_id::text, @perf_date::date,
                @seats::int[], @quantity::int, sqlc.narg(section)::text, @together::boolean,
                @held_until::timestamptz, @now::timestamptz, @fan_limit::int);

-- name: OrderByID :one
SELECT * FROM orders WHERE id = @id;

-- name: ReservationsOfOrder :many
SELECT * FROM reservations WHERE order_id = @order_id ORDER BY seat_no;
