-- name: EventInsert :exec
-- An event, in the transaction of the change it reports (tx and seq default to its place).
INSERT INTO events (id, type, sale_id, data, created_at)
VALUES (sqlc.arg(id), sqlc.arg(event_type), sqlc.arg(sale_id), sqlc.arg(data)::text::jsonb, sqlc.arg(created_at));

-- name: EventsAfter :many
-- The events after a position, in order, of transactions older than every one still running:
-- none that commits later can have a place before them.
SELECT id, tx, seq, type, sale_id, data, created_at FROM events
WHERE (tx, seq) > (@after_tx::bigint, @after_seq::bigint)
  AND tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
ORDER BY tx, seq
LIMIT @max_events;

-- name: EventsRetried :many
-- An endpoint's events whose failed delivery an operator asked to retry, in order.
SELECT e.id, e.tx, e.seq, e.type, e.sale_id, e.data, e.created_at
FROM webhook_deliveries d
JOIN events e ON e.id = d.event_id
JOIN webhook_endpoints w ON w.id = d.endpoint_id
WHERE d.endpoint_id = @endpoint_id AND d.status = 'pending' AND (e.tx, e.seq) <= (w.done_tx, w.done_seq)
ORDER BY e.tx, e.seq
LIMIT @max_events;

-- name: EventsUntried :many
-- The newest events after an endpoint's position not tried yet, of its types and sale.
SELECT e.id, e.type FROM events e
WHERE (e.tx, e.seq) > (@after_tx::bigint, @after_seq::bigint) AND e.type = ANY(@types::text[])
  AND (sqlc.narg(sale_id)::text IS NULL OR e.sale_id = sqlc.narg(sale_id))
  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = @endpoint_id AND d.event_id = e.id)
ORDER BY e.tx DESC, e.seq DESC
LIMIT @max_events;

-- name: EndpointInsert :exec
-- A new endpoint hears the events of transactions that began after this one.
INSERT INTO webhook_endpoints (id, url, events, sale_id, secret, created_at, from_tx, done_tx, done_seq)
VALUES (@id, @url, @events, sqlc.narg(sale_id), @secret, @created_at,
        pg_current_xact_id()::text::bigint, pg_current_xact_id()::text::bigint, 9223372036854775807);

-- name: EndpointByID :one
SELECT id, url, events, sale_id, secret, created_at, done_tx, done_seq FROM webhook_endpoints
WHERE id = @id AND removed_at IS NULL;

-- name: EndpointList :many
SELECT id, url, events, sale_id, secret, created_at, done_tx, done_seq FROM webhook_endpoints
WHERE removed_at IS NULL
ORDER BY created_at, id;

-- name: EndpointRemove :execrows
UPDATE webhook_endpoints SET removed_at = now() WHERE id = @id AND removed_at IS NULL;

-- name: EndpointPassOver :exec
-- Moves an endpoint past a position: everything up to it is handled or not for it.
UPDATE webhook_endpoints SET done_tx = @done_tx::bigint, done_seq = @done_seq::bigint
WHERE id = @id AND (done_tx, done_seq) < (@done_tx::bigint, @done_seq::bigint);

-- name: EndpointPassEvent :exec
-- Moves an endpoint past an event it handled.
UPDATE webhook_endpoints w SET done_tx = e.tx, done_seq = e.seq
FROM events e
WHERE w.id = @endpoint_id AND e.id = @event_id AND (w.done_tx, w.done_seq) < (e.tx, e.seq);

-- name: DeliveryRecord :execrows
-- One more attempt at an event's delivery, and where it stands after it.
INSERT INTO webhook_deliveries (endpoint_id, event_id, status, attempts, last_code, next_attempt, updated_at)
SELECT @endpoint_id, e.id, @status, 1, @last_code, sqlc.narg(next_attempt), @at FROM events e WHERE e.id = @event_id
ON CONFLICT (endpoint_id, event_id) DO UPDATE
SET status = excluded.status, attempts = webhook_deliveries.attempts + 1, last_code = excluded.last_code,
    next_attempt = excluded.next_attempt, updated_at = excluded.updated_at;

-- name: DeliveryGiveUp :execrows
INSERT INTO webhook_deliveries (endpoint_id, event_id, status, updated_at)
SELECT @endpoint_id, e.id, 'failed', @at FROM events e WHERE e.id = @event_id
ON CONFLICT (endpoint_id, event_id) DO UPDATE SET status = 'failed', next_attempt = NULL, updated_at = excluded.updated_at;

-- name: DeliveryRetry :one
-- Makes a failed delivery pending again; the status it had says whether it did.
WITH before AS (
    SELECT status FROM webhook_deliveries WHERE endpoint_id = @endpoint_id AND event_id = @event_id FOR UPDATE
)
UPDATE webhook_deliveries d SET status = CASE WHEN before.status = 'failed' THEN 'pending' ELSE d.status END,
    next_attempt = NULL
FROM before
WHERE d.endpoint_id = @endpoint_id AND d.event_id = @event_id
RETURNING before.status AS was;

-- name: DeliveriesTried :many
SELECT d.event_id, e.type, d.status, d.attempts, d.last_code, d.next_attempt
FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
WHERE d.endpoint_id = @endpoint_id
ORDER BY e.tx DESC, e.seq DESC
LIMIT @max_events;

-- name: DateSoldOut :one
-- Whether every seat of a date is sold.
SELECT coalesce(NOT EXISTS (SELECT 1 FROM seats s WHERE s.sale_id = @sale_id AND s.perf_date = @perf_date AND s.status = 'available')
   AND NOT EXISTS (SELECT 1 FROM seats s WHERE s.sale_id = @sale_id AND s.perf_date = @perf_date AND s.status = 'held'), false)::boolean AS sold_out;

-- name: DateAvailableNone :one
-- Whether no seat of a date is available (each is held or sold).
SELECT NOT EXISTS (SELECT 1 FROM seats s WHERE s.sale_id = @sale_id AND s.perf_date = @perf_date AND s.status = 'available') AS none;

-- name: SoldOutLock :exec
-- Serializes the sell-out checks of one date's payments (key names the date), for this
-- transaction.
SELECT pg_advisory_xact_lock(hashtextextended(@lock_key::text, 0));

-- name: WebhooksOldestPending :one
-- When the oldest event happened that a live endpoint hears and has not handled: the first
-- after its position, or one whose failed delivery an operator asked to retry.
SELECT (min(at) IS NOT NULL)::boolean AS waits, coalesce(min(at), now())::timestamptz AS oldest FROM (
    SELECT (SELECT e.created_at FROM events e
            WHERE (e.tx, e.seq) > (w.done_tx, w.done_seq) AND e.type = ANY (w.events) AND (w.sale_id IS NULL OR e.sale_id = w.sale_id)
            ORDER BY e.tx, e.seq LIMIT 1) AS at
    FROM webhook_endpoints w WHERE w.removed_at IS NULL
    UNION ALL
    SELECT e.created_at FROM webhook_deliveries d JOIN events e ON e.id = d.event_id JOIN webhook_endpoints w ON w.id = d.endpoint_id
    WHERE d.status = 'pending' AND w.removed_at IS NULL
) pending;
