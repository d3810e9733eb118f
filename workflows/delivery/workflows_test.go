package delivery_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/webhook"
	"github.com/boxoffice/boxoffice/workflows/delivery"
)

// receiver stands in for an endpoint: it answers each attempt with answer(event, attempt) and
// records what it took, then removes the endpoint once it took want events, which ends the
// workflow.
type receiver struct {
	mu     sync.Mutex
	store  *memory.Store
	want   int
	answer func(e webhook.Event, attempt int) int
	tries  map[core.ID]int
	took   []core.ID
}

func (r *receiver) Send(ctx context.Context, ep webhook.Endpoint, e webhook.Event, _ time.Time) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tries[e.ID]++
	code := r.answer(e, r.tries[e.ID])
	if webhook.DeliveredBy(code) {
		r.took = append(r.took, e.ID)
	}
	if len(r.took) == r.want {
		_ = r.store.RemoveEndpoint(ctx, ep.ID)
	}
	return code, nil
}

var start = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

type clock struct {
	env *testsuite.TestWorkflowEnvironment
}

func (c clock) Now() time.Time { return c.env.Now() }

// setUp stores a sale whose state changes n times (an event each) and an endpoint registered
// before them, and returns the workflow's environment with the courier over the receiver.
func setUp(t *testing.T, n int, answer func(e webhook.Event, attempt int) int) (*testsuite.TestWorkflowEnvironment, []core.ID, webhook.Endpoint, *receiver) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	store := memory.NewStore()
	rcv := &receiver{store: store, answer: answer, tries: map[core.ID]int{}}
	hooks, err := webhook.New(webhook.Ports{Store: store, Sales: store, Sender: rcv, Clock: clock{env}})
	if err != nil {
		t.Fatal(err)
	}
	delivery.Register(env, hooks.Courier)
	ctx := context.Background()
	ep := webhook.Endpoint{ID: core.NewID(), URL: "https://hooks.example.com/", Events: []webhook.EventType{webhook.SaleStateChanged}, Secret: webhook.NewSecret()}
	probe := webhook.Endpoint{ID: core.NewID(), URL: ep.URL, Events: ep.Events, Secret: ep.Secret} // reads the events in order
	for _, e := range []webhook.Endpoint{ep, probe} {
		if err := store.AddEndpoint(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.CreateSale(ctx, catalog.Sale{ID: "delivery-test", Title: "T", Venue: "V", State: core.OnSale, MaxTicketsPerFan: 4}, nil); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		state := core.Paused
		if i%2 == 1 {
			state = core.OnSale
		}
		if _, err := store.UpdateSale(ctx, "delivery-test", func(s catalog.Sale) (catalog.Sale, error) { s.State = state; return s, nil }); err != nil {
			t.Fatal(err)
		}
	}
	rcv.want = n
	events, err := store.Pending(ctx, probe.ID, n+1)
	if err != nil || len(events) != n {
		t.Fatalf("%d events committed (%v), want %d", len(events), err, n)
	}
	order := make([]core.ID, n)
	for i, e := range events {
		order[i] = e.ID
	}
	return env, order, ep, rcv
}

// A receiver that is down for its first attempts gets every event once it answers, each once
// and in the order they happened, and the retries back off as the convention's schedule says.
func TestAReceiverDownThenUpGetsEveryEventInOrder(t *testing.T) {
	const events = 6
	env, order, ep, rcv := setUp(t, events, func(_ webhook.Event, attempt int) int {
		if attempt <= 4 { // down for about 4+8+16+32 s of every event's retries
			return 503
		}
		return 204
	})
	env.ExecuteWorkflow(delivery.Workflow, delivery.Input{EndpointID: ep.ID, Wait: 20 * time.Millisecond})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("the workflow failed: %v", err)
	}
	if !slices.Equal(rcv.took, order) {
		t.Fatalf("the receiver took %v, want each of %v once, in that order", rcv.took, order)
	}
	for id, tries := range rcv.tries {
		if tries != 5 {
			t.Errorf("event %s tried %d times, want 5 (4 refused, then taken)", id, tries)
		}
	}
	// The retries waited 4, 8, 16 and 32 s: about 60 s of workflow time per event.
	if took := env.Now().Sub(start); took < events*60*time.Second || took > events*75*time.Second {
		t.Errorf("the deliveries took %s of workflow time, want about %s", took, events*60*time.Second)
	}
}

// An event the receiver never takes is retried for 24 h, then given up on (failed, for an
// operator to retry), and the events after it are delivered.
func TestAnEventNeverTakenIsGivenUpAfterADayAndTheNextFollow(t *testing.T) {
	var refused core.ID
	env, order, ep, rcv := setUp(t, 3, func(e webhook.Event, _ int) int {
		if e.ID == refused {
			return 500
		}
		return 200
	})
	refused = order[1]
	rcv.want = 2
	env.ExecuteWorkflow(delivery.Workflow, delivery.Input{EndpointID: ep.ID, Wait: 20 * time.Millisecond})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("the workflow failed: %v", err)
	}
	if want := []core.ID{order[0], order[2]}; !slices.Equal(rcv.took, want) {
		t.Fatalf("the receiver took %v, want %v", rcv.took, want)
	}
	// 4 s doubling to 10 min, then every 10 min: about 150 attempts in 24 h.
	if tries := rcv.tries[refused]; tries < 140 || tries > 160 {
		t.Errorf("the refused event was tried %d times in its day, want about 150", tries)
	}
	if gaveUpAfter := env.Now().Sub(start); gaveUpAfter < webhook.GiveUpAfter-webhook.LongestWait || gaveUpAfter > webhook.GiveUpAfter+time.Minute {
		t.Errorf("given up after %s, want %s", gaveUpAfter, webhook.GiveUpAfter)
	}
}

// An endpoint removed while one of its events is being retried ends its workflow at the next
// attempt: nothing more is sent to it.
func TestRemovingAnEndpointEndsItsRetries(t *testing.T) {
	env, _, ep, rcv := setUp(t, 2, func(webhook.Event, int) int { return 503 })
	rcv.want = -1 // the receiver never removes it itself
	env.RegisterDelayedCallback(func() { _ = rcv.store.RemoveEndpoint(context.Background(), ep.ID) }, 30*time.Second)
	env.ExecuteWorkflow(delivery.Workflow, delivery.Input{EndpointID: ep.ID, Wait: 20 * time.Millisecond})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("the workflow failed: %v", err)
	}
	if tried := len(rcv.tries); tried != 1 {
		t.Fatalf("%d events were tried, want only the first, retried until the removal", tried)
	}
	for _, n := range rcv.tries {
		if n < 2 || n > 5 { // at 0, 4, 12 and 28 s, then removed at 30 s
			t.Fatalf("the first event was tried %d times before the removal, want 3", n)
		}
	}
	if took := env.Now().Sub(start); took > time.Minute {
		t.Fatalf("the workflow ended %s after it started, want at the first attempt after the removal", took)
	}
}
