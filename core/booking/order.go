package booking

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// Order is a fan's hold of one or more seats of one performance, taken all or none, with one
// deadline. Each of its seats is a Reservation (a ticket) that carries the order's id.
type Order struct {
	ID        core.ID
	UserID    core.UserID
	SaleID    core.SaleID
	Date      core.Date
	HeldUntil time.Time
	CreatedAt time.Time
	Tickets   []Reservation // in seat order
	// WaitlistID is the waitlist entry the order was offered to: the store made it when seats
	// came back. Empty for an order a fan placed.
	WaitlistID core.ID
}

// Total is what the order costs: the sum of its seats' prices as held.
func (o Order) Total() core.Amount {
	var total core.Amount
	for _, t := range o.Tickets {
		total += t.Price
	}
	return total
}

// Seats are the order's seat numbers, in order.
func (o Order) Seats() []int {
	seats := make([]int, len(o.Tickets))
	for i, t := range o.Tickets {
		seats[i] = t.Seat
	}
	return seats
}

// With is the order with its tickets as given (read again, or locked), in seat order.
func (o Order) With(tickets []Reservation) Order {
	o.Tickets = tickets
	return o
}

// AcceptPayment is the order once the API accepts user's payment of it at now: every ticket as
// Reservation.AcceptPayment accepts it, count being the fan's TicketCount in the sale at now,
// the order's tickets among them. A ticket refused refuses the order.
func (o Order) AcceptPayment(user core.UserID, now time.Time, count TicketCount) (Order, error) {
	tickets := slices.Clone(o.Tickets)
	for i, t := range tickets {
		accepted, err := t.AcceptPayment(user, now, count)
		if err != nil {
			return o, err
		}
		tickets[i] = accepted
	}
	o.Tickets = tickets
	return o, nil
}

// AwaitsPayment reports whether, at now, the order must be kept for an accepted payment its
// lifecycle has not seen (Reservation.AwaitsPayment), seen being the acceptance of the last
// payment that reached it.
func (o Order) AwaitsPayment(now, seen time.Time) bool {
	return slices.ContainsFunc(o.Tickets, func(t Reservation) bool { return t.AwaitsPayment(now, seen) })
}

// PaymentAcceptedAt is when the API accepted a payment of the order, its tickets' (zero for
// none).
func (o Order) PaymentAcceptedAt() time.Time {
	var latest time.Time
	for _, t := range o.Tickets {
		if t.PaymentAcceptedAt.After(latest) {
			latest = t.PaymentAcceptedAt
		}
	}
	return latest
}

// PaymentDeadline is when paying for the order ends: its tickets', which are accepted together.
func (o Order) PaymentDeadline() time.Time {
	var latest time.Time
	for _, t := range o.Tickets {
		if d := t.PaymentDeadline(); d.After(latest) {
			latest = d
		}
	}
	return latest
}

// SeatOnItsOwn reports whether the order is a seat held on its own (POST /api/tickets), the order
// of one whose id is its ticket's (Reservation.OrderOf), rather than one placed as an order.
func (o Order) SeatOnItsOwn() bool {
	return len(o.Tickets) == 1 && o.Tickets[0].OrderOf() == o.Tickets[0].ID
}

// Has reports whether ticket is one of the order's.
func (o Order) Has(ticket core.ID) bool {
	return slices.ContainsFunc(o.Tickets, func(t Reservation) bool { return t.ID == ticket })
}

// Paid reports whether the order's payment went through: its tickets were paid together, and
// are paid still or were given back since, one by one.
func (o Order) Paid() bool {
	return slices.ContainsFunc(o.Tickets, func(t Reservation) bool { return t.Status == Paid || t.Status == Cancelled })
}

// OrderStatus is where an order stands as a whole: reserved (held, payable), paid, or released
// (its hold ended unpaid, or was given back).
type OrderStatus struct{ name string }

// Order statuses.
var (
	OrderReserved = OrderStatus{"reserved"}
	OrderPaid     = OrderStatus{"paid"}
	OrderReleased = OrderStatus{"released"}
)

func (s OrderStatus) String() string { return s.name }

// StatusAt is where the order stands at now: paid once its payment went through, whatever was
// given back since; reserved while its tickets are held and payable; released otherwise, even
// before the release has run.
func (o Order) StatusAt(now time.Time) OrderStatus {
	switch {
	case o.Paid():
		return OrderPaid
	case len(o.Tickets) > 0 && o.Tickets[0].Status == Held && now.Before(o.PaymentDeadline()):
		return OrderReserved
	}
	return OrderReleased
}

