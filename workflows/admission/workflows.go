package admission

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/core"
)

// ticksPerRun bounds the history of one run; the workflow then continues as new.
const ticksPerRun = 500

var admitOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, MaximumInterval: 5 * time.Second},
}

// Workflow admits fans tick after tick, for as long as the sale runs.
func Workflow(ctx workflow.Context, st State) error {
	q := &queue{state: st}
	if err := q.setup(ctx); err != nil {
		return err
	}
	return q.run(ctx)
}

type queue struct {
	state State
}

func (q *queue) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStats, func() (State, error) { return q.state, nil }); err != nil {
		return err
	}
	// The update carries the change itself, applied to the settings of the moment: two
	// operators changing rate and ceiling at once both get their change.
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateSettings,
		func(ctx workflow.Context, c core.AdmissionChange) (core.AdmissionSettings, error) {
			q.state.Settings = c.Apply(q.state.Settings) // the next tick uses it
			return q.state.Settings, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, c core.AdmissionChange) error { return c.Validate() }},
	)
}

func (q *queue) run(ctx workflow.Context) error {
	actx := workflow.WithActivityOptions(ctx, admitOptions)
	for tick := 0; ; tick++ {
		if tick >= ticksPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			return workflow.NewContinueAsNewError(ctx, Workflow, q.state)
		}
		s := q.state.Settings
		var res AdmitResult
		if err := workflow.ExecuteActivity(actx, ActivityAdmit, s).Get(ctx, &res); err != nil {
			return err
		}
		q.state.Ticks++
		q.state.AdmittedTotal += int64(res.Admitted)
		q.state.ExpiredTotal += int64(res.Expired)
		q.state.AbandonedTotal += int64(res.Abandoned)
		q.state.ReleasedHoldsTotal += int64(res.ReleasedHolds)
		q.state.LastAdmitted = res.Admitted
		if err := workflow.Sleep(ctx, s.Tick); err != nil {
			return err
		}
	}
}
