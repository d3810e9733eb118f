package temporal_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/boxoffice/boxoffice/adapters/temporal"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/porttest"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
	"github.com/boxoffice/boxoffice/workflows/admission"
	"github.com/boxoffice/boxoffice/workflows/cancellation"
	"github.com/boxoffice/boxoffice/workflows/sweep"
)

// recordHistories names the workflows folder: the test then writes a run of each long-running
// workflow that began and ended with a continue-as-new into its package's testdata, for the
// replay tests.
const recordHistories = "BOXOFFICE_RECORD_HISTORIES"

var showDate = core.DateOf(time.Now().AddDate(0, 1, 0))

func (s *system) putOn(t *testing.T, sale core.SaleID, seats int) {
	t.Helper()
	sl := catalog.Sale{ID: sale, Title: "Long Run", Venue: "Test Hall", State: core.OnSale, MaxTicketsPerFan: 4, CreatedAt: time.Now()}
	perf := catalog.Performance{SaleID: sale, Date: showDate, Sections: []catalog.Section{{Name: "General", FirstSeat: 1, LastSeat: seats, Price: 1_000}}}
	if err := s.store.CreateSale(context.Background(), sl, []catalog.Performance{perf}); err != nil {
		t.Fatal(err)
	}
}

// sell holds and pays seats 1..n of the sale's date, one fan each.
func (s *system) sell(t *testing.T, sale core.SaleID, n int) {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	for seat := 1; seat <= n; seat++ {
		user := core.UserID(fmt.Sprintf("buyer-%03d", seat))
		tok, err := porttest.AdmitFan(ctx, s.store, sale, user)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.store.HoldSeat(ctx, booking.HoldAttempt{Token: tok, Now: now, Limit: 4, Hold: booking.Reservation{ID: core.NewID(), UserID: user,
			SaleID: sale, Date: showDate, Seat: seat, Status: booking.Held, HeldUntil: now.Add(time.Hour), CreatedAt: now}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.store.Charge(ctx, user, 1_000, "", now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.store.SettleAcrossAggregates(ctx, booking.Settlement{ReservationID: r.ID, UserID: user, PaymentID: core.NewID(), At: now}); err != nil {
			t.Fatal(err)
		}
	}
}

// Every long-running workflow, started as production starts it and run by a worker registered
// as production registers it, goes through several continue-as-new cycles, each run of its own
// type, and carries its state across: fans keep being admitted run after run, a cancellation
// of more rounds than one run holds refunds every ticket once, and the sweep keeps count. The
// dev server is told to suggest continuing as new after a few dozen events, as it does after
// 4,096 in production, so the cycles come in seconds rather than hours.
func TestLongRunningWorkflowsContinueAsNewOnAProductionWorker(t *testing.T) {
	const (
		fans   = 40
		sold   = 30
		queued = core.SaleID("long-run-queue")
		closed = core.SaleID("long-run-refunds")
	)
	sys := startSystem(t, 1, temporaltest.SuggestContinueAsNewAfter(40)...)
	sys.putOn(t, queued, 10)
	sys.putOn(t, closed, sold)
	sys.sell(t, closed, sold)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	loop := temporal.NewAdmission(sys.client)
	if err := loop.Start(ctx, queued, queue.Settings{AdmitRate: 50, MaxActive: 1_000, Tick: 100 * time.Millisecond, SessionTTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := temporal.StartSweep(ctx, sys.client, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := sys.store.CancelPerformance(ctx, closed, showDate, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := temporal.NewCancellations(sys.client, 1).Start(ctx, closed, showDate); err != nil {
		t.Fatal(err)
	}
	// Fans arrive over several of admission's runs (a run is a few ticks, a tick about a second),
	// through the entrance, which wakes admission whenever it sleeps for want of fans.
	for i := range fans {
		if _, err := sys.app.Queue.Entrance.Issue(ctx, fmt.Sprintf("fan-%03d", i), string(queued)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	var refunds cancellation.State
	if err := sys.client.GetWorkflow(ctx, cancellation.WorkflowID(closed, showDate), "").Get(ctx, &refunds); err != nil {
		t.Fatalf("the cancellation did not complete: %v", err)
	}
	if refunds.Status != cancellation.StatusCompleted || refunds.Refunded != sold {
		t.Errorf("the cancellation ended %+v, want completed with %d refunded", refunds, sold)
	}
	var stats admission.State
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var err error
		if stats, err = loop.Stats(ctx, queued); err == nil && stats.AdmittedTotal == fans || time.Now().After(deadline) {
			break
		}
	}
	if stats.AdmittedTotal != fans {
		t.Errorf("admission's stats %+v, want all %d fans admitted over its runs", stats, fans)
	}

	// The runs go on after the fans are in: wait for a third run of each that is still running.
	for _, id := range []string{admission.WorkflowID(queued), sweep.WorkflowID} {
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
			if runs, err := temporaltest.ReadRuns(ctx, sys.client, id); err != nil || len(runs) >= 3 || time.Now().After(deadline) {
				break
			}
		}
	}
	ticks := checkRuns(t, sys.client, admission.WorkflowID(queued), admission.WorkflowName, "queue-continued.json")
	stats, err := loop.Stats(ctx, queued) // read after the runs it is compared with
	if err != nil {
		t.Fatal(err)
	}
	if stats.Ticks < int64(ticks) {
		t.Errorf("admission counts %d ticks, fewer than its earlier runs' %d: its state was not carried", stats.Ticks, ticks)
	}
	rounds := checkRuns(t, sys.client, cancellation.WorkflowID(closed, showDate), cancellation.WorkflowName, "performance-cancelled-continued.json")
	if refunds.Rounds < rounds {
		t.Errorf("the cancellation counts %d rounds, fewer than its earlier runs' %d", refunds.Rounds, rounds)
	}
	sweeps := checkRuns(t, sys.client, sweep.WorkflowID, sweep.WorkflowName, "sweep-continued.json")
	var swept sweep.State
	v, err := sys.client.QueryWorkflow(ctx, sweep.WorkflowID, "", sweep.QueryStats)
	if err == nil {
		err = v.Get(&swept)
	}
	if err != nil {
		t.Fatal(err)
	}
	if swept.Sweeps < int64(sweeps) || swept.Every != 100*time.Millisecond {
		t.Errorf("the sweep's stats %+v: want at least its earlier runs' %d sweeps and its interval", swept, sweeps)
	}
}

// checkRuns checks that the workflow ran at least three runs, each of its own type, and
// returns how many activities its runs before the latest completed. Under recordHistories it
// writes the second run, which began and ended with a continue-as-new.
func checkRuns(t *testing.T, c client.Client, workflowID, wantType, recordAs string) int {
	t.Helper()
	runs := temporaltest.Runs(t, c, workflowID)
	if len(runs) < 3 {
		t.Errorf("%s ran %d runs, want at least 3 (two continue-as-new cycles)", workflowID, len(runs))
	}
	done := 0
	for i, r := range runs {
		if r.Type != wantType {
			t.Errorf("%s's run %d of %d ran as %q, want %q", workflowID, i+1, len(runs), r.Type, wantType)
		}
		if i < len(runs)-1 {
			done += r.Count(enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
		}
	}
	if dir := os.Getenv(recordHistories); dir != "" && len(runs) >= 3 {
		pkg := map[string]string{admission.WorkflowName: "admission", cancellation.WorkflowName: "cancellation", sweep.WorkflowName: "sweep"}[wantType]
		temporaltest.WriteHistory(t, runs[1], filepath.Join(dir, pkg, "testdata", recordAs))
	}
	return done
}

func TestCancellationOfReadsTheSaleAndDateOfItsWorkflowID(t *testing.T) {
	sale, d, ok := temporal.CancellationOf(cancellation.WorkflowID("summer-nights", showDate))
	if !ok || sale != "summer-nights" || d != showDate {
		t.Fatalf("CancellationOf = %q %v %v, want summer-nights %v", sale, d, ok, showDate)
	}
	for _, id := range []string{admission.WorkflowID("summer-nights"), "cancellation/summer-nights", "cancellation/x/2027-01-01", "cancellation/summer-nights/tomorrow"} {
		if _, _, ok := temporal.CancellationOf(id); ok {
			t.Errorf("CancellationOf(%q) read a cancellation", id)
		}
	}
}