// OwnedBy reports whether the order is user's: ErrNotYourTicket if not, as for one of its
// tickets (ErrUnknownOrder for an order of no tickets, which no store holds).
func (o Order) OwnedBy(user core.UserID) error {
	if len(o.Tickets) == 0 {
		return ErrUnknownOrder
	}
	return o.Tickets[0].OwnedBy(user)
}

// PayableBy reports whether user may pay for the whole order at now, as Reservation.PayableBy
// does for one ticket: the order is theirs (else ErrNotYourTicket), not Paid already
// (ErrAlreadyPaid, answered with its receipts, even once its tickets have been given back), and
// every ticket payable.
func (o Order) PayableBy(user core.UserID, now time.Time) error {
	if err := o.OwnedBy(user); err != nil {
		return err
	}
	if o.Paid() {
		return ErrAlreadyPaid
	}
	for _, t := range o.Tickets {
		if err := t.PayableBy(user, now); err != nil {
			return err
		}
	}
	return nil
}

// OrderSettlement is the single transaction that turns an order into tickets, as a Settlement
// turns a hold: the wallet debited once by the order's Total, and each ticket paid and its seat
// sold, in one transaction with the payer's session ended. The payment is one, PaymentID, which
// every ticket's receipt and credential names; each ticket is still checked in and given back
// on its own, for its own price.
type OrderSettlement struct {
	OrderID   core.ID
	UserID    core.UserID
	PaymentID core.ID
	At        time.Time
	// IdempotencyKey, if set, is recorded with the payment of the order's first seat; reusing it
	// for another order or reservation is core.ErrIdempotencyMismatch.
	IdempotencyKey core.IdempotencyKey
}

// OrderReceipt is the proof of an order's payment: a receipt per ticket, in seat order, each of
// the one payment.
type OrderReceipt struct {
	OrderID core.ID
	Tickets []Receipt
}

// PaymentID is the order's payment.
func (rc OrderReceipt) PaymentID() core.ID {
	if len(rc.Tickets) == 0 {
		return ""
	}
	return rc.Tickets[0].PaymentID
}

// Total is what the order's payment debited: its tickets' amounts.
func (rc OrderReceipt) Total() core.Amount {
	var total core.Amount
	for _, t := range rc.Tickets {
		total += t.Amount
	}
	return total
}

// PaidAt is when the order was paid.
func (rc OrderReceipt) PaidAt() time.Time {
	if len(rc.Tickets) == 0 {
		return time.Time{}
	}
	return rc.Tickets[0].PaidAt
}

// OrderRequest is what a fan asks for: chosen seats, taken all or none, or a quantity of the
// best available (catalog.SeatWish).
type OrderRequest struct {
	Seats []int
	Wish  catalog.SeatWish
}

// Quantity is how many seats the request asks for.
func (q OrderRequest) Quantity() int {
	if len(q.Seats) > 0 {
		return len(q.Seats)
	}
	return q.Wish.Quantity
}

// Check reports a request the performance cannot answer whatever is free, naming the field:
// chosen seats and a wish together, or neither; a chosen seat twice or not on the map; a
// quantity of none or over the sale's per-fan limit; a section the performance does not have.
func (q OrderRequest) Check(p catalog.Performance, limit int) error {
	chosen, wished := len(q.Seats) > 0, q.Wish != (catalog.SeatWish{})
	switch {
	case chosen && wished:
		return core.InvalidField("seat_ids", "choose seats with seat_ids, or ask for the best available with quantity (and section, together), not both")
	case !chosen && !wished:
		return core.InvalidField("seat_ids", "choose seats with seat_ids, or ask for the best available with quantity")
	case chosen:
		return checkChosen(q.Seats, p, limit)
	}
	switch n := q.Wish.Quantity; {
	case n == 0:
		return core.InvalidField("quantity", "say how many of the best available seats you want with quantity, 1 to %d, the most one fan may have in this sale", limit)
	case n < 1 || n > limit:
		return core.InvalidField("quantity", "ask for 1 to %d seats, the most one fan may have in this sale (asked for %d)", limit, n)
	}
	if _, ok := p.Section(q.Wish.Section); q.Wish.Section != "" && !ok {
		return core.InvalidField("section", "%s has no section %q; GET /api/tickets/seats lists each seat's section", p.Date, q.Wish.Section)
	}
	return nil
}

