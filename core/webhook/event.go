package webhook

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/waitlist"
)

// EventType names what happened.
type EventType string

// The event types, each with its data below.
const (
	OrderPaid            EventType = "order.paid"
	TicketCancelled      EventType = "ticket.cancelled"
	TicketCheckedIn      EventType = "ticket.checked_in"
	PerformanceCancelled EventType = "performance.cancelled"
	SaleStateChanged     EventType = "sale.state_changed"
	SaleSoldOut          EventType = "sale.sold_out"
	WaitlistOffered      EventType = "waitlist.offered"
)

// EventTypes lists every event type, in the order the API documents them.
var EventTypes = []EventType{OrderPaid, TicketCancelled, TicketCheckedIn, PerformanceCancelled, SaleStateChanged, SaleSoldOut, WaitlistOffered}

// ParseEventType reads an event type; field names the input it came from.
func ParseEventType(field, s string) (EventType, error) {
	if t := EventType(s); slices.Contains(EventTypes, t) {
		return t, nil
	}
	names := make([]string, len(EventTypes))
	for i, t := range EventTypes {
		names[i] = string(t)
	}
	return "", core.InvalidField(field, "%q is not an event type; use one of %s", s, strings.Join(names, ", "))
}

// Event is something that happened, as the outbox keeps it and a webhook carries it: a stable
// id (the Standard Webhooks `webhook-id`, the same in every attempt to every endpoint), its
// type, its sale, when it happened and its data, a JSON object of the type's fields.
type Event struct {
	ID     core.ID
	Type   EventType
	SaleID core.SaleID
	At     time.Time
	Data   json.RawMessage
}

// Body is the event as a webhook's request carries it: {"id", "type", "timestamp", "data"}.
func (e Event) Body() ([]byte, error) {
	return json.Marshal(struct {
		ID        core.ID         `json:"id"`
		Type      EventType       `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}{e.ID, e.Type, e.At.UTC(), e.Data})
}

// newEvent is a fresh event of data, which every type's constructor builds.
func newEvent(t EventType, sale core.SaleID, at time.Time, data any) Event {
	raw, err := json.Marshal(data)
	if err != nil { // the data types below are plain structs of strings and numbers
		panic(fmt.Sprintf("webhook: marshal %s data: %v", t, err))
	}
	return Event{ID: core.NewID(), Type: t, SaleID: sale, At: at, Data: raw}
}

// OrderPaidEvent is order.paid: every payment, of an order of several seats or of a seat held
// on its own (an order of one under its ticket's id), made at at.
func OrderPaidEvent(o booking.Order, payment core.ID, at time.Time) Event {
	first := o.Tickets[0]
	tickets := make([]core.ID, len(o.Tickets))
	for i, t := range o.Tickets {
		tickets[i] = t.ID
	}
	return newEvent(OrderPaid, first.SaleID, at, struct {
		SaleID    core.SaleID `json:"sale_id"`
		OrderID   core.ID     `json:"order_id"`
		PaymentID core.ID     `json:"payment_id"`
		Amount    core.Amount `json:"amount"`
		Date      string      `json:"date"`
		Tickets   []core.ID   `json:"tickets"`
	}{first.SaleID, first.OrderOf(), payment, o.Total(), first.Date.String(), tickets})
}

// TicketCancelledEvent is ticket.cancelled: a paid ticket given back or cancelled with its
// performance, refunded rf.Amount (rf.Fee kept).
func TicketCancelledEvent(r booking.Reservation, rf booking.Refund) Event {
	return newEvent(TicketCancelled, r.SaleID, rf.At, struct {
		SaleID   core.SaleID `json:"sale_id"`
		TicketID core.ID     `json:"ticket_id"`
		RefundID core.ID     `json:"refund_id"`
		Amount   core.Amount `json:"amount"`
		Fee      core.Amount `json:"fee"`
	}{r.SaleID, r.ID, rf.ID, rf.Amount, rf.Fee})
}

// TicketCheckedInEvent is ticket.checked_in: a ticket came in at a gate at at.
func TicketCheckedInEvent(r booking.Reservation, at time.Time) Event {
	return newEvent(TicketCheckedIn, r.SaleID, at, struct {
		SaleID   core.SaleID `json:"sale_id"`
		TicketID core.ID     `json:"ticket_id"`
		Date     string      `json:"date"`
		SeatID   int         `json:"seat_id"`
	}{r.SaleID, r.ID, r.Date.String(), r.Seat})
}

// PerformanceCancelledEvent is performance.cancelled: an operator cancelled a date (its
// tickets' refunds follow, each a ticket.cancelled).
func PerformanceCancelledEvent(p catalog.Performance) Event {
	return newEvent(PerformanceCancelled, p.SaleID, p.CancelledAt, struct {
		SaleID core.SaleID `json:"sale_id"`
		Date   string      `json:"date"`
	}{p.SaleID, p.Date.String()})
}

// SaleStateChangedEvent is sale.state_changed: a sale's state changed at at, from before's to
// after's. ok is false when the state stayed as it was: no event.
func SaleStateChangedEvent(before, after catalog.Sale, at time.Time) (e Event, ok bool) {
	if before.State == after.State {
		return Event{}, false
	}
	return newEvent(SaleStateChanged, after.ID, at, struct {
		SaleID core.SaleID `json:"sale_id"`
		From   string      `json:"from"`
		To     string      `json:"to"`
	}{after.ID, before.State.String(), after.State.String()}), true
}

// SaleSoldOutEvent is sale.sold_out: a payment at at sold a date's last seat (again only once
// a seat came back and sold out once more).
func SaleSoldOutEvent(sale core.SaleID, d core.Date, at time.Time) Event {
	return newEvent(SaleSoldOut, sale, at, struct {
		SaleID core.SaleID `json:"sale_id"`
		Date   string      `json:"date"`
	}{sale, d.String()})
}

// OfferExpiresLayout writes an offer's expiry in waitlist.offered: RFC 3339 in UTC with
// microseconds, as PostgreSQL's trigger writes it too.
const OfferExpiresLayout = "2006-01-02T15:04:05.000000Z"

// WaitlistOfferedEvent is waitlist.offered: seats that came back were offered to a waitlist
// entry, as an order held for its fan until the offer expires.
func WaitlistOfferedEvent(e waitlist.Entry, at time.Time) Event {
	return newEvent(WaitlistOffered, e.SaleID, at, struct {
		SaleID       core.SaleID `json:"sale_id"`
		Date         string      `json:"date"`
		WaitlistID   core.ID     `json:"waitlist_id"`
		OrderID      core.ID     `json:"order_id"`
		OfferExpires string      `json:"offer_expires"`
	}{e.SaleID, e.Date.String(), e.ID, e.OrderID, e.OfferExpires.UTC().Format(OfferExpiresLayout)})
}
