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
func (s *Settlements) SettleAcrossAggregates(ctx context.Context, p booking.Settlement) (booking.Receipt, error) {
	r, err := s.reservation(ctx, p.ReservationID) // which seat to lock first
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
		locked, err := lockReservation(ctx, q, r.ID)
		if err != nil {
			return err
		}
		switch err := locked.PayableBy(p.UserID, p.At); {
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

// lockReservation locks a reservation's row for the transaction and reads it: after its seat's,
// in the lock order of every write here.
func lockReservation(ctx context.Context, q *sqlcdb.Queries, id core.ID) (booking.Reservation, error) {
	row, err := q.ReservationLock(ctx, string(id))
	if err != nil {
		return booking.Reservation{}, err
	}
	return reservationFromRow(row)
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

// Refund implements booking.Settlements in one transaction: it locks the seat, then the
// reservation (the lock order of every write here), checks what it locked, and writes the
// refund, the wallet's credit and its ledger row, the cancelled reservation and the seat back on
// sale. The refund is unique per payment, so two cancellations can never both refund.
func (s *Settlements) Refund(ctx context.Context, req booking.RefundRequest) (booking.Refund, error) {
	r, err := s.reservation(ctx, req.ReservationID) // which seat to lock first
	if err != nil {
		return booking.Refund{}, err
	}
	var out booking.Refund
	err = s.inTx(ctx, func(q *sqlcdb.Queries) error {
		if _, err := lockClaim(ctx, q, r.SaleID, r.Date, r.Seat); err != nil {
			return err
		}
		locked, err := lockReservation(ctx, q, r.ID)
		if err != nil {
			return err
		}
		if req.UserID != "" {
			if err := locked.OwnedBy(req.UserID); err != nil {
				return err
			}
		}
		if replay, done, err := refundedWithKey(ctx, q, locked, req); done || err != nil {
			out = replay
			return err
		}
		first, err := checkedIn(ctx, q, locked.ID)
		if err != nil {
			return err
		}
		if err := locked.Refundable(first); err != nil {
			return err
		}
		out, err = refund(ctx, q, locked, req)
		return err
	})
	if isUniqueViolation(err, "refunds_idempotency") {
		return booking.Refund{}, core.ErrIdempotencyMismatch // the key refunded another ticket
	}
	return out, err
}

// refundedWithKey answers a request whose key refunded a ticket already: that refund again if it
// was this ticket, core.ErrIdempotencyMismatch if another.
func refundedWithKey(ctx context.Context, q *sqlcdb.Queries, r booking.Reservation, req booking.RefundRequest) (booking.Refund, bool, error) {
	if req.IdempotencyKey == "" {
		return booking.Refund{}, false, nil
	}
	id, err := q.RefundReservationByKey(ctx, sqlcdb.RefundReservationByKeyParams{UserID: string(r.UserID), IdempotencyKey: optional(string(req.IdempotencyKey))})
	switch {
	case noRows(err):
		return booking.Refund{}, false, nil
	case err != nil:
		return booking.Refund{}, true, err
	case core.ID(id) != r.ID:
		return booking.Refund{}, true, core.ErrIdempotencyMismatch
	}
	t, err := ticketOf(ctx, q, r.ID)
	if err != nil || t.Refund == nil {
		return booking.Refund{}, true, errors.Join(errors.New("a refund recorded with the key is missing"), err)
	}
	return *t.Refund, true, nil
}

// refund writes a refundable reservation's refund, under the locks Refund took.
func refund(ctx context.Context, q *sqlcdb.Queries, r booking.Reservation, req booking.RefundRequest) (booking.Refund, error) {
	rc, err := receiptOf(ctx, q, r.ID)
	if err != nil {
		return booking.Refund{}, err
	}
	out := booking.Refund{ID: req.RefundID, ReservationID: r.ID, PaymentID: rc.PaymentID, Amount: req.Terms.Refund, Fee: req.Terms.Fee,
		Reason: req.Reason, At: req.At}
	reservationID := string(r.ID)
	err = q.RefundInsert(ctx, sqlcdb.RefundInsertParams{
		ID: string(out.ID), PaymentID: string(rc.PaymentID), ReservationID: reservationID, UserID: string(r.UserID),
		Amount: int64(out.Amount), Fee: int64(out.Fee), Reason: out.Reason.String(), RefundedAt: out.At,
		IdempotencyKey: optional(string(req.IdempotencyKey)),
	})
	if err != nil {
		return booking.Refund{}, err
	}
	if out.Amount > 0 {
		balanceAfter, err := q.WalletCredit(ctx, sqlcdb.WalletCreditParams{UserID: string(r.UserID), Amount: int64(out.Amount), Now: out.At})
		if err != nil {
			return booking.Refund{}, err
		}
		err = q.LedgerInsert(ctx, sqlcdb.LedgerInsertParams{
			UserID: string(r.UserID), Kind: "refund", Amount: int64(out.Amount), ReservationID: &reservationID,
			BalanceAfter: &balanceAfter, CreatedAt: out.At,
		})
		if err != nil {
			return booking.Refund{}, err
		}
	}
	if err := q.ReservationCancel(ctx, reservationID); err != nil {
		return booking.Refund{}, err
	}
	err = q.SeatUnsell(ctx, sqlcdb.SeatUnsellParams{SaleID: string(r.SaleID), PerfDate: r.Date.Time(), SeatNo: int32(r.Seat), ReservationID: reservationID})
	return out, err
}
