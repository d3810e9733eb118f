package booking

import (
	"context"

	"github.com/boxoffice/boxoffice/core"
)

// CheckIns is where gates check tickets in: once each, never a cancelled one.
type CheckIns struct {
	store    Store
	shows    Shows
	clock    core.Clock
	observer Observer
}

// CheckIn admits the holder of a ticket by its verified credential, once however many gates
// scan it at the same moment. gate names the sale the gate lets in (empty: any sale); a ticket
// of another sale is ErrOtherSale. A second scan is *CheckedInError, saying when the first was;
// a ticket of a cancelled performance admits nobody, refunded yet or not.
func (d *CheckIns) CheckIn(ctx context.Context, cred Credential, gate core.SaleID) (_ Ticket, err error) {
	defer func() { d.observer.CheckInDecided(cred.SaleID, OutcomeOf(err)) }()
	if gate != "" && cred.SaleID != gate {
		return Ticket{}, ErrOtherSale
	}
	t, err := d.store.Ticket(ctx, cred.TicketID)
	if err != nil {
		return Ticket{}, ErrNotATicket // a credential naming no ticket of ours
	}
	if t.Reservation.Status == Cancelled {
		return Ticket{}, ErrTicketCancelled
	}
	if err := cred.Matches(t); err != nil {
		return Ticket{}, err
	}
	offer, err := d.shows.Offer(ctx, t.Reservation.SaleID, t.Reservation.Date)
	if err != nil {
		return Ticket{}, err
	}
	if err := offer.Performance.CheckOn(); err != nil {
		return Ticket{}, err
	}
	return d.store.CheckIn(ctx, cred.TicketID, cred.PaymentID, d.clock.Now())
}
