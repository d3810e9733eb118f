-- +goose Up
-- What estimates need besides the measured rate: the admission settings in force (the admission
-- workflow owns them; the queue row keeps the highest revision it was told, so a round that ran
-- with older settings cannot undo an operator's change) and when admission last moved, to say
-- when it has stalled.
ALTER TABLE queues ADD COLUMN moved_at timestamptz;
ALTER TABLE queues ADD COLUMN settings_admit_rate int NOT NULL DEFAULT 0 CHECK (settings_admit_rate >= 0);
ALTER TABLE queues ADD COLUMN settings_max_active int NOT NULL DEFAULT 0 CHECK (settings_max_active >= 0);
ALTER TABLE queues ADD COLUMN settings_tick_ms int NOT NULL DEFAULT 0 CHECK (settings_tick_ms >= 0);
ALTER TABLE queues ADD COLUMN settings_revision bigint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE queues DROP COLUMN settings_revision;
ALTER TABLE queues DROP COLUMN settings_tick_ms;
ALTER TABLE queues DROP COLUMN settings_max_active;
ALTER TABLE queues DROP COLUMN settings_admit_rate;
ALTER TABLE queues DROP COLUMN moved_at;