// checkChosen reports chosen seats that repeat, that the performance does not have, or that
// are more than the limit.
func checkChosen(seats []int, p catalog.Performance, limit int) error {
	if len(seats) > limit {
		return core.InvalidField("seat_ids", "choose 1 to %d seats, the most one fan may have in this sale (chose %d)", limit, len(seats))
	}
	for _, n := range seats {
		if !p.HasSeat(n) {
			return core.InvalidField("seat_ids", "seat %d does not exist on %s; seats are numbered 1 to %d", n, p.Date, p.Seats())
		}
	}
	return checkDistinct(seats)
}

// checkDistinct reports a seat chosen twice.
func checkDistinct(seats []int) error {
	sorted := slices.Sorted(slices.Values(seats))
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return core.InvalidField("seat_ids", "seat %d is chosen twice", sorted[i])
		}
	}
	return nil
}

// OrderAttempt is a fan's attempt at an order: what they ask for, the order it creates if it
// wins (the store fills in its tickets: IDs gives each its id, in seat order), the token it is
// made with, which must be active, and the sale's per-fan limit, which counts seats.
type OrderAttempt struct {
	Request OrderRequest
	Order   Order
	IDs     []core.ID
	Token   core.ID
	Now     time.Time
	Limit   int
}

// Check reports an attempt no store can decide: no seat asked for, a chosen seat twice, or not
// one id per seat. Both stores ask it first; OrderRequest.Check has refused such requests
// already, with their fields named.
func (a OrderAttempt) Check() error {
	n := a.Request.Quantity()
	switch {
	case n < 1:
		return core.InvalidField("quantity", "an order is of 1 seat or more")
	case len(a.IDs) != n:
		return fmt.Errorf("booking: an order of %d seats with %d ticket ids", n, len(a.IDs))
	}
	return checkDistinct(a.Request.Seats)
}

// Tickets are the reservations the attempt creates for the seats it won, in seat order, each
// at its section's price on p.
func (a OrderAttempt) Tickets(seats []int, p catalog.Performance) []Reservation {
	seats = slices.Sorted(slices.Values(seats))
	tickets := make([]Reservation, len(seats))
	for i, n := range seats {
		section, _ := p.SectionOf(n)
		tickets[i] = Reservation{
			ID: a.IDs[i], OrderID: a.Order.ID, UserID: a.Order.UserID, SaleID: a.Order.SaleID, Date: a.Order.Date, Seat: n,
			Section: section.Name, Price: section.Price, Status: Held, HeldUntil: a.Order.HeldUntil, CreatedAt: a.Order.CreatedAt,
		}
	}
	return tickets
}

// SeatsTakenError says chosen seats are taken: the order took none of its seats.
type SeatsTakenError struct {
	Taken []int // every chosen seat found taken, in order
}

func (e *SeatsTakenError) Error() string {
	return fmt.Sprintf("%s already reserved: the order took none of its seats; choose others, or ask for the best available", seatsAre(e.Taken))
}

// seatsAre names seats for a sentence: "seat 20 is", "seats 20 and 21 are", "seats 20, 21 and
// 22 are".
func seatsAre(seats []int) string {
	names := make([]string, len(seats))
	for i, n := range seats {
		names[i] = strconv.Itoa(n)
	}
	switch len(names) {
	case 0:
		return "no seat is"
	case 1:
		return "seat " + names[0] + " is"
	}
	return "seats " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " are"
}

// Unwrap places the error in the ErrConflict class, as a single seat's ErrSeatTaken.
func (e *SeatsTakenError) Unwrap() error { return core.ErrConflict }

// NotEnoughSeatsError says no section has the seats a wish asks for.
type NotEnoughSeatsError struct {
	Available int // the most seats the wish could have had (together: the longest run)
}

func (e *NotEnoughSeatsError) Error() string {
	return fmt.Sprintf("not enough seats for this order: %d is the most it could have had as asked (in one section; with together, consecutive); ask for fewer, or another section", e.Available)
}

// Unwrap places the error in the ErrConflict class.
func (e *NotEnoughSeatsError) Unwrap() error { return core.ErrConflict }

// PartOfOrderError says a ticket is one seat of an order of several, which are paid together
// and only so.
type PartOfOrderError struct {
	OrderID core.ID
	Seats   int
}

func (e *PartOfOrderError) Error() string {
	return fmt.Sprintf("this ticket is one of the %d seats of order %s, which are paid together: pay them with POST /api/orders/%s/payment",
		e.Seats, e.OrderID, e.OrderID)
}

// Unwrap places the error in the ErrConflict class.
func (e *PartOfOrderError) Unwrap() error { return core.ErrConflict }
