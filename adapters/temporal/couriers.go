package temporal

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/webhook"
	"github.com/boxoffice/boxoffice/workflows"
	"github.com/boxoffice/boxoffice/workflows/delivery"
)

// Couriers implement webhook.Couriers: each endpoint's deliveries are a delivery workflow,
// webhook/<endpoint_id>.
type Couriers struct {
	c client.Client
}

// NewCouriers returns the couriers over a Temporal client.
func NewCouriers(c client.Client) *Couriers { return &Couriers{c: c} }

// Start implements webhook.Couriers: it starts the endpoint's workflow unless it runs.
func (cs *Couriers) Start(ctx context.Context, endpoint core.ID) error {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	_, err := cs.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       delivery.WorkflowID(endpoint),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, delivery.WorkflowName, delivery.Input{EndpointID: endpoint})
	if err != nil {
		return fmt.Errorf("%w: start the endpoint's delivery workflow: %v", core.ErrUnavailable, err)
	}
	return nil
}

var _ webhook.Couriers = (*Couriers)(nil)
