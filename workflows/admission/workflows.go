package admission

import (
	"time"

	"github.com/boxoffice/boxoffice/core/queue"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// ticksPerRun bounds the history of one run; the workflow then continues as new.
const ticksPerRun = 500

var admitOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, MaximumInterval: 5 * time.Second},
}

// Workflow admits a sale's fans tick after tick, for as long as the sale runs: it completes
// once the sale has closed.
func Workflow(ctx workflow.Context, st State) error {
	a := &admission{state: st}
	if err := a.setup(ctx); err != nil {
		return err
	}
	return a.run(ctx)
}

type admission struct {
	state State
	woken bool // a wake or a change came since the round began
}

// sleepsWhileIdle is the change that has the workflow run nothing while nobody waits, until it
// is woken; histories from before it tick on.
const sleepsWhileIdle = "sleep-while-nobody-waits"

func (a *admission) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStats, func() (State, error) { return a.state, nil }); err != nil {
		return err
	}
	wakes := workflow.GetSignalChannel(ctx, SignalWake)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for wakes.Receive(ctx, nil) {
			a.woken = true
		}
	})
	// The update carries the change itself, applied to the settings of the moment: two
	// operators changing rate and ceiling at once both get their change.
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateSettings,
		func(ctx workflow.Context, c queue.Change) (queue.Settings, error) {
			a.state.Settings = c.Apply(a.state.Settings) // the next tick uses it
			a.woken = true
			return a.state.Settings, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, c queue.Change) error { return c.Validate() }},
	)
}

func (a *admission) run(ctx workflow.Context) error {
	actx := workflow.WithActivityOptions(ctx, admitOptions)
	sleeps := workflow.GetVersion(ctx, sleepsWhileIdle, workflow.DefaultVersion, 1) == 1
	for tick := 0; ; tick++ {
		if tick >= ticksPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			// By its registered name: every workflow package's function is called Workflow, and
			// the SDK would resolve the function value to whichever registered last.
			return workflow.NewContinueAsNewError(ctx, WorkflowName, a.state)
		}
		s := a.state.Settings
		a.woken = false
		batch, allowance := a.state.Allowance.Next(s, workflow.Now(ctx))
		a.state.Allowance = allowance
		var res AdmitResult
		if err := workflow.ExecuteActivity(actx, ActivityAdmit, Tick{SaleID: a.state.SaleID, Settings: s, Batch: &batch}).Get(ctx, &res); err != nil {
			return err
		}
		if res.Closed {
			return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
		}
		a.state.Ticks++
		a.state.AdmittedTotal += int64(res.Admitted)
		a.state.ExpiredTotal += int64(res.Expired)
		a.state.AbandonedTotal += int64(res.Abandoned)
		a.state.LastAdmitted = res.Admitted
		if sleeps && res.Waiting == 0 {
			if err := a.sleep(ctx); err != nil {
				return err
			}
			continue
		}
		if err := workflow.Sleep(ctx, s.Tick); err != nil {
			return err
		}
	}
}

// sleep waits, running nothing, until a fan who joins or a change wakes the workflow (unless one
// came during the round). The allowance starts afresh: nobody was owed admission meanwhile.
func (a *admission) sleep(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return a.woken }); err != nil {
		return err
	}
	a.state.Allowance = queue.Allowance{}
	return nil
}
