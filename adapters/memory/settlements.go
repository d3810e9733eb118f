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
	"github.com/boxoffice/boxoffice/core/webhook"
)

// SettleAcrossAggregates implements booking.Settlements: settleTickets, of the one ticket.
func (s *Settlements) SettleAcrossAggregates(_ context.Context, p booking.Settlement) (booking.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[p.ReservationID]
	if !ok {
		return booking.Receipt{}, booking.ErrUnknownTicket
	}
	receipts, err := s.settleTickets([]*booking.Reservation{r}, p.UserID, p.PaymentID, p.IdempotencyKey, p.At)
	if err != nil {
		return booking.Receipt{}, err
	}
	return receipts[0], nil
}

// SettleOrder implements booking.Settlements: settleTickets, of every ticket of the order.
func (s *Settlements) SettleOrder(_ context.Context, p booking.OrderSettlement) (booking.OrderReceipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tickets := s.orderTickets(p.OrderID)
	if tickets == nil {
		return booking.OrderReceipt{}, booking.ErrUnknownOrder
	}
	receipts, err := s.settleTickets(tickets, p.UserID, p.PaymentID, p.IdempotencyKey, p.At)
	if err != nil {
		return booking.OrderReceipt{}, err
	}
	return booking.OrderReceipt{OrderID: p.OrderID, Tickets: receipts}, nil
}

// settleTickets settles a seat held on its own and an order alike (a hold is an order of one),
// tickets in seat order: the store's one lock spans the wallet, the seats, the reservations,
// the payments and the token, as the transaction does. The wallet is debited once by the
// total; each ticket's receipt names the one payment; the key is recorded with the first.
func (s *state) settleTickets(tickets []*booking.Reservation, user core.UserID, payment core.ID, key core.IdempotencyKey, at time.Time) ([]booking.Receipt, error) {
	order := booking.Order{Tickets: make([]booking.Reservation, len(tickets))}
	for i, t := range tickets {
		order.Tickets[i] = *t
	}
	if err := order.OwnedBy(user); err != nil {
		return nil, err
	}
	if paidWithKey, used := s.paymentsByKey[userKey{user, key}]; key != "" && used && paidWithKey != tickets[0].ID {
		return nil, core.ErrIdempotencyMismatch
	}
	switch err := order.PayableBy(user, at); {
	case errors.Is(err, booking.ErrAlreadyPaid):
		receipts := make([]booking.Receipt, len(tickets))
		for i, t := range tickets {
			receipts[i] = s.payments[t.ID]
		}
		return receipts, nil
	case err != nil:
		return nil, err
	}
	first := tickets[0]
	if s.performances[perfKey{first.SaleID, first.Date}].Cancelled() {
		return nil, catalog.ErrPerformanceCancelled
	}
	for _, t := range tickets {
		if !s.seats[seatKey{t.SaleID, t.Date, t.Seat}].HeldBy(t.ID) {
			return nil, booking.ErrHoldExpired // a later hold took the seat after our deadline
		}
	}
	if err := wallet.Covers(s.balances[user], order.Total()); err != nil {
		return nil, err
	}
	s.balances[user] -= order.Total()
	receipts := make([]booking.Receipt, len(tickets))
	for i, t := range tickets {
		claim := s.seats[seatKey{t.SaleID, t.Date, t.Seat}]
		claim.Sold, claim.HeldUntil = true, time.Time{}
		t.Status = booking.Paid
		order.Tickets[i].Status = booking.Paid
		receipts[i] = booking.Receipt{PaymentID: payment, ReservationID: t.ID, Amount: t.Price, Date: t.Date, PaidAt: at}
		s.payments[t.ID] = receipts[i]
	}
	if key != "" {
		s.paymentsByKey[userKey{user, key}] = first.ID
	}
	s.publishPaid(order, payment, at)
	s.claimOffer(first.OrderID)
	// A payment that leaves the fan no hold to pay in the sale ends their session there; a token
	// they queue with again meanwhile keeps waiting, since waiting tokens leave the queue only at
	// its head.
	if s.ticketCount(first.SaleID, user, at).NothingLeftToPay() {
		if id, ok := s.liveByUser[saleUser{first.SaleID, user}]; ok && s.tokens[id].State == queue.Active {
			s.expire(s.tokens[id])
		}
	}
	return receipts, nil
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
	s.outbox.soldSeats[perfKey{r.SaleID, r.Date}]--
	s.publish(webhook.TicketCancelledEvent(*r, rf))
	s.offerReturnedSeats(r.SaleID, r.Date)
	return rf, nil
}

// publishPaid publishes a settled order's order.paid, and the date's sale.sold_out when its
// seats sold were the last; s.mu is held, by the settlement.
func (s *state) publishPaid(o booking.Order, payment core.ID, at time.Time) {
	s.publish(webhook.OrderPaidEvent(o, payment, at))
	first := o.Tickets[0]
	k := perfKey{first.SaleID, first.Date}
	s.outbox.soldSeats[k] += len(o.Tickets)
	if s.outbox.soldSeats[k] == s.performances[k].Seats() {
		s.publish(webhook.SaleSoldOutEvent(first.SaleID, first.Date, at))
	}
}
