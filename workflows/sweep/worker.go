package sweep

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register adds the sweep workflow and its activity to a worker.
func Register(r worker.Registry, sweeper Sweeper) {
	acts := &Activities{Sweeper: sweeper}
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivityWithOptions(acts.Sweep, activity.RegisterOptions{Name: ActivitySweep})
}
