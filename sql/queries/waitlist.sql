-- name: WaitlistLockDate :exec
-- Serializes a join against the offers of a date: a seat coming back either is offered before
-- the join counts the free seats, or finds the entry waiting.
SELECT pg_advisory_xact_lock(hashtextextended(@lock_key::text, 0));

-- name: WaitlistFreeSeats :one
-- How many seats of a date, of a section or any, a hold would find free at now: available,
-- or held past their claim while nobody waits for the date.
SELECT count(*)::int FROM seats t
WHERE t.sale_id = @sale_id AND t.perf_date = @perf_date
  AND (sqlc.narg(section)::text IS NULL OR t.section = sqlc.narg(section))
  AND (t.status = 'available' OR (seat_free(t.status, t.held_until, @now::timestamptz) AND NOT waitlist_waits(@sale_id, @perf_date)));

-- name: WaitlistInsert :exec
INSERT INTO waitlist (id, sale_id, perf_date, user_id, quantity, section, status, offer_ttl, joined_at)
VALUES (@id, @sale_id, @perf_date, @user_id, @quantity, sqlc.narg(section), 'waiting', make_interval(secs => @offer_ttl_seconds::float8), @joined_at);

-- name: WaitlistOfFan :many
-- A fan's entries in a sale, oldest first.
SELECT w.id, w.seq, w.sale_id, w.perf_date, w.user_id, w.quantity, w.section, w.status,
       extract(epoch FROM w.offer_ttl)::float8 AS offer_ttl_seconds, w.joined_at, w.order_id, w.offer_expires
FROM waitlist w
WHERE w.sale_id = @sale_id AND w.user_id = @user_id
ORDER BY w.seq;

-- name: WaitlistWaitingSeqs :many
-- The places of a date's waiting entries, in order (waitlist_waiting, read by index alone).
SELECT seq FROM waitlist WHERE sale_id = @sale_id AND perf_date = @perf_date AND status = 'waiting' ORDER BY seq;

-- name: WaitlistLock :one
SELECT id, user_id, status, order_id FROM waitlist WHERE id = @id FOR UPDATE;

-- name: WaitlistLeave :exec
UPDATE waitlist SET status = 'left' WHERE id = @id AND status IN ('waiting', 'offered');

-- name: WaitlistClaim :exec
-- The offer paid: its entry is claimed, even one its fan left while the payment was under way.
UPDATE waitlist SET status = 'claimed' WHERE order_id = @order_id AND status IN ('offered', 'left');

-- name: OffersUntimed :many
SELECT order_id::uuid FROM waitlist WHERE status = 'offered' AND NOT offer_timed ORDER BY seq LIMIT @max_offers;

-- name: OfferTimed :exec
UPDATE waitlist SET offer_timed = true WHERE order_id = @order_id;

-- name: WaitlistFanWaits :one
-- Whether a fan waits for a date, or holds its offer.
SELECT EXISTS (SELECT 1 FROM waitlist w WHERE w.sale_id = @sale_id AND w.perf_date = @perf_date AND w.user_id = @user_id
               AND w.status IN ('waiting', 'offered'))::boolean AS waits;

-- name: WaitlistCounts :many
SELECT sale_id, status, count(*)::int AS entries FROM waitlist GROUP BY sale_id, status;

-- name: WaitlistExpireDate :exec
-- A cancelled date's waiting entries end: nothing will come back to offer.
UPDATE waitlist SET status = 'expired' WHERE sale_id = @sale_id AND perf_date = @perf_date AND status = 'waiting';

-- name: WaitlistOfferSale :exec
-- A sale back on sale offers each date's free seats to its waiting entries: seats that came
-- back while it was paused went to nobody.
SELECT offer_to_waitlist(p.sale_id, p.perf_date) FROM performances p WHERE p.sale_id = @sale_id ORDER BY p.perf_date;

-- name: WaitlistExpireSale :exec
-- A closed sale's waiting entries end: its lines will never move.
UPDATE waitlist SET status = 'expired' WHERE sale_id = @sale_id AND status = 'waiting';
