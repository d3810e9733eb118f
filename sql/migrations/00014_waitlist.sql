-- +goose Up
-- The waitlists: a fan's wait for seats of a date, first come first served by seq. An offer is
-- an order made for the entry when seats came back (orders.waitlist_id names its entry);
-- offer_timed says its lifecycle (its order's workflow) has started.
CREATE TABLE waitlist (
    id            uuid        PRIMARY KEY,
    seq           bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
    sale_id       text        NOT NULL,
    perf_date     date        NOT NULL,
    user_id       text        NOT NULL,
    quantity      int         NOT NULL CHECK (quantity > 0),
    section       text,
    status        text        NOT NULL CHECK (status IN ('waiting', 'offered', 'claimed', 'expired', 'left')),
    offer_ttl     interval    NOT NULL,
    joined_at     timestamptz NOT NULL,
    order_id      uuid,
    offer_expires timestamptz,
    offer_timed   boolean     NOT NULL DEFAULT false,
    FOREIGN KEY (sale_id, perf_date) REFERENCES performances
);
CREATE INDEX waitlist_waiting ON waitlist (sale_id, perf_date, seq) WHERE status = 'waiting';
CREATE UNIQUE INDEX waitlist_one_per_fan_and_date ON waitlist (sale_id, perf_date, user_id) WHERE status IN ('waiting', 'offered');
CREATE INDEX waitlist_of_fan ON waitlist (sale_id, user_id, seq);
CREATE UNIQUE INDEX waitlist_of_order ON waitlist (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX waitlist_untimed ON waitlist (seq) WHERE status = 'offered' AND NOT offer_timed;
ALTER TABLE orders ADD COLUMN waitlist_id uuid;

-- +goose Down
ALTER TABLE orders DROP COLUMN waitlist_id;
DROP TABLE waitlist;
