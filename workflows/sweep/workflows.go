package sweep

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// sweepsPerRun bounds the history of one run; the workflow then continues as new.
const sweepsPerRun = 500

var sweepOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
}

// Workflow sweeps every st.Every (Every when unset) for as long as the service runs.
func Workflow(ctx workflow.Context, st State) error {
	if err := workflow.SetQueryHandler(ctx, QueryStats, func() (State, error) { return st, nil }); err != nil {
		return err
	}
	every := st.Every
	if every <= 0 {
		every = Every
	}
	actx := workflow.WithActivityOptions(ctx, sweepOptions)
	for run := 0; run < sweepsPerRun && !workflow.GetInfo(ctx).GetContinueAsNewSuggested(); run++ {
		var released int
		if err := workflow.ExecuteActivity(actx, ActivitySweep).Get(ctx, &released); err != nil {
			return err
		}
		st.Sweeps++
		st.ReleasedTotal += int64(released)
		st.LastReleased = released
		if err := workflow.Sleep(ctx, every); err != nil {
			return err
		}
	}
	return workflow.NewContinueAsNewError(ctx, WorkflowName, st) // by name, as admission does
}
