package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
)

// PerformanceInPath is the performance an operator's path names.
type PerformanceInPath struct {
	SaleInPath
	Date string `path:"date" format:"date" doc:"The performance's date." example:"2030-09-01"`
}

// PerformanceCancellationBody is how far a performance's cancellation has come.
type PerformanceCancellationBody struct {
	SaleID      string                  `json:"sale_id"`
	Date        string                  `json:"date" format:"date"`
	Status      cancellationStatusField `json:"status"`
	CancelledAt time.Time               `json:"cancelled_at" doc:"When the date was closed (RFC 3339, UTC): from then on no seat of it can be held."`
	Total       int                     `json:"total" doc:"Paid tickets the cancellation refunds in full: refunded and still to refund."`
	Refunded    int                     `json:"refunded" doc:"Tickets refunded so far, each exactly once."`
	HoldsLeft   int                     `json:"holds_left" doc:"Holds of the date still to end."`
	CheckedIn   int                     `json:"checked_in" doc:"Paid tickets kept because their holders had come in before the cancellation."`
}

type performanceCancellationOutput struct {
	Body PerformanceCancellationBody
}

// registerPerformanceCancellation registers an operator's cancellation of a performance and
// its progress.
func registerPerformanceCancellation(api huma.API, o *operators) {
	const path = "/api/admin/sales/{sale_id}/performances/{date}/cancel"
	huma.Register(api, admin(huma.Operation{
		OperationID:   "cancelPerformance",
		Method:        http.MethodPost,
		Path:          path,
		Summary:       "Cancel a performance and refund its tickets",
		DefaultStatus: http.StatusAccepted,
		Description: "Closes the date at once (no seat of it can be held, it is listed no more) and starts its " +
			"cancellation, a Temporal workflow (cancellation/<sale_id>/<date>) that ends its holds and refunds every paid " +
			"ticket in full, no fee, exactly once, in batches. Tickets checked in already are kept. Asking again starts " +
			"nothing new and never refunds twice; GET this path follows the progress.",
	}, http.StatusBadRequest, http.StatusNotFound, http.StatusServiceUnavailable), func(ctx context.Context, in *PerformanceInPath) (*performanceCancellationOutput, error) {
		p, err := o.cancellations.Cancel(ctx, core.SaleID(in.SaleID), in.Date)
		return cancellationOutput(ctx, o, p, err)
	})
	huma.Register(api, admin(huma.Operation{
		OperationID: "performanceCancellation",
		Method:      http.MethodGet,
		Path:        path,
		Summary:     "Follow a performance's cancellation",
		Description: "How far the cancellation of a performance has come, from the database: what it refunded and what it " +
			"has left. 404 for a performance not cancelled.",
	}, http.StatusBadRequest, http.StatusNotFound), func(ctx context.Context, in *PerformanceInPath) (*performanceCancellationOutput, error) {
		p, err := o.cancellations.Progress(ctx, core.SaleID(in.SaleID), in.Date)
		return cancellationOutput(ctx, o, p, err)
	})
}

// cancellationStatusField is where a performance's cancellation is.
type cancellationStatusField string

// Schema implements huma.SchemaProvider, naming the clients' constants after the cancellation.
func (cancellationStatusField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Enum: []any{"running", "completed"},
		Description: "running while holds are to end or tickets to refund; completed once none is left.",
		Extensions:  map[string]any{"x-enum-varnames": []string{"CancellationRunning", "CancellationCompleted"}}}
}

func cancellationOutput(ctx context.Context, o *operators, p booking.Progress, err error) (*performanceCancellationOutput, error) {
	if err != nil {
		return nil, o.adminProblem(ctx, err)
	}
	status := cancellationStatusField("running")
	if p.Done() {
		status = "completed"
	}
	return &performanceCancellationOutput{Body: PerformanceCancellationBody{
		SaleID: string(p.SaleID), Date: p.Date.String(), Status: status, CancelledAt: p.CancelledAt.UTC(), Total: p.Total(),
		Refunded: p.Refunded, HoldsLeft: p.Held, CheckedIn: p.CheckedIn,
	}}, nil
}
