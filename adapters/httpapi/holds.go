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
		SeatID seatField `json:"seat_id" doc:"Seat number, 1 to the number of seats of the date (see GET /api/tickets/seats)." example:"7"`
	}
}

// HoldBody is a held seat: the ticket to pay before expiration.
type HoldBody struct {
	Status     string    `json:"status" enum:"reserved"`
	Expiration time.Time `json:"expiration" doc:"When the hold ends unless paid (RFC 3339, UTC)."`
	TicketID   string    `json:"ticket_id" format:"uuid" doc:"Pay with this id."`
	SeatID     int       `json:"seat_id"`
	Date       string    `json:"date" format:"date"`
	Section    string    `json:"section" doc:"The seat's price section."`
	Price      int64     `json:"price" doc:"Price in won: the section's price when the seat was held, which the payment charges."`
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
		Description: "Holds a seat of your token's sale for you until expiration, at its section's price. Pay before then " +
			"with POST /api/payment, or the seat is released. A sale limits the tickets one fan holds and buys together " +
			"(max_tickets_per_fan, 4 by default): at the limit the answer is 429 with Retry-After while holds of yours make " +
			"it up, and 403 once bought tickets do. A paused sale takes no new holds (409); a closed one, none ever (410).",
		Tags: []string{"tickets"},
	}, http.StatusBadRequest, http.StatusForbidden, http.StatusConflict, http.StatusGone, http.StatusTooManyRequests, http.StatusServiceUnavailable), func(ctx context.Context, in *holdInput) (*holdOutput, error) {
		if err := s.limit(ctx, s.limiters.holdAddr, s.limiters.holdUser, string(caller(ctx).UserID)); err != nil {
			return nil, err
		}
		r, err := s.SeatHolder.HoldSeat(ctx, caller(ctx), in.Body.Date, int(in.Body.SeatID))
		if err != nil {
			return nil, bodyProblem(ctx, s.Logger, err)
		}
		return &holdOutput{Body: HoldBody{
			Status: "reserved", Expiration: r.HeldUntil.UTC(), TicketID: string(r.ID),
			SeatID: r.Seat, Date: r.Date.String(), Section: r.Section, Price: int64(r.Price),
		}}, nil
	})
}
