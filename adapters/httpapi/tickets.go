package httpapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/negotiation"

	"github.com/boxoffice/boxoffice/core/booking"
)

// TicketBody is one of a fan's tickets: a reservation with what became of it.
type TicketBody struct {
	TicketID   string    `json:"ticket_id" format:"uuid"`
	OrderID    string    `json:"order_id,omitempty" format:"uuid" doc:"The order the seat was held in with POST /api/orders; absent for a seat held on its own."`
	SaleID     string    `json:"sale_id"`
	Date       string    `json:"date" format:"date"`
	SeatID     int       `json:"seat_id"`
	Section    string    `json:"section"`
	Price      int64     `json:"price" doc:"Price in won, as held and paid."`
	Status     string    `json:"status" enum:"held,paid,released,cancelled" doc:"held → paid → (cancelled), or held → released when the hold ended unpaid."`
	Expiration time.Time `json:"expiration" doc:"When the hold ended or ends unless paid (RFC 3339, UTC)."`
	// Receipt is set once paid, and stays after a cancellation.
	Receipt *ReceiptBody `json:"receipt,omitempty" doc:"The payment, once paid: for a ticket of an order, the order's one payment (its payment_id) and this ticket's share of it (amount)."`
	// Credential is the signed ticket a gate checks in, while paid and not cancelled.
	Credential  string      `json:"credential,omitempty" doc:"The ticket's signed credential (a compact JWS, typ boxoffice-ticket+jwt, verifiable with /.well-known/jwks.json) to show at the gate, while the ticket is paid; GET /api/tickets/{ticket_id} with Accept: image/png gives it as a QR code."`
	Refund      *RefundBody `json:"refund,omitempty" doc:"What the cancellation gave back, once cancelled."`
	CheckedInAt *time.Time  `json:"checked_in_at,omitempty" doc:"When the ticket was checked in at a gate."`
}

// RefundBody is what a cancelled ticket gave back.
type RefundBody struct {
	RefundID string            `json:"refund_id" format:"uuid"`
	Amount   int64             `json:"amount" doc:"Won credited back to the balance: the price less the fee."`
	Fee      int64             `json:"fee" doc:"Won kept: floor(price × fee_percent / 100) under the sale's policy; 0 when the performance was cancelled."`
	Date     time.Time         `json:"date" doc:"When the refund was made (RFC 3339, UTC)."`
	Reason   refundReasonField `json:"reason"`
}

// CancelledBody is the answer of a fan's cancellation.
type CancelledBody struct {
	Status string     `json:"status" enum:"cancelled"`
	Refund RefundBody `json:"refund"`
}

type ticketsOutput struct {
	Body []TicketBody
}

// TicketInPath is the ticket a fan's path names; exported, as huma reads only exported
// embedded fields.
type TicketInPath struct {
	TicketID string `path:"ticket_id" format:"uuid" doc:"The ticket_id from POST /api/tickets or GET /api/tickets."`
}

type showTicketInput struct {
	TicketInPath
	Accept string `header:"Accept" doc:"application/json (the default) for the ticket, image/png for a QR code of its credential."`
}

// showTicketOutput is the ticket as JSON or its credential's QR code as PNG, whichever Accept
// prefers: written by hand, so both are declared in the document by hand (showTicketResponses).
type showTicketOutput struct {
	Body func(huma.Context)
}

// shownAs answers with raw of the content type; neither the ticket nor its QR code is cached,
// as both change when the ticket does.
func shownAs(contentType string, raw []byte) *showTicketOutput {
	return &showTicketOutput{Body: func(ctx huma.Context) {
		ctx.SetHeader("Content-Type", contentType)
		ctx.SetHeader("Cache-Control", "no-store")
		_, _ = ctx.BodyWriter().Write(raw)
	}}
}

type cancelTicketInput struct {
	TicketInPath
	IdempotencyKey idempotencyKeyField `header:"Idempotency-Key" doc:"Optional. A retry with the same key answers with the first refund; reusing it for another ticket is 422; while the first request with the key is still running, 409 with Retry-After."`
}

type cancelledOutput struct {
	Body CancelledBody
}

// registerTickets registers a fan's tickets: the list, one ticket (or its QR code), and giving
// one back.
func registerTickets(api huma.API, s *server) {
	registerTicketList(api, s)
	registerShowTicket(api, s)
	registerCancelTicket(api, s)
}

type listTicketsInput struct {
	SaleID saleIDField `query:"sale_id" doc:"The sale whose tickets to list: required with the platform's ID token; with a queue token, its own sale (another is 400)."`
}

