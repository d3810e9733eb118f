package admission_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/workflows/admission"
	"github.com/boxoffice/boxoffice/workflows/internal/workflowtest"
)

var start = workflowtest.Start

func newEnv(t *testing.T, policy app.Policy) (*workflowtest.Env, *memory.Store) {
	t.Helper()
	env := workflowtest.New(t, policy)
	admission.Register(env, env.App.Queue.Admitter)
	return env, env.Store
}

func issue(t *testing.T, store *memory.Store, n int) []queue.Token {
	t.Helper()
	toks := make([]queue.Token, n)
	for i := range toks {
		var err error
		if toks[i], err = store.IssueToken(context.Background(), workflowtest.Sale, core.UserID(fmt.Sprintf("fan-%02d", i)), start); err != nil {
			t.Fatal(err)
		}
	}
	return toks
}

// states reads every token's state, in issue order.
func states(t *testing.T, store *memory.Store, toks []queue.Token) string {
	t.Helper()
	s := ""
	for _, tok := range toks {
		got, err := store.Token(context.Background(), tok.ID)
		if err != nil {
			t.Fatal(err)
		}
		s += got.State.String()[:1]
	}
	return s
}

func TestAdmitsInSequenceOrderAtTheRate(t *testing.T) {
	env, store := newEnv(t, app.DefaultPolicy)
	toks := issue(t, store, 7)
	seen := map[time.Duration]string{}
	for _, at := range []time.Duration{500 * time.Millisecond, 1500 * time.Millisecond, 2500 * time.Millisecond, 3500 * time.Millisecond} {
		env.RegisterDelayedCallback(func() { seen[at] = states(t, store, toks) }, at)
	}
	env.RegisterDelayedCallback(env.CancelWorkflow, 4*time.Second)
	env.ExecuteWorkflow(admission.Workflow, admission.State{SaleID: workflowtest.Sale, Settings: queue.Settings{AdmitRate: 2, MaxActive: 100, Tick: time.Second}})
	want := map[time.Duration]string{
		500 * time.Millisecond:  "aawwwww",
		1500 * time.Millisecond: "aaaawww",
		2500 * time.Millisecond: "aaaaaaw",
		3500 * time.Millisecond: "aaaaaaa",
	}
	for at, w := range want {
		if seen[at] != w {
			t.Errorf("at %v states %q, want %q (a = active, w = waiting)", at, seen[at], w)
		}
	}
}

// A rate below one fan a tick is kept, not rounded up to a fan every tick: five a second on
// 100 ms ticks admits five a second, not ten.
func TestARateBelowAFanATickIsKept(t *testing.T) {
	env, store := newEnv(t, app.DefaultPolicy)
	toks := issue(t, store, 20)
	var at2s string
	env.RegisterDelayedCallback(func() { at2s = states(t, store, toks) }, 2*time.Second+50*time.Millisecond)
	env.RegisterDelayedCallback(env.CancelWorkflow, 3*time.Second)
	env.ExecuteWorkflow(admission.Workflow, admission.State{SaleID: workflowtest.Sale, Settings: queue.Settings{AdmitRate: 5, MaxActive: 100, Tick: 100 * time.Millisecond}})
	if admitted := strings.Count(at2s, "a"); admitted < 10 || admitted > 11 {
		t.Fatalf("after 2 s at 5 a second: %q (%d admitted), want 10 or 11", at2s, admitted)
	}
}

