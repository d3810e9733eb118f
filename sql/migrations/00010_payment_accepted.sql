-- +goose Up
-- A payment the API accepted before a hold's deadline is never refused for a release that came
-- after it (booking.Reservation.PaymentDeadline). The API records the acceptance on the
-- reservation and extends its seat's claim (seats.held_until) to the payment deadline, so no
-- other fan takes the seat over and no bulk release frees it while the payment is on its way to
-- the hold's workflow; only that workflow, having seen the payment, releases it sooner.
ALTER TABLE reservations ADD COLUMN payment_accepted_at timestamptz;

-- +goose Down
ALTER TABLE reservations DROP COLUMN payment_accepted_at;
