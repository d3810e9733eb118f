package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// HoldOrder implements booking.Orders: one call of hold_order (sql/functions/orders.sql), won
// or lost.
func (s *Orders) HoldOrder(ctx context.Context, a booking.OrderAttempt) (booking.Order, error) {
	if err := a.Check(); err != nil {
		return booking.Order{}, err
	}
	o, q := a.Order, a.Request
	ids := make([]string, len(a.IDs))
	for i, id := range a.IDs {
		ids[i] = string(id)
	}
	seats := make([]int32, len(q.Seats))
	for i, n := range q.Seats {
		seats[i] = int32(n)
	}
	var section *string
	if q.Wish.Section != "" {
		section = &q.Wish.Section
	}
	rows, err := s.q.HoldOrder(ctx, sqlcdb.HoldOrderParams{
		TokenID: string(a.Token), OrderID: string(o.ID), Ids: ids, UserID: string(o.UserID), SaleID: string(o.SaleID), PerfDate: o.Date.Time(),
		Seats: seats, Quantity: int32(q.Wish.Quantity), Section: section, Together: q.Wish.Together,
		HeldUntil: o.HeldUntil, Now: a.Now, FanLimit: int32(a.Limit),
	})
	if err != nil {
		return booking.Order{}, holdRefusal(err, a.Request.Quantity())
	}
	if len(rows) == 0 {
		return booking.Order{}, fmt.Errorf("hold_order answered nothing: are sql/functions and the binary of one version?")
	}
	switch rows[0].Outcome {
	case "held":
		return heldOrder(o, a.IDs, rows), nil
	case "not_admitted":
		return booking.Order{}, booking.ErrTokenNotActive
	case "unknown_seat":
		return booking.Order{}, catalog.ErrUnknownSeat
	case "taken":
		taken := make([]int, len(rows))
		for i, r := range rows {
			taken[i] = int(r.SeatNo)
		}
		return booking.Order{}, &booking.SeatsTakenError{Taken: taken}
	case "not_enough":
		return booking.Order{}, &booking.NotEnoughSeatsError{Available: int(rows[0].Available)}
	}
	return booking.Order{}, fmt.Errorf("hold_order answered %q, which this store does not know: are sql/functions and the binary of one version?", rows[0].Outcome)
}

// heldOrder is o with the tickets hold_order answered, in seat order, each with its id.
func heldOrder(o booking.Order, ids []core.ID, rows []sqlcdb.HoldOrderRow) booking.Order {
	o.Tickets = make([]booking.Reservation, len(rows))
	for i, r := range rows {
		o.Tickets[i] = booking.Reservation{
			ID: ids[i], OrderID: o.ID, UserID: o.UserID, SaleID: o.SaleID, Date: o.Date, Seat: int(r.SeatNo), Section: r.Section,
			Price: core.Amount(r.Price), Status: booking.Held, HeldUntil: o.HeldUntil, CreatedAt: o.CreatedAt, FanLimit: int(r.FanLimit),
		}
	}
	return o
}

// ReleaseOrder implements booking.Orders: release, of the order's tickets.
func (s *Orders) ReleaseOrder(ctx context.Context, id core.ID) (bool, error) {
	released, _, err := s.releaseOrder(ctx, id, nil)
	return released, err
}

// ReleaseOrderUnlessAwaitingPayment implements booking.Orders.
func (s *Orders) ReleaseOrderUnlessAwaitingPayment(ctx context.Context, id core.ID, now, seen time.Time) (bool, time.Time, error) {
	return s.releaseOrder(ctx, id, &awaiting{now, seen})
}

// releaseOrder releases an order's tickets as release does; an unknown order is left alone.
func (s *Orders) releaseOrder(ctx context.Context, id core.ID, await *awaiting) (bool, time.Time, error) {
	o, err := s.Order(ctx, id)
	if errors.Is(err, booking.ErrUnknownOrder) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, err
	}
	return s.release(ctx, o.Tickets, await)
}

// AcceptOrderPayment implements booking.Orders (acceptPayment, of every ticket of the order).
func (s *Orders) AcceptOrderPayment(ctx context.Context, id core.ID, user core.UserID, now time.Time) (booking.Order, error) {
	o, err := s.Order(ctx, id) // which seats to lock first
	if err != nil {
		return booking.Order{}, err
	}
	accepted, err := s.acceptPayment(ctx, o.Tickets, now,
		func(locked []booking.Reservation, count booking.TicketCount, at time.Time) ([]booking.Reservation, error) {
			a, err := o.With(locked).AcceptPayment(user, at, count)
			return a.Tickets, err
		})
	if err != nil {
		return o, err
	}
	return o.With(accepted), nil
}

// Order implements booking.Orders.
func (s *Orders) Order(ctx context.Context, id core.ID) (booking.Order, error) {
	return orderOf(ctx, s.q, id)
}

// orderOf reads an order with its tickets as they stand: one placed as an order, or a seat held
// on its own, an order of one whose id is its ticket's (booking.Reservation.OrderOf); else
// ErrUnknownOrder.
func orderOf(ctx context.Context, q *sqlcdb.Queries, id core.ID) (booking.Order, error) {
	row, err := q.OrderByID(ctx, string(id))
	if noRows(err) {
		return seatOnItsOwn(ctx, q, id)
	}
	if err != nil {
		return booking.Order{}, err
	}
	tickets, err := q.ReservationsOfOrder(ctx, &row.ID)
	if err != nil {
		return booking.Order{}, err
	}
	o := booking.Order{
		ID: core.ID(row.ID), UserID: core.UserID(row.UserID), SaleID: core.SaleID(row.SaleID), Date: core.DateOf(row.PerfDate),
		HeldUntil: row.HeldUntil.UTC(), CreatedAt: row.CreatedAt.UTC(), Tickets: make([]booking.Reservation, len(tickets)),
	}
	if row.WaitlistID != nil {
		o.WaitlistID = core.ID(*row.WaitlistID)
	}
	for i, t := range tickets {
		if o.Tickets[i], err = reservationFromRow(t); err != nil {
			return booking.Order{}, err
		}
	}
	return o, nil
}

// seatOnItsOwn is the order of one a seat held on its own is, or ErrUnknownOrder.
func seatOnItsOwn(ctx context.Context, q *sqlcdb.Queries, id core.ID) (booking.Order, error) {
	row, err := q.ReservationByID(ctx, string(id))
	if err != nil {
		return booking.Order{}, notFound(err, booking.ErrUnknownOrder)
	}
	r, err := reservationFromRow(row)
	if err != nil || r.OrderOf() != id {
		return booking.Order{}, errors.Join(booking.ErrUnknownOrder, err) // a ticket of an order is not one
	}
	return booking.Order{ID: r.ID, UserID: r.UserID, SaleID: r.SaleID, Date: r.Date, HeldUntil: r.HeldUntil, CreatedAt: r.CreatedAt,
		Tickets: []booking.Reservation{r}}, nil
}
