package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// Problem is an RFC 9457 problem detail, with the extensions some of boxoffice's errors carry.
type Problem struct {
	huma.ErrorModel
	// Position is the number of fans ahead, on a 403 for a token still waiting.
	Position *int64 `json:"position,omitempty" doc:"Fans ahead in the queue (403 while waiting)."`
	// EstimatedWaitTime is an ISO 8601 duration, on a 403 for a token still waiting.
	EstimatedWaitTime string `json:"estimated_wait_time,omitempty" doc:"ISO 8601 duration until admission (403 while waiting)."`
	// Stalled says admission has stopped moving, on a 403 for a token still waiting.
	Stalled bool `json:"stalled,omitempty" doc:"Admission has not moved for a while, so estimated_wait_time (PT24H) is unknown (403 while waiting)."`
	// OpensAt is the scheduled opening, on a 403 before the sale opens.
	OpensAt *time.Time `json:"opens_at,omitempty" doc:"When the sale opens (403 before it opens)."`
	// CheckedInAt is when a ticket was checked in, on a 409 for a second scan or a cancellation
	// of a ticket used already.
	CheckedInAt *time.Time `json:"checked_in_at,omitempty" doc:"When the ticket was checked in (409 for a second scan, or a cancellation after it)."`
	// CancellableUntil is the deadline a cancellation came after, on a 409.
	CancellableUntil *time.Time `json:"cancellable_until,omitempty" doc:"Until when the ticket could be cancelled (409 past the deadline)."`
	// Balance and Needed are set on a 402.
	Balance *int64 `json:"balance,omitempty" doc:"Current balance (402)."`
	// Taken lists the chosen seats found taken, on a 409 for an order (nothing was held).
	Taken []int `json:"taken,omitempty" doc:"Every chosen seat found taken (409 for an order; none of its seats was held)."`
	// Available is how many seats an order could have had as asked, on a 409.
	Available *int   `json:"available,omitempty" doc:"The most seats this order could have had as asked: in one section, and with together the longest run of consecutive seats (409 for an order)."`
	Needed    *int64 `json:"needed,omitempty" doc:"Amount the payment needs (402)."`
}

// newProblem is the error constructor the edge installs in huma (huma.NewError): every error is
// a Problem, so its extensions appear in the OpenAPI document, and huma's own refusals are
// restated in the API's words. The seed spec answers every malformed request with 400, where
// huma would say 422.
func newProblem(status int, msg string, errs ...error) huma.StatusError {
	switch {
	case status == http.StatusUnprocessableEntity:
		status = http.StatusBadRequest
	case status == http.StatusInternalServerError && msg == humaCannotReadBody:
		// The body broke off, or its chunked encoding is malformed: the client's doing.
		status, msg, errs = http.StatusBadRequest, "the request body could not be read: it was cut short or its chunked encoding is malformed; send it again whole", nil
	}
	switch status {
	case http.StatusUnsupportedMediaType:
		msg, errs = "the request body must be JSON: send it with Content-Type: application/json", nil
	case http.StatusRequestEntityTooLarge:
		msg, errs = fmt.Sprintf("the request body is larger than allowed: %d bytes for fans' requests, %d for an operator's sale or performance", MaxBodyBytes, MaxSaleBodyBytes), nil
	case http.StatusRequestTimeout:
		msg, errs = "the request body did not arrive in time; send it again", nil
	}
	if msg == humaValidationFailed {
		msg = "the request is not valid: each entry of errors says where and what is wrong"
	}
	p := &Problem{ErrorModel: huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: msg}}
	for _, err := range errs {
		if err == nil {
			continue
		}
		if d, ok := err.(huma.ErrorDetailer); ok {
			p.Errors = append(p.Errors, withWholeBounds(relocated(d.ErrorDetail())))
		} else {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Message: err.Error()})
		}
	}
	return p
}

// humaBound is huma's refusal of a number out of its schema's range, whose bound it prints as
// a float64 ("expected number <= 1e+07").
var humaBound = regexp.MustCompile(`^(expected number [<>]=? )(\S+)$`)

