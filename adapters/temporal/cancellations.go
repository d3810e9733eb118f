package temporal

import (
	"context"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdktemporal "go.temporal.io/sdk/temporal"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/workflows"
	"github.com/boxoffice/boxoffice/workflows/cancellation"
)

// Cancellations runs each performance's cancellation as a Temporal workflow
// (cancellation/<sale_id>/<date>), found in the UI by its sale and date.
type Cancellations struct {
	client client.Client
	batch  int
}

var _ booking.Cancellations = (*Cancellations)(nil)

// NewCancellations starts cancellations through c, each round ending and refunding up to batch
// holds and tickets (cancellation.DefaultBatch when batch is not positive).
func NewCancellations(c client.Client, batch int) *Cancellations {
	if batch <= 0 {
		batch = cancellation.DefaultBatch
	}
	return &Cancellations{client: c, batch: batch}
}

// Start implements booking.Cancellations: it starts the date's workflow unless it runs. One
// that completed may run again, and finds nothing to refund twice.
func (c *Cancellations) Start(ctx context.Context, sale core.SaleID, d core.Date) error {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	_, err := c.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       cancellation.WorkflowID(sale, d),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: sdktemporal.NewSearchAttributes(
			cancellation.AttrSale.ValueSet(string(sale)),
			cancellation.AttrDate.ValueSet(d.String()),
		),
	}, cancellation.WorkflowName, cancellation.State{SaleID: sale, Date: d.String(), Batch: c.batch})
	return err
}

// Progress is the running or completed workflow's own account, by query.
func (c *Cancellations) Progress(ctx context.Context, sale core.SaleID, d core.Date) (cancellation.State, error) {
	ctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	v, err := c.client.QueryWorkflow(ctx, cancellation.WorkflowID(sale, d), "", cancellation.QueryProgress)
	if err != nil {
		return cancellation.State{}, err
	}
	var st cancellation.State
	return st, v.Get(&st)
}
