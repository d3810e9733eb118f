package core

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// OpenDates lists the dates from today on that still have an available seat.
func (b *BoxOffice) OpenDates(ctx context.Context, c Caller) ([]Date, error) {
	if _, err := b.Authorize(ctx, c, AccessAdmitted); err != nil {
		return nil, err
	}
	now := b.ports.Clock.Now()
	return b.ports.Catalog.OpenDates(ctx, DateOf(now), now)
}

// Seats lists the seats of a performance with their status.
func (b *BoxOffice) Seats(ctx context.Context, c Caller, rawDate string) ([]Seat, error) {
	if _, err := b.Authorize(ctx, c, AccessAdmitted); err != nil {
		return nil, err
	}
	// No read of the performance: Catalog.Seats answers ErrUnknownDate for a date without one.
	d, err := b.saleDate(rawDate)
	if err != nil {
		return nil, err
	}
	return b.ports.Catalog.Seats(ctx, d, b.ports.Clock.Now())
}

// HoldSeat holds a seat for the caller until the hold deadline and starts the timer that
// releases it unless paid. Losing the race for the seat is ErrSeatTaken and touches nothing else.
func (b *BoxOffice) HoldSeat(ctx context.Context, c Caller, rawDate string, seat int) (Reservation, error) {
	tok, err := b.Authorize(ctx, c, AccessAdmitted)
	if err != nil {
		return Reservation{}, err
	}
	perf, err := b.performance(ctx, rawDate)
	if err != nil {
		return Reservation{}, err
	}
	if !perf.HasSeat(seat) {
		return Reservation{}, invalidField("seat_id", "seat %d does not exist on %s; seats are numbered 1 to %d", seat, perf.Date, perf.Seats)
	}
	now := b.ports.Clock.Now()
	r := Reservation{
		ID:        NewID(),
		UserID:    tok.UserID,
		Date:      perf.Date,
		Seat:      seat,
		Price:     perf.Price,
		Status:    ReservationHeld,
		HeldUntil: now.Add(b.policy.HoldTTL),
		CreatedAt: now,
	}
	if err := b.ports.Reservations.HoldSeat(ctx, r, now, b.policy.MaxHolds); err != nil {
		return Reservation{}, err
	}
	if err := b.ports.Lifecycle.StartHold(ctx, r); err != nil {
		// Without its timer the hold would linger: give the seat back now, even if the request
		// that asked for it has been cancelled (the overdue sweep of AdmitNext is the last resort).
		undoCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, relErr := b.ports.Reservations.ReleaseHold(undoCtx, r.ID); relErr != nil {
			err = errors.Join(err, fmt.Errorf("undo hold: %w", relErr))
		}
		return Reservation{}, errors.Join(ErrHoldNotStarted, fmt.Errorf("start hold timer: %w", err))
	}
	return r, nil
}

// PayRequest names the ticket to pay and, as a check, its seat and date.
type PayRequest struct {
	TicketID string
	SeatID   int
	Date     string
}

// Pay pays for the caller's held seat from their wallet. A ticket already paid returns its
// receipt to its owner, even once the payment has expired their token, so a client retrying
// after a timeout or a crash gets the same receipt and nothing is charged twice. Requests that
// cannot succeed (wrong owner, mismatched seat, ended hold, short balance) are refused here,
// before the lifecycle is asked.
func (b *BoxOffice) Pay(ctx context.Context, c Caller, req PayRequest, rawKey string) (Receipt, error) {
	id, err := ParseID("ticket_id", req.TicketID)
	if err != nil {
		return Receipt{}, err
	}
	date, err := ParseDate(req.Date)
	if err != nil {
		return Receipt{}, err
	}
	key, err := ParseIdempotencyKey(rawKey)
	if err != nil {
		return Receipt{}, err
	}
	tok, err := b.token(ctx, c)
	if err != nil {
		return Receipt{}, err
	}
	if tok.State == TokenWaiting {
		_, err := b.Authorize(ctx, c, AccessAdmitted) // a fan still queueing learns that first
		return Receipt{}, err
	}
	return underKey(ctx, b, c.UserID, key, func() (Receipt, error) { return b.pay(ctx, c, id, date, req.SeatID, key) })
}

