package booking

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// Store is where bookings are kept: the holds and their release (Holds), orders of several
// seats (Orders), and the tickets they became (TicketBook). An adapter serves each with a type
// of its own.
type Store interface {
	Holds
	Orders
	TicketBook
}

// Holds is where seats are held and released. The seat's claim decides races: one conditional
// write per attempt, the winner takes it and every loser gets ErrSeatTaken.
type Holds interface {
	// HoldSeat decides a HoldAttempt in one call, whatever the outcome, checking in this order:
	// the attempt's token is an active one of the fan in the sale at Now (else
	// ErrTokenNotActive); the seat's claim is AvailableAt Now (else ErrSeatTaken, or
	// catalog.ErrUnknownSeat for a seat that does not exist, on a date without a performance
	// too); the date is not cancelled (catalog.ErrPerformanceCancelled) and the sale is on sale
	// (else catalog.CheckHoldable's error of its state, or catalog.ErrUnknownSale); the fan's
	// TicketCount in the sale allows Limit, or the sale's own limit where that is lower (else
	// Allows' error), exactly, however many race. Then it creates the hold (status held, with
	// its seat's section at the section's price of the moment) and returns it; a hold it
	// supersedes is marked released. It is one call, not one snapshot: a hold may land just
	// after a pause or a cancellation that committed while it ran.
	HoldSeat(ctx context.Context, a HoldAttempt) (Reservation, error)
	// Reservation returns one reservation, or ErrUnknownTicket.
	Reservation(ctx context.Context, id core.ID) (Reservation, error)
	// ReleaseHold marks a held reservation released and frees its seat if it still holds it.
	// It reports whether anything changed; releasing twice is harmless.
	ReleaseHold(ctx context.Context, id core.ID) (bool, error)
	// AcceptPayment records, under the seat's and the reservation's locks, that the API accepts
	// user's payment of a hold at now (Reservation.AcceptPayment), and extends the seat's claim
	// to the payment's deadline; it returns the reservation as accepted. Errors: those of
	// PayableBy, ErrUnknownTicket, and ErrHoldExpired for a hold whose seat a later hold took.
	AcceptPayment(ctx context.Context, id core.ID, user core.UserID, now time.Time) (Reservation, error)
	// ReleaseUnlessAwaitingPayment releases a hold as ReleaseHold does, unless it AwaitsPayment
	// at now, the lifecycle having seen the payments accepted up to seen: then it keeps it and
	// returns its PaymentDeadline (zero otherwise). Decided under the seat's and the
	// reservation's locks, so an acceptance committed first is seen.
	ReleaseUnlessAwaitingPayment(ctx context.Context, id core.ID, now, seen time.Time) (released bool, awaitUntil time.Time, err error)
	// ReleaseOverdue releases up to limit holds whose PaymentDeadline is before cutoff, as
	// ReleaseHold would, and returns how many it released.
	ReleaseOverdue(ctx context.Context, cutoff time.Time, limit int) (int, error)
	// Receipt returns the receipt of a paid reservation, or ErrUnknownTicket.
	Receipt(ctx context.Context, reservation core.ID) (Receipt, error)
	// PaymentByKey returns the reservation the user paid for with an idempotency key, if any.
	PaymentByKey(ctx context.Context, user core.UserID, key core.IdempotencyKey) (core.ID, bool, error)
	// EndHolds releases up to limit of a date's holds, whatever their deadline, as ReleaseHold
	// would, and returns how many it released.
	EndHolds(ctx context.Context, sale core.SaleID, d core.Date, limit int) (int, error)
}

