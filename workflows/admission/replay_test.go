package admission_test

import (
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/workflows/admission"
)

// TestReplayRecordedHistory replays the admission workflow's history recorded from a real dev
// server during the end-to-end test (ticks, settings updates from the API and the admin
// endpoint) against today's code: a change that would break the queue running in production
// fails here. Record it again with
// BOXOFFICE_RECORD_HISTORIES=$PWD/workflows go test -run TestEndToEnd ./cmd/boxoffice
func TestReplayRecordedHistory(t *testing.T) {
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(admission.Workflow, workflow.RegisterOptions{Name: admission.WorkflowName})
	if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, "testdata/queue.json"); err != nil {
		t.Fatalf("replay: %v", err)
	}
}
