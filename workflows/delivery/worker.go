package delivery

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register adds the delivery workflow and its activities to a worker.
func Register(r worker.Registry, courier Courier) {
	acts := &Activities{Courier: courier}
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivityWithOptions(acts.Next, activity.RegisterOptions{Name: ActivityNext})
	r.RegisterActivityWithOptions(acts.Deliver, activity.RegisterOptions{Name: ActivityDeliver})
	r.RegisterActivityWithOptions(acts.DeliverInOrder, activity.RegisterOptions{Name: ActivityDeliverInOrder})
	r.RegisterActivityWithOptions(acts.GiveUp, activity.RegisterOptions{Name: ActivityGiveUp})
}
