package temporal

import (
	"context"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/workflows"
	"github.com/boxoffice/boxoffice/workflows/admission"
	"github.com/boxoffice/boxoffice/workflows/sweep"
)

// Admission steers the queue admission workflow.
type Admission struct {
	client client.Client
	queue  string
}

var _ queue.Loop = (*Admission)(nil)

// NewAdmission steers the admission workflow of the default queue.
func NewAdmission(c client.Client) *Admission {
	return &Admission{client: c, queue: admission.DefaultQueue}
}

// Start starts the admission workflow with s unless it already runs, in which case the running
// one keeps its settings (change them with Change).
func (a *Admission) Start(ctx context.Context, s queue.Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	_, err := a.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       admission.WorkflowID(a.queue),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, admission.WorkflowName, admission.State{Settings: s})
	return err
}

// Stats returns the workflow's counters and settings.
func (a *Admission) Stats(ctx context.Context) (admission.State, error) {
	v, err := a.client.QueryWorkflow(ctx, admission.WorkflowID(a.queue), "", admission.QueryStats)
	if err != nil {
		return admission.State{}, err
	}
	var st admission.State
	return st, v.Get(&st)
}

// Settings implements queue.Loop by querying the workflow.
func (a *Admission) Settings(ctx context.Context) (queue.Settings, error) {
	st, err := a.Stats(ctx)
	return st.Settings, err
}

// Change implements queue.Loop: the update carries the change, which the workflow applies to
// the settings it runs with, so concurrent changes all apply.
func (a *Admission) Change(ctx context.Context, c queue.Change) (queue.Settings, error) {
	handle, err := a.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   admission.WorkflowID(a.queue),
		UpdateName:   admission.UpdateSettings,
		Args:         []any{c},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return queue.Settings{}, err
	}
	var applied queue.Settings
	return applied, handle.Get(ctx, &applied)
}

// StartSweep starts the workflow that sweeps overdue holds, unless it runs already.
func StartSweep(ctx context.Context, c client.Client) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       sweep.WorkflowID,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, sweep.WorkflowName, sweep.State{})
	return err
}
