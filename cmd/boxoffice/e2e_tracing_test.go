package main

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

// collector is an OTLP/HTTP trace receiver: the spans it was sent, by trace.
type collector struct {
	mu     sync.Mutex
	traces map[string][]string // trace id → span names
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "not an OTLP trace export", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				id := hex.EncodeToString(s.GetTraceId())
				c.traces[id] = append(c.traces[id], s.GetName())
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(nil)
}

// traceWith returns the span names of the trace that has a span named name.
func (c *collector) traceWith(name string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, spans := range c.traces {
		if slices.Contains(spans, name) {
			return slices.Clone(spans)
		}
	}
	return nil
}

// TestATraceFollowsAHoldFromTheRequestToTheWorkflowAndTheDatabase sends the roles' traces to
// an OTLP receiver and checks one hold's trace: the API's request, the Temporal client's start
// of the hold's workflow, the database's queries, and the worker's run of that workflow, all in
// one trace. (A workflow's span ends, and is sent, when the workflow does: the hold is short.)
func TestATraceFollowsAHoldFromTheRequestToTheWorkflowAndTheDatabase(t *testing.T) {
	c := &collector{traces: map[string][]string{}}
	receiver := httptest.NewServer(c)
	t.Cleanup(receiver.Close)
	sys := startSystem(t, 2*time.Second, "OTEL_EXPORTER_OTLP_ENDPOINT="+receiver.URL, "OTEL_BSP_SCHEDULE_DELAY=100")
	api := sys.api
	ann := fan(t, api, "traced-ann")
	held, err := api.HoldSeatWithResponse(context.Background(), apiclient.HoldSeatJSONRequestBody{Date: date(t, firstDate(t, api, ann)), SeatId: 30}, apiclient.Bearer(ann))
	if err != nil || held.JSON200 == nil {
		t.Fatalf("hold: %v %s", err, held.Body)
	}
	want := []string{"POST /api/tickets", "StartWorkflow:Reservation", "postgres query", "RunWorkflow:Reservation"}
	var spans []string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		spans = c.traceWith("POST /api/tickets")
		if !slices.ContainsFunc(want, func(w string) bool { return !slices.Contains(spans, w) }) {
			return
		}
	}
	t.Fatalf("the hold's trace has spans %q, want among them %q", spans, want)
}
