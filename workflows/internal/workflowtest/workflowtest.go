// Package workflowtest builds the environment the workflow tests share: the SDK's test
// environment with time skipping, and the real application on the memory adapter, reading the
// environment's skipped clock.
package workflowtest

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/porttest"
)

// Start is the environment's time at the start of every test.
var Start = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// Sale is the environment's one sale, on sale with Date: 50 seats at 50,000 won, in one section.
const Sale core.SaleID = "workflow-sale"

// Date is the performance date of Sale.
var Date, _ = core.ParseDate("2030-07-01")

// Env is a test workflow environment with the application its activities drive.
type Env struct {
	*testsuite.TestWorkflowEnvironment
	Store *memory.Store
	App   *app.App
	// Loop is the application's admission loop: the tests play its wakes to the workflow.
	Loop *memory.Admission
}

// New returns an environment at Start whose application runs on a memory store with Sale.
func New(t *testing.T, policy app.Policy) *Env {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(Start)
	store := memory.NewStore()
	loop := memory.NewAdmission(policy.Queue.Admission)
	a, err := app.New(app.Ports{
		Stores: app.StoresOf(store), Loop: loop, Clock: clock{env},
		// The workflows under test run the holds; the SeatHolder's lifecycle is never asked.
		Lifecycle:     func(s *booking.Settler) booking.Lifecycle { return memory.NewLifecycle(core.SystemClock{}, s) },
		Cancellations: func(r *booking.Refunder) booking.Cancellations { return memory.NewCancellations(r) },
	}, policy)
	if err != nil {
		t.Fatal(err)
	}
	sale := catalog.Sale{ID: Sale, Title: "Workflow Test", Venue: "Test Hall", State: core.OnSale, MaxTicketsPerFan: 4, CreatedAt: Start}
	perf := catalog.Performance{SaleID: Sale, Date: Date, Sections: []catalog.Section{{Name: "General", FirstSeat: 1, LastSeat: 50, Price: 50_000}}}
	if err := store.CreateSale(context.Background(), sale, []catalog.Performance{perf}); err != nil {
		t.Fatal(err)
	}
	return &Env{TestWorkflowEnvironment: env, Store: store, App: a, Loop: loop}
}

// clock lets the application read the environment's skipped time.
type clock struct {
	env *testsuite.TestWorkflowEnvironment
}

func (c clock) Now() time.Time { return c.env.Now().UTC() }

// Hold admits r's fan and holds r's seat for them in store at r.CreatedAt, under limit, as a
// fan's hold through the SeatHolder would: it returns the hold as stored.
func Hold(t *testing.T, store *memory.Store, r booking.Reservation, limit int) booking.Reservation {
	t.Helper()
	ctx := context.Background()
	tok, err := porttest.AdmitFan(ctx, store, r.SaleID, r.UserID)
	if err != nil {
		t.Fatal(err)
	}
	held, err := store.HoldSeat(ctx, booking.HoldAttempt{Hold: r, Token: tok, Now: r.CreatedAt, Limit: limit})
	if err != nil {
		t.Fatal(err)
	}
	return held
}
