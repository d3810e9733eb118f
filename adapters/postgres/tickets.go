package postgres

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// Tickets implements booking.TicketBook.
func (s *TicketBook) Tickets(ctx context.Context, sale core.SaleID, user core.UserID) ([]booking.Ticket, error) {
	rows, err := s.q.TicketsOfFan(ctx, sqlcdb.TicketsOfFanParams{SaleID: string(sale), UserID: string(user)})
	return ticketsFromRows(rows, err, func(r sqlcdb.TicketsOfFanRow) sqlcdb.TicketByIDRow { return sqlcdb.TicketByIDRow(r) })
}

// ticketsFromRows reads the rows of a query of tickets, which select what TicketByID does.
func ticketsFromRows[R any](rows []R, err error, asTicketRow func(R) sqlcdb.TicketByIDRow) ([]booking.Ticket, error) {
	if err != nil {
		return nil, err
	}
	out := make([]booking.Ticket, len(rows))
	for i, r := range rows {
		if out[i], err = ticketFromRow(asTicketRow(r)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PaidTicketsOfSale lists every paid ticket of a sale with its payment, in date and seat order,
// for the audit to verify their credentials.
func (s *TicketBook) PaidTicketsOfSale(ctx context.Context, sale core.SaleID) ([]booking.Ticket, error) {
	rows, err := s.q.PaidTicketsOfSale(ctx, string(sale))
	return ticketsFromRows(rows, err, func(r sqlcdb.PaidTicketsOfSaleRow) sqlcdb.TicketByIDRow { return sqlcdb.TicketByIDRow(r) })
}

// Ticket implements booking.TicketBook.
func (s *TicketBook) Ticket(ctx context.Context, id core.ID) (booking.Ticket, error) {
	return ticketOf(ctx, s.q, id)
}

func ticketOf(ctx context.Context, q *sqlcdb.Queries, id core.ID) (booking.Ticket, error) {
	row, err := q.TicketByID(ctx, string(id))
	if err != nil {
		return booking.Ticket{}, notFound(err, booking.ErrUnknownTicket)
	}
	return ticketFromRow(row)
}

// paymentOf is the payment a ticket's payment row is of, as its fan knows it: its order's, for a
// line of one, else its own.
func paymentOf(line string, order *string) core.ID {
	if order != nil {
		return core.ID(*order)
	}
	return core.ID(line)
}

func ticketFromRow(row sqlcdb.TicketByIDRow) (booking.Ticket, error) {
	r, err := reservationFromRow(row.Reservation)
	if err != nil {
		return booking.Ticket{}, err
	}
	t := booking.Ticket{Reservation: r}
	if row.PaymentID != nil {
		t.Receipt = &booking.Receipt{PaymentID: paymentOf(*row.PaymentID, row.OrderPaymentID), ReservationID: r.ID, Amount: r.Price, Date: r.Date, PaidAt: row.PaidAt.UTC()}
	}
	if row.RefundID != nil {
		reason, err := booking.ParseRefundReason(*row.RefundReason)
		if err != nil {
			return booking.Ticket{}, err
		}
		t.Refund = &booking.Refund{ID: core.ID(*row.RefundID), ReservationID: r.ID, PaymentID: t.Receipt.PaymentID,
			Amount: core.Amount(*row.RefundAmount), Fee: core.Amount(*row.RefundFee), Reason: reason, At: row.RefundedAt.UTC()}
	}
	if row.CheckedInAt != nil {
		t.CheckedInAt = row.CheckedInAt.UTC()
	}
	return t, nil
}

// CheckIn implements booking.TicketBook under the reservation's lock, which a cancellation takes too,
// so a ticket is checked in or cancelled, never both; the check-in's primary key decides a race
// of gates.
func (s *TicketBook) CheckIn(ctx context.Context, id, payment core.ID, at time.Time) (booking.Ticket, error) {
	var out booking.Ticket
	err := s.inTx(ctx, func(q *sqlcdb.Queries) error {
		r, err := lockReservation(ctx, q, id)
		if err != nil {
			return notFound(err, booking.ErrUnknownTicket)
		}
		var paidBy core.ID
		if r.Status == booking.Paid {
			rc, err := receiptOf(ctx, q, id)
			if err != nil {
				return err
			}
			paidBy = rc.PaymentID
		}
		first, err := checkedIn(ctx, q, id)
		if err != nil {
			return err
		}
		if err := r.CheckableIn(paidBy, payment, first); err != nil {
			return err
		}
		// The lock makes the read above the decision; the key still holds if it did not.
		if _, err := q.CheckInInsert(ctx, sqlcdb.CheckInInsertParams{ReservationID: string(id), CheckedInAt: at}); noRows(err) {
			first, err := q.CheckInOf(ctx, string(id))
			if err != nil {
				return err
			}
			return &booking.CheckedInError{At: first.UTC()}
		} else if err != nil {
			return err
		}
		if err := publish(ctx, q, webhook.TicketCheckedInEvent(r, at)); err != nil {
			return err
		}
		out, err = ticketOf(ctx, q, id)
		return err
	})
	return out, err
}

// RefundByKey implements booking.TicketBook.
func (s *TicketBook) RefundByKey(ctx context.Context, user core.UserID, key core.IdempotencyKey) (core.ID, bool, error) {
	id, err := s.q.RefundReservationByKey(ctx, sqlcdb.RefundReservationByKeyParams{UserID: string(user), IdempotencyKey: optional(string(key))})
	if noRows(err) {
		return "", false, nil
	}
	return core.ID(id), err == nil, err
}

// checkedIn is a ticket's first check-in, nil for none.
func checkedIn(ctx context.Context, q *sqlcdb.Queries, id core.ID) (*time.Time, error) {
	at, err := q.CheckInOf(ctx, string(id))
	switch {
	case noRows(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	at = at.UTC()
	return &at, nil
}

// PaidTickets implements booking.TicketBook.
func (s *TicketBook) PaidTickets(ctx context.Context, sale core.SaleID, d core.Date, limit int) ([]booking.Reservation, error) {
	rows, err := s.q.PaidOfDate(ctx, sqlcdb.PaidOfDateParams{SaleID: string(sale), PerfDate: d.Time(), MaxRows: int32(limit)})
	if err != nil {
		return nil, err
	}
	out := make([]booking.Reservation, len(rows))
	for i, r := range rows {
		if out[i], err = reservationFromRow(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Tally implements booking.TicketBook.
func (s *TicketBook) Tally(ctx context.Context, sale core.SaleID, d core.Date) (booking.Tally, error) {
	r, err := s.q.DateTally(ctx, sqlcdb.DateTallyParams{SaleID: string(sale), PerfDate: d.Time()})
	if err != nil {
		return booking.Tally{}, err
	}
	return booking.Tally{Held: int(r.Held), Paid: int(r.Paid), CheckedIn: int(r.CheckedIn), Refunded: int(r.Refunded)}, nil
}
