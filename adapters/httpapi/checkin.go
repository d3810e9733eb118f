package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/boxoffice/boxoffice/core"
)

type checkInInput struct {
	Body struct {
		Ticket string       `json:"ticket" minLength:"1" maxLength:"2048" doc:"The credential the ticket's QR code holds (a compact JWS of typ boxoffice-ticket+jwt)."`
		SaleID *saleIDField `json:"sale_id,omitempty" doc:"The sale this gate admits to; a ticket of another sale is 400. Left out: any sale."`
	}
}

// CheckInBody is a holder let in at a gate.
type CheckInBody struct {
	Status      string    `json:"status" enum:"admitted"`
	TicketID    string    `json:"ticket_id" format:"uuid"`
	SaleID      string    `json:"sale_id"`
	Date        string    `json:"date" format:"date"`
	SeatID      int       `json:"seat_id"`
	Section     string    `json:"section"`
	Holder      string    `json:"holder" doc:"The user id the ticket was bought by."`
	CheckedInAt time.Time `json:"checked_in_at" doc:"When this scan let the holder in (RFC 3339, UTC)."`
}

type checkInOutput struct {
	Body CheckInBody
}

// registerCheckIn registers the gates' check-in.
func registerCheckIn(api huma.API, s *server) {
	huma.Register(api, admin(huma.Operation{
		OperationID: "checkIn",
		Method:      http.MethodPost,
		Path:        "/api/admin/checkin",
		Summary:     "Check a ticket in at a gate",
		Description: "Verifies the scanned credential (its signature, key and type) and lets its holder in, once: however " +
			"many gates scan the same ticket at the same moment, one is 200 and the others 409 with `checked_in_at`, " +
			"when the first scan was. A cancelled ticket, or one of a cancelled performance, is 410; a queue token, a " +
			"forged or altered credential, or a ticket of another sale than the gate's is 400. A gate offline can check " +
			"the signature alone with the ticket key in /.well-known/jwks.json (`boxoffice verify-ticket`), but only " +
			"this call knows whether the ticket was used or cancelled.",
	}, http.StatusBadRequest, http.StatusConflict, http.StatusGone, http.StatusServiceUnavailable), func(ctx context.Context, in *checkInInput) (*checkInOutput, error) {
		cred, err := s.Tickets.Verify(in.Body.Ticket)
		if err != nil {
			return nil, bodyProblem(ctx, s.Logger, core.InvalidField("ticket", "%s", err.Error()))
		}
		var gate core.SaleID
		if in.Body.SaleID != nil {
			gate = core.SaleID(*in.Body.SaleID)
		}
		t, err := s.CheckIns.CheckIn(ctx, cred, gate)
		if err != nil {
			return nil, bodyProblem(ctx, s.Logger, err)
		}
		r := t.Reservation
		return &checkInOutput{Body: CheckInBody{
			Status: "admitted", TicketID: string(r.ID), SaleID: string(r.SaleID), Date: r.Date.String(), SeatID: r.Seat, Section: r.Section,
			Holder: string(r.UserID), CheckedInAt: t.CheckedInAt.UTC(),
		}}, nil
	})
}