func registerTicketList(api huma.API, s *server) {
	op := secured(huma.Operation{
		OperationID: "listTickets",
		Method:      http.MethodGet,
		Path:        "/api/tickets",
		Summary:     "List your tickets",
		Description: "Your tickets in a sale, newest first, whatever became of them: held, paid (with the receipt and the " +
			"credential to show at the gate), released, or cancelled (with the refund). With a queue token, any live one of " +
			"the sale will do, waiting or active: a payment expires the token it was made with, so queue again with " +
			"POST /api/token, or keep the credentials. Where the service takes identity from the ticketing platform " +
			"(BOXOFFICE_IDENTITY=jwt), the platform's ID token lists all your tickets of ?sale_id=, whatever the state of " +
			"the sale and of your queue tokens.",
		Tags: []string{"tickets"},
	}, http.StatusBadRequest)
	op.Security = append(op.Security, map[string][]string{idTokenScheme: {}})
	huma.Register(api, op, func(ctx context.Context, in *listTicketsInput) (*ticketsOutput, error) {
		tickets, err := s.listTickets(ctx, string(in.SaleID))
		if err != nil {
			return nil, err
		}
		out := make([]TicketBody, len(tickets))
		for i, t := range tickets {
			if out[i], err = s.ticketBody(t); err != nil {
				return nil, problemFor(ctx, s.Logger, err)
			}
		}
		return &ticketsOutput{Body: out}, nil
	})
}

// listTickets lists the tickets of the fan an ID token names in the sale asked for, or those
// of the queue token's fan in its sale.
func (s *server) listTickets(ctx context.Context, sale string) ([]booking.Ticket, error) {
	if raw, ok := ctx.Value(idTokenKey{}).(string); ok {
		user, err := s.Identity.Verify(ctx, raw, time.Now())
		if err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		if sale == "" {
			return nil, huma.NewError(http.StatusBadRequest, humaValidationFailed, &huma.ErrorDetail{
				Location: "query.sale_id", Message: "sale_id is required with an ID token: the sale whose tickets to list (GET /api/sales)"})
		}
		tickets, err := s.FanTickets.TicketsOf(ctx, user, sale)
		if err != nil {
			return nil, problemIn(ctx, s.Logger, "query.", err)
		}
		return tickets, nil
	}
	if c := caller(ctx); sale != "" && c.SaleID != "" && sale != string(c.SaleID) {
		return nil, huma.NewError(http.StatusBadRequest, humaValidationFailed, &huma.ErrorDetail{
			Location: "query.sale_id", Value: sale, Message: "your queue token is of sale " + string(c.SaleID) + "; leave sale_id out, or take a token of that sale"})
	}
	tickets, err := s.FanTickets.Tickets(ctx, caller(ctx))
	if err != nil {
		return nil, problemFor(ctx, s.Logger, err)
	}
	return tickets, nil
}

func registerShowTicket(api huma.API, s *server) {
	op := secured(huma.Operation{
		OperationID: "showTicket",
		Method:      http.MethodGet,
		Path:        "/api/tickets/{ticket_id}",
		Summary:     "Show one of your tickets, or its QR code",
		Description: "One of your tickets in your token's sale, as GET /api/tickets lists it; or, with the ticket's own " +
			"credential as the bearer token, that ticket whatever became of the sale and of your queue tokens (after the " +
			"sale closed, on the night of the show). With `Accept: image/png` the answer is a QR code of the ticket's " +
			"credential, for the gate to scan: 409 while the ticket is not paid, 410 once it is cancelled. Another fan's " +
			"ticket, one of another sale, or another ticket than the credential's, is 404.",
		Tags:      []string{"tickets"},
		Responses: showTicketResponses(api),
	}, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusGone)
	op.Security = append(op.Security, map[string][]string{ticketScheme: {}})
	huma.Register(api, op, func(ctx context.Context, in *showTicketInput) (*showTicketOutput, error) {
		t, err := s.showTicket(ctx, in.TicketID)
		if err != nil {
			return nil, ticketProblem(ctx, s, err)
		}
		if negotiation.SelectQValueFast(in.Accept, []string{"application/json", "image/png"}) == "image/png" {
			return s.ticketQR(ctx, t)
		}
		body, err := s.ticketBody(t)
		if err == nil {
			var raw bytes.Buffer
			if err = jsonFormat.Marshal(&raw, body); err == nil {
				return shownAs("application/json", raw.Bytes()), nil
			}
		}
		return nil, problemFor(ctx, s.Logger, err)
	})
}

// showTicket is the ticket the path names: by the credential presented, or among the queue
// token's fan's.
func (s *server) showTicket(ctx context.Context, id string) (booking.Ticket, error) {
	if cred, ok := ctx.Value(credentialKey{}).(booking.Credential); ok {
		return s.FanTickets.TicketByCredential(ctx, cred, id)
	}
	return s.FanTickets.Ticket(ctx, caller(ctx), id)
}

