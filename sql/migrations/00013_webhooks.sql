-- +goose Up
-- The outbox: every event, written by the transaction of the change it reports. Its order is
-- (tx, seq): tx is the writing transaction's id, and a reader takes only events whose tx is
-- older than every transaction still running (pg_snapshot_xmin), so an event committed late by
-- a transaction that began early is never passed over by a reader that moved on.
CREATE TABLE events (
    id         uuid PRIMARY KEY,
    tx         bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    seq        bigint NOT NULL GENERATED ALWAYS AS IDENTITY,
    type       text NOT NULL,
    sale_id    text NOT NULL,
    data       jsonb NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX events_in_order ON events (tx, seq);

-- An operator's endpoint, and how far its deliveries are: every event up to (done_tx, done_seq)
-- is delivered, given up on, or not for it. It hears the events of transactions after from_tx,
-- the one that registered it.
CREATE TABLE webhook_endpoints (
    id         uuid PRIMARY KEY,
    url        text NOT NULL,
    events     text[] NOT NULL,
    sale_id    text,
    secret     text NOT NULL,
    created_at timestamptz NOT NULL,
    removed_at timestamptz,
    from_tx    bigint NOT NULL,
    done_tx    bigint NOT NULL,
    done_seq   bigint NOT NULL DEFAULT 0
);

-- One event's delivery to one endpoint, from its first attempt on.
CREATE TABLE webhook_deliveries (
    endpoint_id  uuid NOT NULL REFERENCES webhook_endpoints (id),
    event_id     uuid NOT NULL REFERENCES events (id),
    status       text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    last_code    integer NOT NULL DEFAULT 0,
    next_attempt timestamptz,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_retried ON webhook_deliveries (endpoint_id) WHERE status = 'pending';

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DROP TABLE events;
