-- +goose Up
-- A fan may leave a sale's queue (DELETE /api/token): their token expires at once, and the fans
-- behind a waiting one move up. left_at marks those tokens, so a queue's counters list the
-- numbers above its watermark nobody waits for (queue.Queue.Left) by one range of this index,
-- however long the queue.
ALTER TABLE queue_tokens ADD COLUMN left_at timestamptz;
CREATE INDEX queue_tokens_left ON queue_tokens (sale_id, seq) WHERE left_at IS NOT NULL;

-- +goose Down
DROP INDEX queue_tokens_left;
ALTER TABLE queue_tokens DROP COLUMN left_at;