func registerCancelTicket(api huma.API, s *server) {
	huma.Register(api, secured(huma.Operation{
		OperationID: "cancelTicket",
		Method:      http.MethodPost,
		Path:        "/api/tickets/{ticket_id}/cancel",
		Summary:     "Give a paid ticket back for a refund",
		Description: "Cancels one of your paid tickets under its sale's policy: until `until_before_show` before the show, " +
			"for a fee of `fee_percent` of the price. In one transaction the price less the fee goes back to your " +
			"balance, the seat goes back on sale and the ticket's credential admits nobody. 409 when the ticket cannot " +
			"be cancelled: not paid, the sale takes no cancellations, past the deadline (`cancellable_until` says when " +
			"it was), checked in (`checked_in_at`), already cancelled, or its performance was cancelled (its refund " +
			"comes in full, without a fee). A retry with the same `Idempotency-Key` answers with the first refund.",
		Tags: []string{"tickets"},
	}, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusServiceUnavailable), func(ctx context.Context, in *cancelTicketInput) (*cancelledOutput, error) {
		rf, err := s.Returns.Cancel(ctx, caller(ctx), in.TicketID, string(in.IdempotencyKey))
		if err != nil {
			return nil, ticketProblem(ctx, s, err)
		}
		return &cancelledOutput{Body: CancelledBody{Status: "cancelled", Refund: refundBody(rf)}}, nil
	})
}

// ticketProblem is problemFor for an operation on a ticket its path names: one the caller
// does not have in their token's sale is 404.
func ticketProblem(ctx context.Context, s *server, err error) error {
	if errors.Is(err, booking.ErrUnknownTicket) || errors.Is(err, booking.ErrNotYourTicket) {
		return huma.Error404NotFound("no such ticket among yours in this sale; GET /api/tickets lists them")
	}
	return problemIn(ctx, s.Logger, "path.", err)
}

// ticketBody is a ticket as fans read it, its credential signed if it is paid.
func (s *server) ticketBody(t booking.Ticket) (TicketBody, error) {
	r := t.Reservation
	b := TicketBody{
		TicketID: string(r.ID), OrderID: string(r.OrderID), SaleID: string(r.SaleID), Date: r.Date.String(), SeatID: r.Seat, Section: r.Section,
		Price: int64(r.Price), Status: r.Status.String(), Expiration: r.HeldUntil.UTC(),
	}
	if t.Receipt != nil {
		rc := receiptBody(*t.Receipt)
		b.Receipt = &rc
	}
	if t.Refund != nil {
		rf := refundBody(*t.Refund)
		b.Refund = &rf
	}
	if !t.CheckedInAt.IsZero() {
		at := t.CheckedInAt.UTC()
		b.CheckedInAt = &at
	}
	if cred, err := t.Credential(); err == nil {
		if b.Credential, err = s.Tickets.Sign(cred); err != nil {
			return TicketBody{}, err
		}
	}
	return b, nil
}

// ticketQR is the QR code of a paid ticket's credential.
func (s *server) ticketQR(ctx context.Context, t booking.Ticket) (*showTicketOutput, error) {
	cred, err := t.Credential()
	if err != nil {
		return nil, problemFor(ctx, s.Logger, err)
	}
	signed, err := s.Tickets.Sign(cred)
	if err != nil {
		return nil, problemFor(ctx, s.Logger, err)
	}
	png, err := qrPNG(signed)
	if err != nil {
		return nil, problemFor(ctx, s.Logger, err)
	}
	return shownAs("image/png", png), nil
}

// refundReasonField is why a ticket was refunded.
type refundReasonField string

// Schema implements huma.SchemaProvider, naming the generated clients' constants after the
// refund rather than the bare values (Fan is the clients' helper for a fan's request).
func (refundReasonField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Enum: []any{"fan", "performance_cancelled"},
		Description: "fan: you gave the ticket back; performance_cancelled: the show was cancelled.",
		Extensions:  map[string]any{"x-enum-varnames": []string{"RefundReasonFan", "RefundReasonPerformanceCancelled"}}}
}

func receiptBody(rc booking.Receipt) ReceiptBody {
	return ReceiptBody{PaymentID: string(rc.PaymentID), Amount: int64(rc.Amount), Date: rc.PaidAt.UTC(), PerformanceDate: rc.Date.String(), PaidAt: rc.PaidAt.UTC()}
}

func refundBody(rf booking.Refund) RefundBody {
	return RefundBody{RefundID: string(rf.ID), Amount: int64(rf.Amount), Fee: int64(rf.Fee), Date: rf.At.UTC(), Reason: refundReasonField(rf.Reason.String())}
}

// showTicketResponses declares showTicket's two answers: the ticket as JSON, its QR code as PNG.
func showTicketResponses(api huma.API) map[string]*huma.Response {
	ticket := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[TicketBody](), true, "TicketBody")
	return map[string]*huma.Response{"200": {
		Description: "The ticket, or its credential's QR code.",
		Headers: map[string]*huma.Param{"Cache-Control": {Description: "no-store: the ticket changes when it is checked in or cancelled.",
			Schema: &huma.Schema{Type: huma.TypeString}}},
		Content: map[string]*huma.MediaType{
			"application/json": {Schema: ticket},
			// Binary content has no schema in OpenAPI 3.1: the media type says it all.
			"image/png": {},
		},
	}}
}
