package temporal

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/api/serviceerror"
	workflowservice "go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/workflows/admission"
	"github.com/boxoffice/boxoffice/workflows/cancellation"
	"github.com/boxoffice/boxoffice/workflows/delivery"
	"github.com/boxoffice/boxoffice/workflows/sweep"
)

// Mistyped is a long-running workflow found running as another type than its id says: a
// sale's admission or a date's cancellation that a release before 2026-12 continued as new
// into the sweep, after which it admitted or refunded nobody.
type Mistyped struct {
	WorkflowID string
	RunningAs  string // the type it runs as
	Want       string // the type its id belongs to
}

// idPrefixes are the ids each long-running workflow type runs under.
var idPrefixes = map[string]string{
	admission.WorkflowName:    "admission/",
	cancellation.WorkflowName: "cancellation/",
	sweep.WorkflowName:        sweep.WorkflowID,
	delivery.WorkflowName:     delivery.WorkflowID(""),
}

// TerminateMistyped ends every long-running workflow that runs as another type than its id's,
// and returns them, so that the worker's start-up starts each again as itself: a sale's
// admission from its queue's recorded settings (App.ResumeAdmission), a date's cancellation
// by RestartCancellation (its rounds refund nothing twice). One visibility query finds them.
func TerminateMistyped(ctx context.Context, c client.Client, namespace string) ([]Mistyped, error) {
	query := fmt.Sprintf("ExecutionStatus = 'Running' AND WorkflowType IN ('%s', '%s', '%s', '%s')",
		admission.WorkflowName, cancellation.WorkflowName, sweep.WorkflowName, delivery.WorkflowName)
	var found []Mistyped
	var page []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace, Query: query, NextPageToken: page})
		if err != nil {
			return nil, fmt.Errorf("list the long-running workflows: %w", err)
		}
		for _, ex := range resp.Executions {
			id, typ := ex.GetExecution().GetWorkflowId(), ex.GetType().GetName()
			if want := typeOfID(id); want != "" && want != typ {
				found = append(found, Mistyped{WorkflowID: id, RunningAs: typ, Want: want})
			}
		}
		if page = resp.NextPageToken; len(page) == 0 {
			break
		}
	}
	for _, m := range found {
		err := c.TerminateWorkflow(ctx, m.WorkflowID, "", "runs as "+m.RunningAs+" but is a "+m.Want+": restarted as itself")
		var notFound *serviceerror.NotFound
		if err != nil && !errors.As(err, &notFound) {
			return found, fmt.Errorf("terminate %s, running as %s: %w", m.WorkflowID, m.RunningAs, err)
		}
	}
	return found, nil
}

// typeOfID is the workflow type whose ids look like id, or "" for none of the long-running ones.
func typeOfID(id string) string {
	for typ, prefix := range idPrefixes {
		if strings.HasPrefix(id, prefix) {
			return typ
		}
	}
	return ""
}

// CancellationOf reads the sale and date out of a cancellation's workflow id.
func CancellationOf(workflowID string) (core.SaleID, core.Date, bool) {
	rest, ok := strings.CutPrefix(workflowID, idPrefixes[cancellation.WorkflowName])
	if !ok {
		return "", core.Date{}, false
	}
	i := strings.LastIndex(rest, "/")
	if i < 0 {
		return "", core.Date{}, false
	}
	sale, err := core.ParseSaleID("sale_id", rest[:i])
	if err != nil {
		return "", core.Date{}, false
	}
	d, err := core.ParseDate(rest[i+1:])
	if err != nil {
		return "", core.Date{}, false
	}
	return sale, d, true
}
