package queue_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/cache"
	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

var ctx = context.Background()

// countingTokens counts reads of single tokens, to prove which paths never read one.
type countingTokens struct {
	queue.Store
	reads atomic.Int64
}

func (c *countingTokens) Token(ctx2 context.Context, id core.ID) (queue.Token, error) {
	c.reads.Add(1)
	return c.Store.Token(ctx2, id)
}

// sale is the sale the queue tests queue for: the default one.
const sale core.SaleID = "queue-test"

// saleStates tells the queue the state of its sales, as the catalog's Directory would; a sale
// not in the map is on sale. The default sale is `sale`.
type saleStates map[core.SaleID]core.SaleState

func (s saleStates) Default(context.Context) (core.SaleID, error) { return sale, nil }

func (s saleStates) Status(_ context.Context, id core.SaleID) (core.SaleStatus, error) {
	if st, ok := s[id]; ok {
		return core.SaleStatus{State: st}, nil
	}
	return core.SaleStatus{State: core.OnSale}, nil
}

func (s saleStates) State(ctx context.Context, id core.SaleID) (core.SaleState, error) {
	st, err := s.Status(ctx, id)
	return st.State, err
}

// queueWorld is the queue's use cases over a memory store whose token reads are counted.
type queueWorld struct {
	q      queue.Services
	tokens *countingTokens
	clock  *apptest.Clock
	sales  saleStates
}

func newQueueWorld(t *testing.T, policy queue.Policy) *queueWorld {
	t.Helper()
	clk := apptest.NewClock(apptest.Start)
	tokens := &countingTokens{Store: memory.NewStore()}
	sales := saleStates{}
	q, err := queue.New(queue.Ports{Store: tokens, Loop: memory.NewAdmission(policy.Admission), Sales: sales, Clock: clk, Counters: copied(tokens, policy)}, policy)
	if err != nil {
		t.Fatal(err)
	}
	return &queueWorld{q: q, tokens: tokens, clock: clk, sales: sales}
}

// copied are the counters of an instance, a copy in front of the store, as production has them.
func copied(store queue.Store, policy queue.Policy) queue.Counters {
	return cache.New(nil, 0).Counters(queue.StoreCounters{Store: store}, policy.Refresh)
}

