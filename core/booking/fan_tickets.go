package booking

import (
	"context"
	"errors"

	"github.com/boxoffice/boxoffice/core"
)

// FanTickets is where fans see what they hold and bought, and what a ticket's credential says.
type FanTickets struct {
	book TicketBook
	gate Gate
}

// Tickets lists what the caller holds and bought in the sale their token queues for, newest
// first. Any live token will do: a payment expires the one it was made with, and the fan queues
// again to see their tickets.
func (c *FanTickets) Tickets(ctx context.Context, caller core.Caller) ([]Ticket, error) {
	user, sale, err := c.gate.Queued(ctx, caller)
	if err != nil {
		return nil, err
	}
	return c.book.Tickets(ctx, sale, user)
}

// Ticket is one of the caller's tickets in their token's sale; another fan's, or another
// sale's, is unknown.
func (c *FanTickets) Ticket(ctx context.Context, caller core.Caller, rawID string) (Ticket, error) {
	id, err := core.ParseID("ticket_id", rawID)
	if err != nil {
		return Ticket{}, err
	}
	user, sale, err := c.gate.Queued(ctx, caller)
	if err != nil {
		return Ticket{}, err
	}
	return ownTicket(ctx, c.book, user, sale, id)
}

// TicketByCredential is the ticket a verified credential was issued for, whatever became of
// the sale and of its holder's tokens since: what a fan shows at the gate on the night, long
// after the sale closed. The caller proves the ticket by its credential alone; one that names
// another ticket (or an old credential of a ticket paid again) is ErrUnknownTicket.
func (c *FanTickets) TicketByCredential(ctx context.Context, cred Credential, rawID string) (Ticket, error) {
	id, err := core.ParseID("ticket_id", rawID)
	if err != nil {
		return Ticket{}, err
	}
	if cred.TicketID != id {
		return Ticket{}, ErrUnknownTicket
	}
	t, err := c.book.Ticket(ctx, id)
	if err != nil {
		return Ticket{}, err
	}
	if cred.Matches(t) != nil {
		return Ticket{}, ErrUnknownTicket
	}
	return t, nil
}

// TicketsOf lists a fan's tickets in a sale, newest first, for a fan whose identity the
// ticketing platform vouched for (an ID token, under BOXOFFICE_IDENTITY=jwt), whatever the
// state of the sale and of their queue tokens.
func (c *FanTickets) TicketsOf(ctx context.Context, user core.UserID, rawSale string) ([]Ticket, error) {
	sale, err := core.ParseSaleID("sale_id", rawSale)
	if err != nil {
		return nil, err
	}
	return c.book.Tickets(ctx, sale, user)
}

// Credential is what the credential of the caller's paid ticket says, for the payment's answer:
// any token the queue issued them for the sale will do, as the payment expired the one it was
// made with, and a waiting one too (a waitlist offer is paid with it). ErrNotPaid for a ticket
// not paid, ErrTicketCancelled for one cancelled.
func (c *FanTickets) Credential(ctx context.Context, caller core.Caller, id core.ID) (Credential, error) {
	user, sale, err := c.gate.Identify(ctx, caller)
	if errors.Is(err, core.ErrNotAdmitted) {
		user, sale, err = c.gate.Queued(ctx, caller)
	}
	if err != nil {
		return Credential{}, err
	}
	t, err := ownTicket(ctx, c.book, user, sale, id)
	if err != nil {
		return Credential{}, err
	}
	return t.Credential()
}

// ownTicket is the ticket id if it is user's in sale; another fan's, or another sale's, is
// unknown to them.
func ownTicket(ctx context.Context, book TicketBook, user core.UserID, sale core.SaleID, id core.ID) (Ticket, error) {
	t, err := book.Ticket(ctx, id)
	if err != nil {
		return Ticket{}, err
	}
	if err := t.Reservation.InSale(sale); err != nil {
		return Ticket{}, err
	}
	if err := t.Reservation.OwnedBy(user); err != nil {
		return Ticket{}, err
	}
	return t, nil
}
