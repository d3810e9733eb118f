package cancellation

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// roundsPerRun bounds the history of one run; the workflow then continues as new. At the
// default batch, one run refunds 50,000 tickets.
const roundsPerRun = 500

// lastLookAfter is how long the workflow waits, once a round finds nothing left, before it looks
// a last time: for a hold taken, or a payment settled, as the date closed.
const lastLookAfter = 3 * time.Second

var (
	closeOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, MaximumInterval: 5 * time.Second, NonRetryableErrorTypes: []string{ErrTypeRefused}},
	}
	roundOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		HeartbeatTimeout:    5 * time.Second, // a killed worker's round is retried within seconds
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, MaximumInterval: 5 * time.Second, NonRetryableErrorTypes: []string{ErrTypeRefused}},
	}
)

// Workflow carries a performance's cancellation through: it closes the date, then runs rounds
// until one finds nothing to do, waits, and completes if a last round finds nothing either.
func Workflow(ctx workflow.Context, st State) (State, error) {
	if st.Batch <= 0 {
		st.Batch = DefaultBatch
	}
	st.Status = StatusRunning
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (State, error) { return st, nil }); err != nil {
		return st, err
	}
	if !st.Closed {
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, closeOptions), ActivityClose, st.SaleID, st.Date).Get(ctx, nil); err != nil {
			return st, err
		}
		st.Closed = true
	}
	actx := workflow.WithActivityOptions(ctx, roundOptions)
	for run := 0; ; run++ {
		if run >= roundsPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return st, workflow.NewContinueAsNewError(ctx, WorkflowName, st) // by name, as admission does
		}
		var res RoundResult
		if err := workflow.ExecuteActivity(actx, ActivityRound, Round{SaleID: st.SaleID, Date: st.Date, Batch: st.Batch}).Get(ctx, &res); err != nil {
			return st, err
		}
		st.Rounds++
		st.Released += res.Released
		st.Refunded += res.Refunded
		st.Left = res.Left
		if res.Released > 0 || res.Refunded > 0 || res.Left.Held > 0 || res.Left.Paid > 0 {
			st.LastLook = false
			continue
		}
		if st.LastLook {
			st.Status = StatusCompleted
			return st, nil
		}
		st.LastLook = true
		if err := workflow.Sleep(ctx, lastLookAfter); err != nil {
			return st, err
		}
	}
}