// rebuild is another instance on w's store: the same queue through its own copy of the counters.
func rebuild(t *testing.T, w *queueWorld, policy queue.Policy) queue.Services {
	t.Helper()
	q, err := queue.New(queue.Ports{Store: w.tokens, Loop: memory.NewAdmission(admitting(1, 1)), Sales: w.sales, Clock: w.clock, Counters: copied(w.tokens, policy)}, policy)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func (w *queueWorld) issue(t *testing.T, user string) core.Caller {
	t.Helper()
	st, err := w.q.Entrance.Issue(ctx, user, "")
	if err != nil {
		t.Fatal(err)
	}
	return apptest.CallerOf(st)
}

func (w *queueWorld) poll(t *testing.T, c core.Caller) queue.Status {
	t.Helper()
	st, err := w.q.Entrance.Status(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

var admitting = apptest.Admitting

var wantErr = apptest.WantErr

func TestQueue(t *testing.T) {
	policy := queue.DefaultPolicy
	policy.Admission.AdmitRate = 2
	w := newQueueWorld(t, policy)

	if _, err := w.q.Entrance.Issue(ctx, "bad user", ""); !errors.Is(err, core.ErrInvalid) {
		t.Fatalf("invalid user id: %v", err)
	}
	first, err := w.q.Entrance.Issue(ctx, "ann", "")
	if err != nil {
		t.Fatal(err)
	}
	if first.Position != 0 || first.EstimatedWait != time.Second || first.Token.State != queue.Waiting {
		t.Fatalf("first fan: %+v, want position 0, 1s", first)
	}
	for _, u := range []string{"ben", "cat", "dan"} {
		if _, err := w.q.Entrance.Issue(ctx, u, ""); err != nil {
			t.Fatal(err)
		}
	}
	fourth, _ := w.q.Entrance.Issue(ctx, "dan", "")
	// 3 ahead at 2 a second: this fan is admitted in the second tick.
	if fourth.Position != 3 || fourth.EstimatedWait != 2*time.Second {
		t.Fatalf("fourth fan: position %d wait %v, want 3 and 2s", fourth.Position, fourth.EstimatedWait)
	}
	dan := apptest.CallerOf(fourth)

	_, _, err = w.q.Entrance.Admitted(ctx, dan)
	var waiting *queue.NotAdmittedError
	if !errors.As(err, &waiting) || waiting.Position != 3 {
		t.Fatalf("waiting fan booking: %v, want NotAdmittedError at position 3", err)
	}
	if _, _, err := w.q.Entrance.Queued(ctx, dan); err != nil {
		t.Fatalf("waiting fan on a queued endpoint: %v", err)
	}

	for _, tc := range []struct {
		name   string
		caller core.Caller
		want   error
	}{
		{"unknown token", core.Caller{TokenID: core.NewID(), UserID: "dan"}, queue.ErrTokenUnknown},
		{"token of another user", core.Caller{TokenID: fourth.Token.ID, UserID: "eve"}, queue.ErrTokenUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.q.Entrance.Status(ctx, tc.caller)
			wantErr(t, err, tc.want)
		})
	}

	if _, err := w.q.Admitter.AdmitNext(ctx, sale, admitting(0, 5)); err == nil {
		t.Fatal("a zero admission rate accepted")
	}
	res, err := w.q.Admitter.AdmitNext(ctx, sale, admitting(10, 10))
	if err != nil || res.Admitted != 4 {
		t.Fatalf("admit: %+v, %v", res, err)
	}
	st, err := w.q.Entrance.Status(ctx, dan)
	if err != nil || st.Token.State != queue.Active || st.Position != 0 || st.EstimatedWait != 0 {
		t.Fatalf("admitted fan: %+v, %v", st, err)
	}
	report, _ := w.q.Control.Report(ctx, sale)
	if report.Stats.Active != 4 || report.Stats.Waiting() != 0 || report.Stats.AdmittedTotal != 4 {
		t.Fatalf("stats %+v", report.Stats)
	}
	w.clock.Advance(policy.Admission.SessionTTL)
	_, err = w.q.Entrance.Status(ctx, dan)
	wantErr(t, err, queue.ErrTokenExpired)
}

func TestPollingWaitingTokensReadsNoToken(t *testing.T) {
	w := newQueueWorld(t, queue.DefaultPolicy)
	fans := make([]core.Caller, 10)
	for i := range fans {
		fans[i] = w.issue(t, fmt.Sprintf("fan-%d", i))
	}
	if _, err := w.q.Admitter.AdmitNext(ctx, sale, admitting(3, 100)); err != nil {
		t.Fatal(err)
	}
	before := w.tokens.reads.Load()
	for i := 3; i < 10; i++ {
		st := w.poll(t, fans[i])
		if st.Token.State != queue.Waiting || st.Position != int64(i-3) {
			t.Fatalf("fan %d: %+v, want waiting at position %d", i, st, i-3)
		}
		if _, _, err := w.q.Entrance.Queued(ctx, fans[i]); err != nil {
			t.Fatal(err)
		}
	}
	if n := w.tokens.reads.Load() - before; n != 0 {
		t.Fatalf("polling waiting fans read %d tokens, want 0", n)
	}
	// An admitted fan's claims no longer prove anything: that poll reads the token.
	if st := w.poll(t, fans[0]); st.Token.State != queue.Active {
		t.Fatalf("admitted fan polls %+v", st)
	}
	if w.tokens.reads.Load() == before {
		t.Fatal("an admitted fan's poll was answered without reading the token")
	}
	// Booking always reads the token, so admission is seen at once.
	_, _, err := w.q.Entrance.Admitted(ctx, fans[5])
	var waiting *queue.NotAdmittedError
	if !errors.As(err, &waiting) || waiting.Position != 2 {
		t.Fatalf("waiting fan booking: %v, want NotAdmittedError at position 2", err)
	}
}

func TestEstimateFollowsTheMeasuredAdmissionRate(t *testing.T) {
	policy := queue.DefaultPolicy
	policy.Admission.AdmitRate = 50 // in force; the ceiling lets admission run at only 10 a second
	policy.Admission.SessionTTL = time.Hour
	w := newQueueWorld(t, policy)
	var last core.Caller
	for i := range 3000 {
		last = w.issue(t, fmt.Sprintf("fan-%d", i))
	}
	st := w.poll(t, last)
	if st.EstimatedWait != 60*time.Second { // 3000 fans at the configured 50/s before any measurement
		t.Fatalf("before any tick: %v, want 60s at the configured rate", st.EstimatedWait)
	}
	const ticks = 90
	for tick := range ticks {
		if _, err := w.q.Admitter.AdmitNext(ctx, sale, admitting(50, 10*(tick+1))); err != nil { // room for 10 more a tick
			t.Fatal(err)
		}
		w.poll(t, last) // still seen, never abandoned
		w.clock.Advance(time.Second)
	}
	// The first tick only starts the interval; each later one folds in 10/s with weight
	// 1-exp(-1s/30s), so the average is 10 + 40·exp(-(ticks-1)/30).
	rate := 10 + 40*math.Exp(-float64(ticks-1)/queue.RateWindow.Seconds())
	ahead := int64(3000 - 1 - 10*ticks)
	want := time.Duration(math.Ceil(float64(ahead+1)/rate)) * time.Second
	st = w.poll(t, last)
	if st.Position != ahead || st.EstimatedWait != want {
		t.Fatalf("after %d ticks: position %d, estimate %v; want %d and %v (rate %.3f/s)", ticks, st.Position, st.EstimatedWait, ahead, want, rate)
	}
	report, err := w.q.Control.Report(ctx, sale)
	if err != nil || math.Abs(report.AdmittedPerMinute-rate*60) > 1e-6 {
		t.Fatalf("report %+v, %v; want %.3f admitted per minute", report, err, rate*60)
	}
	// A queue with the ceiling full admits nobody: the measured rate falls and the estimate grows.
	for range 30 {
		if _, err := w.q.Admitter.AdmitNext(ctx, sale, admitting(10, 1)); err != nil {
			t.Fatal(err)
		}
		w.poll(t, last)
		w.clock.Advance(time.Second)
	}
	if later := w.poll(t, last); later.EstimatedWait <= 2*st.EstimatedWait {
		t.Fatalf("estimate with admission stalled for 30 s: %v, want well above %v", later.EstimatedWait, st.EstimatedWait)
	}
}

func TestAbandonedFansAreSkipped(t *testing.T) {
	policy := queue.DefaultPolicy
	policy.AbandonAfter = time.Minute
	w := newQueueWorld(t, policy)
	stays, leaves, late := w.issue(t, "stays"), w.issue(t, "leaves"), w.issue(t, "late")
	for range 4 { // 2 minutes: "stays" and "late" poll, "leaves" is gone
		w.clock.Advance(30 * time.Second)
		w.poll(t, stays)
		w.poll(t, late)
	}
	res, err := w.q.Admitter.AdmitNext(ctx, sale, admitting(2, 100))
	if err != nil || res.Admitted != 2 || res.Abandoned != 1 {
		t.Fatalf("admission %+v, %v; want 2 admitted and 1 abandoned", res, err)
	}
	if _, err := w.q.Entrance.Status(ctx, leaves); !errors.Is(err, queue.ErrTokenExpired) {
		t.Fatalf("abandoned fan polls: %v, want ErrTokenExpired", err)
	}
	for _, c := range []core.Caller{stays, late} {
		if st := w.poll(t, c); st.Token.State != queue.Active {
			t.Fatalf("%s: %v, want active", c.UserID, st.Token.State)
		}
	}
	// The fan who left can queue again, at the back.
	again, err := w.q.Entrance.Issue(ctx, "leaves", "")
	if err != nil || again.Token.Seq != 4 {
		t.Fatalf("queueing again: %+v, %v", again, err)
	}
}

func TestScheduledOpeningDrawsTheEarlyFans(t *testing.T) {
	w := newQueueWorld(t, queue.DefaultPolicy)
	opens := w.clock.Now().Add(10 * time.Minute)
	if _, err := w.q.Control.ScheduleOpening(ctx, sale, w.clock.Now().Add(-time.Second), nil); !errors.Is(err, core.ErrInvalid) {
		t.Fatalf("opening in the past: %v, want ErrInvalid", err)
	}
	seed := int64(2026)
	q, err := w.q.Control.ScheduleOpening(ctx, sale, opens, &seed)
	if err != nil || !q.OpensAt.Equal(opens) || q.DrawSeed != seed {
		t.Fatalf("schedule: %+v, %v", q, err)
	}
	early := make([]core.Caller, 8)
	for i := range early {
		early[i] = w.issue(t, fmt.Sprintf("early-%d", i))
		if early[i].Seq != 0 {
			t.Fatalf("early token signed with sequence %d, want 0 until the draw", early[i].Seq)
		}
	}
	st := w.poll(t, early[3])
	if st.Position != 0 || !st.OpensAt.Equal(opens) || st.EstimatedWait != 10*time.Minute || st.SignedSeq() != 0 {
		t.Fatalf("before the opening: %+v, want position 0, the opening time and 10m", st)
	}
	_, _, err = w.q.Entrance.Admitted(ctx, early[3])
	var waiting *queue.NotAdmittedError
	if !errors.As(err, &waiting) || !waiting.OpensAt.Equal(opens) {
		t.Fatalf("booking before the opening: %v, want NotAdmittedError with the opening time", err)
	}
	if res, _ := w.q.Admitter.AdmitNext(ctx, sale, admitting(100, 100)); res.Admitted != 0 {
		t.Fatalf("admitted %d before the opening", res.Admitted)
	}
	w.clock.Advance(10 * time.Minute)
	for _, c := range early { // still there at the opening: nobody is abandoned
		w.poll(t, c)
	}
	late := w.issue(t, "late")
	if late.Seq != 9 {
		t.Fatalf("first fan after the opening numbered %d, want 9 (behind the 8 early ones)", late.Seq)
	}
	res, err := w.q.Admitter.AdmitNext(ctx, sale, admitting(1, 100))
	if err != nil || res.Drawn != 8 || res.Admitted != 1 {
		t.Fatalf("opening tick: %+v, %v; want 8 drawn and the first place admitted", res, err)
	}
	places := queue.DrawOrder(8, seed)
	for i, c := range early {
		st := w.poll(t, c)
		wantPosition := max(0, places[i]-2) // place 1 was admitted
		if st.Token.Seq != places[i] || st.Position != wantPosition || st.SignedSeq() != places[i] || !st.OpensAt.IsZero() {
			t.Fatalf("early fan %d after the draw: %+v, want place %d at position %d", i, st, places[i], wantPosition)
		}
		if (places[i] == 1) != (st.Token.State == queue.Active) {
			t.Fatalf("early fan %d at place %d is %v", i, places[i], st.Token.State)
		}
	}
	if st := w.poll(t, late); st.Position != 7 {
		t.Fatalf("late fan at position %d, want 7", st.Position)
	}
}

func TestDrawOrder(t *testing.T) {
	a, b := queue.DrawOrder(1000, 7), queue.DrawOrder(1000, 7)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed drew two orders")
	}
	if slices.Equal(a, queue.DrawOrder(1000, 8)) {
		t.Fatal("two seeds drew the same order of 1000")
	}
	sorted := slices.Clone(a)
	slices.Sort(sorted)
	for i, p := range sorted {
		if p != int64(i)+1 {
			t.Fatalf("places are not 1..1000 exactly once: %d at %d", p, i)
		}
	}
	// Uniform: over 60,000 seeds each of the 6 orders of 3 fans comes up 10,000 times, give or
	// take; 5 standard deviations (about 456) bound the test's own flakiness far below 1e-5.
	counts := map[[3]int64]int{}
	for seed := range int64(60_000) {
		p := queue.DrawOrder(3, seed)
		counts[[3]int64(p)]++
	}
	if len(counts) != 6 {
		t.Fatalf("%d distinct orders of 3, want 6", len(counts))
	}
	for order, n := range counts {
		if math.Abs(float64(n)-10_000) > 5*math.Sqrt(60_000*(1.0/6)*(5.0/6)) {
			t.Fatalf("order %v drawn %d times of 60,000, want about 10,000", order, n)
		}
	}
}

func TestChangeAdmission(t *testing.T) {
	w := newQueueWorld(t, queue.DefaultPolicy)
	zero, five, seven, seventy := 0, 5, 7, 70
	for _, bad := range []queue.Change{{AdmitRate: &zero, MaxActive: &five}, {AdmitRate: &five, MaxActive: &zero}} {
		if _, err := w.q.Control.ChangeAdmission(ctx, sale, bad); !errors.Is(err, core.ErrInvalid) {
			t.Fatalf("change %+v: %v, want ErrInvalid", bad, err)
		}
	}
	got, err := w.q.Control.ChangeAdmission(ctx, sale, queue.Change{AdmitRate: &seven, MaxActive: &seventy})
	if err != nil || got != (queue.Settings{AdmitRate: 7, MaxActive: 70, Tick: time.Second, SessionTTL: 10 * time.Minute, Revision: 1}) {
		t.Fatalf("change: %+v, %v", got, err)
	}
	if r, _ := w.q.Control.Report(ctx, sale); r.Settings != got {
		t.Fatalf("report settings %+v, want %+v", r.Settings, got)
	}
}

// Two instances share the store; the second's cached counters predate the opening. An early
// token it reads must still be placed by the opening, never signed with its provisional number.
func TestInstanceWithStaleCountersPlacesEarlyTokens(t *testing.T) {
	policy := queue.DefaultPolicy
	policy.Refresh = 5 * time.Second // nothing refreshes by age during the test
	a := newQueueWorld(t, policy)
	b := rebuild(t, a, policy)
	if _, err := b.Entrance.Status(ctx, core.Caller{TokenID: core.NewID(), UserID: "nobody"}); !errors.Is(err, queue.ErrTokenUnknown) {
		t.Fatalf("priming b's counters: %v", err)
	}
	opens := a.clock.Now().Add(time.Hour)
	if _, err := a.q.Control.ScheduleOpening(ctx, sale, opens, nil); err != nil {
		t.Fatal(err)
	}
	early := a.issue(t, "early")
	for name, st := range map[string]func() (queue.Status, error){
		"issue on b": func() (queue.Status, error) { return b.Entrance.Issue(ctx, "early", "") },
		"poll on b":  func() (queue.Status, error) { return b.Entrance.Status(ctx, early) },
	} {
		got, err := st()
		if err != nil || got.SignedSeq() != 0 || !got.OpensAt.Equal(opens) {
			t.Fatalf("%s: %+v, %v; want signed seq 0 and the opening time", name, got, err)
		}
	}
}

// A tick that empties the queue admitted everyone there was: it says nothing of the queue's
// pace, so the measured rate keeps its value.
func TestDrainingTickDoesNotLowerTheMeasuredRate(t *testing.T) {
	policy := queue.DefaultPolicy
	policy.Admission.AdmitRate = 50
	w := newQueueWorld(t, policy)
	for i := range 200 {
		w.issue(t, fmt.Sprintf("fan-%d", i))
	}
	for tick := range 3 { // 20 a second with a backlog (the ceiling's room): the rate moves from 50 towards 20
		if _, err := w.q.Admitter.AdmitNext(ctx, sale, admitting(50, 20*(tick+1))); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Second)
	}
	before, _ := w.q.Control.Report(ctx, sale)
	if before.AdmittedPerMinute >= 50*60 || before.AdmittedPerMinute <= 20*60 {
		t.Fatalf("after two measured ticks: %.1f a minute, want between 1200 and 3000", before.AdmittedPerMinute)
	}
	// The rest, 140 fans, leave in one tick; then an empty queue ticks on.
	for range 3 {
		if _, err := w.q.Admitter.AdmitNext(ctx, sale, admitting(1000, 1000)); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Second)
	}
	after, _ := w.q.Control.Report(ctx, sale)
	if after.AdmittedPerMinute != before.AdmittedPerMinute {
		t.Fatalf("draining and empty ticks moved the rate from %.1f to %.1f a minute", before.AdmittedPerMinute, after.AdmittedPerMinute)
	}
}

