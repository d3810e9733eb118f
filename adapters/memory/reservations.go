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
	if !s.activeToken(a.Token, r.UserID, r.SaleID, a.Now) {
		return booking.Reservation{}, booking.ErrTokenNotActive
	}
	claim, ok := s.seats[seatKey{r.SaleID, r.Date, r.Seat}]
	if !ok {
		return booking.Reservation{}, catalog.ErrUnknownSeat
	}
	if !s.directlyHoldable(claim, r.SaleID, r.Date, a.Now) {
		return booking.Reservation{}, booking.ErrSeatTaken
	}
	// The seat is free for this fan; the rarer refusals follow, as hold_seat's do.
	p, limit, err := s.holdable(r.SaleID, r.Date, r.UserID, a.Now, a.Limit, 1)
	if err != nil {
		return booking.Reservation{}, err
	}
	section, _ := p.SectionOf(r.Seat) // every seat of a performance has one
	r.Section, r.Price, r.Status, r.FanLimit = section.Name, section.Price, booking.Held, limit
	s.take(claim, r)
	return r, nil
}

// activeToken reports whether token is an active one of user in sale at now.
func (s *state) activeToken(token core.ID, user core.UserID, sale core.SaleID, now time.Time) bool {
	tok, ok := s.tokens[token]
	return ok && tok.UserID == user && tok.SaleID == sale && tok.State == queue.Active && tok.Live(now)
}

// take gives claim's seat to the hold r and stores r; a hold the seat's claim still named, past
// its deadline, is superseded (released).
func (s *state) take(claim *catalog.Claim, r booking.Reservation) {
	if prev, ok := s.reservations[claim.Holder]; ok && prev.Status == booking.Held {
		prev.Status = booking.Released // its deadline passed: taken over
		s.offerEnded(prev)
	}
	*claim = catalog.Claim{Holder: r.ID, HeldUntil: r.HeldUntil}
	s.reservations[r.ID] = &r
}

// holdable makes the refusals a won hold of n seats still meets, in hold_seat's order: a sale
// gone or not on sale, a cancelled date, a fan whose holds and tickets would pass the limit,
// the lower of the attempt's and the sale's (an operator may have lowered it since). It
// returns the performance and the limit the hold is made under.
func (s *state) holdable(sale core.SaleID, d core.Date, user core.UserID, now time.Time, asked, n int) (catalog.Performance, int, error) {
	sl, ok := s.sales[sale]
	if !ok {
		return catalog.Performance{}, 0, catalog.ErrUnknownSale
	}
	p := s.performances[perfKey{sale, d}] // every seat has its performance
	if err := p.CheckOn(); err != nil {
		return catalog.Performance{}, 0, err
	}
	if err := catalog.CheckHoldable(sl.State); err != nil {
		return catalog.Performance{}, 0, err
	}
	limit := min(asked, sl.MaxTicketsPerFan)
	if err := s.ticketCount(sale, user, now).AllowsMore(n, limit); err != nil {
		return catalog.Performance{}, 0, err
	}
	return *p, limit, nil
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
	s.offerReturnedSeats(r.SaleID, r.Date)
	return true, nil
}

// AcceptPayment implements booking.Holds (acceptPayment, of the one ticket).
func (s *Holds) AcceptPayment(_ context.Context, id core.ID, user core.UserID, now time.Time) (booking.Reservation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[id]
	if !ok {
		return booking.Reservation{}, booking.ErrUnknownTicket
	}
	accepted, err := s.acceptPayment([]booking.Reservation{*r}, now, func(count booking.TicketCount) ([]booking.Reservation, error) {
		one, err := r.AcceptPayment(user, now, count)
		return []booking.Reservation{one}, err
	})
	if err != nil {
		return *r, err
	}
	return accepted[0], nil
}

// acceptPayment records that the API accepts a payment of tickets (one fan's) at now, as accept
// decides on the fan's count (Reservation.AcceptPayment, Order.AcceptPayment), and extends each
// seat's claim to the payment's deadline: every ticket accepted, or none. A ticket whose seat a
// later hold took is ErrHoldExpired. A seat held on its own and an order share it.
func (s *state) acceptPayment(tickets []booking.Reservation, now time.Time, accept func(booking.TicketCount) ([]booking.Reservation, error)) ([]booking.Reservation, error) {
	for _, t := range tickets {
		if t.Status == booking.Held && !s.seats[seatKey{t.SaleID, t.Date, t.Seat}].HeldBy(t.ID) {
			return nil, booking.ErrHoldExpired // a later hold took the seat after the deadline
		}
	}
	accepted, err := accept(s.ticketCount(tickets[0].SaleID, tickets[0].UserID, now))
	if err != nil {
		return nil, err
	}
	for _, t := range accepted {
		*s.reservations[t.ID] = t
		s.seats[seatKey{t.SaleID, t.Date, t.Seat}].HeldUntil = t.PaymentDeadline()
	}
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
	s.offerReturnedSeats(r.SaleID, r.Date)
	return true, time.Time{}, nil
}

// release marks a held reservation released, ends the waitlist offer it was part of, and frees
// its seat if it still holds it; the caller has the seats it freed offered (offerReturnedSeats)
// once it freed all it frees, as PostgreSQL offers them when the transaction commits.
func (s *state) release(r *booking.Reservation) {
	r.Status = booking.Released
	s.offerEnded(r)
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
	dates := map[perfKey]bool{}
	for _, r := range s.reservations {
		if released == limit {
			break
		}
		if r.Status == booking.Held && match(r) {
			s.release(r)
			dates[perfKey{r.SaleID, r.Date}] = true
			released++
		}
	}
	for k := range dates {
		s.offerReturnedSeats(k.sale, k.date)
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
