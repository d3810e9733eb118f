// Package workflowtest builds the environment the workflow tests share: the SDK's test
// environment with time skipping, and the real application on the memory adapter, reading the
// environment's skipped clock.
package workflowtest

import (
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
)

// Start is the environment's time at the start of every test.
var Start = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// Env is a test workflow environment with the application its activities drive.
type Env struct {
	*testsuite.TestWorkflowEnvironment
	Store *memory.Store
	App   *core.BoxOffice
}

// New returns an environment at Start whose application runs on an empty memory store.
func New(t *testing.T, policy core.Policy) *Env {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(Start)
	store := memory.NewStore()
	app, err := core.New(core.Ports{
		Tokens: store, Catalog: store, Reservations: store, Wallets: store, Locks: store,
		Lifecycle: memory.NewLifecycle(core.SystemClock{}), Clock: clock{env},
		Admission: memory.NewAdmission(policy.Admission),
	}, policy)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{TestWorkflowEnvironment: env, Store: store, App: app}
}

// clock lets the application read the environment's skipped time.
type clock struct {
	env *testsuite.TestWorkflowEnvironment
}

func (c clock) Now() time.Time { return c.env.Now().UTC() }
