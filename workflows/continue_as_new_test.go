package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/workflows"
	"github.com/boxoffice/boxoffice/workflows/admission"
	"github.com/boxoffice/boxoffice/workflows/cancellation"
	"github.com/boxoffice/boxoffice/workflows/internal/workflowtest"
	"github.com/boxoffice/boxoffice/workflows/sweep"
)

// productionEnv is a test environment whose worker registers every workflow and activity as
// a production worker does (workflows.Register), so a name resolved at run time resolves as
// it would in production.
func productionEnv(t *testing.T) *workflowtest.Env {
	t.Helper()
	policy := app.DefaultPolicy
	policy.Queue.AbandonAfter = 24 * time.Hour // fans wait through the runs
	env := workflowtest.New(t, policy)
	workflows.Register(env, steps(env))
	return env
}

func steps(env *workflowtest.Env) workflows.Steps {
	return workflows.Steps{Settler: env.App.Booking.Settler, Admitter: env.App.Queue.Admitter, Refunder: env.App.Booking.Refunder, Sweeper: env.App.Booking.Sweeper}
}

// continuedAs runs workflowName from input until the environment suggests continuing as new
// (once the given number of activities has completed), and returns the workflow type and
// input it continued with. The sale's date is cancelled with paid tickets left to refund, for
// the cancellation's rounds; the other workflows ignore it.
func continuedAs(t *testing.T, workflowName string, input any, activities int, decoded any) string {
	t.Helper()
	env := productionEnv(t)
	sellAndCancel(t, env, 20)
	// Fans wait behind the ceiling (the buyers fill it), so admission ticks on: it sleeps while
	// nobody waits.
	for i := range 3 {
		if _, err := env.Store.IssueToken(context.Background(), workflowtest.Sale, core.UserID(fmt.Sprintf("waiter-%d", i)), workflowtest.Start); err != nil {
			t.Fatal(err)
		}
	}
	done := 0
	env.SetOnActivityCompletedListener(func(*activity.Info, converter.EncodedValue, error) {
		if done++; done == activities {
			env.SetContinueAsNewSuggested(true)
		}
	})
	env.ExecuteWorkflow(workflowName, input)
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("%s ended with %v, want continue-as-new", workflowName, err)
	}
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, decoded); err != nil {
		t.Fatal(err)
	}
	return can.WorkflowType.Name
}

// sellAndCancel sells seats 1..n of the environment's date, one fan each, and cancels the date.
func sellAndCancel(t *testing.T, env *workflowtest.Env, n int) {
	t.Helper()
	ctx := context.Background()
	for seat := 1; seat <= n; seat++ {
		user := core.UserID(fmt.Sprintf("fan-%02d", seat))
		r := workflowtest.Hold(t, env.Store, booking.Reservation{ID: core.NewID(), UserID: user, SaleID: workflowtest.Sale, Date: workflowtest.Date,
			Seat: seat, Section: "General", Price: 50_000, Status: booking.Held, HeldUntil: workflowtest.Start.Add(time.Hour), CreatedAt: workflowtest.Start}, 100)
		if _, err := env.Store.Charge(ctx, user, 50_000, "", workflowtest.Start); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Store.SettleAcrossAggregates(ctx, booking.Settlement{ReservationID: r.ID, UserID: user, PaymentID: core.NewID(), At: workflowtest.Start}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.Store.CancelPerformance(ctx, workflowtest.Sale, workflowtest.Date, workflowtest.Start); err != nil {
		t.Fatal(err)
	}
}

// Each long-running workflow, on a worker registered as in production, continues as itself
// with its state, run after run. (Every workflow function is called Workflow; continuing as
// new with the function value made admission and cancellation continue as the last one
// registered, the sweep, and stop admitting after their first run.)
func TestLongRunningWorkflowsContinueAsThemselves(t *testing.T) {
	t.Run("admission", func(t *testing.T) {
		st := admission.State{SaleID: workflowtest.Sale, Settings: queue.Settings{AdmitRate: 1, MaxActive: 1, Tick: time.Second}}
		for run := 1; run <= 3; run++ {
			var next admission.State
			if name := continuedAs(t, admission.WorkflowName, st, 10, &next); name != admission.WorkflowName {
				t.Fatalf("run %d continued as %q, want %q", run, name, admission.WorkflowName)
			}
			if next.SaleID != st.SaleID || next.Settings != st.Settings || next.Ticks <= st.Ticks {
				t.Fatalf("run %d carried %+v from %+v: want the sale, its settings and more ticks", run, next, st)
			}
			st = next
		}
	})
	t.Run("cancellation", func(t *testing.T) {
		st := cancellation.State{SaleID: workflowtest.Sale, Date: workflowtest.Date.String(), Batch: 1}
		for run := 1; run <= 3; run++ {
			var next cancellation.State
			if name := continuedAs(t, cancellation.WorkflowName, st, 4, &next); name != cancellation.WorkflowName {
				t.Fatalf("run %d continued as %q, want %q", run, name, cancellation.WorkflowName)
			}
			if !next.Closed || next.Batch != 1 || next.SaleID != st.SaleID || next.Date != st.Date || next.Rounds <= st.Rounds || next.Refunded <= st.Refunded {
				t.Fatalf("run %d carried %+v from %+v: want the date closed, its batch, more rounds and refunds", run, next, st)
			}
			st = next
		}
	})
	t.Run("sweep", func(t *testing.T) {
		st := sweep.State{Every: time.Second}
		for run := 1; run <= 3; run++ {
			var next sweep.State
			if name := continuedAs(t, sweep.WorkflowName, st, 5, &next); name != sweep.WorkflowName {
				t.Fatalf("run %d continued as %q, want %q", run, name, sweep.WorkflowName)
			}
			if next.Every != st.Every || next.Sweeps <= st.Sweeps {
				t.Fatalf("run %d carried %+v from %+v: want its interval and more sweeps", run, next, st)
			}
			st = next
		}
	})
}
