package sweep_test

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/workflows/sweep"
)

// TestReplayRecordedHistory replays the sweep's histories recorded from a real dev server
// against today's code: sweep.json from the end-to-end test, and sweep-continued.json, a run
// that began and ended with a continue-as-new. Record them again with
// BOXOFFICE_RECORD_HISTORIES=$PWD/workflows go test -run 'TestEndToEnd|TestLongRunning' ./cmd/boxoffice ./adapters/temporal
func TestReplayRecordedHistory(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) < 2 {
		t.Fatalf("found %d recorded histories (%v), want two", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(sweep.Workflow, workflow.RegisterOptions{Name: sweep.WorkflowName})
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
