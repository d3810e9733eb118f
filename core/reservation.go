package core

import (
	"fmt"
	"time"
)

// ReservationStatus is where a hold is: held → paid | released.
type ReservationStatus struct{ name string }

// Reservation statuses.
var (
	ReservationHeld     = ReservationStatus{"held"}
	ReservationPaid     = ReservationStatus{"paid"}
	ReservationReleased = ReservationStatus{"released"}
)

// ParseReservationStatus rebuilds a status from storage.
func ParseReservationStatus(s string) (ReservationStatus, error) {
	for _, st := range []ReservationStatus{ReservationHeld, ReservationPaid, ReservationReleased} {
		if st.name == s {
			return st, nil
		}
	}
	return ReservationStatus{}, fmt.Errorf("unknown reservation status %q", s)
}

func (s ReservationStatus) String() string { return s.name }

// Reservation is a seat held for a fan until a deadline (the API's ticket).
type Reservation struct {
	ID        ID
	UserID    UserID
	Date      Date
	Seat      int
	Price     Amount
	Status    ReservationStatus
	HeldUntil time.Time
	CreatedAt time.Time
}

// Settlement is the single transaction that turns a hold into a sale: debit the wallet,
// mark the seat sold and the reservation paid, record the payment, expire the payer's token.
type Settlement struct {
	ReservationID ID
	UserID        UserID
	PaymentID     ID
	At            time.Time
	// IdempotencyKey, if set, is recorded with the payment; reusing it for another
	// reservation is ErrIdempotencyMismatch.
	IdempotencyKey IdempotencyKey
}

// Receipt is the proof of a payment.
type Receipt struct {
	PaymentID     ID
	ReservationID ID
	Amount        Amount
	Date          Date // the performance date
	PaidAt        time.Time
}