// unreadableQueue is a token store whose queue counters cannot be read (the database is gone).
type unreadableQueue struct{ queue.Store }

func (unreadableQueue) Queue(context.Context, core.SaleID) (queue.Queue, error) {
	return queue.Queue{}, errors.New("connection refused")
}

// Without the counters no position can be computed: the queue's use cases fail with an
// infrastructure error (a 500 at the edge), never a made-up position or a domain answer.
func TestQueueCountersUnreadable(t *testing.T) {
	w := newQueueWorld(t, queue.DefaultPolicy)
	fan := w.issue(t, "fan")
	w.tokens.Store = unreadableQueue{w.tokens.Store}
	policy := queue.DefaultPolicy
	policy.Refresh = 0 // nothing cached to fall back on
	w.q = rebuild(t, w, policy)
	for name, call := range map[string]func() error{
		"issue":     func() error { _, err := w.q.Entrance.Issue(ctx, "other", ""); return err },
		"poll":      func() error { _, err := w.q.Entrance.Status(ctx, fan); return err },
		"authorize": func() error { _, _, err := w.q.Entrance.Queued(ctx, fan); return err },
		"admit":     func() error { _, err := w.q.Admitter.AdmitNext(ctx, sale, admitting(10, 10)); return err },
	} {
		err := call()
		if err == nil || core.IsDomainError(err) || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("%s with unreadable counters: %v, want the infrastructure error", name, err)
		}
	}
}

