package temporalserver_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/testbed/temporalserver"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
)

// echo answers one update with its argument, then ends.
func echo(ctx workflow.Context) (string, error) {
	var got string
	if err := workflow.SetUpdateHandler(ctx, "echo", func(ctx workflow.Context, s string) (string, error) {
		got = s
		return s, nil
	}); err != nil {
		return "", err
	}
	return got, workflow.Await(ctx, func() bool { return got != "" })
}

// The server built from source starts on PostgreSQL with its services in processes of their
// own, registers the namespace, runs a workflow through an update-with-start, and keeps it
// across a restart of every service; the Temporal UI, pointed at it, lists the workflows.
func TestAServerOnPostgreSQLRunsAndRestarts(t *testing.T) {
	dir := os.Getenv("BOXOFFICE_TEMPORAL_SERVER")
	if dir == "" {
		temporaltest.Missing(t, errors.New("BOXOFFICE_TEMPORAL_SERVER is not set: make temporal-server builds the server and the Makefile sets it"))
	}
	admin := os.Getenv(pgtest.EnvURL)
	if admin == "" {
		temporaltest.Missing(t, fmt.Errorf("%s is not set: the server keeps its databases there", pgtest.EnvURL))
	}
	// A server directory built before the UI joined make temporal-server has no UI: the rest is
	// tested without it, unless prerequisites are required (CI's make tools builds it).
	withUI := true
	if _, err := os.Stat(filepath.Join(dir, "ui", "server")); err != nil {
		if os.Getenv(temporaltest.Required) != "" {
			t.Fatalf("the Temporal UI is not built (make temporal-server): %v", err)
		}
		t.Logf("the Temporal UI is not built in %s (make temporal-server): its part is skipped", dir)
		withUI = false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	prefix := "temporal_test_" + time.Now().Format("150405")
	srv, err := temporalserver.Start(ctx, temporalserver.Options{
		Dir: dir, AdminURL: admin, Prefix: prefix, Namespace: "default", Work: filepath.Join(t.TempDir(), "temporal"),
		UI: withUI,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop(); temporalserver.DropDatabases(context.Background(), admin, prefix) })

	c, err := client.Dial(client.Options{HostPort: srv.Frontend})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflowWithOptions(echo, workflow.RegisterOptions{Name: "echo"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	run := func(id string) {
		t.Helper()
		h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
				ID: id, TaskQueue: "q", WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, "echo"),
			UpdateOptions: client.UpdateWorkflowOptions{UpdateName: "echo", Args: []any{id}, WaitForStage: client.WorkflowUpdateStageCompleted},
		})
		if err != nil {
			t.Fatalf("update-with-start %s: %v", id, err)
		}
		var got string
		if err := h.Get(ctx, &got); err != nil || got != id {
			t.Fatalf("update %s answered %q, %v", id, got, err)
		}
	}
	run("before-restart")
	if err := srv.Restart(ctx, time.Second); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := c.GetWorkflow(ctx, "before-restart", "").Get(ctx, &got); err != nil || got != "before-restart" {
		t.Fatalf("the workflow run before the restart: %q, %v", got, err)
	}
	run("after-restart")

	if !withUI {
		return
	}
	// The UI reads the cluster through the frontend: its list (visibility, eventually
	// consistent) comes to hold both workflows.
	var listed string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		res, err := http.Get(srv.UI + "/api/v1/namespaces/default/workflows")
		if err != nil {
			t.Fatalf("the Temporal UI at %s: %v", srv.UI, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		listed = string(body)
		if res.StatusCode == http.StatusOK && strings.Contains(listed, `"before-restart"`) && strings.Contains(listed, `"after-restart"`) {
			break
		}
	}
	if !strings.Contains(listed, `"before-restart"`) || !strings.Contains(listed, `"after-restart"`) {
		t.Fatalf("the Temporal UI's list of workflows: %s", listed)
	}
	res, err := http.Get(srv.UI + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), "<html") {
		t.Fatalf("the Temporal UI's page: %d %.200s", res.StatusCode, page)
	}
}
