package reservation

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"
)

// Registry is the part of a Temporal worker this package registers with.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register adds the reservation workflow and its activities to a worker.
func Register(r Registry, app Settler) {
	acts := &Activities{App: app}
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivityWithOptions(acts.Settle, activity.RegisterOptions{Name: ActivitySettle})
	r.RegisterActivityWithOptions(acts.Release, activity.RegisterOptions{Name: ActivityRelease})
}