// A sale nobody waits for runs nothing: one round finds the queue empty, then the workflow
// sleeps (no activity, no timer) until a fan who joins wakes it, and admits them at once.
func TestAnIdleSaleRunsNothingUntilAFanWakesIt(t *testing.T) {
	env, store := newEnv(t, app.DefaultPolicy)
	rounds := 0
	env.SetOnActivityCompletedListener(func(*activity.Info, converter.EncodedValue, error) { rounds++ })
	var roundsIdle int
	var joined queue.Status
	env.RegisterDelayedCallback(func() {
		roundsIdle = rounds
		var err error
		if joined, err = env.App.Queue.Entrance.Issue(context.Background(), "late-fan", string(workflowtest.Sale)); err != nil {
			t.Error(err)
		}
		if env.Loop.Wakes(workflowtest.Sale) == 0 {
			t.Error("a fan joining a sleeping queue did not wake it")
		}
		env.SignalWorkflow(admission.SignalWake, nil) // as the adapter does
	}, time.Hour)
	var admittedAt time.Duration
	env.RegisterDelayedCallback(func() {
		if tok, err := store.Token(context.Background(), joined.Token.ID); err == nil && tok.State == queue.Active {
			admittedAt = tok.AdmittedAt.Sub(start)
		}
		env.CancelWorkflow()
	}, time.Hour+5*time.Second)
	env.ExecuteWorkflow(admission.Workflow, admission.State{SaleID: workflowtest.Sale, Settings: queue.Settings{AdmitRate: 10, MaxActive: 100, Tick: time.Second}})
	if roundsIdle != 1 {
		t.Fatalf("%d rounds ran in an hour nobody waited, want the one that found the queue empty", roundsIdle)
	}
	if admittedAt < time.Hour || admittedAt > time.Hour+time.Second {
		t.Fatalf("the fan who woke the queue was admitted %v after the start, want right after the hour", admittedAt)
	}
}

func TestCeilingAndSessionExpiry(t *testing.T) {
	policy := app.DefaultPolicy
	policy.Queue.Admission.SessionTTL = 2 * time.Second
	env, store := newEnv(t, policy)
	toks := issue(t, store, 4)
	var at1500, at2500 string
	env.RegisterDelayedCallback(func() { at1500 = states(t, store, toks) }, 1500*time.Millisecond)
	env.RegisterDelayedCallback(func() { at2500 = states(t, store, toks) }, 2500*time.Millisecond)
	env.RegisterDelayedCallback(env.CancelWorkflow, 3*time.Second)
	env.ExecuteWorkflow(admission.Workflow, admission.State{SaleID: workflowtest.Sale, Settings: queue.Settings{AdmitRate: 10, MaxActive: 2, Tick: time.Second}})
	if at1500 != "aaww" {
		t.Errorf("before sessions end: %q, want the ceiling of 2 to hold (aaww)", at1500)
	}
	if at2500 != "eeaa" {
		t.Errorf("after the first sessions end: %q, want eeaa", at2500)
	}
}

func TestSettingsUpdateTakesEffectNextTick(t *testing.T) {
	env, store := newEnv(t, app.DefaultPolicy)
	toks := issue(t, store, 10)
	var rejected, accepted error
	var at2500 string
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(admission.UpdateSettings, "bad", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { rejected = err }, OnComplete: func(any, error) {},
		}, queue.Change{AdmitRate: ptr(0), MaxActive: ptr(5)})
		env.UpdateWorkflow(admission.UpdateSettings, "good", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { accepted = err }, OnComplete: func(_ any, err error) {
				if err != nil {
					accepted = err
				}
			},
		}, queue.Change{AdmitRate: ptr(5)})
	}, 1500*time.Millisecond)
	env.RegisterDelayedCallback(func() { at2500 = states(t, store, toks) }, 2500*time.Millisecond)
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(admission.QueryStats)
		if err != nil {
			t.Error(err)
			return
		}
		var st admission.State
		if err := v.Get(&st); err != nil {
			t.Error(err)
		}
		if st.Settings.AdmitRate != 5 || st.AdmittedTotal != 7 || st.Ticks != 3 {
			t.Errorf("stats %+v, want rate 5, 7 admitted in 3 ticks", st)
		}
	}, 2600*time.Millisecond)
	env.RegisterDelayedCallback(env.CancelWorkflow, 3*time.Second)
	env.ExecuteWorkflow(admission.Workflow, admission.State{SaleID: workflowtest.Sale, Settings: queue.Settings{AdmitRate: 1, MaxActive: 100, Tick: time.Second}})
	if rejected == nil {
		t.Error("a rate of 0 was accepted")
	}
	if accepted != nil {
		t.Errorf("valid settings refused: %v", accepted)
	}
	// Ticks at 0s and 1s admit 1 each at rate 1; the tick at 2s admits 5 at the new rate.
	if at2500 != "aaaaaaawww" {
		t.Errorf("after the update: %q, want 7 admitted", at2500)
	}
}

