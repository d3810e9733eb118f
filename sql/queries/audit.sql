-- Invariants a finished sale must satisfy; each query counts the rows that break one. The
-- per-sale ones take sqlc.arg(sale_id)::text; the wallets' span every sale.

-- name: AuditSeatsSoldTwice :one
SELECT count(*) FROM (
    SELECT perf_date, seat_no FROM reservations
    WHERE sale_id = sqlc.arg(sale_id)::text AND status = 'paid' GROUP BY perf_date, seat_no HAVING count(*) > 1
) twice;

-- name: AuditSoldSeatsWithoutOnePayment :one
-- A sold seat needs a paid reservation of its section and exactly one payment of the price it
-- was held at.
SELECT count(*)
FROM seats s
LEFT JOIN reservations r ON r.id = s.reservation_id
WHERE s.sale_id = sqlc.arg(sale_id)::text AND s.status = 'sold'
  AND (r.status IS DISTINCT FROM 'paid' OR r.section IS DISTINCT FROM s.section
       OR (SELECT count(*) FROM payments pm WHERE pm.reservation_id = s.reservation_id AND pm.amount = r.price) <> 1);

-- name: AuditPaymentsWithoutSoldSeat :one
-- A payment's ticket is paid with its seat sold to it, or cancelled (refunded, the seat given back).
SELECT count(*)
FROM payments pm
JOIN reservations r ON r.id = pm.reservation_id
LEFT JOIN seats s ON s.sale_id = r.sale_id AND s.perf_date = r.perf_date AND s.seat_no = r.seat_no AND s.reservation_id = r.id AND s.status = 'sold'
WHERE r.sale_id = sqlc.arg(sale_id)::text AND pm.user_id <> r.user_id
   OR r.sale_id = sqlc.arg(sale_id)::text AND r.status <> 'cancelled' AND (s.seat_no IS NULL OR r.status <> 'paid');

-- name: AuditHoldsPastDeadline :one
-- Holds still held past their payment deadline (the hold's, or the accepted payment's) by more
-- than the caller's grace.
SELECT count(*) FROM reservations
WHERE sale_id = sqlc.arg(sale_id)::text AND status = 'held' AND payment_deadline(held_until, payment_accepted_at) < sqlc.arg(cutoff)::timestamptz;

-- name: AuditPayersWithLiveTokens :one
-- A payment that left the fan no live hold in the sale ended the session it was made in: no
-- token admitted before it is still active. (A token its payer queued with again keeps
-- waiting: tokens leave the queue only at its head.)
SELECT count(*)
FROM payments pm
JOIN reservations paid ON paid.id = pm.reservation_id
JOIN queue_tokens t ON t.sale_id = paid.sale_id AND t.user_id = pm.user_id AND t.admitted_at <= pm.paid_at
WHERE paid.sale_id = sqlc.arg(sale_id)::text AND t.state = 'active'
  AND NOT EXISTS (
      SELECT 1 FROM reservations other
      WHERE other.sale_id = paid.sale_id AND other.user_id = pm.user_id AND other.id <> paid.id
        AND other.created_at <= pm.paid_at AND other.held_until > pm.paid_at
  );

