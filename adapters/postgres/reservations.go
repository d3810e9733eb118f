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

// Locks: every transaction that changes a reservation takes its seat first, then the
// reservation, then the wallet, then the fan's lock (settlement), then the token. hold_seat
// takes its seat, then the fan's lock, and waits for nothing after that: the hold it
// supersedes is skipped if locked (a guard: the bulk releases of ReleaseOverdue take seats
// first too, skipping locked ones, so whoever holds that reservation holds the seat as well).
// Holding a seat past someone's deadline and settling that someone's payment touch the same two
// rows, and taking them in one order means they can never deadlock.

// HoldSeat implements booking.Holds: one call of hold_seat (sql/functions/booking.sql), so a
// winner and a loser each cost one round trip.
func (s *Holds) HoldSeat(ctx context.Context, a booking.HoldAttempt) (booking.Reservation, error) {
	r := a.Hold
	row, err := s.q.HoldSeat(ctx, sqlcdb.HoldSeatParams{
		TokenID: string(a.Token), ID: string(r.ID), UserID: string(r.UserID), SaleID: string(r.SaleID), PerfDate: r.Date.Time(), SeatNo: int32(r.Seat),
		HeldUntil: r.HeldUntil, Now: a.Now, FanLimit: int32(a.Limit),
	})
	if err != nil {
		return booking.Reservation{}, holdRefusal(err, 1)
	}
	switch row.Outcome {
	case "held":
		r.Section, r.Price, r.Status = row.Section, core.Amount(row.Price), booking.Held
		return r, nil
	case "not_admitted":
		return booking.Reservation{}, booking.ErrTokenNotActive
	case "taken":
		return booking.Reservation{}, booking.ErrSeatTaken
	case "unknown_seat":
		return booking.Reservation{}, catalog.ErrUnknownSeat
	}
	return booking.Reservation{}, fmt.Errorf("hold_seat answered %q, which this store does not know: are sql/functions and the binary of one version?", row.Outcome)
}

// holdRefusal reads what hold_seat or hold_order raises when it gives won seats (n of them)
// back: BX001, a fan over the limit, with the limit and their TicketCount; BX002, a sale not on
// sale or a cancelled date.
func holdRefusal(err error, n int) error {
	code, detail, ok := raised(err)
	if !ok {
		return err
	}
	switch code {
	case "BX001":
		var c booking.TicketCount
		var limit int
		var earliest string
		if _, scanErr := fmt.Sscanf(detail, "%d %d %d %d %s", &limit, &c.Held, &c.Live, &c.Paid, &earliest); scanErr != nil {
			return fmt.Errorf("read the store's count %q: %w", detail, scanErr)
		}
		at, parseErr := time.Parse(time.RFC3339Nano, earliest)
		if parseErr != nil {
			return fmt.Errorf("read the store's count %q: %w", detail, parseErr)
		}
		c.EarliestHoldEnd = at
		if refused := c.AllowsMore(n, limit); refused != nil {
			return refused
		}
		return fmt.Errorf("the store refused %d seats to a count %q that %d allows", n, detail, limit)
	case "BX002":
		switch detail {
		case "cancelled":
			return catalog.ErrPerformanceCancelled
		case "":
			return catalog.ErrUnknownSale
		}
		state, parseErr := core.ParseSaleState("state", detail)
		if parseErr != nil {
			return parseErr
		}
		return catalog.CheckHoldable(state)
	}
	return err
}

// Reservation implements booking.Holds.
func (s *Holds) Reservation(ctx context.Context, id core.ID) (booking.Reservation, error) {
	return s.reservation(ctx, id)
}

// reservation reads a reservation outside any transaction: which seat a transaction must
// lock first.
func (d *db) reservation(ctx context.Context, id core.ID) (booking.Reservation, error) {
	row, err := d.q.ReservationByID(ctx, string(id))
	if err != nil {
		return booking.Reservation{}, notFound(err, booking.ErrUnknownTicket)
	}
	return reservationFromRow(row)
}

// ReleaseHold implements booking.Holds.
func (s *Holds) ReleaseHold(ctx context.Context, id core.ID) (bool, error) {
	released, _, err := s.releaseReservation(ctx, id, nil)
	return released, err
}

// ReleaseUnlessAwaitingPayment implements booking.Holds.
func (s *Holds) ReleaseUnlessAwaitingPayment(ctx context.Context, id core.ID, now, seen time.Time) (bool, time.Time, error) {
	return s.releaseReservation(ctx, id, &awaiting{now, seen})
}

// releaseReservation releases a reservation as release does; an unknown one is left alone.
func (s *Holds) releaseReservation(ctx context.Context, id core.ID, await *awaiting) (bool, time.Time, error) {
	r, err := s.Reservation(ctx, id)
	if errors.Is(err, booking.ErrUnknownTicket) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, err
	}
	return s.release(ctx, []booking.Reservation{r}, await)
}

