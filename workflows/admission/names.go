// Package admission is the long-running Temporal workflow of the waiting room: every tick it
// ends expired sessions and admits the next waiting fans in sequence order, at the admission
// rate and up to the active ceiling, both of which operators change during a sale by update.
package admission

import "github.com/boxoffice/boxoffice/core/queue"

// Names other packages use to reach this workflow.
const (
	WorkflowName   = "QueueAdmission"
	UpdateSettings = "settings"
	QueryStats     = "stats"
	ActivityAdmit  = "QueueAdmit"
)

// DefaultQueue names the one queue of this version.
const DefaultQueue = "main"

// WorkflowID is the id of a queue's admission workflow.
func WorkflowID(queue string) string { return "queue/" + queue }

// State is the workflow's whole state, carried across continue-as-new, and the stats query's answer.
type State struct {
	Settings      queue.Settings
	Ticks         int64
	AdmittedTotal int64
	ExpiredTotal  int64
	// AbandonedTotal counts waiting fans skipped because they stopped polling.
	AbandonedTotal int64
	LastAdmitted   int // fans admitted by the latest tick
}

// AdmitResult is what one tick did.
type AdmitResult struct {
	Admitted  int
	Expired   int
	Abandoned int
	Drawn     int // early fans placed by the opening draw
}
