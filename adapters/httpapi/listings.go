package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
)

type datesOutput struct {
	Body []string `doc:"Performance dates (YYYY-MM-DD) of the token's sale from today on with at least one available seat."`
}

// SeatBody is one seat as a fan sees it.
type SeatBody struct {
	SeatID  int    `json:"seat_id" minimum:"1" doc:"Seat number, from 1."`
	Status  string `json:"status" enum:"available,reserved"`
	Section string `json:"section" doc:"The price section the seat is in."`
	Price   int64  `json:"price" doc:"In won: an available seat's section price, what a hold of it now costs; a reserved seat's the price it was held or bought at."`
}

type seatsOutput struct {
	Body []SeatBody
}

type seatsInput struct {
	Date string `query:"date" format:"date" doc:"Performance date, YYYY-MM-DD. For compatibility the date may instead come as a JSON body {\"date\": \"YYYY-MM-DD\"}; given both ways, they must agree." example:"2026-12-24"`
}

// seatsBody is the seed spec's other way of naming the date: a JSON body on the GET. It is not
// declared in the OpenAPI document (browsers' fetch cannot send a GET with a body), but it is
// read as strictly as any declared body.
type seatsBody struct {
	Date string `json:"date" format:"date"`
}

type seatsBodyKey struct{}

// readSeatsBody validates the optional JSON body of GET /api/tickets/seats like any other body
// (size, content type, fields) and passes its date on.
func readSeatsBody(api huma.API) func(huma.Context, func(huma.Context)) {
	registry := huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer)
	schema := huma.SchemaFromType(registry, reflect.TypeFor[seatsBody]())
	return func(ctx huma.Context, next func(huma.Context)) {
		raw, err := io.ReadAll(io.LimitReader(ctx.BodyReader(), MaxBodyBytes+1))
		var netErr net.Error
		switch {
		case errors.As(err, &netErr) && netErr.Timeout():
			_ = huma.WriteErr(api, ctx, http.StatusRequestTimeout, "")
			return
		case err != nil:
			_ = huma.WriteErr(api, ctx, http.StatusInternalServerError, humaCannotReadBody)
			return
		case len(raw) > MaxBodyBytes:
			_ = huma.WriteErr(api, ctx, http.StatusRequestEntityTooLarge, "")
			return
		case len(raw) == 0:
			next(ctx)
			return
		}
		contentType := ctx.Header("Content-Type")
		if contentType == "" {
			contentType = "application/json"
		}
		var parsed any
		if err := api.Unmarshal(contentType, raw, &parsed); err != nil {
			status := http.StatusBadRequest
			if errors.Is(err, huma.ErrUnknownContentType) {
				status = http.StatusUnsupportedMediaType
			}
			_ = huma.WriteErr(api, ctx, status, humaValidationFailed, &huma.ErrorDetail{Location: "body", Message: err.Error()})
			return
		}
		res := &huma.ValidateResult{}
		pb := huma.NewPathBuffer(make([]byte, 0, 64), 0)
		pb.Push("body")
		huma.Validate(registry, schema, pb, huma.ModeWriteToServer, parsed, res)
		if len(res.Errors) > 0 {
			_ = huma.WriteErr(api, ctx, http.StatusBadRequest, humaValidationFailed, res.Errors...)
			return
		}
		next(huma.WithValue(ctx, seatsBodyKey{}, parsed.(map[string]any)["date"].(string)))
	}
}

// seatsDate is the date a seat listing asks for, by query or by body, and the part of the
// request it came from ("query." or "body."), to locate its errors.
func seatsDate(ctx context.Context, query string) (date, part string, err error) {
	body, _ := ctx.Value(seatsBodyKey{}).(string)
	switch {
	case query != "" && body != "" && query != body:
		return "", "", huma.NewError(http.StatusBadRequest, humaValidationFailed, &huma.ErrorDetail{
			Location: "query.date", Value: query,
			Message: fmt.Sprintf("disagrees with the body's date %s; name the date once, by ?date= or by the body", body),
		})
	case query != "":
		return query, "query.", nil
	case body != "":
		return body, "body.", nil
	}
	return "", "", huma.NewError(http.StatusBadRequest, humaValidationFailed, &huma.ErrorDetail{
		Location: "query.date", Message: "date is required: ?date=YYYY-MM-DD",
	})
}

// registerListings registers what admitted fans browse: the dates with seats left and the seats
// of a date.
func registerListings(api huma.API, s *server) {
	huma.Register(api, secured(huma.Operation{
		OperationID: "listDates",
		Method:      http.MethodGet,
		Path:        "/api/tickets/dates",
		Summary:     "List dates with seats left",
		Description: "The dates of the sale your token queues for.",
		Tags:        []string{"tickets"},
	}, http.StatusForbidden), func(ctx context.Context, _ *struct{}) (*datesOutput, error) {
		dates, err := s.Listings.OpenDates(ctx, caller(ctx))
		if err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		out := &datesOutput{Body: make([]string, len(dates))}
		for i, d := range dates {
			out.Body[i] = d.String()
		}
		return out, nil
	})

	seats := secured(huma.Operation{
		OperationID: "listSeats",
		Method:      http.MethodGet,
		Path:        "/api/tickets/seats",
		Summary:     "List the seats of a date",
		Description: "The seats of a date of the sale your token queues for (a date of another sale is 400), each with " +
			"its section and price. A seat is reserved while it is held or sold; a hold past its deadline shows as available, " +
			"unless its payment was accepted before the deadline (then for up to a minute more, while the payment settles). " +
			"The listing may be up to BOXOFFICE_SEATS_STALENESS old (250 ms by default) for others' seats; your own holds, payments " +
			"and cancellations show in your very next listing, on any instance. " +
			"Name the date with ?date=; for compatibility it may instead come as a JSON body {\"date\": \"YYYY-MM-DD\"}, " +
			"read as strictly as any other body. A cancelled performance's seats are not for sale: 410.",
		Tags: []string{"tickets"},
	}, http.StatusBadRequest, http.StatusForbidden, http.StatusGone, http.StatusRequestTimeout, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	seats.Middlewares = huma.Middlewares{readSeatsBody(api)}
	huma.Register(api, seats, func(ctx context.Context, in *seatsInput) (*seatsOutput, error) {
		date, part, err := seatsDate(ctx, in.Date)
		if err != nil {
			return nil, err
		}
		seats, err := s.Listings.Seats(ctx, caller(ctx), date)
		if err != nil {
			return nil, problemIn(ctx, s.Logger, part, err)
		}
		out := &seatsOutput{Body: make([]SeatBody, len(seats))}
		for i, st := range seats {
			out.Body[i] = SeatBody{SeatID: st.No, Status: st.Status.String(), Section: st.Section, Price: int64(st.Price)}
		}
		return out, nil
	})
}
