-- +goose Up
-- Lets the admission tick find holds past their deadline without scanning every reservation.
CREATE INDEX reservations_held_by_deadline ON reservations (held_until) WHERE status = 'held';

-- +goose Down
DROP INDEX reservations_held_by_deadline;
