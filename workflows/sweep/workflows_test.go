package sweep_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/workflows/internal/workflowtest"
	"github.com/boxoffice/boxoffice/workflows/sweep"
)

// A hold whose own release never runs is released by the sweep once it is overdue by the
// grace, and not before.
func TestSweepReleasesAHoldItsWorkflowNeverReleased(t *testing.T) {
	env := workflowtest.New(t, app.DefaultPolicy)
	sweep.Register(env, env.App.Booking.Sweeper)
	ctx := context.Background()
	r := booking.Reservation{ID: core.NewID(), UserID: "ann", SaleID: workflowtest.Sale, Date: workflowtest.Date, Seat: 1, Section: "General", Price: 50_000, Status: booking.Held,
		HeldUntil: workflowtest.Start.Add(time.Minute), CreatedAt: workflowtest.Start}
	r = workflowtest.Hold(t, env.Store, r, 4)
	status := func() booking.Status {
		got, err := env.Store.Reservation(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	var withinGrace, afterGrace booking.Status
	dueAt := time.Minute + booking.OverdueHoldGrace // since the start
	env.RegisterDelayedCallback(func() { withinGrace = status() }, dueAt-time.Second)
	env.RegisterDelayedCallback(func() { afterGrace = status() }, dueAt+sweep.Every+time.Second)
	var st sweep.State
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(sweep.QueryStats)
		if err == nil {
			err = v.Get(&st)
		}
		if err != nil {
			t.Error(err)
		}
		env.CancelWorkflow()
	}, dueAt+2*sweep.Every)
	env.ExecuteWorkflow(sweep.Workflow, sweep.State{})
	if withinGrace != booking.Held || afterGrace != booking.Released {
		t.Fatalf("hold %v within the grace and %v after it, want held then released", withinGrace, afterGrace)
	}
	if st.ReleasedTotal != 1 || st.Sweeps < 8 {
		t.Fatalf("stats %+v, want 1 released over the sweeps so far", st)
	}
}

func TestSweepContinuesAsNewWithItsState(t *testing.T) {
	env := workflowtest.New(t, app.DefaultPolicy)
	sweep.Register(env, env.App.Booking.Sweeper)
	env.ExecuteWorkflow(sweep.Workflow, sweep.State{ReleasedTotal: 3})
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("workflow ended with %v, want continue-as-new", err)
	}
	var carried sweep.State
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &carried); err != nil {
		t.Fatal(err)
	}
	if carried.Sweeps != 500 || carried.ReleasedTotal != 3 {
		t.Fatalf("carried state %+v, want 500 sweeps and the 3 released before", carried)
	}
}
