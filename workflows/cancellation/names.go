// Package cancellation is the Temporal workflow of a cancelled performance, one per date
// (cancellation/<sale_id>/<date>): it closes the date, then round after round ends its holds and
// refunds its paid tickets in full, each exactly once, until a last look after a short wait
// finds nothing left; a query reports its progress.
package cancellation

import (
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// Names other packages use to reach this workflow.
const (
	WorkflowName  = "PerformanceCancellation"
	QueryProgress = "progress"
	ActivityClose = "CancellationClose"
	ActivityRound = "CancellationRound"
)

// Statuses of the progress query and the admin API.
const (
	StatusRunning   = "running"
	StatusCompleted = "completed"
)

// Search attributes the Temporal UI finds a cancellation by: the holds' sale and date.
var (
	AttrSale = reservation.AttrSale
	AttrDate = reservation.AttrDate
)

// WorkflowID is the id of the cancellation of a sale's date.
func WorkflowID(sale core.SaleID, d core.Date) string {
	return "cancellation/" + string(sale) + "/" + d.String()
}

// DefaultBatch is how many holds and tickets a round ends and refunds at most.
const DefaultBatch = 100

// State is the workflow's whole state, carried across continue-as-new, and the progress
// query's answer.
type State struct {
	SaleID core.SaleID
	Date   string // YYYY-MM-DD
	Batch  int
	Status string
	Closed bool // the date is closed to holds
	Rounds int
	// Released and Refunded count what this workflow's rounds did.
	Released int
	Refunded int
	// Left is what the latest round left: holds, tickets still to refund, tickets kept because
	// their holders came in, and the tickets refunded for the cancellation in all.
	Left Tally
	// LastLook says the latest round found nothing left and the workflow waited before looking
	// once more, for a hold or payment that was in flight when the date closed.
	LastLook bool
}

// Tally is booking.Tally in the workflow's history.
type Tally struct {
	Held, Paid, CheckedIn, Refunded int
}

// Round is what one round is asked.
type Round struct {
	SaleID core.SaleID
	Date   string
	Batch  int
}

// RoundResult is what one round did and left.
type RoundResult struct {
	Released int
	Refunded int
	Left     Tally
}
