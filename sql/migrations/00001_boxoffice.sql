-- +goose Up

-- The waiting room. seq is the FIFO order; one live (waiting or active) token per user.
CREATE TABLE queue_tokens (
    id          uuid        PRIMARY KEY,
    user_id     text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 64),
    seq         bigint      NOT NULL GENERATED ALWAYS AS IDENTITY UNIQUE,
    state       text        NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'active', 'expired')),
    issued_at   timestamptz NOT NULL,
    admitted_at timestamptz,
    expires_at  timestamptz
);
CREATE UNIQUE INDEX queue_tokens_one_live_per_user ON queue_tokens (user_id) WHERE state IN ('waiting', 'active');
CREATE INDEX queue_tokens_waiting_by_seq ON queue_tokens (seq) WHERE state = 'waiting';
CREATE INDEX queue_tokens_active_by_expiry ON queue_tokens (expires_at) WHERE state = 'active';

CREATE TABLE performances (
    perf_date  date   PRIMARY KEY,
    concert    text   NOT NULL,
    price      bigint NOT NULL CHECK (price > 0),
    seat_count int    NOT NULL CHECK (seat_count > 0)
);

-- The seat row is the arbiter of holds: one conditional UPDATE decides every race.
CREATE TABLE seats (
    perf_date      date NOT NULL REFERENCES performances,
    seat_no        int  NOT NULL CHECK (seat_no > 0),
    status         text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'held', 'sold')),
    reservation_id uuid,
    held_until     timestamptz,
    PRIMARY KEY (perf_date, seat_no),
    CHECK ((status = 'available') = (reservation_id IS NULL)),
    CHECK ((status = 'held') = (held_until IS NOT NULL))
);

CREATE TABLE reservations (
    id         uuid        PRIMARY KEY,
    user_id    text        NOT NULL,
    perf_date  date        NOT NULL,
    seat_no    int         NOT NULL,
    price      bigint      NOT NULL CHECK (price > 0),
    status     text        NOT NULL CHECK (status IN ('held', 'paid', 'released')),
    held_until timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    FOREIGN KEY (perf_date, seat_no) REFERENCES seats
);
-- At most one held-or-paid reservation per seat.
CREATE UNIQUE INDEX reservations_one_live_per_seat ON reservations (perf_date, seat_no) WHERE status IN ('held', 'paid');

CREATE TABLE wallets (
    user_id    text        PRIMARY KEY,
    balance    bigint      NOT NULL CHECK (balance >= 0),
    updated_at timestamptz NOT NULL
);

-- Append-only: every change of a balance, in the same transaction as the change.
CREATE TABLE wallet_ledger (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        text        NOT NULL REFERENCES wallets,
    kind           text        NOT NULL CHECK (kind IN ('charge', 'payment')),
    amount         bigint      NOT NULL CHECK ((kind = 'charge') = (amount > 0) AND amount <> 0),
    reservation_id uuid        REFERENCES reservations,
    created_at     timestamptz NOT NULL
);
CREATE INDEX wallet_ledger_by_user ON wallet_ledger (user_id);

CREATE TABLE payments (
    id             uuid        PRIMARY KEY,
    reservation_id uuid        NOT NULL UNIQUE REFERENCES reservations,
    user_id        text        NOT NULL,
    amount         bigint      NOT NULL CHECK (amount > 0),
    paid_at        timestamptz NOT NULL
);

-- +goose Down
DROP TABLE payments;
DROP TABLE wallet_ledger;
DROP TABLE wallets;
DROP TABLE reservations;
DROP TABLE seats;
DROP TABLE performances;
DROP TABLE queue_tokens;
