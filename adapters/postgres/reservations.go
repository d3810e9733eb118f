package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
)

// Lock order, everywhere: seat, then the user's hold lock (holds only), then reservation, then
// wallet, then token. Holding a seat past someone's deadline and settling that someone's
// payment touch the same two rows, and taking them in one order means they can never deadlock.

// HoldSeat implements core.ReservationStore.
func (s *Store) HoldSeat(ctx context.Context, r core.Reservation, now time.Time, maxHolds int) error {
	return s.inTx(ctx, func(q *sqlcdb.Queries) error {
		// The race first, so a loser costs one statement. The winner then checks the user's cap
		// under the user's lock; it never waits for another seat, so this adds no lock cycle.
		previous, err := q.SeatHold(ctx, sqlcdb.SeatHoldParams{
			ReservationID: string(r.ID), HeldUntil: r.HeldUntil, PerfDate: r.Date.Time(), SeatNo: int32(r.Seat), Now: now,
		})
		if errors.Is(err, pgx.ErrNoRows) {
			exists, err := q.SeatExists(ctx, sqlcdb.SeatExistsParams{PerfDate: r.Date.Time(), SeatNo: int32(r.Seat)})
			if err == nil && !exists {
				return core.ErrUnknownSeat
			}
			return errors.Join(core.ErrSeatTaken, err)
		}
		if err != nil {
			return err
		}
		if err := q.UserLockHolds(ctx, string(r.UserID)); err != nil {
			return err
		}
		live, err := q.ReservationLiveHoldsOfUser(ctx, sqlcdb.ReservationLiveHoldsOfUserParams{UserID: string(r.UserID), Now: now})
		if err != nil {
			return err
		}
		if live.Holds >= int64(maxHolds) {
			return &core.TooManyHoldsError{Limit: maxHolds, FreeAt: live.EarliestEnd.UTC()} // rolls the seat back
		}
		if previous != nil {
			// The seat's last hold ran past its deadline; its release may not have run yet.
			if _, err := q.ReservationRelease(ctx, *previous); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		return q.ReservationInsert(ctx, sqlcdb.ReservationInsertParams{
			ID: string(r.ID), UserID: string(r.UserID), PerfDate: r.Date.Time(), SeatNo: int32(r.Seat),
			Price: int64(r.Price), HeldUntil: r.HeldUntil, CreatedAt: r.CreatedAt,
		})
	})
}

// Reservation implements core.ReservationStore.
func (s *Store) Reservation(ctx context.Context, id core.ID) (core.Reservation, error) {
	row, err := s.q.ReservationByID(ctx, string(id))
	if err != nil {
		return core.Reservation{}, notFound(err, core.ErrUnknownTicket)
	}
	return reservationFromRow(row)
}

// ReleaseHold implements core.ReservationStore.
func (s *Store) ReleaseHold(ctx context.Context, id core.ID) (bool, error) {
	r, err := s.Reservation(ctx, id)
	if errors.Is(err, core.ErrUnknownTicket) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	released := false
	err = s.inTx(ctx, func(q *sqlcdb.Queries) error {
		if _, err := q.SeatLock(ctx, sqlcdb.SeatLockParams{PerfDate: r.Date.Time(), SeatNo: int32(r.Seat)}); err != nil {
			return err
		}
		if _, err := q.ReservationRelease(ctx, string(id)); errors.Is(err, pgx.ErrNoRows) {
			return nil // paid or released already
		} else if err != nil {
			return err
		}
		released = true
		return q.SeatFree(ctx, sqlcdb.SeatFreeParams{PerfDate: r.Date.Time(), SeatNo: int32(r.Seat), ReservationID: string(id)})
	})
	return released, err
}

// SettlePayment implements core.ReservationStore.
func (s *Store) SettlePayment(ctx context.Context, p core.Settlement) (core.Receipt, error) {
	r, err := s.Reservation(ctx, p.ReservationID)
	if err != nil {
		return core.Receipt{}, err
	}
	if r.UserID != p.UserID {
		return core.Receipt{}, core.ErrNotYourTicket
	}
	if p.IdempotencyKey != "" {
		paid, found, err := s.PaymentByKey(ctx, p.UserID, p.IdempotencyKey)
		if err != nil {
			return core.Receipt{}, err
		}
		if found && paid != r.ID {
			return core.Receipt{}, core.ErrIdempotencyMismatch
		}
	}
	var receipt core.Receipt
	err = s.inTx(ctx, func(q *sqlcdb.Queries) error {
		seat, err := q.SeatLock(ctx, sqlcdb.SeatLockParams{PerfDate: r.Date.Time(), SeatNo: int32(r.Seat)})
		if err != nil {
			return err
		}
		locked, err := q.ReservationLock(ctx, string(r.ID))
		if err != nil {
			return err
		}
		switch locked.Status {
		case core.ReservationPaid.String():
			receipt, err = receiptOf(ctx, q, r.ID)
			return err
		case core.ReservationReleased.String():
			return core.ErrHoldExpired
		}
		if seat.Status != "held" || seat.ReservationID == nil || *seat.ReservationID != string(r.ID) {
			return core.ErrHoldExpired // a later hold took the seat after our deadline
		}
		balanceAfter, err := q.WalletDebit(ctx, sqlcdb.WalletDebitParams{UserID: string(p.UserID), Amount: int64(r.Price), Now: p.At})
		if errors.Is(err, pgx.ErrNoRows) {
			balance, err := q.WalletBalance(ctx, string(p.UserID))
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			return &core.InsufficientBalanceError{Balance: core.Amount(balance), Needed: r.Price}
		} else if err != nil {
			return err
		}
		reservationID := string(r.ID)
		steps := []func() error{
			func() error {
				return q.LedgerInsert(ctx, sqlcdb.LedgerInsertParams{
					UserID: string(p.UserID), Kind: "payment", Amount: -int64(r.Price), ReservationID: &reservationID,
					BalanceAfter: &balanceAfter, CreatedAt: p.At,
				})
			},
			func() error {
				return q.PaymentInsert(ctx, sqlcdb.PaymentInsertParams{
					ID: string(p.PaymentID), ReservationID: reservationID, UserID: string(p.UserID), Amount: int64(r.Price), PaidAt: p.At,
					IdempotencyKey: optional(string(p.IdempotencyKey)),
				})
			},
			func() error { return q.ReservationMarkPaid(ctx, reservationID) },
			func() error {
				_, err := q.SeatSell(ctx, sqlcdb.SeatSellParams{PerfDate: r.Date.Time(), SeatNo: int32(r.Seat), ReservationID: reservationID})
				return err
			},
			func() error { return q.TokenExpireUserActive(ctx, string(p.UserID)) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		receipt = core.Receipt{PaymentID: p.PaymentID, ReservationID: r.ID, Amount: r.Price, Date: r.Date, PaidAt: p.At}
		return nil
	})
	if isUniqueViolation(err, "payments_idempotency") {
		return core.Receipt{}, core.ErrIdempotencyMismatch // the key paid for another reservation meanwhile
	}
	return receipt, err
}

// PaymentByKey implements core.ReservationStore.
func (s *Store) PaymentByKey(ctx context.Context, user core.UserID, key core.IdempotencyKey) (core.ID, bool, error) {
	k := string(key)
	id, err := s.q.PaymentReservationByKey(ctx, sqlcdb.PaymentReservationByKeyParams{UserID: string(user), IdempotencyKey: &k})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return core.ID(id), err == nil, err
}

// Receipt implements core.ReservationStore.
func (s *Store) Receipt(ctx context.Context, reservation core.ID) (core.Receipt, error) {
	return receiptOf(ctx, s.q, reservation)
}

func receiptOf(ctx context.Context, q *sqlcdb.Queries, reservation core.ID) (core.Receipt, error) {
	row, err := q.PaymentByReservation(ctx, string(reservation))
	if err != nil {
		return core.Receipt{}, notFound(err, core.ErrUnknownTicket)
	}
	return core.Receipt{
		PaymentID: core.ID(row.ID), ReservationID: core.ID(row.ReservationID), Amount: core.Amount(row.Amount),
		Date: core.DateOf(row.PerfDate), PaidAt: row.PaidAt.UTC(),
	}, nil
}

func reservationFromRow(r sqlcdb.Reservation) (core.Reservation, error) {
	status, err := core.ParseReservationStatus(r.Status)
	if err != nil {
		return core.Reservation{}, err
	}
	return core.Reservation{
		ID: core.ID(r.ID), UserID: core.UserID(r.UserID), Date: core.DateOf(r.PerfDate), Seat: int(r.SeatNo),
		Price: core.Amount(r.Price), Status: status, HeldUntil: r.HeldUntil.UTC(), CreatedAt: r.CreatedAt.UTC(),
	}, nil
}

// ReleaseOverdue implements core.ReservationStore.
func (s *Store) ReleaseOverdue(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	n, err := s.q.ReservationReleaseOverdue(ctx, sqlcdb.ReservationReleaseOverdueParams{Cutoff: cutoff, MaxRows: int32(limit)})
	return int(n), err
}
