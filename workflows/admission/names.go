// Package admission is the long-running Temporal workflow of a sale's waiting room, one per
// sale (admission/<sale_id>): every tick it
// ends expired sessions and admits the next waiting fans in sequence order, at the admission
// rate and up to the active ceiling, both of which operators change during a sale by update.
package admission

import (
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// Names other packages use to reach this workflow.
const (
	WorkflowName   = "QueueAdmission"
	UpdateSettings = "settings"
	QueryStats     = "stats"
	ActivityAdmit  = "QueueAdmit"
	// SignalWake rouses a workflow asleep because nobody waited: a fan joined, or the sale changed.
	SignalWake = "wake"
)

// WorkflowID is the id of a sale's admission workflow.
func WorkflowID(sale core.SaleID) string { return "admission/" + string(sale) }

// LegacyWorkflowID is the id of the one admission workflow of the releases before sales: the
// worker retires it, since each sale's own workflow admits its fans now.
const LegacyWorkflowID = "queue/main"

// State is the workflow's whole state, carried across continue-as-new, and the stats query's answer.
type State struct {
	// SaleID is the sale whose fans the workflow admits; empty in the histories of the one
	// queue before sales.
	SaleID        core.SaleID
	Settings      queue.Settings
	Ticks         int64
	AdmittedTotal int64
	ExpiredTotal  int64
	// AbandonedTotal counts waiting fans skipped because they stopped polling.
	AbandonedTotal int64
	LastAdmitted   int // fans admitted by the latest tick
	// Allowance turns the rate into each tick's batch by the time since the tick before, so
	// the rate holds though the server fires the tick's timer late.
	Allowance queue.Allowance
}

// Tick is what one admission tick is asked: the sale, the settings in force, and how many fans
// it may admit (absent in ticks scheduled before the allowance: the settings' batch).
type Tick struct {
	SaleID   core.SaleID
	Settings queue.Settings
	Batch    *int `json:",omitempty"`
}

// AdmitResult is what one tick did.
type AdmitResult struct {
	// Closed says the sale has closed: the workflow completes.
	Closed    bool
	Admitted  int
	Expired   int
	Abandoned int
	Drawn     int // early fans placed by the opening draw
	// Waiting is how many fans still wait after the round: none, and the workflow sleeps.
	Waiting int64
}
