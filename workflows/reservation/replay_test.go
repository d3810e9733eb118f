package reservation_test

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// TestReplayRecordedHistories replays histories recorded from a real dev server (paid and
// released holds from before sales, paid-in-sale.json and released-in-sale.json from after)
// against today's workflow code: a change that would break workflows already running in
// production fails here. Record new ones with
// BOXOFFICE_RECORD_HISTORIES=$PWD/workflows go test -run TestEndToEnd ./cmd/boxoffice
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("found %d recorded histories in testdata, want paid and released ones from before sales and after", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(reservation.Workflow, workflowOptions())
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}

func workflowOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: reservation.WorkflowName}
}
