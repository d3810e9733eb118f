package memory

import (
	"context"
	"errors"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// SettleAcrossAggregates implements booking.Settlements: the store's one lock spans the
// wallet, the seat, the reservation, the payment and the token, as the transaction does.
func (s *Settlements) SettleAcrossAggregates(_ context.Context, p booking.Settlement) (booking.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[p.ReservationID]
	if !ok {
		return booking.Receipt{}, booking.ErrUnknownTicket
	}
	if err := r.OwnedBy(p.UserID); err != nil {
		return booking.Receipt{}, err
	}
	if paidWithKey, used := s.paymentsByKey[userKey{p.UserID, p.IdempotencyKey}]; p.IdempotencyKey != "" && used && paidWithKey != r.ID {
		return booking.Receipt{}, core.ErrIdempotencyMismatch
	}
	switch err := r.PayableBy(p.UserID, p.At); {
	case errors.Is(err, booking.ErrAlreadyPaid):
		return s.payments[r.ID], nil
	case err != nil:
		return booking.Receipt{}, err
	}
	if s.performances[perfKey{r.SaleID, r.Date}].Cancelled() {
		return booking.Receipt{}, catalog.ErrPerformanceCancelled
	}
	claim := s.seats[seatKey{r.SaleID, r.Date, r.Seat}]
	if !claim.HeldBy(r.ID) {
		return booking.Receipt{}, booking.ErrHoldExpired // a later hold took the seat after our deadline
	}
	if err := wallet.Covers(s.balances[r.UserID], r.Price); err != nil {
		return booking.Receipt{}, err
	}
	s.balances[r.UserID] -= r.Price
	claim.Sold, claim.HeldUntil = true, time.Time{}
	r.Status = booking.Paid
	rc := booking.Receipt{PaymentID: p.PaymentID, ReservationID: r.ID, Amount: r.Price, Date: r.Date, PaidAt: p.At}
	s.payments[r.ID] = rc
	if p.IdempotencyKey != "" {
		s.paymentsByKey[userKey{p.UserID, p.IdempotencyKey}] = r.ID
	}
	// A payment that leaves the fan no hold to pay in the sale ends their session there; a token
	// they queue with again meanwhile keeps waiting, since waiting tokens leave the queue only at
	// its head.
	if s.ticketCount(r.SaleID, r.UserID, p.At).NothingLeftToPay() {
		if id, ok := s.liveByUser[saleUser{r.SaleID, r.UserID}]; ok && s.tokens[id].State == queue.Active {
			s.expire(s.tokens[id])
		}
	}
	return rc, nil
}

// Refund implements booking.Settlements: the store's one lock spans the reservation, the seat,
// the refund and the wallet, as the transaction does.
func (s *Settlements) Refund(_ context.Context, q booking.RefundRequest) (booking.Refund, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[q.ReservationID]
	if !ok {
		return booking.Refund{}, booking.ErrUnknownTicket
	}
	if q.UserID != "" {
		if err := r.OwnedBy(q.UserID); err != nil {
			return booking.Refund{}, err
		}
	}
	if q.IdempotencyKey != "" {
		if id, used := s.refundsByKey[userKey{r.UserID, q.IdempotencyKey}]; used && id != r.ID {
			return booking.Refund{}, core.ErrIdempotencyMismatch
		} else if used {
			return s.refunds[r.ID], nil
		}
	}
	if err := r.Refundable(s.checkedIn(r.ID)); err != nil {
		return booking.Refund{}, err
	}
	rf := booking.Refund{ID: q.RefundID, ReservationID: r.ID, PaymentID: s.payments[r.ID].PaymentID,
		Amount: q.Terms.Refund, Fee: q.Terms.Fee, Reason: q.Reason, At: q.At}
	s.refunds[r.ID] = rf
	if q.IdempotencyKey != "" {
		s.refundsByKey[userKey{r.UserID, q.IdempotencyKey}] = r.ID
	}
	s.balances[r.UserID] += rf.Amount
	r.Status = booking.Cancelled
	*s.seats[seatKey{r.SaleID, r.Date, r.Seat}] = catalog.Claim{}
	return rf, nil
}
