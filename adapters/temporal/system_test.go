package temporal_test

import (
	"context"
	"log/slog"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/adapters/temporal"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
	"github.com/boxoffice/boxoffice/workflows"
)

// system is the application on the memory store with its workflows on a real dev server, and
// a worker registered as production registers it: every workflow and activity, one task queue.
type system struct {
	server *testsuite.DevServer
	client client.Client
	store  *memory.Store
	holds  *temporal.Lifecycle
	app    *app.App
}

// startSystem starts a dev server with serverArgs and the system on it; a cancellation refunds
// batch tickets a round.
func startSystem(t *testing.T, batch int, serverArgs ...string) *system {
	t.Helper()
	server := temporaltest.Start(t, serverArgs...)
	c := server.Client()
	store := memory.NewStore()
	holds := temporal.NewLifecycle(c, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { _ = holds.Close(context.Background()) })
	a, err := app.New(app.Ports{
		Stores: app.StoresOf(store), Loop: temporal.NewAdmission(c), Clock: core.SystemClock{},
		Lifecycle:     func(*booking.Settler) booking.Lifecycle { return holds },
		Cancellations: func(*booking.Refunder) booking.Cancellations { return temporal.NewCancellations(c, batch) },
	}, app.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(c, workflows.TaskQueue, workflows.WorkerOptions(4))
	workflows.Register(w, workflows.Steps{Settler: a.Booking.Settler, Admitter: a.Queue.Admitter, Refunder: a.Booking.Refunder, Sweeper: a.Booking.Sweeper})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return &system{server: server, client: c, store: store, holds: holds, app: a}
}
