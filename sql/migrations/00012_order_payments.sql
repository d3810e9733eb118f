-- +goose Up
-- An order is paid once: one debit of its total, and one payment id that its receipt and every
-- ticket's credential name (order_payment_id). Each ticket keeps a payment row of its own
-- price, a line of that payment, so refunds and check-ins stay per ticket as for a seat paid
-- on its own, whose row's id is its payment's (order_payment_id NULL).
ALTER TABLE payments ADD COLUMN order_payment_id uuid;

-- +goose Down
ALTER TABLE payments DROP COLUMN order_payment_id;
