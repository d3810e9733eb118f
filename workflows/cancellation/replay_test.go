package cancellation_test

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/workflows/cancellation"
)

// TestReplayRecordedHistory replays the cancellation workflow's history recorded from a real dev
// server during the end-to-end test (a performance with tickets to refund, one checked in and a
// hold to end), and a run that began and ended with a continue-as-new, against today's code: a
// change that would break cancellations running in production fails here. Record them again with
// BOXOFFICE_RECORD_HISTORIES=$PWD/workflows go test -run 'TestEndToEnd|TestLongRunning' ./cmd/boxoffice ./adapters/temporal
func TestReplayRecordedHistory(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) < 2 {
		t.Fatalf("found %d recorded histories (%v), want two", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(cancellation.Workflow, workflow.RegisterOptions{Name: cancellation.WorkflowName})
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