func TestContinuesAsNewWithItsState(t *testing.T) {
	policy := app.DefaultPolicy
	policy.Queue.AbandonAfter = 24 * time.Hour // the waiting fans stay for the run's 500 ticks
	env, store := newEnv(t, policy)
	issue(t, store, 5) // 3 admitted under the ceiling, 2 keep it ticking
	env.ExecuteWorkflow(admission.Workflow, admission.State{SaleID: workflowtest.Sale, Settings: queue.Settings{AdmitRate: 1, MaxActive: 3, Tick: time.Second, SessionTTL: time.Hour}})
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("workflow ended with %v, want continue-as-new", err)
	}
	var carried admission.State
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &carried); err != nil {
		t.Fatal(err)
	}
	if carried.Ticks != 500 || carried.AdmittedTotal != 3 || carried.Settings.AdmitRate != 1 {
		t.Fatalf("carried state %+v, want 500 ticks and 3 admitted", carried)
	}
}

// Fans who stop polling are skipped by the ticks once unseen for AbandonAfter; the one who
// polls is admitted past them, and the stats query counts the skipped.
func TestAbandonedFansAreSkippedTickByTick(t *testing.T) {
	policy := app.DefaultPolicy
	policy.Queue.AbandonAfter = time.Minute
	policy.Queue.Admission.SessionTTL = 90 * time.Second
	env, store := newEnv(t, policy)
	toks := issue(t, store, 4) // fan-00 is admitted at once and holds the ceiling of 1
	for s := 10 * time.Second; s < 100*time.Second; s += 10 * time.Second {
		env.RegisterDelayedCallback(func() { // only fan-03 keeps polling
			if err := store.MarkSeen(context.Background(), toks[3].ID, env.Now().UTC()); err != nil {
				t.Error(err)
			}
		}, s)
	}
	var at95 string
	var st admission.State
	env.RegisterDelayedCallback(func() {
		at95 = states(t, store, toks)
		v, err := env.QueryWorkflow(admission.QueryStats)
		if err == nil {
			err = v.Get(&st)
		}
		if err != nil {
			t.Error(err)
		}
	}, 95*time.Second)
	env.RegisterDelayedCallback(env.CancelWorkflow, 96*time.Second)
	env.ExecuteWorkflow(admission.Workflow, admission.State{SaleID: workflowtest.Sale, Settings: queue.Settings{AdmitRate: 1, MaxActive: 1, Tick: time.Second}})
	// At 90 s fan-00's session ends; fans 01 and 02, unseen since they queued, are skipped.
	if at95 != "eeea" {
		t.Errorf("states at 95 s: %q, want eeea (session over, two abandoned, the poller admitted)", at95)
	}
	if st.AbandonedTotal != 2 || st.AdmittedTotal != 2 {
		t.Errorf("stats %+v, want 2 abandoned and 2 admitted", st)
	}
}

func ptr[T any](v T) *T { return &v }

// Two operators change the rate and the ceiling at the same moment: each update carries its own
// change, so both apply, counted as two revisions.
func TestConcurrentChangesBothApply(t *testing.T) {
	env, _ := newEnv(t, app.DefaultPolicy)
	var applied []queue.Settings
	done := func(v any, err error) {
		if err != nil {
			t.Error(err)
			return
		}
		applied = append(applied, v.(queue.Settings))
	}
	env.RegisterDelayedCallback(func() {
		for id, c := range map[string]queue.Change{"rate": {AdmitRate: ptr(7)}, "ceiling": {MaxActive: ptr(70)}} {
			env.UpdateWorkflow(admission.UpdateSettings, id, &testsuite.TestUpdateCallback{
				OnAccept: func() {}, OnReject: func(err error) { t.Error(err) }, OnComplete: done,
			}, c)
		}
	}, 1500*time.Millisecond)
	var st admission.State
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(admission.QueryStats)
		if err == nil {
			err = v.Get(&st)
		}
		if err != nil {
			t.Error(err)
		}
	}, 2500*time.Millisecond)
	env.RegisterDelayedCallback(env.CancelWorkflow, 3*time.Second)
	env.ExecuteWorkflow(admission.Workflow, admission.State{SaleID: workflowtest.Sale, Settings: queue.Settings{AdmitRate: 1, MaxActive: 1, Tick: time.Second}})
	want := queue.Settings{AdmitRate: 7, MaxActive: 70, Tick: time.Second, Revision: 2}
	if st.Settings != want || len(applied) != 2 {
		t.Fatalf("settings %+v after two concurrent changes (answers %+v), want %+v", st.Settings, applied, want)
	}
}

