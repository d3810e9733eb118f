package cancellation

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register adds the cancellation workflow and its activities to a worker.
func Register(r worker.Registry, refunder Refunder) {
	acts := &Activities{Refunder: refunder}
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivityWithOptions(acts.Close, activity.RegisterOptions{Name: ActivityClose})
	r.RegisterActivityWithOptions(acts.Round, activity.RegisterOptions{Name: ActivityRound})
}