// An operator slows admission: from the next answer no estimate is shorter than the position
// over the new rate, although the measured rate still remembers the faster one.
func TestEstimateFollowsAnOperatorsChangeAtOnce(t *testing.T) {
	w := newQueueWorld(t, queue.DefaultPolicy) // 50 a second, ticks of a second
	var fans []core.Caller
	for i := range 200 {
		fans = append(fans, w.issue(t, fmt.Sprintf("fan-%d", i)))
	}
	for range 3 { // admission runs at 50 a second, and is measured so
		if _, err := w.q.Admitter.AdmitNext(ctx, sale, queue.DefaultPolicy.Admission); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Second)
	}
	one := 1
	if _, err := w.q.Control.ChangeAdmission(ctx, sale, queue.Change{AdmitRate: &one}); err != nil {
		t.Fatal(err)
	}
	for i := 150; i < 200; i++ {
		st := w.poll(t, fans[i])
		if floor := time.Duration(st.Position) * time.Second; st.EstimatedWait < floor || st.Stalled {
			t.Fatalf("fan at position %d is told %v after the rate became 1 a second, want at least %v", st.Position, st.EstimatedWait, floor)
		}
	}
	// Fans who arrive after the change are told the same, on an instance that reads the
	// counters afresh.
	late := w.issue(t, "late")
	if st := w.poll(t, late); st.EstimatedWait < time.Duration(st.Position)*time.Second {
		t.Fatalf("a fan arriving after the change at position %d is told %v", st.Position, st.EstimatedWait)
	}
	b := rebuild(t, w, queue.DefaultPolicy)
	if st, err := b.Entrance.Status(ctx, late); err != nil || st.EstimatedWait < time.Duration(st.Position)*time.Second {
		t.Fatalf("another instance tells the late fan %+v, %v", st, err)
	}
}

