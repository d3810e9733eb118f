// Package reservation is the Temporal workflow of one hold, of a seat or of an order of several:
// it waits for the `pay` update or the hold deadline, whichever comes first, settles the payment
// in one database transaction, or releases the seats at the deadline, together.
package reservation

import (
	"time"

	"go.temporal.io/sdk/temporal"
)

// Names other packages use to reach this workflow.
const (
	WorkflowName = "Reservation"
	UpdatePay    = "pay"
	QueryState   = "state"
)

// Statuses, as kept in the BoxofficeStatus search attribute.
const (
	StatusHeld     = "held"
	StatusPaid     = "paid"
	StatusReleased = "released"
)

// Application error types a payment can fail with; adapters/temporal maps them back to core.
const (
	ErrTypeHoldExpired         = "HoldExpired"
	ErrTypeInsufficientBalance = "InsufficientBalance"
	ErrTypeNotYourTicket       = "NotYourTicket"
	ErrTypeUnknownTicket       = "UnknownTicket"
	ErrTypeUnknownOrder        = "UnknownOrder"
	ErrTypeIdempotencyMismatch = "IdempotencyMismatch"
	// ErrTypePerformanceCancelled: the date was cancelled before the payment settled.
	ErrTypePerformanceCancelled = "PerformanceCancelled"
)

// Search attributes, so operators can find holds in the Temporal UI by sale, date, seat, user
// and status.
var (
	AttrSale   = temporal.NewSearchAttributeKeyKeyword("BoxofficeSale")
	AttrDate   = temporal.NewSearchAttributeKeyKeyword("BoxofficeDate")
	AttrSeat   = temporal.NewSearchAttributeKeyInt64("BoxofficeSeat")
	AttrUser   = temporal.NewSearchAttributeKeyKeyword("BoxofficeUser")
	AttrStatus = temporal.NewSearchAttributeKeyKeyword("BoxofficeStatus")
)

// SearchAttributes lists every attribute the workflow uses, for registration on a namespace.
func SearchAttributes() temporal.SearchAttributes {
	return temporal.NewSearchAttributes(AttrSale.ValueSet(""), AttrDate.ValueSet(""), AttrSeat.ValueSet(0), AttrUser.ValueSet(""), AttrStatus.ValueSet(""))
}

// WorkflowID is the id of the workflow of a reservation (the API's ticket_id).
func WorkflowID(reservationID string) string { return "reservation/" + reservationID }

// OrderWorkflowID is the id of the workflow of an order of several seats (the API's order_id).
func OrderWorkflowID(orderID string) string { return "order/" + orderID }

// Input starts the workflow of one hold: of a seat (ReservationID), or of an order (OrderID),
// whose seats it pays and releases together.
type Input struct {
	ReservationID string `json:",omitempty"`
	// OrderID makes the workflow an order's: Seat is then its first seat and Price its total,
	// and Seats lists its seats, for operators reading the history. Empty in a seat's.
	OrderID string `json:",omitempty"`
	Seats   []int  `json:",omitempty"`
	UserID  string
	// SaleID and Section are empty in the histories of holds made before sales.
	SaleID    string `json:",omitempty"`
	Section   string `json:",omitempty"`
	Date      string
	Seat      int
	Price     int64
	HeldUntil time.Time
}

// PayRequest is the argument of the `pay` update.
type PayRequest struct {
	UserID         string
	IdempotencyKey string `json:",omitempty"`
	// PaymentID names the payment this update makes, if it settles; a retry of the same
	// payment may send another, and gets the receipt of the one that settled. Empty in the
	// histories of updates from before the API named payments.
	PaymentID string `json:",omitempty"`
	// AcceptedAt is when the API accepted a payment of the hold in the store
	// (booking.Reservation.PaymentAcceptedAt): the hold takes it until its payment deadline,
	// after its own. Zero in updates from before the API accepted payments.
	AcceptedAt time.Time `json:",omitzero"`
}

// ReleaseAtDeadlineInput asks to release a hold at its deadline unless a payment was accepted
// after SeenAcceptedAt, the acceptance of the last payment the workflow has seen (zero: none).
type ReleaseAtDeadlineInput struct {
	ReservationID  string
	SeenAcceptedAt time.Time `json:",omitzero"`
}

// ReleaseOrderAtDeadlineInput is ReleaseAtDeadlineInput for an order.
type ReleaseOrderAtDeadlineInput struct {
	OrderID        string
	SeenAcceptedAt time.Time `json:",omitzero"`
}

// OrderReceipt is the result of an order's `pay` update: a receipt per ticket, in seat order.
type OrderReceipt struct {
	OrderID string
	Tickets []Receipt
}

// Receipt is the result of a seat's `pay` update.
type Receipt struct {
	PaymentID     string
	ReservationID string
	Amount        int64
	Date          string
	PaidAt        time.Time
}

// State is what the workflow returns and what the `state` query reports.
type State struct {
	Status  string
	Receipt *Receipt      `json:",omitempty"` // a seat's, once paid
	Order   *OrderReceipt `json:",omitempty"` // an order's, once paid
}

// SettleInput is the argument of the settle activity.
type SettleInput struct {
	ReservationID  string
	UserID         string
	PaymentID      string
	IdempotencyKey string `json:",omitempty"`
}

// SettleOrderInput is the argument of the settle activity of an order.
type SettleOrderInput struct {
	OrderID        string
	UserID         string
	PaymentID      string
	IdempotencyKey string `json:",omitempty"`
}

// InsufficientBalance is the detail of an ErrTypeInsufficientBalance error.
type InsufficientBalance struct {
	Balance int64
	Needed  int64
}