// withWholeBounds restates a range refusal's bound as the whole number it is (<= 10000000).
func withWholeBounds(d *huma.ErrorDetail) *huma.ErrorDetail {
	m := humaBound.FindStringSubmatch(d.Message)
	if m == nil {
		return d
	}
	if f, err := strconv.ParseFloat(m[2], 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		d.Message = m[1] + strconv.FormatInt(int64(f), 10)
	}
	return d
}

// Messages huma writes for refusals newProblem restates; a test pins each one.
const (
	humaCannotReadBody   = "cannot read request body"
	humaValidationFailed = "validation failed"
)

// problemFor maps a use case's error to its HTTP problem; this is the only place that does.
// Anything not a domain error is logged and answered with a 500 that says nothing of internals.
func problemFor(ctx context.Context, log *slog.Logger, err error) error {
	return problemIn(ctx, log, "", err)
}

// bodyProblem is problemFor for an operation whose fields all come in its JSON body: a field
// the domain refuses is located as huma locates its own refusals (body.performances[0].date).
func bodyProblem(ctx context.Context, log *slog.Logger, err error) error {
	return problemIn(ctx, log, "body.", err)
}

// problemIn is problemFor with the location of refused fields prefixed by part.
func problemIn(ctx context.Context, log *slog.Logger, part string, err error) error {
	var (
		field *core.InvalidFieldError
		holds *booking.TooManyHoldsError
		proof *entry.ProofError
		quota *entry.QuotaError
	)
	msg := detail(err)
	if p := extendedProblem(err, msg); p != nil {
		return p
	}
	switch {
	case errors.As(err, &field):
		location := part + field.Field
		if field.Field == idempotencyKeyHeader {
			location = "header." + field.Field
		}
		return huma.NewError(http.StatusBadRequest, msg, &huma.ErrorDetail{Location: location, Message: field.Reason})
	case errors.As(err, &proof):
		return huma.NewError(http.StatusBadRequest, msg, &huma.ErrorDetail{Location: "body.altcha", Message: proof.Reason})
	case errors.Is(err, core.ErrInvalid):
		return huma.NewError(http.StatusBadRequest, msg)
	case errors.Is(err, core.ErrUnauthenticated):
		return huma.ErrorWithHeaders(huma.NewError(http.StatusUnauthorized, msg), http.Header{"WWW-Authenticate": {`Bearer realm="boxoffice"`}})
	case errors.Is(err, core.ErrRequestInFlight):
		return huma.ErrorWithHeaders(huma.NewError(http.StatusConflict, msg), http.Header{"Retry-After": {"1"}})
	case errors.Is(err, core.ErrConflict):
		return huma.NewError(http.StatusConflict, msg)
	case errors.Is(err, core.ErrPaymentRequired):
		return huma.NewError(http.StatusPaymentRequired, msg)
	case errors.Is(err, core.ErrForbidden):
		return huma.NewError(http.StatusForbidden, msg)
	case errors.Is(err, core.ErrGone):
		return huma.NewError(http.StatusGone, msg)
	case errors.Is(err, core.ErrNotFound):
		return huma.NewError(http.StatusNotFound, msg)
	case errors.As(err, &holds):
		wait := max(1, int(time.Until(holds.FreeAt).Seconds()+0.999))
		return huma.ErrorWithHeaders(huma.NewError(http.StatusTooManyRequests, msg), http.Header{"Retry-After": {strconv.Itoa(wait)}})
	case errors.As(err, &quota):
		wait := strconv.Itoa(max(1, int(quota.RetryAfter/time.Second)))
		return huma.ErrorWithHeaders(huma.NewError(http.StatusTooManyRequests, msg), http.Header{"Retry-After": {wait}})
	case errors.Is(err, core.ErrUnprocessable):
		// Built directly: huma.NewError turns 422 into the spec's 400 for schema failures.
		return &Problem{ErrorModel: huma.ErrorModel{Status: http.StatusUnprocessableEntity, Title: http.StatusText(http.StatusUnprocessableEntity), Detail: msg}}
	case errors.Is(err, core.ErrUnavailable):
		log.WarnContext(ctx, "dependency unavailable", "error", err)
		return huma.ErrorWithHeaders(huma.NewError(http.StatusServiceUnavailable, msg), http.Header{"Retry-After": {"1"}})
	case errors.Is(err, context.Canceled):
		return huma.NewError(499, "client closed the request")
	}
	log.ErrorContext(ctx, "request failed", "error", err)
	return huma.NewError(http.StatusInternalServerError, "internal error; the request may be retried")
}