// A sale's workflow admits that sale's fans only, and completes once the sale has closed.
func TestEachSaleHasItsOwnAdmissionUntilItCloses(t *testing.T) {
	env, store := newEnv(t, app.DefaultPolicy)
	ctx := context.Background()
	other := catalog.Sale{ID: "other-sale", Title: "Other", Venue: "Hall", State: core.OnSale, MaxTicketsPerFan: 4, CreatedAt: start}
	if err := store.CreateSale(ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	mine := issue(t, store, 2)
	theirs, err := store.IssueToken(ctx, other.ID, "fan-00", start)
	if err != nil {
		t.Fatal(err)
	}
	var mineAt1500 string
	var theirsAt1500 queue.TokenState
	env.RegisterDelayedCallback(func() {
		mineAt1500 = states(t, store, mine)
		tok, err := store.Token(ctx, theirs.ID)
		if err != nil {
			t.Error(err)
		}
		theirsAt1500 = tok.State
		closed := core.Closed
		if _, err := env.App.Catalog.Admin.ChangeSale(ctx, workflowtest.Sale, catalog.SaleChange{State: &closed}); err != nil {
			t.Error(err)
		}
		// Nobody waits any more, so the workflow sleeps: the close wakes it, as the adapter does.
		if env.Loop.Wakes(workflowtest.Sale) == 0 {
			t.Error("closing the sale did not wake its admission")
		}
		env.SignalWorkflow(admission.SignalWake, nil)
	}, 1500*time.Millisecond)
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour) // only if it never completes
	env.ExecuteWorkflow(admission.Workflow, admission.State{SaleID: workflowtest.Sale, Settings: queue.Settings{AdmitRate: 10, MaxActive: 100, Tick: time.Second}})
	if mineAt1500 != "aa" || theirsAt1500 != queue.Waiting {
		t.Fatalf("at 1.5 s: this sale's fans %q, the other sale's fan %v; want aa and still waiting", mineAt1500, theirsAt1500)
	}
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("after the sale closed: completed %v, error %v; want completed without error", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	if env.Now().Sub(start) > time.Minute {
		t.Fatalf("the workflow ran until %v: it did not end when the sale closed", env.Now())
	}
}

// A paused sale's workflow keeps ticking and admits nobody until the sale resumes.
func TestAPausedSaleAdmitsNobodyUntilItResumes(t *testing.T) {
	env, store := newEnv(t, app.DefaultPolicy)
	ctx := context.Background()
	toks := issue(t, store, 3)
	change := func(st core.SaleState) {
		if _, err := env.App.Catalog.Admin.ChangeSale(ctx, workflowtest.Sale, catalog.SaleChange{State: &st}); err != nil {
			t.Error(err)
		}
	}
	change(core.Paused)
	var paused, resumed string
	env.RegisterDelayedCallback(func() { paused = states(t, store, toks); change(core.OnSale) }, 3500*time.Millisecond)
	env.RegisterDelayedCallback(func() { resumed = states(t, store, toks) }, 6500*time.Millisecond)
	env.RegisterDelayedCallback(env.CancelWorkflow, 7*time.Second)
	env.ExecuteWorkflow(admission.Workflow, admission.State{SaleID: workflowtest.Sale, Settings: queue.Settings{AdmitRate: 10, MaxActive: 100, Tick: time.Second}})
	if paused != "www" || resumed != "aaa" {
		t.Fatalf("paused: %q, resumed: %q; want www then aaa", paused, resumed)
	}
}
