package admission

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"
)

// Registry is the part of a Temporal worker this package registers with.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register adds the admission workflow and its activity to a worker.
func Register(r Registry, app Admitter) {
	acts := &Activities{App: app}
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivityWithOptions(acts.Admit, activity.RegisterOptions{Name: ActivityAdmit})
}
