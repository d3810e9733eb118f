package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/danielgtaylor/huma/v2"
)

type payInput struct {
	IdempotencyKey idempotencyKeyField `header:"Idempotency-Key" doc:"Optional. Recorded with the payment; reusing it for another ticket is 422; while the first request with the key is still running, 409 with Retry-After."`
	Body           struct {
		TicketID string    `json:"ticket_id" format:"uuid" doc:"The ticket_id from POST /api/tickets."`
		SeatID   seatField `json:"seat_id"`
		Date     string    `json:"date" format:"date"`
	}
}

// ReceiptBody is the proof of a payment.
type ReceiptBody struct {
	PaymentID       string    `json:"payment_id" format:"uuid"`
	Amount          int64     `json:"amount" doc:"Amount paid in won."`
	Date            time.Time `json:"date" doc:"When the payment was made (RFC 3339, UTC)."`
	PerformanceDate string    `json:"performance_date" format:"date" doc:"The date of the performance paid for (YYYY-MM-DD)."`
	// PaidAt is the payment time under the name it had before date carried it.
	PaidAt time.Time `json:"paid_at" deprecated:"true" doc:"Deprecated: the same as date, which clients should read instead."`
}

// PaymentBody is the answer of a successful payment.
type PaymentBody struct {
	Status  string      `json:"status" enum:"success"`
	Receipt ReceiptBody `json:"receipt"`
	// Credential is the ticket the payment issued, signed.
	Credential string `json:"credential,omitempty" doc:"The paid ticket's signed credential to show at the gate (see GET /api/tickets/{ticket_id}); absent if the ticket was cancelled since."`
}

type payOutput struct {
	Body PaymentBody
}

// registerPayments registers paying for a held seat.
func registerPayments(api huma.API, s *server) {
	huma.Register(api, secured(huma.Operation{
		OperationID: "pay",
		Method:      http.MethodPost,
		Path:        "/api/payment",
		Summary:     "Pay for a held seat",
		Description: "Pays from your balance the price the seat was held at. On success the seat is yours, and your queue " +
			"token expires unless another hold of yours in the sale is still to pay. A ticket of another sale than the " +
			"token's is 400. " +
			"Paying an already paid ticket again returns the same receipt, even with the token that payment expired, " +
			"so a client retrying after a timeout gets its receipt and is charged once.",
		Tags: []string{"payment"},
	}, http.StatusBadRequest, http.StatusPaymentRequired, http.StatusForbidden, http.StatusConflict, http.StatusGone, http.StatusUnprocessableEntity,
		http.StatusServiceUnavailable), func(ctx context.Context, in *payInput) (*payOutput, error) {
		rc, err := s.Checkout.Pay(ctx, caller(ctx), booking.PayRequest{TicketID: in.Body.TicketID, SeatID: int(in.Body.SeatID), Date: in.Body.Date}, string(in.IdempotencyKey))
		if err != nil {
			return nil, bodyProblem(ctx, s.Logger, err)
		}
		body := PaymentBody{Status: "success", Receipt: receiptBody(rc)}
		if body.Credential, err = s.credential(ctx, rc); err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		return &payOutput{Body: body}, nil
	})
}

// credential is the signed credential of the ticket a payment paid for, or "" once it is
// cancelled (a retry of the payment after a cancellation).
func (s *server) credential(ctx context.Context, rc booking.Receipt) (string, error) {
	cred, err := s.FanTickets.Credential(ctx, caller(ctx), rc.ReservationID)
	if errors.Is(err, booking.ErrTicketCancelled) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return s.Tickets.Sign(cred)
}