// With the ceiling full and nobody admitted for a while, fans are told admission has stalled
// instead of a wait it cannot keep; the first admission after ends it.
func TestStalledAdmissionSaysSo(t *testing.T) {
	policy := queue.DefaultPolicy
	policy.Admission.SessionTTL = time.Hour
	w := newQueueWorld(t, policy)
	w.issue(t, "in")
	waiting := w.issue(t, "waiting")
	full := admitting(50, 1)
	for range 5 {
		if _, err := w.q.Admitter.AdmitNext(ctx, sale, full); err != nil {
			t.Fatal(err)
		}
		w.poll(t, waiting)
		w.clock.Advance(time.Second)
	}
	if st := w.poll(t, waiting); st.Stalled || st.EstimatedWait != time.Second {
		t.Fatalf("5 s with the ceiling full: %+v, want an estimate of 1 s, not stalled yet", st)
	}
	for range int(queue.StallAfter / time.Second) {
		if _, err := w.q.Admitter.AdmitNext(ctx, sale, full); err != nil {
			t.Fatal(err)
		}
		w.poll(t, waiting)
		w.clock.Advance(time.Second)
	}
	st := w.poll(t, waiting)
	if !st.Stalled || st.EstimatedWait != queue.MaxEstimate || st.Position != 0 {
		t.Fatalf("15 s with the ceiling full: %+v, want stalled with the %v estimate", st, queue.MaxEstimate)
	}
	_, _, err := w.q.Entrance.Admitted(ctx, waiting)
	var notYet *queue.NotAdmittedError
	if !errors.As(err, &notYet) || !notYet.Stalled || !strings.Contains(err.Error(), "not moved") {
		t.Fatalf("booking while stalled: %v, want NotAdmittedError saying admission has stalled", err)
	}
	if r, _ := w.q.Control.Report(ctx, sale); !r.Stalled {
		t.Fatal("the operators' report does not say admission stalled")
	}
	if _, err := w.q.Admitter.AdmitNext(ctx, sale, admitting(50, 2)); err != nil { // the operator raises the ceiling
		t.Fatal(err)
	}
	if st := w.poll(t, waiting); st.Stalled || st.Token.State != queue.Active {
		t.Fatalf("after an admission: %+v, want admitted and not stalled", st)
	}
}

