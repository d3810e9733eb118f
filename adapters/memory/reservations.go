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

// HoldSeat implements booking.Store, deciding in the order hold_seat does on PostgreSQL.
func (s *Store) HoldSeat(_ context.Context, a booking.HoldAttempt) (booking.Reservation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := a.Hold
	if tok, ok := s.tokens[a.Token]; !ok || tok.UserID != r.UserID || tok.SaleID != r.SaleID || tok.State != queue.Active || !tok.Live(a.Now) {
		return booking.Reservation{}, booking.ErrTokenNotActive
	}
	claim, ok := s.seats[seatKey{r.SaleID, r.Date, r.Seat}]
	if !ok {
		return booking.Reservation{}, catalog.ErrUnknownSeat
	}
	if !claim.AvailableAt(a.Now) {
		return booking.Reservation{}, booking.ErrSeatTaken
	}
	// The seat is free for this fan; the rarer refusals follow, as hold_seat's do.
	sale, ok := s.sales[r.SaleID]
	if !ok {
		return booking.Reservation{}, catalog.ErrUnknownSale
	}
	p := s.performances[perfKey{r.SaleID, r.Date}] // every seat has its performance
	if err := p.CheckOn(); err != nil {
		return booking.Reservation{}, err
	}
	if err := catalog.CheckHoldable(sale.State); err != nil {
		return booking.Reservation{}, err
	}
	limit := min(a.Limit, sale.MaxTicketsPerFan) // an operator may have lowered it since
	if err := s.ticketCount(r.SaleID, r.UserID, a.Now).Allows(limit); err != nil {
		return booking.Reservation{}, err
	}
	if prev, ok := s.reservations[claim.Holder]; ok && prev.Status == booking.Held {
		prev.Status = booking.Released // superseded after its deadline passed
	}
	section, _ := p.SectionOf(r.Seat) // every seat of a performance has one
	*claim = catalog.Claim{Holder: r.ID, HeldUntil: r.HeldUntil}
	r.Section, r.Price, r.Status = section.Name, section.Price, booking.Held
	s.reservations[r.ID] = &r
	return r, nil
}

// ticketCount counts the user's holds and tickets bought in the sale at now (booking.TicketCount).
func (s *Store) ticketCount(sale core.SaleID, user core.UserID, now time.Time) booking.TicketCount {
	var c booking.TicketCount
	for _, other := range s.reservations {
		if other.UserID != user || other.SaleID != sale {
			continue
		}
		switch other.Status {
		case booking.Paid:
			c.Paid++
		case booking.Held:
			c.Held++
			if now.Before(other.HeldUntil) {
				c.Live++
			}
			if c.EarliestHoldEnd.IsZero() || other.HeldUntil.Before(c.EarliestHoldEnd) {
				c.EarliestHoldEnd = other.HeldUntil
			}
		}
	}
	return c
}

// Reservation implements booking.Store.
func (s *Store) Reservation(_ context.Context, id core.ID) (booking.Reservation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[id]
	if !ok {
		return booking.Reservation{}, booking.ErrUnknownTicket
	}
	return *r, nil
}

// ReleaseHold implements booking.Store.
func (s *Store) ReleaseHold(_ context.Context, id core.ID) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[id]
	if !ok || r.Status != booking.Held {
		return false, nil
	}
	s.release(r)
	return true, nil
}

// release marks a held reservation released and frees its seat if it still holds it.
func (s *Store) release(r *booking.Reservation) {
	r.Status = booking.Released
	if claim := s.seats[seatKey{r.SaleID, r.Date, r.Seat}]; claim.HeldBy(r.ID) {
		*claim = catalog.Claim{}
	}
}

// ReleaseOverdue implements booking.Store.
func (s *Store) ReleaseOverdue(_ context.Context, cutoff time.Time, limit int) (int, error) {
	return s.releaseHolds(limit, func(r *booking.Reservation) bool { return r.HeldUntil.Before(cutoff) }), nil
}

// releaseHolds releases up to limit held reservations that match, as release does, and
// returns how many it released.
func (s *Store) releaseHolds(limit int, match func(*booking.Reservation) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	released := 0
	for _, r := range s.reservations {
		if released == limit {
			break
		}
		if r.Status == booking.Held && match(r) {
			s.release(r)
			released++
		}
	}
	return released
}

// SettleAcrossAggregates implements booking.Settlements: the store's one lock spans the
// wallet, the seat, the reservation, the payment and the token, as the transaction does.
func (s *Store) SettleAcrossAggregates(_ context.Context, p booking.Settlement) (booking.Receipt, error) {
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
	switch err := r.SettleableBy(p.UserID); {
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

// Receipt implements booking.Store.
func (s *Store) Receipt(_ context.Context, reservation core.ID) (booking.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rc, ok := s.payments[reservation]
	if !ok {
		return booking.Receipt{}, booking.ErrUnknownTicket
	}
	return rc, nil
}

// PaymentByKey implements booking.Store.
func (s *Store) PaymentByKey(_ context.Context, user core.UserID, key core.IdempotencyKey) (core.ID, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.paymentsByKey[userKey{user, key}]
	return id, ok, nil
}