// pay is Pay once the request is parsed, the token checked and the key, if any, locked.
func (b *BoxOffice) pay(ctx context.Context, c Caller, id ID, date Date, seat int, key IdempotencyKey) (Receipt, error) {
	r, err := b.ports.Reservations.Reservation(ctx, id)
	if err != nil {
		return Receipt{}, err
	}
	switch {
	case r.UserID != c.UserID:
		return Receipt{}, ErrNotYourTicket
	case r.Seat != seat || r.Date != date:
		return Receipt{}, ErrTicketMismatch
	}
	if key != "" {
		paid, found, err := b.ports.Reservations.PaymentByKey(ctx, c.UserID, key)
		if err != nil {
			return Receipt{}, fmt.Errorf("look up idempotency key: %w", err)
		}
		if found && paid != r.ID {
			return Receipt{}, ErrIdempotencyMismatch
		}
	}
	if r.Status == ReservationPaid {
		return b.ports.Reservations.Receipt(ctx, r.ID)
	}
	rc, err := b.payHeld(ctx, c, r, key)
	if err != nil && IsDomainError(err) && !errors.Is(err, ErrUnavailable) {
		// A duplicate of this payment may have settled since r was read: it expired the token,
		// debited the wallet and ended the hold's timer, so each check above can now refuse a
		// ticket that is paid. Its owner gets the receipt instead.
		if now, readErr := b.ports.Reservations.Reservation(ctx, r.ID); readErr == nil && now.Status == ReservationPaid {
			return b.ports.Reservations.Receipt(ctx, r.ID)
		}
	}
	return rc, err
}

// payHeld pays for r, read as held: the caller must be admitted, the hold live and the wallet
// able to cover it, or the lifecycle is not asked.
func (b *BoxOffice) payHeld(ctx context.Context, c Caller, r Reservation, key IdempotencyKey) (Receipt, error) {
	if _, err := b.Authorize(ctx, c, AccessAdmitted); err != nil {
		return Receipt{}, err
	}
	if r.Status == ReservationReleased || !b.ports.Clock.Now().Before(r.HeldUntil) {
		return Receipt{}, ErrHoldExpired
	}
	balance, err := b.ports.Wallets.Balance(ctx, c.UserID)
	if err != nil {
		return Receipt{}, fmt.Errorf("read balance: %w", err)
	}
	if balance < r.Price {
		return Receipt{}, &InsufficientBalanceError{Balance: balance, Needed: r.Price}
	}
	rc, err := b.ports.Lifecycle.Pay(ctx, r.ID, c.UserID, key)
	if err != nil && !IsDomainError(err) {
		return Receipt{}, errors.Join(ErrPaymentPending, err)
	}
	return rc, err
}

// Settle performs the payment transaction; the lifecycle calls it once it accepts a payment.
func (b *BoxOffice) Settle(ctx context.Context, reservation ID, user UserID, payment ID, key IdempotencyKey) (Receipt, error) {
	return b.ports.Reservations.SettlePayment(ctx, Settlement{
		ReservationID:  reservation,
		UserID:         user,
		PaymentID:      payment,
		At:             b.ports.Clock.Now(),
		IdempotencyKey: key,
	})
}

// Release frees a hold whose deadline has come; the lifecycle calls it.
func (b *BoxOffice) Release(ctx context.Context, reservation ID) (bool, error) {
	return b.ports.Reservations.ReleaseHold(ctx, reservation)
}

// AddPerformance puts a performance on sale.
func (b *BoxOffice) AddPerformance(ctx context.Context, p Performance) error {
	if p.Date.IsZero() || p.Price <= 0 || p.Seats <= 0 || p.Concert == "" {
		return fmt.Errorf("performance needs a date, a concert, a positive price and seats: %+v", p)
	}
	return b.ports.Catalog.AddPerformance(ctx, p)
}

func (b *BoxOffice) performance(ctx context.Context, rawDate string) (Performance, error) {
	d, err := b.saleDate(rawDate)
	if err != nil {
		return Performance{}, err
	}
	return b.ports.Catalog.Performance(ctx, d)
}

// saleDate parses a date a fan asks for; a past one is no longer on sale.
func (b *BoxOffice) saleDate(rawDate string) (Date, error) {
	d, err := ParseDate(rawDate)
	if err != nil {
		return Date{}, err
	}
	if d.Before(DateOf(b.ports.Clock.Now())) {
		return Date{}, ErrUnknownDate
	}
	return d, nil
}
