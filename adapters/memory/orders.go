package memory

import (
	"context"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// storedOrder is an order without its tickets, and which reservations they are.
type storedOrder struct {
	order   booking.Order
	tickets []core.ID // in seat order
}

// HoldOrder implements booking.Orders, deciding in the order hold_order does on PostgreSQL.
func (s *Orders) HoldOrder(_ context.Context, a booking.OrderAttempt) (booking.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := a.Check(); err != nil {
		return booking.Order{}, err
	}
	o := a.Order
	if !s.activeToken(a.Token, o.UserID, o.SaleID, a.Now) {
		return booking.Order{}, booking.ErrTokenNotActive
	}
	seats, err := s.orderSeats(o.SaleID, o.Date, a.Request, a.Now)
	if err != nil {
		return booking.Order{}, err
	}
	// The seats are free for this fan; the rarer refusals follow, as hold_order's do.
	p, limit, err := s.holdable(o.SaleID, o.Date, o.UserID, a.Now, a.Limit, len(seats))
	if err != nil {
		return booking.Order{}, err
	}
	o.Tickets = a.Tickets(seats, p)
	stored := storedOrder{order: o}
	stored.order.Tickets = nil
	for i := range o.Tickets {
		o.Tickets[i].FanLimit = limit
		s.take(s.seats[seatKey{o.SaleID, o.Date, o.Tickets[i].Seat}], o.Tickets[i])
		stored.tickets = append(stored.tickets, o.Tickets[i].ID)
	}
	s.orders[o.ID] = &stored
	return o, nil
}

// orderSeats are the seats a request gets on a date at now: the chosen ones, each available
// (else *SeatsTakenError naming every one taken), or the best available
// (catalog.Performance.BestAvailable, else *NotEnoughSeatsError).
func (s *state) orderSeats(sale core.SaleID, d core.Date, q booking.OrderRequest, now time.Time) ([]int, error) {
	p, ok := s.performances[perfKey{sale, d}]
	if !ok {
		return nil, catalog.ErrUnknownSeat
	}
	free := func(n int) bool {
		claim, ok := s.seats[seatKey{sale, d, n}]
		return ok && s.directlyHoldable(claim, sale, d, now)
	}
	if len(q.Seats) == 0 {
		seats, available := p.BestAvailable(q.Wish, free)
		if seats == nil {
			return nil, &booking.NotEnoughSeatsError{Available: available}
		}
		return seats, nil
	}
	var taken []int
	for _, n := range q.Seats {
		if !p.HasSeat(n) {
			return nil, catalog.ErrUnknownSeat
		}
		if !free(n) {
			taken = append(taken, n)
		}
	}
	if taken != nil {
		return nil, &booking.SeatsTakenError{Taken: slices.Sorted(slices.Values(taken))}
	}
	return q.Seats, nil
}

// ReleaseOrder implements booking.Orders.
func (s *Orders) ReleaseOrder(_ context.Context, id core.ID) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.releaseOrder(id), nil
}

// ReleaseOrderUnlessAwaitingPayment implements booking.Orders.
func (s *Orders) ReleaseOrderUnlessAwaitingPayment(_ context.Context, id core.ID, now, seen time.Time) (bool, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.order(id); ok && o.AwaitsPayment(now, seen) {
		return false, o.PaymentDeadline(), nil
	}
	return s.releaseOrder(id), time.Time{}, nil
}

// releaseOrder releases the held tickets of an order and reports whether it released any.
func (s *state) releaseOrder(id core.ID) bool {
	released := false
	tickets := s.orderTickets(id)
	for _, r := range tickets {
		if r.Status == booking.Held {
			s.release(r)
			released = true
		}
	}
	if released { // every seat back before the waitlist is looked at
		s.offerReturnedSeats(tickets[0].SaleID, tickets[0].Date)
	}
	return released
}

// AcceptOrderPayment implements booking.Orders.
func (s *Orders) AcceptOrderPayment(_ context.Context, id core.ID, user core.UserID, now time.Time) (booking.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.order(id)
	if !ok {
		return booking.Order{}, booking.ErrUnknownOrder
	}
	accepted, err := s.acceptPayment(o.Tickets, now, func(count booking.TicketCount) ([]booking.Reservation, error) {
		a, err := o.AcceptPayment(user, now, count)
		return a.Tickets, err
	})
	if err != nil {
		return o, err
	}
	return o.With(accepted), nil
}

// Order implements booking.Orders.
func (s *Orders) Order(_ context.Context, id core.ID) (booking.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.order(id)
	if !ok {
		return booking.Order{}, booking.ErrUnknownOrder
	}
	return o, nil
}

// order is an order with its tickets as they stand: one placed as an order, or a seat held on
// its own, an order of one whose id is its ticket's.
func (s *state) order(id core.ID) (booking.Order, bool) {
	tickets := s.orderTickets(id)
	if tickets == nil {
		return booking.Order{}, false
	}
	o := booking.Order{ID: id, UserID: tickets[0].UserID, SaleID: tickets[0].SaleID, Date: tickets[0].Date,
		HeldUntil: tickets[0].HeldUntil, CreatedAt: tickets[0].CreatedAt}
	if stored, ok := s.orders[id]; ok {
		o = stored.order
	}
	for _, r := range tickets {
		o.Tickets = append(o.Tickets, *r)
	}
	return o, true
}

// orderTickets are the reservations of an order, in seat order: an order's, or the one of a
// seat held on its own (booking.Reservation.OrderOf); nil for an unknown order.
func (s *state) orderTickets(id core.ID) []*booking.Reservation {
	if stored, ok := s.orders[id]; ok {
		tickets := make([]*booking.Reservation, len(stored.tickets))
		for i, t := range stored.tickets {
			tickets[i] = s.reservations[t]
		}
		return tickets
	}
	if r, ok := s.reservations[id]; ok && r.OrderOf() == id {
		return []*booking.Reservation{r}
	}
	return nil
}
