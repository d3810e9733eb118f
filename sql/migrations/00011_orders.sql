-- +goose Up
-- Orders: a fan's hold of several seats of one performance, taken all or none, with one
-- deadline (booking.Order). Each seat is a reservation, as a seat held on its own is, that
-- names its order; a seat held on its own names none (an order of one, whose id is its own).
CREATE TABLE orders (
    id         uuid        PRIMARY KEY,
    user_id    text        NOT NULL,
    sale_id    text        NOT NULL,
    perf_date  date        NOT NULL,
    held_until timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    FOREIGN KEY (sale_id, perf_date) REFERENCES performances
);
ALTER TABLE reservations ADD COLUMN order_id uuid REFERENCES orders;
CREATE INDEX reservations_of_order ON reservations (order_id) WHERE order_id IS NOT NULL;
-- Where hold_order looks for the best available, in seat order, passing over no seat that is
-- sold or held: a date's free seats, and its holds by deadline (those past it are free too).
CREATE INDEX seats_free ON seats (sale_id, perf_date, seat_no) WHERE status = 'available';
CREATE INDEX seats_held_by_deadline ON seats (sale_id, perf_date, held_until) WHERE status = 'held';

-- +goose Down
DROP INDEX seats_held_by_deadline;
DROP INDEX seats_free;
ALTER TABLE reservations DROP COLUMN order_id;
DROP TABLE orders;
