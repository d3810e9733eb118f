package main

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
	"github.com/boxoffice/boxoffice/workflows"
	"github.com/boxoffice/boxoffice/workflows/admission"
	"github.com/boxoffice/boxoffice/workflows/sweep"
)

// A sale's waiting room that an earlier release continued as new into the sweep (it then
// admitted nobody, however long fans waited, across restarts) is found when the worker starts,
// ended, and started again as itself from the queue's recorded settings: fans are admitted.
func TestAWorkerRestartsAWaitingRoomRunningAsAnotherWorkflow(t *testing.T) {
	server := temporaltest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	broken := admission.State{SaleID: demoSale, Settings: queue.Settings{AdmitRate: 5, MaxActive: 100, Tick: time.Second}, Ticks: 500}
	if _, err := server.Client().ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: admission.WorkflowID(demoSale), TaskQueue: workflows.TaskQueue},
		sweep.WorkflowName, broken); err != nil {
		t.Fatal(err)
	}
	base := memoryDev(t, "TEMPORAL_ADDRESS="+server.FrontendHostPort())
	api, err := apiclient.NewClientWithResponses(base)
	if err != nil {
		t.Fatal(err)
	}
	fan(t, api, "patient-fan") // admitted, or the test fails
	desc, err := server.Client().DescribeWorkflowExecution(ctx, admission.WorkflowID(demoSale), "")
	if err != nil {
		t.Fatal(err)
	}
	if typ := desc.GetWorkflowExecutionInfo().GetType().GetName(); typ != admission.WorkflowName {
		t.Fatalf("%s runs as %q, want %q", admission.WorkflowID(demoSale), typ, admission.WorkflowName)
	}
}
