-- Invariants a finished sale must satisfy; each query counts the rows that break one.

-- name: AuditSeatsSoldTwice :one
SELECT count(*) FROM (
    SELECT perf_date, seat_no FROM reservations WHERE status = 'paid' GROUP BY perf_date, seat_no HAVING count(*) > 1
) twice;

-- name: AuditSoldSeatsWithoutOnePayment :one
-- A sold seat needs a paid reservation and exactly one payment of the performance's price.
SELECT count(*)
FROM seats s
JOIN performances p ON p.perf_date = s.perf_date
LEFT JOIN reservations r ON r.id = s.reservation_id
WHERE s.status = 'sold'
  AND (r.status IS DISTINCT FROM 'paid'
       OR (SELECT count(*) FROM payments pm WHERE pm.reservation_id = s.reservation_id AND pm.amount = p.price) <> 1);

-- name: AuditPaymentsWithoutSoldSeat :one
SELECT count(*)
FROM payments pm
JOIN reservations r ON r.id = pm.reservation_id
LEFT JOIN seats s ON s.perf_date = r.perf_date AND s.seat_no = r.seat_no AND s.reservation_id = r.id AND s.status = 'sold'
WHERE s.seat_no IS NULL OR r.status <> 'paid' OR pm.user_id <> r.user_id;

-- name: AuditHoldsPastDeadline :one
SELECT count(*) FROM reservations WHERE status = 'held' AND held_until < sqlc.arg(cutoff)::timestamptz;

-- name: AuditPayersWithLiveTokens :one
-- A payment ends the session it was made in: no token admitted before it is still active. (A
-- token its payer queued with again keeps waiting: tokens leave the queue only at its head.)
SELECT count(*)
FROM payments pm
JOIN queue_tokens t ON t.user_id = pm.user_id AND t.admitted_at <= pm.paid_at
WHERE t.state = 'active';

-- name: AuditWalletsOffLedger :one
SELECT count(*)
FROM wallets w
WHERE w.balance <> (SELECT coalesce(sum(l.amount), 0) FROM wallet_ledger l WHERE l.user_id = w.user_id);

-- name: AuditNegativeBalances :one
SELECT count(*) FROM wallets WHERE balance < 0;

-- name: AuditPaymentsOffLedger :one
-- Each payment has exactly one ledger debit of its amount, and each ledger debit a payment.
SELECT ((
    SELECT count(*) FROM payments pm
    WHERE (SELECT count(*) FROM wallet_ledger l
           WHERE l.reservation_id = pm.reservation_id AND l.kind = 'payment' AND l.amount = -pm.amount) <> 1
) + (
    SELECT count(*) FROM wallet_ledger l
    WHERE l.kind = 'payment' AND NOT EXISTS (SELECT 1 FROM payments pm WHERE pm.reservation_id = l.reservation_id)
))::bigint;

-- name: AuditAdmittedOutOfOrder :one
-- Tokens admitted before a token that arrived earlier: FIFO requires none.
SELECT count(*) FROM (
    SELECT admitted_at,
           max(admitted_at) OVER (ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_earlier
    FROM queue_tokens
    WHERE admitted_at IS NOT NULL
) ordered
WHERE admitted_at < latest_earlier;

-- name: AuditSkippedWaiting :one
-- Tokens still waiting behind which a later arrival was admitted.
SELECT count(*) FROM queue_tokens
WHERE state = 'waiting'
  AND seq < (SELECT coalesce(max(seq), 0) FROM queue_tokens WHERE admitted_at IS NOT NULL);

-- name: AuditTotals :one
SELECT (SELECT count(*) FROM seats)::bigint                          AS seats,
       (SELECT count(*) FROM seats WHERE status = 'sold')::bigint    AS sold,
       (SELECT count(*) FROM payments)::bigint                       AS payments,
       (SELECT coalesce(sum(amount), 0) FROM payments)::bigint        AS revenue,
       (SELECT count(*) FROM reservations WHERE status = 'released')::bigint AS released,
       (SELECT count(*) FROM queue_tokens)::bigint                   AS tokens;

-- name: AuditSequenceGaps :one
-- Sequence numbers are exactly 1..last_seq: the difference in count, plus one if the range
-- is off (numbers are unique, so a right count over the right range means no gap).
SELECT (abs(q.last_seq - count(t.seq))
        + CASE WHEN coalesce(min(t.seq), 1) = 1 AND coalesce(max(t.seq), 0) = q.last_seq THEN 0 ELSE 1 END)::bigint
FROM queues q
LEFT JOIN queue_tokens t ON true
WHERE q.name = 'main'
GROUP BY q.last_seq;

-- name: AuditWaitingBelowWatermark :one
-- Tokens leave the queue only at its head: none still waits at or below the watermark.
SELECT count(*)
FROM queue_tokens t, queues q
WHERE q.name = 'main' AND t.state = 'waiting' AND t.seq <= q.admitted_through;

-- name: AuditDrawnTokens :many
-- Early tokens' arrival numbers and drawn places, to replay the draw from its seed.
SELECT arrival_seq::bigint AS arrival_seq, seq FROM queue_tokens WHERE arrival_seq IS NOT NULL ORDER BY arrival_seq;