// extendedProblem is the problem of an error that carries what the client needs next in the
// problem's extensions (a queue position, a balance, when a ticket came in or until when it
// could be cancelled), or nil for any other.
func extendedProblem(err error, msg string) *Problem {
	var (
		waiting *queue.NotAdmittedError
		short   *wallet.InsufficientBalanceError
		in      *booking.CheckedInError
		late    *booking.CancellationClosedError
		taken   *booking.SeatsTakenError
		few     *booking.NotEnoughSeatsError
	)
	switch {
	case errors.As(err, &waiting):
		p := huma.NewError(http.StatusForbidden, msg).(*Problem)
		pos := waiting.Position
		p.Position, p.EstimatedWaitTime, p.Stalled = &pos, core.FormatISODuration(waiting.EstimatedWait), waiting.Stalled
		if !waiting.OpensAt.IsZero() {
			at := waiting.OpensAt.UTC()
			p.OpensAt = &at
		}
		return p
	case errors.As(err, &short):
		p := huma.NewError(http.StatusPaymentRequired, msg).(*Problem)
		bal, need := int64(short.Balance), int64(short.Needed)
		p.Balance, p.Needed = &bal, &need
		return p
	case errors.As(err, &in):
		p := huma.NewError(http.StatusConflict, msg).(*Problem)
		at := in.At.UTC()
		p.CheckedInAt = &at
		return p
	case errors.As(err, &taken):
		p := huma.NewError(http.StatusConflict, msg).(*Problem)
		p.Taken = taken.Taken
		return p
	case errors.As(err, &few):
		p := huma.NewError(http.StatusConflict, msg).(*Problem)
		available := few.Available
		p.Available = &available
		return p
	case errors.As(err, &late):
		p := huma.NewError(http.StatusConflict, msg).(*Problem)
		until := late.Deadline.UTC()
		p.CancellableUntil = &until
		return p
	}
	return nil
}

// hints say, for the domain's errors, which route to turn to next: the domain speaks of
// tokens, dates and seats, the edge of its paths. Each hint is appended to the error's message.
var hints = []struct {
	err  error
	hint string
}{
	{catalog.ErrNoDefaultSale, ": list them with GET /api/sales"},
	{core.ErrUnknownSale, "; list the sales fans can queue for with GET /api/sales"},
	{core.ErrSaleClosed, "; GET /api/sales lists the sales still on"},
	{queue.ErrTokenUnknown, "; request one with POST /api/token"},
	{queue.ErrTokenExpired, "; request a new one with POST /api/token"},
	{core.ErrNotAdmitted, "; poll GET /api/token"},
	{catalog.ErrUnknownDate, "; list dates with GET /api/tickets/dates"},
	{catalog.ErrUnknownSeat, "; list seats with GET /api/tickets/seats"},
	{booking.ErrUnknownTicket, "; hold a seat with POST /api/tickets first"},
	{booking.ErrNotYourTicket, "; hold a seat with POST /api/tickets first"},
	{booking.ErrHoldExpired, "; hold a seat again with POST /api/tickets"},
	{booking.ErrUnknownOrder, "; place one with POST /api/orders"},
	{booking.ErrOrderEnded, "; place another with POST /api/orders"},
	{booking.ErrSeatTaken, "; pick another seat from GET /api/tickets/seats"},
	{wallet.ErrInsufficientBalance, " with POST /api/balance"},
	{booking.ErrNotCancelled, "; POST /api/admin/sales/{sale_id}/performances/{date}/cancel cancels it"},
}

// detail is the problem detail of a domain error: its own message, without the infrastructure
// cause joined after it, and the hint of the route to take next.
func detail(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	for _, h := range hints {
		if errors.Is(err, h.err) {
			return msg + h.hint
		}
	}
	return msg
}