// AcceptPayment implements booking.Holds (acceptPayment, of the one ticket).
func (s *Holds) AcceptPayment(ctx context.Context, id core.ID, user core.UserID, now time.Time) (booking.Reservation, error) {
	r, err := s.Reservation(ctx, id) // which seat to lock first
	if err != nil {
		return booking.Reservation{}, err
	}
	accepted, err := s.acceptPayment(ctx, []booking.Reservation{r}, now,
		func(locked []booking.Reservation, count booking.TicketCount, at time.Time) ([]booking.Reservation, error) {
			one, err := locked[0].AcceptPayment(user, at, count)
			return []booking.Reservation{one}, err
		})
	if err != nil {
		return r, err
	}
	return accepted[0], nil
}

// PaymentByKey implements booking.Holds.
func (s *Holds) PaymentByKey(ctx context.Context, user core.UserID, key core.IdempotencyKey) (core.ID, bool, error) {
	k := string(key)
	id, err := s.q.PaymentReservationByKey(ctx, sqlcdb.PaymentReservationByKeyParams{UserID: string(user), IdempotencyKey: &k})
	if noRows(err) {
		return "", false, nil
	}
	return core.ID(id), err == nil, err
}

// Receipt implements booking.Holds.
func (s *Holds) Receipt(ctx context.Context, reservation core.ID) (booking.Receipt, error) {
	return receiptOf(ctx, s.q, reservation)
}

func receiptOf(ctx context.Context, q *sqlcdb.Queries, reservation core.ID) (booking.Receipt, error) {
	row, err := q.PaymentByReservation(ctx, string(reservation))
	if err != nil {
		return booking.Receipt{}, notFound(err, booking.ErrUnknownTicket)
	}
	return booking.Receipt{
		PaymentID: core.ID(row.PaymentID), ReservationID: core.ID(row.ReservationID), Amount: core.Amount(row.Amount),
		Date: core.DateOf(row.PerfDate), PaidAt: row.PaidAt.UTC(),
	}, nil
}

func reservationFromRow(r sqlcdb.Reservation) (booking.Reservation, error) {
	status, err := booking.ParseStatus(r.Status)
	if err != nil {
		return booking.Reservation{}, err
	}
	return booking.Reservation{
		ID: core.ID(r.ID), OrderID: core.ID(valueOrZero(r.OrderID)), UserID: core.UserID(r.UserID), SaleID: core.SaleID(r.SaleID), Date: core.DateOf(r.PerfDate), Seat: int(r.SeatNo),
		Section: r.Section, Price: core.Amount(r.Price), Status: status, HeldUntil: r.HeldUntil.UTC(), CreatedAt: r.CreatedAt.UTC(),
		PaymentAcceptedAt: timeOrZero(r.PaymentAcceptedAt), FanLimit: int(valueOrZero(r.FanLimit)),
	}, nil
}

// ReleaseOverdue implements booking.Holds.
func (s *Holds) ReleaseOverdue(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	n, err := s.q.ReservationReleaseOverdue(ctx, sqlcdb.ReservationReleaseOverdueParams{Cutoff: cutoff, MaxRows: int32(limit)})
	return int(n), err
}

// lockTicketCount takes the fan's lock in the sale and counts what they hold and have bought
// there (booking.TicketCount); the lock lasts until the transaction ends.
func lockTicketCount(ctx context.Context, q *sqlcdb.Queries, sale core.SaleID, user core.UserID, now time.Time) (booking.TicketCount, error) {
	if err := q.FanLockTickets(ctx, sqlcdb.FanLockTicketsParams{SaleID: string(sale), UserID: string(user)}); err != nil {
		return booking.TicketCount{}, err
	}
	row, err := q.FanTicketCount(ctx, sqlcdb.FanTicketCountParams{SaleID: string(sale), UserID: string(user), Now: now})
	if err != nil {
		return booking.TicketCount{}, err
	}
	return booking.TicketCount{
		Held: int(row.Held), Live: int(row.Live), Paid: int(row.Paid), EarliestHoldEnd: row.EarliestHoldEnd.UTC(), Limit: int(row.FanLimit),
	}, nil
}

// EndHolds implements booking.Holds, each hold released as ReleaseHold does.
func (s *Holds) EndHolds(ctx context.Context, sale core.SaleID, d core.Date, limit int) (int, error) {
	ids, err := s.q.HeldOfDate(ctx, sqlcdb.HeldOfDateParams{SaleID: string(sale), PerfDate: d.Time(), MaxRows: int32(limit)})
	if err != nil {
		return 0, err
	}
	released := 0
	for _, id := range ids {
		ok, err := s.ReleaseHold(ctx, core.ID(id))
		if err != nil {
			return released, err
		}
		if ok {
			released++
		}
	}
	return released, nil
}
