package memory

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// HoldSeat implements core.ReservationStore.
func (s *Store) HoldSeat(_ context.Context, r core.Reservation, now time.Time, maxHolds int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.seats[seatKey{r.Date, r.Seat}]
	if !ok {
		return core.ErrUnknownSeat
	}
	if !st.availableAt(now) {
		return core.ErrSeatTaken
	}
	holds, freeAt := 0, time.Time{}
	for _, other := range s.reservations {
		if other.UserID == r.UserID && other.Status == core.ReservationHeld && now.Before(other.HeldUntil) {
			holds++
			if freeAt.IsZero() || other.HeldUntil.Before(freeAt) {
				freeAt = other.HeldUntil
			}
		}
	}
	if holds >= maxHolds {
		return &core.TooManyHoldsError{Limit: maxHolds, FreeAt: freeAt}
	}
	if prev, ok := s.reservations[st.holder]; ok && prev.Status == core.ReservationHeld {
		prev.Status = core.ReservationReleased // superseded after its deadline passed
	}
	st.holder, st.heldUntil = r.ID, r.HeldUntil
	r.Status = core.ReservationHeld
	s.reservations[r.ID] = &r
	return nil
}

// Reservation implements core.ReservationStore.
func (s *Store) Reservation(_ context.Context, id core.ID) (core.Reservation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[id]
	if !ok {
		return core.Reservation{}, core.ErrUnknownTicket
	}
	return *r, nil
}

// ReleaseHold implements core.ReservationStore.
func (s *Store) ReleaseHold(_ context.Context, id core.ID) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[id]
	if !ok || r.Status != core.ReservationHeld {
		return false, nil
	}
	r.Status = core.ReservationReleased
	if st := s.seats[seatKey{r.Date, r.Seat}]; st.holder == id && !st.sold {
		st.holder, st.heldUntil = "", time.Time{}
	}
	return true, nil
}

// SettlePayment implements core.ReservationStore.
func (s *Store) SettlePayment(_ context.Context, p core.Settlement) (core.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reservations[p.ReservationID]
	paidWithKey, keyUsed := s.paymentsByKey[userKey{p.UserID, p.IdempotencyKey}]
	switch {
	case !ok:
		return core.Receipt{}, core.ErrUnknownTicket
	case r.UserID != p.UserID:
		return core.Receipt{}, core.ErrNotYourTicket
	case p.IdempotencyKey != "" && keyUsed && paidWithKey != r.ID:
		return core.Receipt{}, core.ErrIdempotencyMismatch
	case r.Status == core.ReservationPaid:
		return s.payments[r.ID], nil
	case r.Status != core.ReservationHeld:
		return core.Receipt{}, core.ErrHoldExpired
	}
	st := s.seats[seatKey{r.Date, r.Seat}]
	if st.holder != r.ID || st.sold {
		return core.Receipt{}, core.ErrHoldExpired // a later hold took the seat after our deadline
	}
	if bal := s.balances[r.UserID]; bal < r.Price {
		return core.Receipt{}, &core.InsufficientBalanceError{Balance: bal, Needed: r.Price}
	}
	s.balances[r.UserID] -= r.Price
	st.sold, st.heldUntil = true, time.Time{}
	r.Status = core.ReservationPaid
	rc := core.Receipt{PaymentID: p.PaymentID, ReservationID: r.ID, Amount: r.Price, Date: r.Date, PaidAt: p.At}
	s.payments[r.ID] = rc
	if p.IdempotencyKey != "" {
		s.paymentsByKey[userKey{p.UserID, p.IdempotencyKey}] = r.ID
	}
	// The payment ends the fan's session; a token they queue with again meanwhile keeps waiting,
	// since waiting tokens leave the queue only at its head.
	if id, ok := s.liveByUser[r.UserID]; ok && s.tokens[id].State == core.TokenActive {
		s.expire(s.tokens[id])
	}
	return rc, nil
}

// Receipt implements core.ReservationStore.
func (s *Store) Receipt(_ context.Context, reservation core.ID) (core.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rc, ok := s.payments[reservation]
	if !ok {
		return core.Receipt{}, core.ErrUnknownTicket
	}
	return rc, nil
}

// ReleaseOverdue implements core.ReservationStore.
func (s *Store) ReleaseOverdue(_ context.Context, cutoff time.Time, limit int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	released := 0
	for id, r := range s.reservations {
		if released == limit {
			break
		}
		if r.Status != core.ReservationHeld || !r.HeldUntil.Before(cutoff) {
			continue
		}
		r.Status = core.ReservationReleased
		if st := s.seats[seatKey{r.Date, r.Seat}]; st.holder == id && !st.sold {
			st.holder, st.heldUntil = "", time.Time{}
		}
		released++
	}
	return released, nil
}

// PaymentByKey implements core.ReservationStore.
func (s *Store) PaymentByKey(_ context.Context, user core.UserID, key core.IdempotencyKey) (core.ID, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.paymentsByKey[userKey{user, key}]
	return id, ok, nil
}
