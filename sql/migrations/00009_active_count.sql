-- +goose Up
-- Admission at a rush's scale and while idle.
--
-- A queue keeps the count of its fans in session (active_count), so an admission round knows its
-- room under the ceiling without counting a sale's admitted fans on every tick. Rounds and
-- issues change it under the queue's lock; a payment or a fan leaving ends a session without
-- that lock (it would put every payment of a sale in line behind its queue) and records the end
-- in queue_session_ends instead, which the next round takes off the count. The audit checks the
-- count against the tokens.
ALTER TABLE queues ADD COLUMN active_count bigint NOT NULL DEFAULT 0 CHECK (active_count >= 0);
UPDATE queues q SET active_count = (SELECT count(*) FROM queue_tokens t WHERE t.sale_id = q.sale_id AND t.state = 'active');
-- A sale's admission loop sleeps, running nothing, while nobody waits: the round that finds
-- nobody waiting says so (asleep), under the queue's lock, so a fan who joins after it sees it
-- and wakes the loop; the next round that finds anyone waiting clears it.
ALTER TABLE queues ADD COLUMN asleep boolean NOT NULL DEFAULT false;
CREATE TABLE queue_session_ends (
    sale_id  text NOT NULL,
    token_id uuid NOT NULL,
    PRIMARY KEY (sale_id, token_id)
);

-- +goose Down
DROP TABLE queue_session_ends;
ALTER TABLE queues DROP COLUMN asleep;
ALTER TABLE queues DROP COLUMN active_count;
