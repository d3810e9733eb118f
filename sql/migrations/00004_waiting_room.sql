-- +goose Up
-- The waiting room at rush scale. Sequence numbers come from the queue row, taken under its
-- lock by every issue and every admission, so they are gap-free and commit in order; tokens
-- leave the queue only at its head, so the waiting tokens are exactly admitted_through+1 ..
-- last_seq and a position is arithmetic, not a count.
CREATE TABLE queues (
    name             text             PRIMARY KEY,
    last_seq         bigint           NOT NULL DEFAULT 0,
    admitted_through bigint           NOT NULL DEFAULT 0,
    -- A scheduled opening: tokens issued before it are early, and their places are drawn with
    -- draw_seed when it comes. early_through is set when the pre-queue closes.
    opens_at         timestamptz,
    draw_seed        bigint,
    early_through    bigint,
    drawn_at         timestamptz,
    -- The measured admission rate (fans per second, a moving average) and when it was updated.
    admit_rate       double precision NOT NULL DEFAULT 0,
    rate_at          timestamptz,
    admitted_total   bigint           NOT NULL DEFAULT 0,
    abandoned_total  bigint           NOT NULL DEFAULT 0,
    CHECK (0 <= admitted_through AND admitted_through <= last_seq),
    CHECK ((opens_at IS NULL) = (draw_seed IS NULL)),
    CHECK (drawn_at IS NULL OR early_through IS NOT NULL)
);

ALTER TABLE queue_tokens ALTER COLUMN seq DROP IDENTITY;
-- last_seen_at is not indexed, so the coalesced last-seen writes stay heap-only updates.
ALTER TABLE queue_tokens ADD COLUMN last_seen_at timestamptz;
UPDATE queue_tokens SET last_seen_at = issued_at;
ALTER TABLE queue_tokens ALTER COLUMN last_seen_at SET NOT NULL;
ALTER TABLE queue_tokens ADD COLUMN early boolean NOT NULL DEFAULT false;
-- The provisional number an early token had before the draw, kept to replay the draw.
ALTER TABLE queue_tokens ADD COLUMN arrival_seq bigint;

-- Tokens issued before this migration may have gaps; the watermark starts below the first
-- waiting one, so positions can only overstate for them.
INSERT INTO queues (name, last_seq, admitted_through)
SELECT 'main', coalesce(max(seq), 0),
       coalesce((SELECT min(seq) - 1 FROM queue_tokens WHERE state = 'waiting'), max(seq), 0)
FROM queue_tokens;

-- The functions that issue a batch (issue_tokens) and run an admission round (admit_next) live
-- in sql/functions/queue.sql, which migrate applies after the migrations, every time: a fix to
-- one is an edit there, not a copy in a new migration.

-- +goose Down
DROP FUNCTION IF EXISTS admit_next;
DROP FUNCTION IF EXISTS issue_tokens;
ALTER TABLE queue_tokens DROP COLUMN arrival_seq;
ALTER TABLE queue_tokens DROP COLUMN early;
ALTER TABLE queue_tokens DROP COLUMN last_seen_at;
ALTER TABLE queue_tokens ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('queue_tokens', 'seq'), (SELECT coalesce(max(seq), 0) + 1 FROM queue_tokens), false);
DROP TABLE queues;
