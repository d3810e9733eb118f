package temporal_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/porttest"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// A fan who wins a seat hears so without waiting on Temporal: with the dev server stopped (it
// answers nothing, as an overloaded cluster would not), the hold is won within a deadline far
// shorter than a workflow start's. Once the server is back, the payment settles, and the hold
// has one workflow, whichever started it first: the queued start or the payment.
func TestAHoldIsWonWhileTemporalAnswersNothing(t *testing.T) {
	sys := startSystem(t, 1)
	const sale core.SaleID = "stalled"
	sys.putOn(t, sale, 10)
	ctx := context.Background()
	tok, err := porttest.AdmitFan(ctx, sys.store, sale, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sys.store.Charge(ctx, "ann", 1_000, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	caller := core.Caller{TokenID: tok, UserID: "ann", SaleID: sale}

	resume := temporaltest.Stall(t, sys.server)
	holdCtx, cancel := context.WithTimeout(ctx, 3*time.Second) // a start would wait temporal.CallTimeout
	r, err := sys.app.Booking.SeatHolder.HoldSeat(holdCtx, caller, showDate.String(), 1)
	cancel()
	if err != nil {
		t.Fatalf("holding a seat while Temporal answers nothing: %v", err)
	}
	resume()

	rc, err := sys.app.Booking.Checkout.Pay(ctx, caller, booking.PayRequest{TicketID: string(r.ID), SeatID: 1, Date: showDate.String()}, "pay-1")
	if err != nil {
		t.Fatalf("pay: %v", err)
	}
	if rc.ReservationID != r.ID || rc.Amount != 1_000 {
		t.Fatalf("receipt %+v for reservation %s of 1,000", rc, r.ID)
	}
	run := expectEnded(t, sys, r.ID, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, reservation.StatusPaid)
	closeHolds(t, sys.holds) // the queued start, if the payment started the workflow first
	expectSameRun(t, sys, r.ID, run)
}

// A hold whose workflow never started (its API instance died with the start queued) is paid all
// the same: the payment starts the workflow with its update.
func TestAPaymentStartsTheWorkflowOfAHoldWhoseStartWasLost(t *testing.T) {
	sys := startSystem(t, 1)
	const sale core.SaleID = "lost-start"
	sys.putOn(t, sale, 10)
	r := sys.holdWithoutWorkflow(t, sale, "bob", 1, time.Hour)
	if _, err := sys.store.Charge(context.Background(), "bob", 1_000, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	rc, err := sys.holds.Pay(context.Background(), r, "")
	if err != nil {
		t.Fatalf("pay a hold without a workflow: %v", err)
	}
	if rc.ReservationID != r.ID || rc.PaymentID == "" {
		t.Fatalf("receipt %+v", rc)
	}
	expectEnded(t, sys, r.ID, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, reservation.StatusPaid)
}

// A hold's workflow runs once: once it has released the seat, a late payment is refused as
// expired rather than starting it again, and so is a start that comes late.
func TestAFinishedHoldIsNeverStartedAgain(t *testing.T) {
	sys := startSystem(t, 1)
	const sale core.SaleID = "finished"
	sys.putOn(t, sale, 10)
	ctx := context.Background()
	r := sys.holdWithoutWorkflow(t, sale, "cat", 1, 2*time.Second)
	if err := sys.holds.StartHold(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := awaitWorkflow(t, sys, r.ID).Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	run := expectEnded(t, sys, r.ID, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, reservation.StatusReleased)
	if _, err := sys.store.Charge(ctx, "cat", 1_000, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := sys.holds.Pay(ctx, r, ""); !errors.Is(err, booking.ErrHoldExpired) {
		t.Fatalf("paying a released hold: %v, want %v", err, booking.ErrHoldExpired)
	}
	if err := sys.holds.StartHold(ctx, r); err != nil {
		t.Fatal(err)
	}
	closeHolds(t, sys.holds)
	expectSameRun(t, sys, r.ID, run)
}

// Closing the lifecycle starts every hold still queued before it returns: the holds are
// queued while Temporal answers nothing, so their starts are all still to do when Close is
// called.
func TestClosingTheLifecycleStartsTheQueuedHolds(t *testing.T) {
	sys := startSystem(t, 1)
	const sale core.SaleID = "closing"
	sys.putOn(t, sale, 40)
	ctx := context.Background()
	var holds []booking.Reservation
	for seat := 1; seat <= 40; seat++ {
		holds = append(holds, sys.holdWithoutWorkflow(t, sale, core.UserID(fmt.Sprintf("fan-%02d", seat)), seat, time.Hour))
	}
	resume := temporaltest.Stall(t, sys.server)
	for _, r := range holds {
		if err := sys.holds.StartHold(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	resume()
	closeHolds(t, sys.holds)
	for _, r := range holds {
		d, err := sys.client.DescribeWorkflowExecution(ctx, reservation.WorkflowID(string(r.ID)), "")
		if err != nil {
			t.Fatalf("hold %s of seat %d has no workflow after Close: %v", r.ID, r.Seat, err)
		}
		if s := d.GetWorkflowExecutionInfo().GetStatus(); s != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			t.Fatalf("hold of seat %d: workflow %s, want running", r.Seat, s)
		}
	}
}

// A lifecycle whose Close runs out of time while Temporal answers nothing gives up its starts
// and says how many, instead of retrying each until its hold's deadline (an hour here).
func TestClosingTheLifecycleGivesUpAtItsDeadline(t *testing.T) {
	sys := startSystem(t, 1)
	const sale core.SaleID = "closing-late"
	sys.putOn(t, sale, 21)
	ctx := context.Background()
	resume := temporaltest.Stall(t, sys.server)
	defer resume()
	for seat := 1; seat <= 20; seat++ {
		r := sys.holdWithoutWorkflow(t, sale, core.UserID(fmt.Sprintf("fan-%02d", seat)), seat, time.Hour)
		if err := sys.holds.StartHold(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	closeCtx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	began := time.Now()
	err := sys.holds.Close(closeCtx)
	if err == nil || !strings.Contains(err.Error(), "20 holds' workflows not started") {
		t.Fatalf("Close with Temporal stalled: %v, want 20 holds not started", err)
	}
	if took := time.Since(began); took > 20*time.Second {
		t.Fatalf("Close took %s to give up, past its one-second deadline by far", took)
	}
	// After Close a hold is started in the request, which waits on Temporal.
	late := sys.holdWithoutWorkflow(t, sale, "late", 21, time.Hour)
	lateCtx, cancelLate := context.WithTimeout(ctx, time.Second)
	defer cancelLate()
	if err := sys.holds.StartHold(lateCtx, late); err == nil {
		t.Fatal("a hold started after Close reported success while Temporal answers nothing")
	}
}

// holdWithoutWorkflow stores a hold of seat for user, as the SeatHolder does, without starting its
// workflow.
func (s *system) holdWithoutWorkflow(t *testing.T, sale core.SaleID, user core.UserID, seat int, ttl time.Duration) booking.Reservation {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	tok, err := porttest.AdmitFan(ctx, s.store, sale, user)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.store.HoldSeat(ctx, booking.HoldAttempt{Token: tok, Now: now, Limit: 4, Hold: booking.Reservation{ID: core.NewID(), UserID: user,
		SaleID: sale, Date: showDate, Seat: seat, Status: booking.Held, HeldUntil: now.Add(ttl), CreatedAt: now}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func closeHolds(t *testing.T, holds interface{ Close(context.Context) error }) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := holds.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// awaitWorkflow waits for the hold's workflow to be started (its start is queued) and returns it.
func awaitWorkflow(t *testing.T, s *system, id core.ID) interface {
	Get(context.Context, any) error
} {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := s.client.DescribeWorkflowExecution(context.Background(), reservation.WorkflowID(string(id)), "")
		var notFound *serviceerror.NotFound
		switch {
		case err == nil:
			return s.client.GetWorkflow(context.Background(), reservation.WorkflowID(string(id)), "")
		case !errors.As(err, &notFound) || time.Now().After(deadline):
			t.Fatalf("the hold's workflow: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// expectEnded checks the hold's workflow ended as want with the status given, and returns its
// run.
func expectEnded(t *testing.T, s *system, id core.ID, want enumspb.WorkflowExecutionStatus, status string) (runID string) {
	t.Helper()
	ctx := context.Background()
	d, err := s.client.DescribeWorkflowExecution(ctx, reservation.WorkflowID(string(id)), "")
	if err != nil {
		t.Fatal(err)
	}
	info := d.GetWorkflowExecutionInfo()
	if info.GetStatus() != want {
		t.Fatalf("the hold's workflow is %s, want %s", info.GetStatus(), want)
	}
	var state reservation.State
	if err := s.client.GetWorkflow(ctx, reservation.WorkflowID(string(id)), "").Get(ctx, &state); err != nil || state.Status != status {
		t.Fatalf("the hold's workflow ended with %+v, %v; want %s", state, err, status)
	}
	return info.GetExecution().GetRunId()
}

// expectSameRun checks the hold's latest run is still runID: nothing started it again.
func expectSameRun(t *testing.T, s *system, id core.ID, runID string) {
	t.Helper()
	d, err := s.client.DescribeWorkflowExecution(context.Background(), reservation.WorkflowID(string(id)), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.GetWorkflowExecutionInfo().GetExecution().GetRunId(); got != runID {
		t.Fatalf("the hold's workflow ran again: run %s after %s", got, runID)
	}
}
