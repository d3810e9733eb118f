-- +goose Up
-- Many sales at once. A sale is a concert with its own performances (each with priced
-- sections), its own waiting room and its own per-fan limit; tokens, performances, seats and
-- reservations all belong to one. What was here before becomes one sale, the default, whose id
-- is its concert's name as a slug.
CREATE TABLE sales (
    id                  text        PRIMARY KEY CHECK (id ~ '^[a-z0-9-]{3,64}$'),
    title               text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    venue               text        NOT NULL CHECK (length(venue) BETWEEN 1 AND 200),
    state               text        NOT NULL CHECK (state IN ('draft', 'on_sale', 'paused', 'closed')),
    max_tickets_per_fan int         NOT NULL CHECK (max_tickets_per_fan > 0),
    -- A fan may cancel until this long before the show (ISO 8601), for fee_percent; NULL: never.
    cancel_until        text,
    cancel_fee_percent  int         CHECK (cancel_fee_percent BETWEEN 0 AND 100),
    created_at          timestamptz NOT NULL,
    CHECK ((cancel_until IS NULL) = (cancel_fee_percent IS NULL))
);

INSERT INTO sales (id, title, venue, state, max_tickets_per_fan, created_at)
SELECT CASE WHEN length(slug) >= 3 THEN left(slug, 64) ELSE 'default-sale' END, left(concert, 200), 'Unknown venue', 'on_sale', 4, now()
FROM (
    SELECT concert, trim(both '-' FROM regexp_replace(lower(concert), '[^a-z0-9]+', '-', 'g')) AS slug
    FROM performances ORDER BY perf_date LIMIT 1
) first
UNION ALL
-- Tokens but no performance: the queue still needs its sale.
SELECT 'default-sale', 'Default sale', 'Unknown venue', 'on_sale', 4, now()
WHERE NOT EXISTS (SELECT 1 FROM performances) AND EXISTS (SELECT 1 FROM queue_tokens);

ALTER TABLE reservations DROP CONSTRAINT reservations_perf_date_seat_no_fkey;
ALTER TABLE seats DROP CONSTRAINT seats_perf_date_fkey;

ALTER TABLE performances ADD COLUMN sale_id text REFERENCES sales;
ALTER TABLE performances ADD COLUMN starts_at timestamptz;
UPDATE performances SET sale_id = (SELECT id FROM sales);
ALTER TABLE performances ALTER COLUMN sale_id SET NOT NULL;
ALTER TABLE performances DROP CONSTRAINT performances_pkey;
ALTER TABLE performances ADD PRIMARY KEY (sale_id, perf_date);

-- A performance's seats 1..N are covered by sections, each a run of seats at one price; a
-- seat keeps its section's name, and a hold takes the section's price of the moment.
CREATE TABLE sections (
    sale_id    text   NOT NULL,
    perf_date  date   NOT NULL,
    name       text   NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    first_seat int    NOT NULL CHECK (first_seat > 0),
    last_seat  int    NOT NULL CHECK (last_seat >= first_seat),
    price      bigint NOT NULL CHECK (price > 0),
    PRIMARY KEY (sale_id, perf_date, name),
    FOREIGN KEY (sale_id, perf_date) REFERENCES performances
);
INSERT INTO sections (sale_id, perf_date, name, first_seat, last_seat, price)
SELECT sale_id, perf_date, 'General', 1, seat_count, price FROM performances;
ALTER TABLE performances DROP COLUMN price;
ALTER TABLE performances DROP COLUMN concert;

ALTER TABLE seats ADD COLUMN sale_id text;
ALTER TABLE seats ADD COLUMN section text;
UPDATE seats SET sale_id = (SELECT id FROM sales), section = 'General';
ALTER TABLE seats ALTER COLUMN sale_id SET NOT NULL;
ALTER TABLE seats ALTER COLUMN section SET NOT NULL;
ALTER TABLE seats DROP CONSTRAINT seats_pkey;
ALTER TABLE seats ADD PRIMARY KEY (sale_id, perf_date, seat_no);
ALTER TABLE seats ADD FOREIGN KEY (sale_id, perf_date) REFERENCES performances;
ALTER TABLE seats ADD FOREIGN KEY (sale_id, perf_date, section) REFERENCES sections;

ALTER TABLE reservations ADD COLUMN sale_id text;
ALTER TABLE reservations ADD COLUMN section text;
UPDATE reservations SET sale_id = (SELECT id FROM sales), section = 'General';
ALTER TABLE reservations ALTER COLUMN sale_id SET NOT NULL;
ALTER TABLE reservations ALTER COLUMN section SET NOT NULL;
ALTER TABLE reservations ADD FOREIGN KEY (sale_id, perf_date, seat_no) REFERENCES seats;
DROP INDEX reservations_one_live_per_seat;
CREATE UNIQUE INDEX reservations_one_live_per_seat ON reservations (sale_id, perf_date, seat_no) WHERE status IN ('held', 'paid');
-- The per-fan limit counts a fan's held and paid tickets in a sale. Each hold records the limit
-- it was made under, so the audit can check it even after an operator changed the limit (NULL
-- for the holds made before sales, when no such limit was).
ALTER TABLE reservations ADD COLUMN fan_limit int CHECK (fan_limit > 0);
CREATE INDEX reservations_by_fan ON reservations (sale_id, user_id) WHERE status IN ('held', 'paid');

-- Each sale numbers its own tokens: one queue row per sale, one live token per fan per sale.
ALTER TABLE queues RENAME COLUMN name TO sale_id;
-- A sale's session length is part of its admission settings.
ALTER TABLE queues ADD COLUMN settings_session_ms bigint NOT NULL DEFAULT 0 CHECK (settings_session_ms >= 0);
-- A queue nobody used, in a database without a concert, has nothing to keep.
DELETE FROM queues WHERE NOT EXISTS (SELECT 1 FROM sales);
UPDATE queues SET sale_id = (SELECT id FROM sales) WHERE sale_id = 'main';
ALTER TABLE queues ADD FOREIGN KEY (sale_id) REFERENCES sales;

ALTER TABLE queue_tokens ADD COLUMN sale_id text REFERENCES sales;
UPDATE queue_tokens SET sale_id = (SELECT id FROM sales);
ALTER TABLE queue_tokens ALTER COLUMN sale_id SET NOT NULL;
ALTER TABLE queue_tokens DROP CONSTRAINT queue_tokens_seq_key;
CREATE UNIQUE INDEX queue_tokens_seq_per_sale ON queue_tokens (sale_id, seq);
DROP INDEX queue_tokens_one_live_per_user;
-- user_id leads: issue_tokens looks a batch of fans up by user_id = ANY(...) in one sale, and
-- with sale_id first a planner with stale statistics scans the whole sale's queue instead.
CREATE UNIQUE INDEX queue_tokens_one_live_per_fan ON queue_tokens (user_id, sale_id) WHERE state IN ('waiting', 'active');
DROP INDEX queue_tokens_waiting_by_seq;
CREATE INDEX queue_tokens_waiting_by_seq ON queue_tokens (sale_id, seq) WHERE state = 'waiting';
DROP INDEX queue_tokens_active_by_expiry;
CREATE INDEX queue_tokens_active_by_expiry ON queue_tokens (sale_id, expires_at) WHERE state = 'active';

-- +goose Down
-- Not reversible: many sales, sections and per-sale queues have no single-concert form.
-- +goose StatementBegin
DO $$ BEGIN RAISE EXCEPTION 'migration 00006 (sales) cannot be undone'; END $$;
-- +goose StatementEnd
