package admission

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register adds the admission workflow and its activity to a worker.
func Register(r worker.Registry, admitter Admitter) {
	acts := &Activities{Admitter: admitter}
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivityWithOptions(acts.Admit, activity.RegisterOptions{Name: ActivityAdmit})
}