-- name: AuditFansOverTheLimit :one
-- No fan bought more tickets of the sale than a limit their holds were made under allowed: the
-- last of a fan's paid holds counted every other one, so its limit, and so the greatest, bounds
-- them all (whatever the operator changed the limit to since). Holds from before sales, made
-- under no such limit, are left out.
SELECT count(*) FROM (
    SELECT user_id FROM reservations
    WHERE sale_id = sqlc.arg(sale_id)::text AND status = 'paid' AND fan_limit IS NOT NULL
    GROUP BY user_id HAVING count(*) > max(fan_limit)
) over;

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
-- Tokens admitted before a token of the same sale that arrived earlier: FIFO requires none.
SELECT count(*) FROM (
    SELECT admitted_at,
           max(admitted_at) OVER (ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_earlier
    FROM queue_tokens
    WHERE sale_id = sqlc.arg(sale_id)::text AND admitted_at IS NOT NULL
) ordered
WHERE admitted_at < latest_earlier;

-- name: AuditSkippedWaiting :one
-- Tokens still waiting behind which a later arrival was admitted.
SELECT count(*) FROM queue_tokens w
WHERE w.sale_id = sqlc.arg(sale_id)::text AND w.state = 'waiting'
  AND w.seq < (SELECT coalesce(max(a.seq), 0) FROM queue_tokens a WHERE a.sale_id = sqlc.arg(sale_id)::text AND a.admitted_at IS NOT NULL);

-- name: AuditTotals :one
SELECT (SELECT count(*) FROM seats WHERE seats.sale_id = sqlc.arg(sale_id)::text)::bigint                                           AS seats,
       (SELECT count(*) FROM seats WHERE seats.sale_id = sqlc.arg(sale_id)::text AND status = 'sold')::bigint                       AS sold,
       (SELECT count(*) FROM payments pm JOIN reservations r ON r.id = pm.reservation_id WHERE r.sale_id = sqlc.arg(sale_id)::text)::bigint AS payments,
       (SELECT coalesce(sum(pm.amount), 0) FROM payments pm JOIN reservations r ON r.id = pm.reservation_id WHERE r.sale_id = sqlc.arg(sale_id)::text)::bigint AS revenue,
       (SELECT count(*) FROM reservations WHERE reservations.sale_id = sqlc.arg(sale_id)::text AND status = 'released')::bigint     AS released,
       (SELECT count(*) FROM queue_tokens WHERE queue_tokens.sale_id = sqlc.arg(sale_id)::text)::bigint                            AS tokens,
       (SELECT count(*) FROM refunds rf JOIN reservations r ON r.id = rf.reservation_id WHERE r.sale_id = sqlc.arg(sale_id)::text)::bigint AS refunds,
       (SELECT coalesce(sum(rf.amount), 0) FROM refunds rf JOIN reservations r ON r.id = rf.reservation_id WHERE r.sale_id = sqlc.arg(sale_id)::text)::bigint AS refunded,
       (SELECT count(*) FROM check_ins c JOIN reservations r ON r.id = c.reservation_id WHERE r.sale_id = sqlc.arg(sale_id)::text)::bigint AS checked_in;

-- name: AuditSequenceGaps :one
-- Sequence numbers are exactly 1..last_seq: the difference in count, plus one if the range
-- is off (numbers are unique, so a right count over the right range means no gap).
SELECT (abs(q.last_seq - count(t.seq))
        + CASE WHEN coalesce(min(t.seq), 1) = 1 AND coalesce(max(t.seq), 0) = q.last_seq THEN 0 ELSE 1 END)::bigint
FROM queues q
LEFT JOIN queue_tokens t ON t.sale_id = q.sale_id
WHERE q.sale_id = sqlc.arg(sale_id)::text
GROUP BY q.last_seq;

-- name: AuditWaitingBelowWatermark :one
-- Tokens leave the queue only at its head: none still waits at or below the watermark.
SELECT count(*)
FROM queue_tokens t, queues q
WHERE q.sale_id = sqlc.arg(sale_id)::text AND t.sale_id = q.sale_id AND t.state = 'waiting' AND t.seq <= q.admitted_through;

-- name: AuditActiveCountOff :one
-- The queue's count of fans in session, less the sessions ended since the last round, is its
-- active tokens: every change of either is in the transaction of the other.
SELECT abs(q.active_count - (SELECT count(*) FROM queue_session_ends e WHERE e.sale_id = q.sale_id)
           - (SELECT count(*) FROM queue_tokens t WHERE t.sale_id = q.sale_id AND t.state = 'active'))::bigint
FROM queues q WHERE q.sale_id = sqlc.arg(sale_id)::text;

-- name: AuditActiveAfterLeaving :one
-- A fan who left the queue is never admitted after.
SELECT count(*) FROM queue_tokens WHERE sale_id = sqlc.arg(sale_id)::text AND left_at IS NOT NULL AND state <> 'expired';

-- name: AuditDrawnTokens :many
-- Early tokens' arrival numbers and drawn places, to replay the draw from its seed.
SELECT arrival_seq::bigint AS arrival_seq, seq FROM queue_tokens
WHERE sale_id = sqlc.arg(sale_id)::text AND arrival_seq IS NOT NULL ORDER BY arrival_seq;

-- name: AuditCancelledWithoutOneRefund :one
-- A ticket is cancelled exactly when it has a refund, of its payment, for its price: the amount
-- refunded and the fee kept add up to what was paid.
SELECT count(*)
FROM reservations r
LEFT JOIN refunds rf ON rf.reservation_id = r.id
LEFT JOIN payments pm ON pm.reservation_id = r.id
WHERE r.sale_id = sqlc.arg(sale_id)::text
  AND ((r.status = 'cancelled') <> (rf.id IS NOT NULL)
       OR rf.id IS NOT NULL AND (rf.payment_id IS DISTINCT FROM pm.id OR rf.amount + rf.fee <> pm.amount));

-- name: AuditRefundsOffLedger :one
-- Each refund of money has exactly one ledger credit of its amount; each ledger credit of kind
-- refund, a refund.
SELECT ((
    SELECT count(*) FROM refunds rf JOIN reservations r ON r.id = rf.reservation_id
    WHERE r.sale_id = sqlc.arg(sale_id)::text AND rf.amount > 0
      AND (SELECT count(*) FROM wallet_ledger l WHERE l.reservation_id = rf.reservation_id AND l.kind = 'refund' AND l.amount = rf.amount) <> 1
) + (
    SELECT count(*) FROM wallet_ledger l JOIN reservations r ON r.id = l.reservation_id
    WHERE r.sale_id = sqlc.arg(sale_id)::text AND l.kind = 'refund'
      AND NOT EXISTS (SELECT 1 FROM refunds rf WHERE rf.reservation_id = l.reservation_id AND rf.amount = l.amount)
))::bigint;

-- name: AuditCheckedInNotAdmissible :one
-- A ticket checked in was paid and is not cancelled.
SELECT count(*)
FROM check_ins c JOIN reservations r ON r.id = c.reservation_id
WHERE r.sale_id = sqlc.arg(sale_id)::text AND r.status <> 'paid';

-- name: AuditOrdersSplit :one
-- An order is taken, paid and released whole: its seats share one date and one deadline, and
-- either all of them were paid, by one payment (some may have been given back since), or none
-- was, all held or all released. A hold past its payment deadline counts as released, as the
-- seat is free (the sweep releases an order's tickets one by one, a batch at a time).
SELECT count(*) FROM (
    SELECT o.id
    FROM orders o
    JOIN reservations r ON r.order_id = o.id
    LEFT JOIN payments pm ON pm.reservation_id = r.id
    WHERE o.sale_id = sqlc.arg(sale_id)::text
    GROUP BY o.id
    HAVING count(DISTINCT r.held_until) > 1
        OR count(DISTINCT r.perf_date) > 1
        OR count(*) FILTER (WHERE r.status IN ('paid', 'cancelled')) NOT IN (0, count(*))
        OR count(DISTINCT CASE WHEN r.status = 'held' AND payment_deadline(r.held_until, r.payment_accepted_at) <= now() THEN 'released' ELSE r.status END)
               FILTER (WHERE r.status IN ('held', 'released')) > 1
        OR count(DISTINCT coalesce(pm.order_payment_id, pm.id)) > 1
) split;

-- name: AuditChangesWithoutEvent :one
-- Every payment, refund and check-in since the outbox began has its event in it (order.paid
-- naming the payment, ticket.cancelled the refund, ticket.checked_in the ticket), and every
-- waitlist offer its waitlist.offered: nothing that committed is without its event.
WITH since AS (SELECT coalesce(min(created_at), 'infinity'::timestamptz) AS at FROM events)
SELECT (
    SELECT count(*) FROM (
        SELECT DISTINCT coalesce(pm.order_payment_id, pm.id) AS payment_id
        FROM payments pm JOIN reservations r ON r.id = pm.reservation_id, since
        WHERE r.sale_id = sqlc.arg(sale_id)::text AND pm.paid_at >= since.at
    ) p
    WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.type = 'order.paid' AND e.data->>'payment_id' = p.payment_id::text)
) + (
    SELECT count(*) FROM refunds f JOIN reservations r ON r.id = f.reservation_id, since
    WHERE r.sale_id = sqlc.arg(sale_id)::text AND f.refunded_at >= since.at
      AND NOT EXISTS (SELECT 1 FROM events e WHERE e.type = 'ticket.cancelled' AND e.data->>'refund_id' = f.id::text)
) + (
    SELECT count(*) FROM check_ins c JOIN reservations r ON r.id = c.reservation_id, since
    WHERE r.sale_id = sqlc.arg(sale_id)::text AND c.checked_in_at >= since.at
      AND NOT EXISTS (SELECT 1 FROM events e WHERE e.type = 'ticket.checked_in' AND e.data->>'ticket_id' = c.reservation_id::text)
) + (
    SELECT count(*) FROM waitlist w
    WHERE w.sale_id = sqlc.arg(sale_id)::text AND w.order_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM events e WHERE e.type = 'waitlist.offered' AND e.data->>'order_id' = w.order_id::text)
);

