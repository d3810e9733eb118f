package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

type holdInput struct {
	Body struct {
		Date   string    `json:"date" format:"date" doc:"Performance date, YYYY-MM-DD." example:"2026-12-24"`
		SeatID seatField `json:"seat_id" doc:"Seat number, 1 to the number of seats (50 by default)." example:"7"`
	}
}

// HoldBody is a held seat: the ticket to pay before expiration.
type HoldBody struct {
	Status     string    `json:"status" enum:"reserved"`
	Expiration time.Time `json:"expiration" doc:"When the hold ends unless paid (RFC 3339, UTC)."`
	TicketID   string    `json:"ticket_id" format:"uuid" doc:"Pay with this id."`
	SeatID     int       `json:"seat_id"`
	Date       string    `json:"date" format:"date"`
	Price      int64     `json:"price" doc:"Price in won."`
}

type holdOutput struct {
	Body HoldBody
}

// registerHolds registers holding a seat.
func registerHolds(api huma.API, s *server) {
	huma.Register(api, secured(huma.Operation{
		OperationID: "holdSeat",
		Method:      http.MethodPost,
		Path:        "/api/tickets",
		Summary:     "Hold a seat",
		Description: "Holds the seat for you until expiration. Pay before then with POST /api/payment, or the seat is released. " +
			"A fan may hold a few seats at once (4 by default); beyond that the answer is 429 with Retry-After.",
		Tags: []string{"tickets"},
	}, http.StatusBadRequest, http.StatusForbidden, http.StatusConflict, http.StatusTooManyRequests, http.StatusServiceUnavailable), func(ctx context.Context, in *holdInput) (*holdOutput, error) {
		if err := s.limit(ctx, s.limiters.holdAddr, s.limiters.holdUser, string(caller(ctx).UserID)); err != nil {
			return nil, err
		}
		r, err := s.Counter.HoldSeat(ctx, caller(ctx), in.Body.Date, int(in.Body.SeatID))
		if err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		return &holdOutput{Body: HoldBody{
			Status: "reserved", Expiration: r.HeldUntil.UTC(), TicketID: string(r.ID),
			SeatID: r.Seat, Date: r.Date.String(), Price: int64(r.Price),
		}}, nil
	})
}
