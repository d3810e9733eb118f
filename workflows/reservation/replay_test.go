package reservation_test

import (
	"path/filepath"
	"slices"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// TestReplayRecordedHistories replays histories recorded from a real dev server against
// today's workflow code: paid and released holds from before sales; *-in-sale.json from after,
// with the steps as activities; *-local-steps.json with them as local activities, each one's
// kind decided at the step; *-steps-at-start.json with it decided as the hold starts (version 1
// of steps-decided-at-start); *-latest.json as today's code records them (version 2: the
// deadline waits for a payment the API accepted); order-*.json, an order's of four seats paid,
// and one of two released at its deadline. A change that would
// break workflows already running in production fails here. Record the latest with
// BOXOFFICE_RECORD_HISTORIES=$PWD/workflows go test -run TestEndToEnd ./cmd/boxoffice
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("found %d recorded histories in testdata, want paid and released ones from before sales and after", len(files))
	}
	for _, order := range []string{"testdata/order-paid.json", "testdata/order-released.json"} {
		if !slices.Contains(files, order) {
			t.Fatalf("no recorded history %s among %v", order, files)
		}
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
