-- +goose Up
-- Fair entry: each sale's proof-of-work difficulty and presale end; the access codes that let
-- fans in during a presale; the solutions spent (each is good once, until its challenge
-- expires), written in the transaction of the token they let in; and the joins counted per
-- client address and minute, across every instance. The counts need no durability: a crash
-- forgets at most a minute of them, so that table is unlogged and costs a join no WAL.
ALTER TABLE sales
    ADD COLUMN pow_max_number bigint NOT NULL DEFAULT 0 CHECK (pow_max_number >= 0),
    ADD COLUMN presale_until  timestamptz;

CREATE TABLE access_codes (
    code       text        PRIMARY KEY,
    sale_id    text        NOT NULL REFERENCES sales,
    uses       int         NOT NULL CHECK (uses > 0),
    uses_left  int         NOT NULL CHECK (uses_left >= 0 AND uses_left <= uses),
    expires_at timestamptz,
    created_at timestamptz NOT NULL
);
CREATE INDEX access_codes_of_sale ON access_codes (sale_id, created_at, code);

-- A challenge's expiry is in its salt, which its hash covers, so (expiry, challenge) names a
-- solution as well as the challenge alone, and one index serves both the spend's uniqueness and
-- the sweep of expired ones. The challenge is its 32 bytes, not their hex.
CREATE TABLE spent_proofs (
    expires_at timestamptz NOT NULL,
    challenge  bytea       NOT NULL,
    PRIMARY KEY (expires_at, challenge)
);

CREATE UNLOGGED TABLE join_quotas (
    sale_id     text        NOT NULL,
    address     text        NOT NULL,
    window_from timestamptz NOT NULL,
    joins       int         NOT NULL,
    PRIMARY KEY (window_from, sale_id, address)
);

-- +goose Down
DROP TABLE join_quotas;
DROP TABLE spent_proofs;
DROP TABLE access_codes;
ALTER TABLE sales DROP COLUMN presale_until, DROP COLUMN pow_max_number;
