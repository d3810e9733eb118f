package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/boxoffice/boxoffice/core/waitlist"
)

type joinWaitlistInput struct {
	Body struct {
		Date     string `json:"date" format:"date" doc:"Performance date, YYYY-MM-DD." example:"2026-12-24"`
		Quantity int    `json:"quantity" minimum:"1" maximum:"100" doc:"How many seats you wait for, together in one offer: 1 to the sale's max_tickets_per_fan."`
		Section  string `json:"section,omitempty" minLength:"1" maxLength:"100" doc:"The section to wait for; left out, any."`
	}
}

// WaitlistEntryBody is a fan's place on a date's waitlist.
type WaitlistEntryBody struct {
	WaitlistID string              `json:"waitlist_id" format:"uuid" doc:"Leave with DELETE /api/waitlist/{waitlist_id}."`
	Date       string              `json:"date" format:"date"`
	Quantity   int                 `json:"quantity"`
	Section    *string             `json:"section,omitempty" doc:"The section waited for; absent: any."`
	Status     waitlistStatusField `json:"status"`
	Position   *int                `json:"position,omitempty" doc:"While waiting: how many entries of the date joined before yours and still wait."`
	// The offer, while offered (and after).
	OrderID      *string    `json:"order_id,omitempty" format:"uuid" doc:"The order held for you: pay it with POST /api/orders/{order_id}/payment before offer_expires."`
	OfferExpires *time.Time `json:"offer_expires,omitempty" doc:"When the offer's hold ends unless paid; then the seats go to the next fan (RFC 3339, UTC)."`
}

// waitlistStatusField is where an entry stands.
type waitlistStatusField string

// Schema implements huma.SchemaProvider, naming the clients' constants after the waitlist.
func (waitlistStatusField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Enum: []any{"waiting", "offered", "claimed", "expired", "left"},
		Description: "waiting → offered (seats held for you) → claimed (paid), or expired (the offer ran out or was given back, or " +
			"your limit no longer allowed it); left once you left.",
		Extensions: map[string]any{"x-enum-varnames": []string{"WaitlistWaiting", "WaitlistOffered", "WaitlistClaimed", "WaitlistExpired", "WaitlistLeft"}}}
}

type (
	waitlistEntryOutput   struct{ Body WaitlistEntryBody }
	waitlistEntriesOutput struct{ Body []WaitlistEntryBody }
	// WaitlistInPath is the entry a fan's path names.
	WaitlistInPath struct {
		WaitlistID string `path:"waitlist_id" format:"uuid" doc:"The waitlist_id from POST /api/waitlist."`
	}
)

// registerWaitlist registers the fans' waitlist.
func registerWaitlist(api huma.API, s *server) {
	huma.Register(api, secured(huma.Operation{
		OperationID: "joinWaitlist", Method: http.MethodPost, Path: "/api/waitlist", DefaultStatus: http.StatusCreated,
		Summary: "Wait for seats of a sold-out date",
		Description: "Puts you on the waitlist of a date of your token's sale, with any live token (waiting in the queue or " +
			"admitted). When seats of that kind come back (a hold that ran out, a ticket given back), the first entry they " +
			"satisfy gets an offer: an order held for that fan until offer_expires, shown by GET /api/waitlist and " +
			"announced by the waitlist.offered webhook; pay it with POST /api/orders/{order_id}/payment. Unpaid, it goes to " +
			"the next. 409 when enough seats are free (hold them instead) or you wait for that date already.",
		Tags: []string{"waitlist"},
	}, http.StatusBadRequest, http.StatusConflict, http.StatusGone), func(ctx context.Context, in *joinWaitlistInput) (*waitlistEntryOutput, error) {
		e, err := s.Waitlist.Join(ctx, caller(ctx), waitlist.JoinRequest{Date: in.Body.Date, Quantity: in.Body.Quantity, Section: in.Body.Section})
		if err != nil {
			return nil, bodyProblem(ctx, s.Logger, err)
		}
		return &waitlistEntryOutput{Body: waitlistEntryBody(e)}, nil
	})
	huma.Register(api, secured(huma.Operation{
		OperationID: "showWaitlist", Method: http.MethodGet, Path: "/api/waitlist",
		Summary:     "Read your waitlist entries",
		Description: "Every entry of yours in your token's sale, oldest first, whatever its status.",
		Tags:        []string{"waitlist"},
	}), func(ctx context.Context, _ *struct{}) (*waitlistEntriesOutput, error) {
		entries, err := s.Waitlist.Entries(ctx, caller(ctx))
		if err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		out := &waitlistEntriesOutput{Body: make([]WaitlistEntryBody, len(entries))}
		for i, e := range entries {
			out.Body[i] = waitlistEntryBody(e)
		}
		return out, nil
	})
	huma.Register(api, secured(huma.Operation{
		OperationID: "leaveWaitlist", Method: http.MethodDelete, Path: "/api/waitlist/{waitlist_id}", DefaultStatus: http.StatusNoContent,
		Summary: "Leave a waitlist",
		Description: "Your entry leaves the line; an open offer is released at once and goes to the next fan. Leaving again is 204; " +
			"an entry claimed or expired has ended, 409. Another fan's entry is 404.",
		Tags: []string{"waitlist"},
	}, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict), func(ctx context.Context, in *WaitlistInPath) (*struct{}, error) {
		if err := s.Waitlist.Leave(ctx, caller(ctx), in.WaitlistID); err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		return nil, nil
	})
}

func waitlistEntryBody(e waitlist.Entry) WaitlistEntryBody {
	b := WaitlistEntryBody{WaitlistID: string(e.ID), Date: e.Date.String(), Quantity: e.Quantity, Status: waitlistStatusField(e.Status.String())}
	if e.Section != "" {
		b.Section = &e.Section
	}
	if e.Status == waitlist.Waiting {
		pos := e.Position
		b.Position = &pos
	}
	if e.OrderID != "" {
		order, expires := string(e.OrderID), e.OfferExpires.UTC()
		b.OrderID, b.OfferExpires = &order, &expires
	}
	return b
}
