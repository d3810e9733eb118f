package sweep_test

import (
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/workflows/sweep"
)

// TestReplayRecordedHistory replays the sweep's history recorded from a real dev server during
// the end-to-end test against today's code. Record it again with
// BOXOFFICE_RECORD_HISTORIES=$PWD/workflows go test -run TestEndToEnd ./cmd/boxoffice
func TestReplayRecordedHistory(t *testing.T) {
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(sweep.Workflow, workflow.RegisterOptions{Name: sweep.WorkflowName})
	if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, "testdata/sweep.json"); err != nil {
		t.Fatalf("replay: %v", err)
	}
}
