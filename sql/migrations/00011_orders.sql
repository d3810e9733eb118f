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
-- A date's seats not sold, in seat order: where hold_order looks for the best available, so its
-- cost follows the seats it passes over that are held, never those sold.
CREATE INDEX seats_unsold ON seats (sale_id, perf_date, seat_no) WHERE status <> 'sold';

-- +goose Down
DROP INDEX seats_unsold;
ALTER TABLE reservations DROP COLUMN order_id;
DROP TABLE orders;