// A queue nobody waits in has not stalled however long it stays empty, and neither has one
// whose scheduled opening has not come.
func TestIdleQueueIsNotStalled(t *testing.T) {
	w := newQueueWorld(t, queue.DefaultPolicy)
	for range 20 {
		if _, err := w.q.Admitter.AdmitNext(ctx, sale, queue.DefaultPolicy.Admission); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Second)
	}
	if st := w.poll(t, w.issue(t, "first")); st.Stalled || st.EstimatedWait != time.Second {
		t.Fatalf("first fan after 20 idle seconds: %+v, want 1 s", st)
	}
}

// Each sale's waiting room is its own: positions, admission and lifecycle.
func TestEachSaleQueuesApart(t *testing.T) {
	w := newQueueWorld(t, queue.DefaultPolicy)
	const other core.SaleID = "other-sale"
	for _, u := range []string{"ann", "ben", "cat"} {
		w.issue(t, u)
	}
	first, err := w.q.Entrance.Issue(ctx, "cat", string(other))
	if err != nil || first.Position != 0 || first.Token.SaleID != other || first.Token.Seq != 1 {
		t.Fatalf("cat's token in %s: %+v, %v; want first there", other, first, err)
	}
	catHere := w.issue(t, "cat") // her token in the default sale is still hers
	if st := w.poll(t, catHere); st.Position != 2 || st.Token.SaleID != sale {
		t.Fatalf("cat in %s: %+v", sale, st)
	}
	if _, err := w.q.Admitter.AdmitNext(ctx, other, admitting(10, 10)); err != nil {
		t.Fatal(err)
	}
	if st := w.poll(t, catHere); st.Position != 2 || st.Token.State != queue.Waiting {
		t.Fatalf("admitting %s moved cat in %s: %+v", other, sale, st)
	}
	if _, _, err := w.q.Entrance.Admitted(ctx, apptest.CallerOf(first)); err != nil {
		t.Fatalf("cat in %s after its admission: %v", other, err)
	}
	_, err = w.q.Entrance.Issue(ctx, "ann", "Not-A-Sale")
	var field *core.InvalidFieldError
	if !errors.As(err, &field) || field.Field != "sale_id" {
		t.Fatalf("a malformed sale id: %v, want an error naming sale_id", err)
	}
}

