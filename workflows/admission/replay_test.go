package admission_test

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/workflows/admission"
)

// TestReplayRecordedHistory replays the admission workflow's histories recorded from a real dev
// server during the end-to-end test (ticks, settings updates from the API and the admin
// endpoint; queue.json from before updates carried changes, queue-concurrent-changes.json from
// after, both of the single queue before sales; sale.json of a sale's own workflow, and
// sale-closed.json of one that completed when its sale closed, queue-continued.json a run that
// began and ended with a continue-as-new) against today's code: a change that would break the
// queues running in production fails here. Record more with
// BOXOFFICE_RECORD_HISTORIES=$PWD/workflows go test -run 'TestEndToEnd|TestLongRunning' ./cmd/boxoffice ./adapters/temporal
func TestReplayRecordedHistory(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) < 5 {
		t.Fatalf("found %d recorded histories (%v), want five", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(admission.Workflow, workflow.RegisterOptions{Name: admission.WorkflowName})
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
