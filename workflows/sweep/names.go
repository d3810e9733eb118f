// Package sweep is the Temporal workflow behind every hold's own: a long-running loop that
// releases holds long past their deadline whose release never ran (a hold whose workflow could
// not be started, say), so no seat stays held for good whatever failed.
package sweep

import "time"

// Names other packages use to reach this workflow.
const (
	WorkflowName  = "HoldSweep"
	WorkflowID    = "sweep/overdue-holds"
	QueryStats    = "stats"
	ActivitySweep = "HoldsReleaseOverdue"
)

// Every is the time between sweeps; a hold is swept once booking.OverdueHoldGrace has passed
// since its deadline, so it is released at most this much later still.
const Every = 15 * time.Second

// State is the workflow's whole state, carried across continue-as-new, and the stats query's
// answer.
type State struct {
	// Every is the time between sweeps; zero is the package's Every.
	Every         time.Duration
	Sweeps        int64
	ReleasedTotal int64 // overdue holds released, each a release its own workflow never ran
	LastReleased  int
}