// Orders is where orders of several seats are held, all or none, and given back together.
type Orders interface {
	// HoldOrder decides an OrderAttempt in one call, all or none, checking in HoldSeat's order,
	// after the attempt's own Check: the token; the seats (catalog.ErrUnknownSeat for a chosen
	// seat or a date the sale does not have; then *SeatsTakenError naming every chosen seat not
	// AvailableAt Now, or the wish's catalog.Performance.BestAvailable, else
	// *NotEnoughSeatsError); the date and the sale; the fan's TicketCount allowing every seat of
	// the order (AllowsMore). Then it creates the order and a held reservation of it per seat,
	// at its section's price, and returns it. A seat another attempt is taking at that moment
	// counts as taken: no attempt waits for another, so attempts whose seats overlap never
	// deadlock, and a best-available one looks further instead. Each attempt takes its seats in
	// seat order and gives up at the first being taken, so of attempts racing for the same
	// seats one wins.
	HoldOrder(ctx context.Context, a OrderAttempt) (Order, error)
	// Order returns an order with its tickets as they stand, or ErrUnknownOrder.
	Order(ctx context.Context, id core.ID) (Order, error)
	// ReleaseOrder releases every held ticket of an order together, as ReleaseHold releases
	// one, its seats locked in seat order first, and reports whether anything changed; an order
	// released, paid or unknown is left as it is.
	ReleaseOrder(ctx context.Context, id core.ID) (bool, error)
	// AcceptOrderPayment records that the API accepts user's payment of a whole order at now
	// (Order.AcceptPayment), and extends every seat's claim to the payment's deadline, under
	// the seats' locks in seat order, then the reservations', then the fan's: every ticket
	// accepted, or none. Errors: those of PayableBy, ErrUnknownOrder, and ErrHoldExpired for an
	// order a seat of which a later hold took.
	AcceptOrderPayment(ctx context.Context, id core.ID, user core.UserID, now time.Time) (Order, error)
	// ReleaseOrderUnlessAwaitingPayment releases an order as ReleaseOrder does, unless it
	// AwaitsPayment at now, its lifecycle having seen the payments accepted up to seen: then it
	// keeps it and returns its PaymentDeadline (zero otherwise). Decided under the seats' and
	// the reservations' locks, so an acceptance committed first is seen.
	ReleaseOrderUnlessAwaitingPayment(ctx context.Context, id core.ID, now, seen time.Time) (released bool, awaitUntil time.Time, err error)
	// UntimedOffers lists up to limit waitlist offers (orders the store made for a waitlist
	// entry when seats came back) whose lifecycle has not been started, oldest first.
	UntimedOffers(ctx context.Context, limit int) ([]core.ID, error)
	// OfferTimed records that an offer's lifecycle has started.
	OfferTimed(ctx context.Context, order core.ID) error
}

// TicketBook is the tickets holds became: a fan's list, check-ins, refunds' keys, and a date's
// paid tickets and tally, for its cancellation.
type TicketBook interface {
	// Tickets lists the user's reservations in the sale, newest first, with their receipts,
	// refunds and check-ins.
	Tickets(ctx context.Context, sale core.SaleID, user core.UserID) ([]Ticket, error)
	// Ticket returns one reservation with its receipt, refund and check-in, or ErrUnknownTicket.
	Ticket(ctx context.Context, id core.ID) (Ticket, error)
	// CheckIn records that a paid ticket, paid by payment, came in at at, once: however many
	// gates ask at the same moment, one succeeds and the others get *CheckedInError. Errors:
	// ErrUnknownTicket, ErrNotATicket (another payment), ErrTicketCancelled, ErrNotPaid.
	CheckIn(ctx context.Context, id, payment core.ID, at time.Time) (Ticket, error)
	// RefundByKey returns the reservation the user was refunded for with an idempotency key, if any.
	RefundByKey(ctx context.Context, user core.UserID, key core.IdempotencyKey) (core.ID, bool, error)
	// PaidTickets lists up to limit of a date's paid tickets not checked in, in seat order.
	PaidTickets(ctx context.Context, sale core.SaleID, d core.Date, limit int) ([]Reservation, error)
	// Tally counts a date's tickets as its cancellation sees them.
	Tally(ctx context.Context, sale core.SaleID, d core.Date) (Tally, error)
}