func TestAPausedSaleAdmitsNobodyAndAClosedOneTurnsFansAway(t *testing.T) {
	w := newQueueWorld(t, queue.DefaultPolicy)
	ann := w.issue(t, "ann")
	w.sales[sale] = core.Paused
	res, err := w.q.Admitter.AdmitNext(ctx, sale, admitting(10, 10))
	if err != nil || res.Admitted != 0 || res.Waiting != 1 || res.Closed {
		t.Fatalf("a tick of a paused sale: %+v, %v; want nobody admitted", res, err)
	}
	if st := w.poll(t, ann); st.Token.State != queue.Waiting {
		t.Fatalf("ann in a paused sale: %+v, want still waiting", st)
	}
	w.issue(t, "ben") // a paused sale still takes tokens

	w.sales[sale] = core.Closed
	_, err = w.q.Entrance.Issue(ctx, "cat", "")
	wantErr(t, err, core.ErrSaleClosed)
	wantErr(t, err, core.ErrGone)
	_, err = w.q.Entrance.Status(ctx, ann)
	wantErr(t, err, core.ErrSaleClosed)
	if res, err := w.q.Admitter.AdmitNext(ctx, sale, admitting(10, 10)); err != nil || !res.Closed || res.Admitted != 0 {
		t.Fatalf("a tick of a closed sale: %+v, %v; want Closed", res, err)
	}

	w.sales["a-draft"] = core.Draft
	_, err = w.q.Entrance.Issue(ctx, "ann", "a-draft")
	wantErr(t, err, core.ErrUnknownSale)
}
