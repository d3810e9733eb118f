package memory

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
)

// HoldSeat implements booking.Holds, deciding in the order hold_seat does on PostgreSQL.
func (s *Holds) HoldSeat(_ context.Context, a booking.HoldAttempt) (booking.Reservation, error) {
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
	r.Section, r.Price, r.Status, r.FanLimit = section.Name, section.Price, booking.Held, limit
	s.reservations[r.ID] = &r
	return r, nil
}

// ticketCount counts the user's holds and tickets bought in the sale at now (booking.TicketCount).
func (s *state) ticketCount(sale core.SaleID, user core.UserID, now time.Time) booking.TicketCount {
	var c booking.TicketCount
	for _, other := range s.reservations {
		if other.UserID == user && other.SaleID == sale {
			c.Add(*other, now)
		}
	}
	return c
}

// Reservation implements booking.Holds.
func (s *Holds) Reservation(_ context.Context, id core.ID) (booking.Reservation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[id]
	if !ok {
		return booking.Reservation{}, booking.ErrUnknownTicket
	}
	return *r, nil
}

// ReleaseHold implements booking.Holds.
func (s *Holds) ReleaseHold(_ context.Context, id core.ID) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[id]
	if !ok || r.Status != booking.Held {
		return false, nil
	}
	s.release(r)
	return true, nil
}

// AcceptPayment implements booking.Holds.
func (s *Holds) AcceptPayment(_ context.Context, id core.ID, user core.UserID, now time.Time) (booking.Reservation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[id]
	if !ok {
		return booking.Reservation{}, booking.ErrUnknownTicket
	}
	claim := s.seats[seatKey{r.SaleID, r.Date, r.Seat}]
	if r.Status == booking.Held && !claim.HeldBy(r.ID) {
		return *r, booking.ErrHoldExpired // a later hold took the seat after the deadline
	}
	accepted, err := r.AcceptPayment(user, now, s.ticketCount(r.SaleID, r.UserID, now))
	if err != nil {
		return *r, err
	}
	*r = accepted
	claim.HeldUntil = accepted.PaymentDeadline()
	return accepted, nil
}

// ReleaseUnlessAwaitingPayment implements booking.Holds.
func (s *Holds) ReleaseUnlessAwaitingPayment(_ context.Context, id core.ID, now, seen time.Time) (bool, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[id]
	switch {
	case !ok || r.Status != booking.Held:
		return false, time.Time{}, nil
	case r.AwaitsPayment(now, seen):
		return false, r.PaymentDeadline(), nil
	}
	s.release(r)
	return true, time.Time{}, nil
}

// release marks a held reservation released and frees its seat if it still holds it.
func (s *state) release(r *booking.Reservation) {
	r.Status = booking.Released
	if claim := s.seats[seatKey{r.SaleID, r.Date, r.Seat}]; claim.HeldBy(r.ID) {
		*claim = catalog.Claim{}
	}
}

// ReleaseOverdue implements booking.Holds.
func (s *Holds) ReleaseOverdue(_ context.Context, cutoff time.Time, limit int) (int, error) {
	return s.releaseHolds(limit, func(r *booking.Reservation) bool { return r.PaymentDeadline().Before(cutoff) }), nil
}

// releaseHolds releases up to limit held reservations that match, as release does, and
// returns how many it released.
func (s *state) releaseHolds(limit int, match func(*booking.Reservation) bool) int {
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

// Receipt implements booking.Holds.
func (s *Holds) Receipt(_ context.Context, reservation core.ID) (booking.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rc, ok := s.payments[reservation]
	if !ok {
		return booking.Receipt{}, booking.ErrUnknownTicket
	}
	return rc, nil
}

// PaymentByKey implements booking.Holds.
func (s *Holds) PaymentByKey(_ context.Context, user core.UserID, key core.IdempotencyKey) (core.ID, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.paymentsByKey[userKey{user, key}]
	return id, ok, nil
}

// EndHolds implements booking.Holds.
func (s *Holds) EndHolds(_ context.Context, sale core.SaleID, d core.Date, limit int) (int, error) {
	return s.releaseHolds(limit, func(r *booking.Reservation) bool { return r.SaleID == sale && r.Date == d }), nil
}
