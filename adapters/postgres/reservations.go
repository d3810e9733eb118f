package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// Lock order, everywhere: seat, then the user's hold lock (holds only), then reservation, then
// wallet, then token. Holding a seat past someone's deadline and settling that someone's
// payment touch the same two rows, and taking them in one order means they can never deadlock.

// HoldSeat implements booking.Store.
func (s *Store) HoldSeat(ctx context.Context, r booking.Reservation, now time.Time, limit int) error {
	return s.inTx(ctx, func(q *sqlcdb.Queries) error {
		// The race first, so a loser costs one statement. The winner then checks the fan's limit
		// under the fan's lock; it never waits for another seat, so this adds no lock cycle.
		previous, err := q.SeatHold(ctx, sqlcdb.SeatHoldParams{
			SaleID: string(r.SaleID), ReservationID: string(r.ID), HeldUntil: r.HeldUntil, PerfDate: r.Date.Time(), SeatNo: int32(r.Seat), Now: now,
		})
		if errors.Is(err, pgx.ErrNoRows) {
			exists, err := q.SeatExists(ctx, sqlcdb.SeatExistsParams{SaleID: string(r.SaleID), PerfDate: r.Date.Time(), SeatNo: int32(r.Seat)})
			if err == nil && !exists {
				return catalog.ErrUnknownSeat
			}
			return errors.Join(booking.ErrSeatTaken, err)
		}
		if err != nil {
			return err
		}
		count, err := lockTicketCount(ctx, q, r.SaleID, r.UserID, now)
		if err != nil {
			return err
		}
		if err := count.Allows(limit); err != nil {
			return err // rolls the seat back
		}
		if previous != nil {
			// The seat's last hold ran past its deadline; its release may not have run yet.
			if _, err := q.ReservationRelease(ctx, *previous); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		return q.ReservationInsert(ctx, sqlcdb.ReservationInsertParams{
			ID: string(r.ID), UserID: string(r.UserID), SaleID: string(r.SaleID), PerfDate: r.Date.Time(), SeatNo: int32(r.Seat),
			Section: r.Section, Price: int64(r.Price), HeldUntil: r.HeldUntil, CreatedAt: r.CreatedAt, FanLimit: ptr(int32(limit)),
		})
	})
}

// Reservation implements booking.Store.
func (s *Store) Reservation(ctx context.Context, id core.ID) (booking.Reservation, error) {
	row, err := s.q.ReservationByID(ctx, string(id))
	if err != nil {
		return booking.Reservation{}, notFound(err, booking.ErrUnknownTicket)
	}
	return reservationFromRow(row)
}

// ReleaseHold implements booking.Store.
func (s *Store) ReleaseHold(ctx context.Context, id core.ID) (bool, error) {
	r, err := s.Reservation(ctx, id)
	if errors.Is(err, booking.ErrUnknownTicket) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	released := false
	err = s.inTx(ctx, func(q *sqlcdb.Queries) error {
		if _, err := q.SeatLock(ctx, sqlcdb.SeatLockParams{SaleID: string(r.SaleID), PerfDate: r.Date.Time(), SeatNo: int32(r.Seat)}); err != nil {
			return err
		}
		if _, err := q.ReservationRelease(ctx, string(id)); errors.Is(err, pgx.ErrNoRows) {
			return nil // paid or released already
		} else if err != nil {
			return err
		}
		released = true
		return q.SeatFree(ctx, sqlcdb.SeatFreeParams{SaleID: string(r.SaleID), PerfDate: r.Date.Time(), SeatNo: int32(r.Seat), ReservationID: string(id)})
	})
	return released, err
}

// PaymentByKey implements booking.Store.
func (s *Store) PaymentByKey(ctx context.Context, user core.UserID, key core.IdempotencyKey) (core.ID, bool, error) {
	k := string(key)
	id, err := s.q.PaymentReservationByKey(ctx, sqlcdb.PaymentReservationByKeyParams{UserID: string(user), IdempotencyKey: &k})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return core.ID(id), err == nil, err
}

// Receipt implements booking.Store.
func (s *Store) Receipt(ctx context.Context, reservation core.ID) (booking.Receipt, error) {
	return receiptOf(ctx, s.q, reservation)
}

func receiptOf(ctx context.Context, q *sqlcdb.Queries, reservation core.ID) (booking.Receipt, error) {
	row, err := q.PaymentByReservation(ctx, string(reservation))
	if err != nil {
		return booking.Receipt{}, notFound(err, booking.ErrUnknownTicket)
	}
	return booking.Receipt{
		PaymentID: core.ID(row.ID), ReservationID: core.ID(row.ReservationID), Amount: core.Amount(row.Amount),
		Date: core.DateOf(row.PerfDate), PaidAt: row.PaidAt.UTC(),
	}, nil
}

func reservationFromRow(r sqlcdb.Reservation) (booking.Reservation, error) {
	status, err := booking.ParseStatus(r.Status)
	if err != nil {
		return booking.Reservation{}, err
	}
	return booking.Reservation{
		ID: core.ID(r.ID), UserID: core.UserID(r.UserID), SaleID: core.SaleID(r.SaleID), Date: core.DateOf(r.PerfDate), Seat: int(r.SeatNo),
		Section: r.Section, Price: core.Amount(r.Price), Status: status, HeldUntil: r.HeldUntil.UTC(), CreatedAt: r.CreatedAt.UTC(),
	}, nil
}

// ReleaseOverdue implements booking.Store.
func (s *Store) ReleaseOverdue(ctx context.Context, cutoff time.Time, limit int) (int, error) {
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
	return booking.TicketCount{Held: int(row.Held), Live: int(row.Live), Paid: int(row.Paid), EarliestHoldEnd: row.EarliestHoldEnd.UTC()}, nil
}
