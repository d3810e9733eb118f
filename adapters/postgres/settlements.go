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
	"github.com/boxoffice/boxoffice/core/webhook"
)

// SettleAcrossAggregates implements booking.Settlements: settleTickets, of the one ticket.
func (s *Settlements) SettleAcrossAggregates(ctx context.Context, p booking.Settlement) (booking.Receipt, error) {
	r, err := s.reservation(ctx, p.ReservationID) // which seat to lock first
	if err != nil {
		return booking.Receipt{}, err
	}
	if err := r.OwnedBy(p.UserID); err != nil {
		return booking.Receipt{}, err
	}
	receipts, err := s.settleTickets(ctx, []booking.Reservation{r}, payment{user: p.UserID, id: p.PaymentID, key: p.IdempotencyKey, at: p.At})
	if err != nil {
		return booking.Receipt{}, err
	}
	return receipts[0], nil
}

// SettleOrder implements booking.Settlements: settleTickets, of every ticket of the order.
func (s *Settlements) SettleOrder(ctx context.Context, p booking.OrderSettlement) (booking.OrderReceipt, error) {
	o, err := orderOf(ctx, s.q, p.OrderID) // which seats to lock first
	if err != nil {
		return booking.OrderReceipt{}, err
	}
	if err := o.OwnedBy(p.UserID); err != nil {
		return booking.OrderReceipt{}, err
	}
	// A seat held on its own is paid by a payment of its own; an order's seats each by a line.
	receipts, err := s.settleTickets(ctx, o.Tickets, payment{user: p.UserID, id: p.PaymentID, lines: !o.SeatOnItsOwn(), key: p.IdempotencyKey, at: p.At})
	if err != nil {
		return booking.OrderReceipt{}, err
	}
	return booking.OrderReceipt{OrderID: o.ID, Tickets: receipts}, nil
}

// payment is what a settlement records: who pays, the payment's id, whether each ticket's row
// is a line of it (an order's: order_payment_id), the idempotency key and when.
type payment struct {
	user  core.UserID
	id    core.ID
	lines bool
	key   core.IdempotencyKey
	at    time.Time
}

// settleTickets settles a seat held on its own and an order alike (a hold is an order of one),
// in one transaction: it locks the tickets' seats in seat order with their performance, then
// the tickets (the lock order of reservations.go), checks the booking rules on what it locked
// (booking.Order.PayableBy), debits the wallet once by the total, and writes each ticket's
// ledger row, payment, sold seat and paid reservation, and the payer's expired token. The
// idempotency key is unique per user, so a key that paid for another reservation rolls it all
// back. Tickets already paid return their receipts.
func (s *Settlements) settleTickets(ctx context.Context, tickets []booking.Reservation, p payment) ([]booking.Receipt, error) {
	var receipts []booking.Receipt
	err := s.inTx(ctx, func(q *sqlcdb.Queries) error {
		claims := make([]catalog.Claim, len(tickets))
		cancelled := false
		for i, t := range tickets {
			seat, err := q.SeatLockForPayment(ctx, sqlcdb.SeatLockForPaymentParams{SaleID: string(t.SaleID), PerfDate: t.Date.Time(), SeatNo: int32(t.Seat)})
			if err != nil {
				return err
			}
			claims[i], cancelled = claimOf(seat.Status, seat.ReservationID), cancelled || seat.CancelledAt != nil
		}
		locked, err := lockTickets(ctx, q, tickets)
		if err != nil {
			return err
		}
		switch err := (booking.Order{Tickets: locked}).PayableBy(p.user, p.at); {
		case errors.Is(err, booking.ErrAlreadyPaid):
			receipts, err = receiptsOf(ctx, q, locked)
			return err
		case err != nil:
			return err
		}
		if cancelled {
			return catalog.ErrPerformanceCancelled
		}
		for i, t := range locked {
			if !claims[i].HeldBy(t.ID) {
				return booking.ErrHoldExpired // a later hold took the seat after our deadline
			}
		}
		receipts, err = settle(ctx, q, locked, p)
		return err
	})
	if isUniqueViolation(err, "payments_idempotency") {
		return nil, core.ErrIdempotencyMismatch // the key paid for another reservation
	}
	return receipts, err
}

