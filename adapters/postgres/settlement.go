package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// SettleAcrossAggregates implements booking.Settlements in one transaction: it locks the seat,
// then the reservation (the lock order of reservations.go), checks the booking rules on what it
// locked, debits the wallet by a guarded update, and writes the ledger row, the payment, the
// sold seat, the paid reservation and the payer's expired token. The payment's idempotency key
// is unique per user, so a key that paid for another reservation rolls it all back.
func (s *Store) SettleAcrossAggregates(ctx context.Context, p booking.Settlement) (booking.Receipt, error) {
	r, err := s.Reservation(ctx, p.ReservationID) // which seat to lock first
	if err != nil {
		return booking.Receipt{}, err
	}
	if err := r.OwnedBy(p.UserID); err != nil {
		return booking.Receipt{}, err
	}
	var receipt booking.Receipt
	err = s.inTx(ctx, func(q *sqlcdb.Queries) error {
		seat, err := q.SeatLockForPayment(ctx, sqlcdb.SeatLockForPaymentParams{SaleID: string(r.SaleID), PerfDate: r.Date.Time(), SeatNo: int32(r.Seat)})
		if err != nil {
			return err
		}
		claim := claimOf(seat.Status, seat.ReservationID)
		row, err := q.ReservationLock(ctx, string(r.ID))
		if err != nil {
			return err
		}
		locked, err := reservationFromRow(row)
		if err != nil {
			return err
		}
		switch err := locked.SettleableBy(p.UserID); {
		case errors.Is(err, booking.ErrAlreadyPaid):
			receipt, err = receiptOf(ctx, q, r.ID)
			return err
		case err != nil:
			return err
		}
		if seat.CancelledAt != nil {
			return catalog.ErrPerformanceCancelled
		}
		if !claim.HeldBy(r.ID) {
			return booking.ErrHoldExpired // a later hold took the seat after our deadline
		}
		receipt, err = settle(ctx, q, locked, p)
		return err
	})
	if isUniqueViolation(err, "payments_idempotency") {
		return booking.Receipt{}, core.ErrIdempotencyMismatch // the key paid for another reservation
	}
	return receipt, err
}

// endSessionIfDone expires the payer's active token in the sale once the payment leaves them no
// hold there to pay: their session is over. It counts under the fan's lock, so a hold of theirs
// committed first is counted. (One made in the same instant that commits after this has passed
// the gate already; paying it takes a new token, which the fan gets by queueing again.)
func endSessionIfDone(ctx context.Context, q *sqlcdb.Queries, r booking.Reservation, at time.Time) error {
	count, err := lockTicketCount(ctx, q, r.SaleID, r.UserID, at)
	if err != nil || !count.NothingLeftToPay() {
		return err
	}
	return q.TokenExpireUserActive(ctx, sqlcdb.TokenExpireUserActiveParams{SaleID: string(r.SaleID), UserID: string(r.UserID)})
}

// lockClaim locks a seat's row and reads its claim.
func lockClaim(ctx context.Context, q *sqlcdb.Queries, sale core.SaleID, d core.Date, seat int) (catalog.Claim, error) {
	row, err := q.SeatLock(ctx, sqlcdb.SeatLockParams{SaleID: string(sale), PerfDate: d.Time(), SeatNo: int32(seat)})
	if err != nil {
		return catalog.Claim{}, err
	}
	return claimOf(row.Status, row.ReservationID), nil
}

// claimOf is a seat row's claim.
func claimOf(status string, holder *string) catalog.Claim {
	c := catalog.Claim{Sold: status == "sold"}
	if holder != nil {
		c.Holder = core.ID(*holder)
	}
	return c
}

// settle writes a settleable reservation's payment, under the locks SettleAcrossAggregates took.
func settle(ctx context.Context, q *sqlcdb.Queries, r booking.Reservation, p booking.Settlement) (booking.Receipt, error) {
	balanceAfter, err := q.WalletDebit(ctx, sqlcdb.WalletDebitParams{UserID: string(p.UserID), Amount: int64(r.Price), Now: p.At})
	if noRows(err) { // the guard of wallet.Covers refused
		balance, err := q.WalletBalance(ctx, string(p.UserID))
		if err != nil && !noRows(err) {
			return booking.Receipt{}, err
		}
		if err := wallet.Covers(core.Amount(balance), r.Price); err != nil {
			return booking.Receipt{}, err
		}
		return booking.Receipt{}, errors.New("the wallet was charged while the payment ran; retry it")
	} else if err != nil {
		return booking.Receipt{}, err
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
			_, err := q.SeatSell(ctx, sqlcdb.SeatSellParams{SaleID: string(r.SaleID), PerfDate: r.Date.Time(), SeatNo: int32(r.Seat), ReservationID: reservationID})
			return err
		},
		func() error { return endSessionIfDone(ctx, q, r, p.At) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return booking.Receipt{}, err
		}
	}
	return booking.Receipt{PaymentID: p.PaymentID, ReservationID: r.ID, Amount: r.Price, Date: r.Date, PaidAt: p.At}, nil
}
