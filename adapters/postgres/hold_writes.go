package postgres

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// The writes a seat held on its own and an order share, a hold being an order of one: their
// release, and the acceptance of their payment. Each takes the tickets' seats in seat order,
// then the tickets, then the fan's count: the lock order of every write here (see
// reservations.go), so they and the settlements, takeovers and holds of the same seats and fan
// come one after the other.

// awaiting is what a release must not pre-empt: a payment accepted after seen and before its
// deadline, at now (Reservation.AwaitsPayment).
type awaiting struct{ now, seen time.Time }

// release marks the held ones among tickets (in seat order) released and frees each seat that
// still holds its ticket, in one transaction, and reports whether anything changed; unless,
// with await, the tickets as locked await a payment (Order.AwaitsPayment): then it keeps them
// and returns their payment deadline.
func (d *db) release(ctx context.Context, tickets []booking.Reservation, await *awaiting) (released bool, awaitUntil time.Time, err error) {
	err = d.inTx(ctx, func(q *sqlcdb.Queries) error {
		if _, err := lockSeats(ctx, q, tickets); err != nil {
			return err
		}
		if await != nil {
			locked, err := lockTickets(ctx, q, tickets)
			if err != nil {
				return err
			}
			if held := (booking.Order{Tickets: locked}); held.AwaitsPayment(await.now, await.seen) {
				awaitUntil = held.PaymentDeadline()
				return nil
			}
		}
		for _, t := range tickets {
			if _, err := q.ReservationRelease(ctx, string(t.ID)); noRows(err) {
				continue // paid or released already
			} else if err != nil {
				return err
			}
			released = true
			if err := q.SeatFree(ctx, sqlcdb.SeatFreeParams{SaleID: string(t.SaleID), PerfDate: t.Date.Time(), SeatNo: int32(t.Seat), ReservationID: string(t.ID)}); err != nil {
				return err
			}
		}
		return nil
	})
	return released, awaitUntil, err
}

// acceptPayment records that the API accepts a payment of tickets (in seat order, one fan's) at
// now, as accept decides on them as locked and on the fan's count (Reservation.AcceptPayment,
// Order.AcceptPayment), and extends each seat's claim to the payment's deadline: every ticket
// accepted, or none. A ticket whose seat a later hold took is ErrHoldExpired.
func (d *db) acceptPayment(ctx context.Context, tickets []booking.Reservation, now time.Time,
	accept func(locked []booking.Reservation, count booking.TicketCount, at time.Time) ([]booking.Reservation, error)) ([]booking.Reservation, error) {
	accepted := tickets
	err := d.inTx(ctx, func(q *sqlcdb.Queries) error {
		claims, err := lockSeats(ctx, q, tickets)
		if err != nil {
			return err
		}
		locked, err := lockTickets(ctx, q, tickets)
		if err != nil {
			return err
		}
		for i, t := range locked {
			if t.Status == booking.Held && !claims[i].HeldBy(t.ID) {
				return booking.ErrHoldExpired // a later hold took the seat after the deadline
			}
		}
		count, err := lockTicketCount(ctx, q, tickets[0].SaleID, tickets[0].UserID, now) // after the tickets, as settle takes it
		if err != nil {
			return err
		}
		// As stored: PostgreSQL keeps microseconds, and lifecycles compare acceptances by time.
		if accepted, err = accept(locked, count, now.Truncate(time.Microsecond)); err != nil {
			return err
		}
		for _, t := range accepted {
			if err := q.ReservationAcceptPayment(ctx, sqlcdb.ReservationAcceptPaymentParams{ID: string(t.ID), At: t.PaymentAcceptedAt}); err != nil {
				return err
			}
			if err := q.SeatClaimUntil(ctx, sqlcdb.SeatClaimUntilParams{
				SaleID: string(t.SaleID), PerfDate: t.Date.Time(), SeatNo: int32(t.Seat), ReservationID: string(t.ID), HeldUntil: t.PaymentDeadline(),
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return accepted, err
}

// lockSeats locks the tickets' seats, in the tickets' order (seat order), and reads their claims.
func lockSeats(ctx context.Context, q *sqlcdb.Queries, tickets []booking.Reservation) ([]catalog.Claim, error) {
	claims := make([]catalog.Claim, len(tickets))
	for i, t := range tickets {
		claim, err := lockClaim(ctx, q, t.SaleID, t.Date, t.Seat)
		if err != nil {
			return nil, err
		}
		claims[i] = claim
	}
	return claims, nil
}

// lockTickets locks the tickets' reservations, after their seats', and reads them as they stand.
func lockTickets(ctx context.Context, q *sqlcdb.Queries, tickets []booking.Reservation) ([]booking.Reservation, error) {
	locked := make([]booking.Reservation, len(tickets))
	for i, t := range tickets {
		r, err := lockReservation(ctx, q, t.ID)
		if err != nil {
			return nil, err
		}
		locked[i] = r
	}
	return locked, nil
}
