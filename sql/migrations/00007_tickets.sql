-- +goose Up
-- After the payment: a paid ticket can be checked in once, or cancelled for a refund (by its
-- fan within the sale's policy, or with its whole performance by an operator).

ALTER TABLE reservations DROP CONSTRAINT reservations_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check CHECK (status IN ('held', 'paid', 'released', 'cancelled'));

-- At most one check-in a ticket; the primary key decides a race of gates.
CREATE TABLE check_ins (
    reservation_id uuid        PRIMARY KEY REFERENCES reservations,
    checked_in_at  timestamptz NOT NULL
);

-- At most one refund a payment (and so a ticket). amount + fee is the price paid.
CREATE TABLE refunds (
    id              uuid        PRIMARY KEY,
    payment_id      uuid        NOT NULL UNIQUE REFERENCES payments,
    reservation_id  uuid        NOT NULL UNIQUE REFERENCES reservations,
    user_id         text        NOT NULL,
    amount          bigint      NOT NULL CHECK (amount >= 0),
    fee             bigint      NOT NULL CHECK (fee >= 0),
    reason          text        NOT NULL CHECK (reason IN ('fan', 'performance_cancelled')),
    refunded_at     timestamptz NOT NULL,
    idempotency_key text
);
CREATE UNIQUE INDEX refunds_idempotency ON refunds (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- A refund credits the wallet: a ledger row of kind refund, positive like a charge.
ALTER TABLE wallet_ledger DROP CONSTRAINT wallet_ledger_kind_check;
ALTER TABLE wallet_ledger DROP CONSTRAINT wallet_ledger_check;
ALTER TABLE wallet_ledger ADD CONSTRAINT wallet_ledger_kind_check CHECK (kind IN ('charge', 'payment', 'refund'));
ALTER TABLE wallet_ledger ADD CONSTRAINT wallet_ledger_amount_check CHECK ((kind IN ('charge', 'refund')) = (amount > 0) AND amount <> 0);

-- A fan's tickets in a sale, whatever became of them, newest first.
CREATE INDEX reservations_of_fan ON reservations (sale_id, user_id, created_at DESC);

-- A cancelled performance takes no holds and is listed no more; its tickets are refunded.
ALTER TABLE performances ADD COLUMN cancelled_at timestamptz;
-- A performance's cancelled tickets, which its cancellation's progress counts.
CREATE INDEX reservations_cancelled_of_date ON reservations (sale_id, perf_date) WHERE status = 'cancelled';

-- +goose Down
-- Not reversible: refunds and check-ins are financial and gate records with no earlier form.
-- +goose StatementBegin
DO $$ BEGIN RAISE EXCEPTION 'migration 00007 (tickets) cannot be undone'; END $$;
-- +goose StatementEnd
