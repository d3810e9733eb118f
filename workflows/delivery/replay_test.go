package delivery_test

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/workflows/delivery"
)

// TestReplayRecordedHistory replays a delivery workflow's history recorded from a real dev
// server against today's code: delivering.json, the end-to-end test's platform endpoint, whose
// receiver refused its first request (a batch stopped, a wait, a retry, the batches after).
// Record it again with
// BOXOFFICE_RECORD_HISTORIES=$PWD/workflows go test -run '^TestEndToEnd$' ./cmd/boxoffice
func TestReplayRecordedHistory(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("found %d recorded histories (%v), want one at least", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(delivery.Workflow, workflow.RegisterOptions{Name: delivery.WorkflowName})
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