-- name: AuditOffersUnaccounted :one
-- Every waitlist offer is accounted for: an entry offered, claimed or expired by its offer
-- names an order made for it (and only it), a claimed one's order is paid, an offered one's is
-- still held; every order made for an entry is the one it names.
SELECT (
    SELECT count(*) FROM waitlist w
    LEFT JOIN orders o ON o.id = w.order_id
    WHERE w.sale_id = sqlc.arg(sale_id)::text AND w.order_id IS NOT NULL
      AND (o.id IS NULL OR o.waitlist_id IS DISTINCT FROM w.id OR o.user_id <> w.user_id
           OR (w.status = 'claimed' AND EXISTS (SELECT 1 FROM reservations r WHERE r.order_id = o.id AND r.status NOT IN ('paid', 'cancelled')))
           OR (w.status = 'offered' AND EXISTS (SELECT 1 FROM reservations r WHERE r.order_id = o.id AND r.status <> 'held')))
) + (
    SELECT count(*) FROM waitlist w
    WHERE w.sale_id = sqlc.arg(sale_id)::text AND w.status IN ('offered', 'claimed') AND w.order_id IS NULL
) + (
    SELECT count(*) FROM orders o
    WHERE o.sale_id = sqlc.arg(sale_id)::text AND o.waitlist_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM waitlist w WHERE w.id = o.waitlist_id AND w.order_id = o.id)
);

-- name: AuditEventsPassedUndelivered :one
-- No endpoint moved past an event it hears without delivering it or giving up on it: every
-- event it heard is delivered, failed, or still pending after its position.
SELECT count(*)
FROM webhook_endpoints w
JOIN events e ON e.tx > w.from_tx AND (e.tx, e.seq) <= (w.done_tx, w.done_seq)
WHERE w.removed_at IS NULL AND e.type = ANY (w.events) AND (w.sale_id IS NULL OR e.sale_id = w.sale_id)
  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = w.id AND d.event_id = e.id AND d.status IN ('delivered', 'failed', 'pending'));
