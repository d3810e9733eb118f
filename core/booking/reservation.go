package booking

import (
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Status is where a reservation is: held → paid → (cancelled) | released.
type Status struct{ name string }

// Reservation statuses.
var (
	Held      = Status{"held"}
	Paid      = Status{"paid"}
	Released  = Status{"released"}
	Cancelled = Status{"cancelled"} // paid, then given back for a refund
)

// ParseStatus rebuilds a status from storage.
func ParseStatus(s string) (Status, error) {
	for _, st := range []Status{Held, Paid, Released, Cancelled} {
		if st.name == s {
			return st, nil
		}
	}
	return Status{}, fmt.Errorf("unknown reservation status %q", s)
}

func (s Status) String() string { return s.name }

// Reservation is a seat held for a fan until a deadline (the API's ticket).
type Reservation struct {
	ID core.ID
	// OrderID is the order of several seats the reservation is one of; empty for a seat held
	// on its own, an order of one whose id is the reservation's (OrderOf).
	OrderID   core.ID
	UserID    core.UserID
	SaleID    core.SaleID
	Date      core.Date
	Seat      int
	Section   string
	Price     core.Amount // the section's price when the seat was held
	Status    Status
	HeldUntil time.Time
	CreatedAt time.Time
	// PaymentAcceptedAt is when the API last accepted a payment of the hold (AcceptPayment);
	// zero while none was.
	PaymentAcceptedAt time.Time
	// FanLimit is the per-fan limit the hold was made under; zero for holds from before sales.
	FanLimit int
}

// PaymentWait is how long past a hold's deadline a payment accepted before it may take to reach
// the hold's lifecycle and settle. Until then nothing but that lifecycle releases the hold (and
// it only once it has seen the payment): no other fan takes the seat over, no bulk release frees
// it. A settlement that cannot finish by then fails, moving no money.
const PaymentWait = time.Minute

// PaymentDeadline is when paying for the reservation ends: its deadline, or PaymentWait after
// it once a payment was accepted before it.
func (r Reservation) PaymentDeadline() time.Time {
	if r.PaymentAcceptedAt.IsZero() {
		return r.HeldUntil
	}
	return r.HeldUntil.Add(PaymentWait)
}

// AwaitsPayment reports whether, at now, the hold must be kept for an accepted payment its
// lifecycle has not seen: one accepted after seen, the acceptance of the last payment that
// reached it (zero for none), and before the payment deadline.
func (r Reservation) AwaitsPayment(now, seen time.Time) bool {
	return r.Status == Held && r.PaymentAcceptedAt.After(seen) && now.Before(r.PaymentDeadline())
}

// AcceptPayment is the reservation once the API accepts user's payment of it at now: payable
// (PayableBy), and from then on kept until its PaymentDeadline for a payment its lifecycle has
// not seen (AwaitsPayment). A retry of a payment accepted in time is accepted after the deadline
// too, and recorded as the latest acceptance: the lifecycle waits for it as for the first.
// count is the fan's TicketCount in the sale at now, this hold among them: a first acceptance
// whose clock read came before the deadline but that reaches the store after the fan, the hold
// lapsed and uncounted, took another seat in its place, would put the fan over the greatest
// limit their holds were made under (count.Limit: the audit's rule), and is refused as the
// hold having ended.
func (r Reservation) AcceptPayment(user core.UserID, now time.Time, count TicketCount) (Reservation, error) {
	if err := r.PayableBy(user, now); err != nil {
		return r, err
	}
	if r.PaymentAcceptedAt.IsZero() && count.Limit > 0 && count.Held+count.Paid > count.Limit {
		return r, ErrHoldExpired
	}
	r.PaymentAcceptedAt = now
	return r, nil
}

// OrderOf is the id of the order the reservation is a seat of: its own for a seat held on its
// own.
func (r Reservation) OrderOf() core.ID {
	if r.OrderID == "" {
		return r.ID
	}
	return r.OrderID
}

// OwnedBy reports a reservation that is not user's.
func (r Reservation) OwnedBy(user core.UserID) error {
	if r.UserID != user {
		return ErrNotYourTicket
	}
	return nil
}

// InSale reports a reservation of another sale than a token's: unknown to that token, as a
// token sees its own sale only.
func (r Reservation) InSale(sale core.SaleID) error {
	if r.SaleID != sale {
		return ErrUnknownTicket
	}
	return nil
}

// Matches reports a seat and date that are not the reservation's (a client's check of what it
// pays for).
func (r Reservation) Matches(seat int, date core.Date) error {
	if r.Seat != seat || r.Date != date {
		return ErrTicketMismatch
	}
	return nil
}

// SettleableBy reports whether a payment by user may be settled, whenever: the reservation is
// theirs and still held. A paid reservation is ErrAlreadyPaid, which every caller answers with
// its receipt. PayableBy adds the time.
func (r Reservation) SettleableBy(user core.UserID) error {
	if err := r.OwnedBy(user); err != nil {
		return err
	}
	switch r.Status {
	case Paid:
		return ErrAlreadyPaid
	case Held:
		return nil
	}
	return ErrHoldExpired
}

// PayableBy reports whether user may pay for the reservation at now: settleable, and before its
// PaymentDeadline (the hold's deadline, unless a payment was accepted before it). The API, the
// hold's lifecycle, the workflow's update validator and the settlement, under its locks, all
// ask this one rule.
func (r Reservation) PayableBy(user core.UserID, now time.Time) error {
	if err := r.SettleableBy(user); err != nil {
		return err
	}
	if !now.Before(r.PaymentDeadline()) {
		return ErrHoldExpired
	}
	return nil
}

// HoldAttempt is a fan's attempt at a seat: the hold it creates if it wins (the store fills in
// the seat's section and price), the token it is made with, which must be active, and the sale's
// per-fan limit.
type HoldAttempt struct {
	Hold  Reservation
	Token core.ID
	Now   time.Time
	Limit int
}

// TicketCount is what a fan has in one sale: holds that can still be paid (and when the
// earliest of them ends), how many of those are before their deadline, and tickets bought.
type TicketCount struct {
	// Held counts the holds neither paid nor released that can still be paid: before their
	// PaymentDeadline. A hold past it can never be paid (PayableBy), so it counts no more,
	// whether its release has run yet or not.
	Held int
	// Live counts the holds still before their deadline.
	Live int
	Paid int
	// EarliestHoldEnd is the earliest PaymentDeadline of the held ones.
	EarliestHoldEnd time.Time
	// Limit is the greatest per-fan limit the counted holds and the tickets were made under
	// (zero when none recorded one).
	Limit int
}

// Add counts r as it stands at now. The stores count so under the fan's lock; PostgreSQL's
// count (FanTicketCount in sql/queries/reservations.sql, and hold_seat's) follows this rule.
func (c *TicketCount) Add(r Reservation, now time.Time) {
	switch {
	case r.Status == Paid:
		c.Paid++
		c.Limit = max(c.Limit, r.FanLimit)
	case r.Status == Held && now.Before(r.PaymentDeadline()):
		c.Held++
		c.Limit = max(c.Limit, r.FanLimit)
		if now.Before(r.HeldUntil) {
			c.Live++
		}
		if end := r.PaymentDeadline(); c.EarliestHoldEnd.IsZero() || end.Before(c.EarliestHoldEnd) {
			c.EarliestHoldEnd = end
		}
	}
}

// Allows reports whether one more hold fits under the sale's per-fan limit, which counts held
// and bought tickets together: over it while holds make it up, the fan can retry when the
// earliest ends (*TooManyHoldsError); once bought tickets alone do, never (ErrTicketLimit).
// Stores ask it under the fan's lock, so racing holds cannot overshoot it.
func (c TicketCount) Allows(limit int) error { return c.AllowsMore(1, limit) }

// AllowsMore is Allows for n more seats at once (an order's): the limit counts seats. While
// holds ending unpaid would make room, the fan can retry when the earliest ends
// (*TooManyHoldsError); once bought tickets alone leave no room, never (ErrTicketLimit); when
// they leave room for fewer than n, the fan can ask for fewer (*TicketsLeftError).
func (c TicketCount) AllowsMore(n, limit int) error {
	switch {
	case c.Held+c.Paid+n <= limit:
		return nil
	case c.Held > 0 && c.Paid+n <= limit:
		return &TooManyHoldsError{Limit: limit, FreeAt: c.EarliestHoldEnd}
	case c.Paid >= limit:
		return ErrTicketLimit
	}
	return &TicketsLeftError{Limit: limit, Left: limit - c.Paid}
}

// NothingLeftToPay reports whether the fan has no hold left to pay in the sale (none before its
// PaymentDeadline): a payment that leaves it so ends the fan's session there (their token
// expires).
func (c TicketCount) NothingLeftToPay() bool { return c.Held == 0 }

// Settlement is the single transaction that turns a hold into a sale, across four aggregates:
// debit the wallet, mark the seat sold and the reservation paid, record the payment, expire the
// payer's active token.
type Settlement struct {
	ReservationID core.ID
	UserID        core.UserID
	PaymentID     core.ID
	At            time.Time
	// IdempotencyKey, if set, is recorded with the payment; reusing it for another
	// reservation is core.ErrIdempotencyMismatch.
	IdempotencyKey core.IdempotencyKey
}

// Receipt is the proof of a payment.
type Receipt struct {
	PaymentID     core.ID
	ReservationID core.ID
	Amount        core.Amount
	Date          core.Date // the performance date
	PaidAt        time.Time
}
