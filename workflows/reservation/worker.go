package reservation

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register adds the reservation workflow and its activities, a seat's and an order's, to a worker.
func Register(r worker.Registry, settler Settler) {
	acts := &Activities{Settler: settler}
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivityWithOptions(acts.Settle, activity.RegisterOptions{Name: ActivitySettle})
	r.RegisterActivityWithOptions(acts.Release, activity.RegisterOptions{Name: ActivityRelease})
	r.RegisterActivityWithOptions(acts.ReleaseAtDeadline, activity.RegisterOptions{Name: ActivityReleaseAtDeadline})
	r.RegisterActivityWithOptions(acts.SettleOrder, activity.RegisterOptions{Name: ActivitySettleOrder})
	r.RegisterActivityWithOptions(acts.ReleaseOrder, activity.RegisterOptions{Name: ActivityReleaseOrder})
	r.RegisterActivityWithOptions(acts.ReleaseOrderAtDeadline, activity.RegisterOptions{Name: ActivityReleaseOrderAtDeadline})
}
