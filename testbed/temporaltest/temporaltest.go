// Package temporaltest starts the Temporal CLI's dev server for tests that need a real one, and
// reads what ran on it: each run of a workflow that continued as new (for tests, and for the
// soak run of tools/measure).
package temporaltest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// Required makes a missing Temporal CLI fail the test instead of skipping it (CI sets it).
const Required = "BOXOFFICE_E2E_REQUIRED"

// Missing skips a test whose prerequisite (a binary, a setting) is missing, saying which, or
// fails it where Required is set, as in CI.
func Missing(t testing.TB, prerequisite error) {
	t.Helper()
	if os.Getenv(Required) != "" {
		t.Fatalf("%v, and %s is set", prerequisite, Required)
	}
	t.Skip(prerequisite)
}

// SuggestContinueAsNewAfter is the dev server setting (a history's event count) past which
// workflows are told to continue as new: 4,096 by default; a test lowers it to run a
// long-running workflow through many runs in seconds, through the path production takes.
func SuggestContinueAsNewAfter(events int) []string {
	return []string{"--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=" + strconv.Itoa(events)}
}

// CLI is the Temporal CLI whose dev server tests and tools start: $TEMPORAL_CLI, else the
// temporal binary `make tools` installs.
func CLI() string {
	if v := os.Getenv("TEMPORAL_CLI"); v != "" {
		return v
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	return filepath.Join(gopath, "bin", "temporal")
}

// Start starts a dev server with boxoffice's search attributes and extra arguments, stopped at
// cleanup; without the CLI it skips the test (or fails it, under Required).
func Start(t *testing.T, extraArgs ...string) *testsuite.DevServer {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the Temporal dev server; skipped in -short mode")
	}
	cli := CLI()
	if _, err := os.Stat(cli); err != nil {
		Missing(t, fmt.Errorf("the Temporal CLI is needed at %s (make tools): %w", cli, err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	server, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: cli, LogLevel: "error", SearchAttributes: reservation.SearchAttributes(), ExtraArgs: extraArgs,
		ClientOptions: &client.Options{Logger: log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))},
		Stdout:        io.Discard, Stderr: io.Discard,
	})
	if err != nil {
		t.Fatalf("start the Temporal dev server: %v", err)
	}
	t.Cleanup(func() { _ = server.Stop() })
	return server
}

// Run is one run of a workflow: its type, its id and its history.
type Run struct {
	Type, RunID string
	Events      []*historypb.HistoryEvent
}

// Count is how many events of the type the run's history holds.
func (r Run) Count(typ enumspb.EventType) int {
	n := 0
	for _, ev := range r.Events {
		if ev.GetEventType() == typ {
			n++
		}
	}
	return n
}

// Runs reads a workflow's runs, the latest last, following each run back to the one it
// continued from.
func Runs(t *testing.T, c client.Client, workflowID string) []Run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	runs, err := ReadRuns(ctx, c, workflowID)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// ReadRuns is Runs for tools outside tests.
func ReadRuns(ctx context.Context, c client.Client, workflowID string) ([]Run, error) {
	var runs []Run
	for runID := ""; ; {
		r, err := history(ctx, c, workflowID, runID)
		if err != nil {
			return nil, err
		}
		runs = append([]Run{r}, runs...)
		started := r.Events[0].GetWorkflowExecutionStartedEventAttributes()
		if runID = started.GetContinuedExecutionRunId(); runID == "" {
			return runs, nil
		}
	}
}

func history(ctx context.Context, c client.Client, workflowID, runID string) (Run, error) {
	iter := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var r Run
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return Run{}, fmt.Errorf("history of %s (run %q): %w", workflowID, runID, err)
		}
		r.Events = append(r.Events, ev)
	}
	if len(r.Events) == 0 {
		return Run{}, fmt.Errorf("history of %s (run %q) is empty", workflowID, runID)
	}
	r.Type = r.Events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName()
	r.RunID = runID
	return r, nil
}

// WriteHistory writes a run's history as JSON to path, for the replay tests.
func WriteHistory(t *testing.T, r Run, path string) {
	t.Helper()
	raw, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(&historypb.History{Events: r.Events})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d events of a %s run to %s", len(r.Events), r.Type, path)
}

// Stall stops the dev server's process with SIGSTOP, as a hung or overloaded cluster would
// answer nothing while keeping its connections open, and returns what resumes it (also run
// at cleanup).
func Stall(t *testing.T, server *testsuite.DevServer) (resume func()) {
	t.Helper()
	pid, err := PID(server.FrontendHostPort())
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatalf("stop the dev server (pid %d): %v", pid, err)
	}
	resumed := false
	resume = func() {
		if !resumed {
			resumed = true
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	t.Cleanup(resume)
	return resume
}

// PID finds the process of the dev server at hostPort by the port its command line names.
func PID(hostPort string) (int, error) {
	_, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		return 0, err
	}
	procs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		return 0, err
	}
	for _, p := range procs {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(string(raw), "\x00")
		if slices.Contains(args, "start-dev") && slices.Contains(args, port) {
			return strconv.Atoi(filepath.Base(filepath.Dir(p)))
		}
	}
	return 0, fmt.Errorf("no dev server process on port %s", port)
}