// Settlements perform the one transaction that spans aggregates: the wallet, the seat, the
// reservation, the payment and the payer's token.
type Settlements interface {
	// SettleAcrossAggregates performs s atomically: the reservation must be PayableBy the
	// payer at s.At (before its payment deadline) and its seat's claim HeldBy it, and the wallet must cover the price
	// (wallet.Covers). Settling a reservation already paid returns its receipt and changes
	// nothing. Errors: ErrUnknownTicket, ErrNotYourTicket, catalog.ErrPerformanceCancelled (the
	// date's cancellation committed first; one that commits while the settlement runs waits for
	// it, and its rounds refund the payment), ErrHoldExpired (released, or the seat was taken by
	// a later hold, or the payment deadline passed), *wallet.InsufficientBalanceError, core.ErrIdempotencyMismatch (the key paid
	// for another reservation).
	SettleAcrossAggregates(ctx context.Context, s Settlement) (Receipt, error)
	// SettleOrder performs s atomically as SettleAcrossAggregates performs a seat's, for every
	// ticket of the order at once: the order must be PayableBy the payer at s.At and each seat's
	// claim HeldBy its ticket, and the wallet must cover the order's Total, which it is debited
	// once. Settling an order already paid returns its receipts and changes nothing. Errors:
	// those of SettleAcrossAggregates, with ErrUnknownOrder for an unknown order.
	SettleOrder(ctx context.Context, s OrderSettlement) (OrderReceipt, error)
	// Refund cancels a paid ticket atomically: a refund row, the wallet credited with
	// r.Terms.Refund by a ledger row of kind refund (none for nothing to refund), the
	// reservation cancelled and its seat free for sale. Refused, changing nothing, when the
	// reservation is not paid (ErrAlreadyCancelled, ErrNotPaid), is not r.UserID's
	// (ErrNotYourTicket) or was checked in (*CheckedInError). A key that refunded this ticket
	// returns that refund; one that refunded another is core.ErrIdempotencyMismatch.
	Refund(ctx context.Context, r RefundRequest) (Refund, error)
}

// Lifecycle runs each hold, of a seat or an order, in time: it releases the seats at the
// deadline unless the hold is paid first, and it performs the payment. In production it is a
// Temporal workflow per hold.
type Lifecycle interface {
	// StartHold begins timing a new hold. It must be called once the hold is stored. It may
	// return before the timer runs (a hold whose timer never came frees its seat at the
	// deadline all the same, lazily, and the sweep releases it a minute after its payment
	// deadline).
	StartHold(ctx context.Context, r Reservation) error
	// Pay settles the held r for its owner, r.UserID, and returns the receipt. It fails with
	// ErrHoldExpired after the payment deadline (Reservation.PaymentDeadline) and with *wallet.InsufficientBalanceError, leaving the
	// hold in place, when the wallet cannot cover it. The key, if any, is recorded with the
	// payment.
	Pay(ctx context.Context, r Reservation, key core.IdempotencyKey) (Receipt, error)
	// StartOrder begins timing a new order, as StartHold a hold: its seats are released
	// together at its deadline unless it is paid first. In production it is the same workflow,
	// one per order however many seats.
	StartOrder(ctx context.Context, o Order) error
	// PayOrder settles the held order o for its owner and returns its receipts, as Pay settles
	// a hold: every ticket or none, the total debited once.
	PayOrder(ctx context.Context, o Order, key core.IdempotencyKey) (OrderReceipt, error)
}

// Gate admits fans to the booking use cases, each to the sale their token queues for. The queue's
// Entrance is one.
type Gate interface {
	// Admitted checks that the caller may book and returns whose token it is and its sale.
	Admitted(ctx context.Context, c core.Caller) (core.UserID, core.SaleID, error)
	// Identify checks that the caller's token is one the queue issued, live or not (a payment
	// expires it, and its retry must still get the receipt); a waiting one is refused.
	Identify(ctx context.Context, c core.Caller) (core.UserID, core.SaleID, error)
	// Queued checks that the caller's token is live, waiting or active: what a fan needs to see
	// and give back what they bought.
	Queued(ctx context.Context, c core.Caller) (core.UserID, core.SaleID, error)
}

// Offers tell what is on sale: a sale with one of its performances. The catalog's store is one.
type Offers interface {
	// Offer reads a sale with one of its performances as stored.
	Offer(ctx context.Context, sale core.SaleID, d core.Date) (catalog.Offer, error)
	// CachedOffer is Offer from a copy that may trail a change made on another instance by
	// moments: for refusing a hopeless hold early, never for deciding anything.
	CachedOffer(ctx context.Context, sale core.SaleID, d core.Date) (catalog.Offer, error)
}

// Shows are the performances tickets are for, which an operator may cancel. The catalog's
// store is one.
type Shows interface {
	Offers
	CancelPerformance(ctx context.Context, sale core.SaleID, d core.Date, at time.Time) (catalog.Performance, error)
}

// Cancellations carry a performance's cancellation through to its end, surviving crashes and
// restarts: round after round of the Refunder until nothing is left. In production each is a
// Temporal workflow. Starting one that runs already starts nothing.
type Cancellations interface {
	Start(ctx context.Context, sale core.SaleID, d core.Date) error
}

// Balances tell what a fan's wallet holds. The wallet's store is one.
type Balances interface {
	Balance(ctx context.Context, user core.UserID) (core.Amount, error)
}