// receiptsOf are the receipts of paid tickets.
func receiptsOf(ctx context.Context, q *sqlcdb.Queries, tickets []booking.Reservation) ([]booking.Receipt, error) {
	receipts := make([]booking.Receipt, len(tickets))
	for i, t := range tickets {
		rc, err := receiptOf(ctx, q, t.ID)
		if err != nil {
			return nil, err
		}
		receipts[i] = rc
	}
	return receipts, nil
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

// settle writes the payment of settleable tickets (one fan's, in seat order), under the locks
// settleTickets took: one guarded debit of their total, then per ticket a ledger row (each with
// the balance after it), a payment, the paid reservation and the sold seat.
func settle(ctx context.Context, q *sqlcdb.Queries, tickets []booking.Reservation, p payment) ([]booking.Receipt, error) {
	total := booking.Order{Tickets: tickets}.Total()
	balanceAfter, err := q.WalletDebit(ctx, sqlcdb.WalletDebitParams{UserID: string(p.user), Amount: int64(total), Now: p.at})
	if noRows(err) { // the guard of wallet.Covers refused
		balance, err := q.WalletBalance(ctx, string(p.user))
		if err != nil && !noRows(err) {
			return nil, err
		}
		if err := wallet.Covers(core.Amount(balance), total); err != nil {
			return nil, err
		}
		return nil, errors.New("the wallet was charged while the payment ran; retry it")
	} else if err != nil {
		return nil, err
	}
	balance := balanceAfter + int64(total) // before the debit; each ticket's row takes its share
	receipts := make([]booking.Receipt, len(tickets))
	for i, r := range tickets {
		balance -= int64(r.Price)
		key := p.key
		if i > 0 {
			key = "" // the key is recorded once, with the first seat's payment
		}
		if err := payTicket(ctx, q, r, p, key, balance); err != nil {
			return nil, err
		}
		receipts[i] = booking.Receipt{PaymentID: p.id, ReservationID: r.ID, Amount: r.Price, Date: r.Date, PaidAt: p.at}
	}
	if err := publishPaid(ctx, q, tickets, p); err != nil {
		return nil, err
	}
	if order := tickets[0].OrderID; order != "" { // an offer paid: its waitlist entry is claimed
		id := string(order)
		if err := q.WaitlistClaim(ctx, &id); err != nil {
			return nil, err
		}
	}
	return receipts, endSessionIfDone(ctx, q, tickets[0], p.at)
}

// publishPaid writes the settlement's order.paid, and the date's sale.sold_out when its seats
// were the last unsold. The check runs under a lock of the date's own (SoldOutLock), taken
// only once no seat is available: two payments of the last seats each see the other's still
// held before it commits, and the one that checks second, after the first committed, sees the
// date sold out.
func publishPaid(ctx context.Context, q *sqlcdb.Queries, tickets []booking.Reservation, p payment) error {
	paid := make([]booking.Reservation, len(tickets))
	for i, t := range tickets {
		t.Status = booking.Paid
		paid[i] = t
	}
	if err := publish(ctx, q, webhook.OrderPaidEvent(booking.Order{Tickets: paid}, p.id, p.at)); err != nil {
		return err
	}
	date := sqlcdb.DateSoldOutParams{SaleID: string(tickets[0].SaleID), PerfDate: tickets[0].Date.Time()}
	if none, err := q.DateAvailableNone(ctx, sqlcdb.DateAvailableNoneParams(date)); err != nil || !none {
		return err
	}
	if err := q.SoldOutLock(ctx, "sold_out/"+date.SaleID+"/"+tickets[0].Date.String()); err != nil {
		return err
	}
	if soldOut, err := q.DateSoldOut(ctx, date); err != nil || !soldOut {
		return err
	}
	return publish(ctx, q, webhook.SaleSoldOutEvent(tickets[0].SaleID, tickets[0].Date, p.at))
}

// payTicket writes one ticket's share of a settlement: its ledger row, its payment row (the
// payment's own, or a line of an order's), the paid reservation and the sold seat.
func payTicket(ctx context.Context, q *sqlcdb.Queries, r booking.Reservation, p payment, key core.IdempotencyKey, balanceAfter int64) error {
	reservationID, rowID, at := string(r.ID), string(p.id), p.at
	var orderPayment *string
	if p.lines {
		rowID, orderPayment = string(core.NewID()), optional(string(p.id))
	}
	steps := []func() error{
		func() error {
			return q.LedgerInsert(ctx, sqlcdb.LedgerInsertParams{
				UserID: string(r.UserID), Kind: "payment", Amount: -int64(r.Price), ReservationID: &reservationID,
				BalanceAfter: &balanceAfter, CreatedAt: at,
			})
		},
		func() error {
			return q.PaymentInsert(ctx, sqlcdb.PaymentInsertParams{
				ID: rowID, ReservationID: reservationID, UserID: string(r.UserID), Amount: int64(r.Price), PaidAt: at,
				IdempotencyKey: optional(string(key)), OrderPaymentID: orderPayment,
			})
		},
		func() error { return q.ReservationMarkPaid(ctx, reservationID) },
		func() error {
			_, err := q.SeatSell(ctx, sqlcdb.SeatSellParams{SaleID: string(r.SaleID), PerfDate: r.Date.Time(), SeatNo: int32(r.Seat), ReservationID: reservationID})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
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
	paid, err := q.PaymentByReservation(ctx, string(r.ID))
	if err != nil {
		return booking.Refund{}, notFound(err, booking.ErrUnknownTicket)
	}
	out := booking.Refund{ID: req.RefundID, ReservationID: r.ID, PaymentID: core.ID(paid.PaymentID), Amount: req.Terms.Refund, Fee: req.Terms.Fee,
		Reason: req.Reason, At: req.At}
	reservationID := string(r.ID)
	err = q.RefundInsert(ctx, sqlcdb.RefundInsertParams{ // of the ticket's own payment row: one refund a row
		ID: string(out.ID), PaymentID: paid.LineID, ReservationID: reservationID, UserID: string(r.UserID),
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
	if err := publish(ctx, q, webhook.TicketCancelledEvent(r, out)); err != nil {
		return booking.Refund{}, err
	}
	err = q.SeatUnsell(ctx, sqlcdb.SeatUnsellParams{SaleID: string(r.SaleID), PerfDate: r.Date.Time(), SeatNo: int32(r.Seat), ReservationID: reservationID})
	return out, err
}
