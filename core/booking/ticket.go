package booking

import (
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// Ticket is a reservation as its fan sees it, with what became of it: its receipt once paid,
// its refund once cancelled, and when it was checked in.
type Ticket struct {
	Reservation Reservation
	Receipt     *Receipt
	Refund      *Refund
	CheckedInAt time.Time // zero: not checked in
}

// RefundReason is why a ticket was refunded.
type RefundReason struct{ name string }

// Refund reasons.
var (
	FanCancelled         = RefundReason{"fan"}                   // its fan gave it back, within the sale's policy
	PerformanceCancelled = RefundReason{"performance_cancelled"} // an operator cancelled its show
)

// RefundReasons are every reason a ticket is refunded for.
func RefundReasons() []RefundReason { return []RefundReason{FanCancelled, PerformanceCancelled} }

// ParseRefundReason rebuilds a reason from storage.
func ParseRefundReason(s string) (RefundReason, error) {
	for _, r := range RefundReasons() {
		if r.name == s {
			return r, nil
		}
	}
	return RefundReason{}, fmt.Errorf("unknown refund reason %q", s)
}

func (r RefundReason) String() string { return r.name }

// Refund is what a cancelled ticket gave back: its price less the fee, to the wallet.
type Refund struct {
	ID            core.ID
	ReservationID core.ID
	PaymentID     core.ID
	Amount        core.Amount // credited to the wallet
	Fee           core.Amount // kept
	Reason        RefundReason
	At            time.Time
}

// Terms are what cancelling a ticket costs: the fee kept and the amount refunded.
type Terms struct {
	Fee, Refund core.Amount
}

// Cancellable reports whether user may cancel the reservation at now under the sale's policy for
// a show starting at start, and on what terms: a paid ticket of theirs, before the deadline
// (start − UntilBeforeShow); the fee is floor(price × FeePercent / 100). Whether it was checked
// in is the store's to say, under its lock.
func (r Reservation) Cancellable(user core.UserID, policy *catalog.CancellationPolicy, start, now time.Time) (Terms, error) {
	if err := r.OwnedBy(user); err != nil {
		return Terms{}, err
	}
	switch {
	case r.Status == Cancelled:
		return Terms{}, ErrAlreadyCancelled
	case r.Status != Paid:
		return Terms{}, ErrNotPaid
	case policy == nil:
		return Terms{}, ErrNotCancellable
	}
	if deadline := start.Add(-policy.UntilBeforeShow); !now.Before(deadline) {
		return Terms{}, &CancellationClosedError{Deadline: deadline}
	}
	fee := r.Price * core.Amount(policy.FeePercent) / 100
	return Terms{Fee: fee, Refund: r.Price - fee}, nil
}

// Refundable reports why the reservation, as its store holds it locked, cannot be refunded:
// only a paid ticket can, and not one checked in (checkedIn is its first check-in, nil for
// none). Who may ask is OwnedBy's to say, before the store replays a keyed request. Both stores
// decide a refund with it.
func (r Reservation) Refundable(checkedIn *time.Time) error {
	switch {
	case r.Status == Cancelled:
		return ErrAlreadyCancelled
	case r.Status != Paid:
		return ErrNotPaid
	case checkedIn != nil:
		return &CheckedInError{At: *checkedIn}
	}
	return nil
}

// CheckableIn reports why the holder of a credential naming payment cannot be let in on the
// reservation, as its store holds it locked: paidBy is the payment it was paid with (empty if
// unpaid) and checkedIn its first check-in (nil for none). A cancelled ticket admits nobody, an
// unpaid one is no ticket yet, a credential of another payment is not one this box office
// issued for it, and a second scan says when the first was. Both stores decide a check-in with
// it.
func (r Reservation) CheckableIn(paidBy, payment core.ID, checkedIn *time.Time) error {
	switch {
	case r.Status == Cancelled:
		return ErrTicketCancelled
	case r.Status != Paid:
		return ErrNotPaid
	case paidBy != payment:
		return ErrNotATicket
	case checkedIn != nil:
		return &CheckedInError{At: *checkedIn}
	}
	return nil
}

// FullRefund is the terms of a ticket whose performance was cancelled: everything back, no fee.
func (r Reservation) FullRefund() Terms { return Terms{Refund: r.Price} }

// RefundRequest is the single transaction that cancels a paid ticket: refund the wallet (a
// refund row and its ledger credit), free the seat, mark the reservation cancelled.
type RefundRequest struct {
	ReservationID core.ID
	// UserID must own the reservation; empty for an operator's cancellation of a performance.
	UserID   core.UserID
	RefundID core.ID
	Terms    Terms
	Reason   RefundReason
	At       time.Time
	// IdempotencyKey, if set, is recorded with the refund; reusing it for another ticket is
	// core.ErrIdempotencyMismatch.
	IdempotencyKey core.IdempotencyKey
}

// Credential is what a ticket's signed credential says: the gate checks a ticket in by it.
type Credential struct {
	TicketID  core.ID
	PaymentID core.ID
	SaleID    core.SaleID
	Date      core.Date
	Seat      int
	Section   string
	Holder    core.UserID
	IssuedAt  time.Time // the payment's time
}

// Credential is the credential a ticket shows at the door: ErrNotPaid for one not paid,
// ErrTicketCancelled for one given back.
func (t Ticket) Credential() (Credential, error) {
	if t.Reservation.Status == Cancelled {
		return Credential{}, ErrTicketCancelled
	}
	c, ok := CredentialOf(t)
	if !ok {
		return Credential{}, ErrNotPaid
	}
	return c, nil
}

// CredentialOf is the credential of a paid ticket, or false for one not paid.
func CredentialOf(t Ticket) (Credential, bool) {
	if t.Receipt == nil {
		return Credential{}, false
	}
	r := t.Reservation
	return Credential{
		TicketID: r.ID, PaymentID: t.Receipt.PaymentID, SaleID: r.SaleID, Date: r.Date, Seat: r.Seat, Section: r.Section,
		Holder: r.UserID, IssuedAt: t.Receipt.PaidAt,
	}, true
}

// Matches reports a credential that does not describe this ticket: not one we issued for it.
func (c Credential) Matches(t Ticket) error {
	r := t.Reservation
	if t.Receipt == nil || c.PaymentID != t.Receipt.PaymentID || c.SaleID != r.SaleID || c.Date != r.Date ||
		c.Seat != r.Seat || c.Holder != r.UserID {
		return ErrNotATicket
	}
	return nil
}
