package memory

import (
	"context"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// Tickets implements booking.TicketBook.
func (s *TicketBook) Tickets(_ context.Context, sale core.SaleID, user core.UserID) ([]booking.Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []booking.Ticket{}
	for _, r := range s.reservations {
		if r.SaleID == sale && r.UserID == user {
			out = append(out, s.ticket(r))
		}
	}
	slices.SortFunc(out, func(a, b booking.Ticket) int { return b.Reservation.CreatedAt.Compare(a.Reservation.CreatedAt) })
	return out, nil
}

// Ticket implements booking.TicketBook.
func (s *TicketBook) Ticket(_ context.Context, id core.ID) (booking.Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[id]
	if !ok {
		return booking.Ticket{}, booking.ErrUnknownTicket
	}
	return s.ticket(r), nil
}

// ticket is a reservation with what became of it; the caller holds the lock.
func (s *state) ticket(r *booking.Reservation) booking.Ticket {
	t := booking.Ticket{Reservation: *r, CheckedInAt: s.checkIns[r.ID]}
	if rc, ok := s.payments[r.ID]; ok {
		t.Receipt = &rc
	}
	if rf, ok := s.refunds[r.ID]; ok {
		t.Refund = &rf
	}
	return t
}

// CheckIn implements booking.TicketBook.
func (s *TicketBook) CheckIn(_ context.Context, id, payment core.ID, at time.Time) (booking.Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[id]
	if !ok {
		return booking.Ticket{}, booking.ErrUnknownTicket
	}
	if err := r.CheckableIn(s.payments[id].PaymentID, payment, s.checkedIn(id)); err != nil {
		return booking.Ticket{}, err
	}
	s.checkIns[id] = at
	s.publish(webhook.TicketCheckedInEvent(*r, at))
	return s.ticket(r), nil
}

// checkedIn is a ticket's first check-in, nil for none; s.mu is held.
func (s *state) checkedIn(id core.ID) *time.Time {
	if at, done := s.checkIns[id]; done {
		return &at
	}
	return nil
}

// RefundByKey implements booking.TicketBook.
func (s *TicketBook) RefundByKey(_ context.Context, user core.UserID, key core.IdempotencyKey) (core.ID, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.refundsByKey[userKey{user, key}]
	return id, ok, nil
}

// PaidTickets implements booking.TicketBook.
func (s *TicketBook) PaidTickets(_ context.Context, sale core.SaleID, d core.Date, limit int) ([]booking.Reservation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []booking.Reservation{}
	for _, r := range s.reservations {
		if _, in := s.checkIns[r.ID]; r.SaleID == sale && r.Date == d && r.Status == booking.Paid && !in {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b booking.Reservation) int { return a.Seat - b.Seat })
	return out[:min(limit, len(out))], nil
}

// Tally implements booking.TicketBook.
func (s *TicketBook) Tally(_ context.Context, sale core.SaleID, d core.Date) (booking.Tally, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t booking.Tally
	for _, r := range s.reservations {
		if r.SaleID != sale || r.Date != d {
			continue
		}
		_, in := s.checkIns[r.ID]
		switch {
		case r.Status == booking.Held:
			t.Held++
		case r.Status == booking.Paid && in:
			t.CheckedIn++
		case r.Status == booking.Paid:
			t.Paid++
		case r.Status == booking.Cancelled && s.refunds[r.ID].Reason == booking.PerformanceCancelled:
			t.Refunded++
		}
	}
	return t, nil
}
