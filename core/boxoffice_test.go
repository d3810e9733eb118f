package core_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
)

var ctx = context.Background()

// clock is a controllable core.Clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// world is the application on the memory adapter with a demo performance on 2030-07-01.
type world struct {
	app   *core.BoxOffice
	store *memory.Store
	clock *clock
	date  core.Date
}

const showDate = "2030-07-01"

func newWorld(t *testing.T, policy core.Policy) *world {
	t.Helper()
	return newWorldWith(t, policy, nil)
}

// newWorldWith is newWorld with another lifecycle than the memory one, when lifecycle is not nil.
func newWorldWith(t *testing.T, policy core.Policy, lifecycle core.ReservationLifecycle) *world {
	t.Helper()
	clk := &clock{now: time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)}
	store := memory.NewStore()
	life := memory.NewLifecycle(clk)
	t.Cleanup(life.Stop)
	if lifecycle == nil {
		lifecycle = life
	}
	app, err := core.New(core.Ports{Tokens: store, Catalog: store, Reservations: store, Wallets: store, Locks: store, Lifecycle: lifecycle,
		Admission: memory.NewAdmission(policy.Admission), Clock: clk}, policy)
	if err != nil {
		t.Fatal(err)
	}
	life.SetSettler(app)
	d, _ := core.ParseDate(showDate)
	if err := app.AddPerformance(ctx, core.Performance{Date: d, Concert: "Test", Price: 50_000, Seats: 50}); err != nil {
		t.Fatal(err)
	}
	return &world{app: app, store: store, clock: clk, date: d}
}

// fan issues a token for user and, if admit, admits everyone waiting.
func (w *world) fan(t *testing.T, user string, admit bool) core.Caller {
	t.Helper()
	st, err := w.app.IssueToken(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	if admit {
		if _, err := w.app.AdmitNext(ctx, admitting(1000, 1000)); err != nil {
			t.Fatal(err)
		}
	}
	return core.Caller{TokenID: st.Token.ID, UserID: st.Token.UserID, Seq: st.SignedSeq()}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func TestNewRejectsMissingPortsAndBadPolicy(t *testing.T) {
	store := memory.NewStore()
	ports := core.Ports{Tokens: store, Catalog: store, Reservations: store, Wallets: store, Locks: store,
		Lifecycle: memory.NewLifecycle(core.SystemClock{}), Admission: memory.NewAdmission(core.AdmissionSettings{}), Clock: core.SystemClock{}}
	if _, err := core.New(ports, core.DefaultPolicy); err != nil {
		t.Fatal(err)
	}
	noClock := ports
	noClock.Clock = nil
	if _, err := core.New(noClock, core.DefaultPolicy); err == nil {
		t.Error("missing clock accepted")
	}
	noAdmission := ports
	noAdmission.Admission = nil
	if _, err := core.New(noAdmission, core.DefaultPolicy); err == nil {
		t.Error("missing admission control accepted")
	}
	for _, change := range []func(p *core.Policy){
		func(p *core.Policy) { p.HoldTTL = 0 },
		func(p *core.Policy) { p.SessionTTL = 0 },
		func(p *core.Policy) { p.Admission.AdmitRate = 0 },
		func(p *core.Policy) { p.Admission.MaxActive = 0 },
		func(p *core.Policy) { p.Admission.Tick = 0 },
		func(p *core.Policy) { p.MaxHolds = 0 },
		func(p *core.Policy) { p.AbandonAfter = core.MinAbandonAfter - time.Second },
		func(p *core.Policy) { p.QueueRefresh = -time.Second },
		func(p *core.Policy) { p.QueueRefresh = 6 * time.Second },
	} {
		p := core.DefaultPolicy
		change(&p)
		if _, err := core.New(ports, p); err == nil {
			t.Errorf("policy %+v accepted", p)
		}
	}
}

func TestQueue(t *testing.T) {
	policy := core.DefaultPolicy
	policy.Admission.AdmitRate = 2
	w := newWorld(t, policy)

	if _, err := w.app.IssueToken(ctx, "bad user"); !errors.Is(err, core.ErrInvalid) {
		t.Fatalf("invalid user id: %v", err)
	}
	first, err := w.app.IssueToken(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if first.Position != 0 || first.EstimatedWait != time.Second || first.Token.State != core.TokenWaiting {
		t.Fatalf("first fan: %+v, want position 0, 1s", first)
	}
	for _, u := range []string{"ben", "cat", "dan"} {
		if _, err := w.app.IssueToken(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	fourth, _ := w.app.IssueToken(ctx, "dan")
	// 3 ahead at 2 a second: this fan is admitted in the second tick.
	if fourth.Position != 3 || fourth.EstimatedWait != 2*time.Second {
		t.Fatalf("fourth fan: position %d wait %v, want 3 and 2s", fourth.Position, fourth.EstimatedWait)
	}
	dan := core.Caller{TokenID: fourth.Token.ID, UserID: "dan", Seq: fourth.SignedSeq()}

	_, err = w.app.Authorize(ctx, dan, core.AccessAdmitted)
	var waiting *core.NotAdmittedError
	if !errors.As(err, &waiting) || waiting.Position != 3 {
		t.Fatalf("waiting fan booking: %v, want NotAdmittedError at position 3", err)
	}
	if _, err := w.app.Authorize(ctx, dan, core.AccessQueued); err != nil {
		t.Fatalf("waiting fan on a queued endpoint: %v", err)
	}

	for _, tc := range []struct {
		name   string
		caller core.Caller
		want   error
	}{
		{"unknown token", core.Caller{TokenID: core.NewID(), UserID: "dan"}, core.ErrTokenUnknown},
		{"token of another user", core.Caller{TokenID: fourth.Token.ID, UserID: "eve"}, core.ErrTokenUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.app.TokenStatus(ctx, tc.caller)
			wantErr(t, err, tc.want)
		})
	}

	if _, err := w.app.AdmitNext(ctx, admitting(0, 5)); err == nil {
		t.Fatal("a zero admission rate accepted")
	}
	res, err := w.app.AdmitNext(ctx, admitting(10, 10))
	if err != nil || res.Admitted != 4 {
		t.Fatalf("admit: %+v, %v", res, err)
	}
	st, err := w.app.TokenStatus(ctx, dan)
	if err != nil || st.Token.State != core.TokenActive || st.Position != 0 || st.EstimatedWait != 0 {
		t.Fatalf("admitted fan: %+v, %v", st, err)
	}
	report, _ := w.app.QueueReport(ctx)
	if report.Stats.Active != 4 || report.Stats.Waiting() != 0 || report.Stats.AdmittedTotal != 4 {
		t.Fatalf("stats %+v", report.Stats)
	}
	w.clock.advance(policy.SessionTTL)
	_, err = w.app.TokenStatus(ctx, dan)
	wantErr(t, err, core.ErrTokenExpired)
}

func TestBrowsing(t *testing.T) {
	w := newWorld(t, core.DefaultPolicy)
	active := w.fan(t, "ann", true)
	waiting := w.fan(t, "wes", false) // joins after the admission round
	dates, err := w.app.OpenDates(ctx, active)
	if err != nil || len(dates) != 1 || dates[0].String() != showDate {
		t.Fatalf("dates %v, %v", dates, err)
	}
	seats, err := w.app.Seats(ctx, active, showDate)
	if err != nil || len(seats) != 50 {
		t.Fatalf("seats %d, %v", len(seats), err)
	}
	for _, tc := range []struct {
		name   string
		caller core.Caller
		date   string
		want   error
	}{
		{"malformed date", active, "2030-7-1", core.ErrInvalid},
		{"no performance", active, "2030-07-02", core.ErrUnknownDate},
		{"past performance", active, "2030-05-31", core.ErrUnknownDate},
		{"not admitted", waiting, showDate, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.app.Seats(ctx, tc.caller, tc.date)
			if tc.want == nil {
				var na *core.NotAdmittedError
				if !errors.As(err, &na) {
					t.Fatalf("error = %v, want NotAdmittedError", err)
				}
				return
			}
			wantErr(t, err, tc.want)
		})
	}
	if _, err := w.app.OpenDates(ctx, waiting); err == nil {
		t.Fatal("a waiting fan listed dates")
	}
}

func TestHoldSeat(t *testing.T) {
	w := newWorld(t, core.DefaultPolicy)
	ann := w.fan(t, "ann", true)
	r, err := w.app.HoldSeat(ctx, ann, showDate, 7)
	if err != nil {
		t.Fatal(err)
	}
	if r.Seat != 7 || r.Price != 50_000 || r.UserID != "ann" || r.Status != core.ReservationHeld || !r.HeldUntil.Equal(w.clock.Now().Add(core.DefaultPolicy.HoldTTL)) {
		t.Fatalf("hold %+v", r)
	}
	ben := w.fan(t, "ben", true)
	for _, tc := range []struct {
		name  string
		date  string
		seat  int
		want  error
		field string
	}{
		{"taken seat", showDate, 7, core.ErrSeatTaken, ""},
		{"seat 0", showDate, 0, core.ErrInvalid, "seat_id"},
		{"seat past the last", showDate, 51, core.ErrInvalid, "seat_id"},
		{"malformed date", "tomorrow", 1, core.ErrInvalid, "date"},
		{"no performance", "2030-07-02", 1, core.ErrUnknownDate, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.app.HoldSeat(ctx, ben, tc.date, tc.seat)
			wantErr(t, err, tc.want)
			var field *core.InvalidFieldError
			if tc.field != "" && (!errors.As(err, &field) || field.Field != tc.field) {
				t.Fatalf("error %v does not name field %s", err, tc.field)
			}
		})
	}
	seats, _ := w.app.Seats(ctx, ben, showDate)
	for _, s := range seats {
		if (s.Status == core.SeatReserved) != (s.No == 7) {
			t.Fatalf("seat %d is %v after refused holds", s.No, s.Status)
		}
	}
	// Past the deadline the seat is available to others, before any release has run.
	w.clock.advance(core.DefaultPolicy.HoldTTL)
	if _, err := w.app.HoldSeat(ctx, ben, showDate, 7); err != nil {
		t.Fatalf("hold of a seat past its deadline: %v", err)
	}
}

// failingLifecycle cannot start holds.
type failingLifecycle struct{ core.ReservationLifecycle }

func (failingLifecycle) StartHold(context.Context, core.Reservation) error {
	return errors.New("temporal unavailable")
}

func TestHoldIsUndoneWhenItsTimerCannotStart(t *testing.T) {
	w := newWorldWith(t, core.DefaultPolicy, failingLifecycle{})
	app, store, clk := w.app, w.store, w.clock
	ann := w.fan(t, "ann", true)
	// The request is gone by the time the timer fails: the undo must not depend on it.
	reqCtx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := app.HoldSeat(reqCtx, ann, showDate, 1); err == nil {
		t.Fatal("a hold without its timer succeeded")
	}
	if _, err := app.HoldSeat(ctx, ann, showDate, 1); !errors.Is(err, core.ErrUnavailable) || !errors.Is(err, core.ErrHoldNotStarted) {
		t.Fatalf("hold without a timer: %v, want ErrHoldNotStarted (unavailable)", err)
	}
	seats, _ := app.Seats(ctx, ann, showDate)
	if seats[0].Status != core.SeatAvailable {
		t.Fatal("the seat stayed held although its timer never started")
	}
	if n, _ := store.ReleaseOverdue(ctx, clk.Now().Add(24*time.Hour), 10); n != 0 {
		t.Fatalf("%d reservations were left held by failed timers", n)
	}
}

// slowLifecycle's payments never finish in time.
type slowLifecycle struct{ core.ReservationLifecycle }

func (slowLifecycle) StartHold(context.Context, core.Reservation) error { return nil }
func (slowLifecycle) Pay(context.Context, core.ID, core.UserID, core.IdempotencyKey) (core.Receipt, error) {
	return core.Receipt{}, context.DeadlineExceeded
}

func TestPaymentThatTimesOutIsUnavailableNotFailed(t *testing.T) {
	w := newWorldWith(t, core.DefaultPolicy, slowLifecycle{})
	app := w.app
	ann := w.fan(t, "ann", true)
	r, _ := app.HoldSeat(ctx, ann, showDate, 1)
	_, _ = app.Charge(ctx, ann, 50_000, "")
	_, err := app.Pay(ctx, ann, core.PayRequest{TicketID: string(r.ID), SeatID: 1, Date: showDate}, "")
	if !errors.Is(err, core.ErrPaymentPending) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timed-out payment: %v, want ErrPaymentPending with its cause", err)
	}
}

func TestAdmitNextSweepsOverdueHolds(t *testing.T) {
	w := newWorld(t, core.DefaultPolicy)
	ann := w.fan(t, "ann", true)
	r, err := w.app.HoldSeat(ctx, ann, showDate, 5)
	if err != nil {
		t.Fatal(err)
	}
	w.clock.advance(core.DefaultPolicy.HoldTTL + core.OverdueHoldGrace/2)
	if res, _ := w.app.AdmitNext(ctx, admitting(10, 10)); res.ReleasedHolds != 0 {
		t.Fatal("a hold within its grace was swept")
	}
	w.clock.advance(core.OverdueHoldGrace)
	res, err := w.app.AdmitNext(ctx, admitting(10, 10))
	if err != nil || res.ReleasedHolds != 1 {
		t.Fatalf("tick after the grace: %+v, %v; want the overdue hold released", res, err)
	}
	if got, _ := w.store.Reservation(ctx, r.ID); got.Status != core.ReservationReleased {
		t.Fatalf("overdue hold is %v", got.Status)
	}
}

func TestPay(t *testing.T) {
	w := newWorld(t, core.DefaultPolicy)
	ann := w.fan(t, "ann", true)
	r, err := w.app.HoldSeat(ctx, ann, showDate, 3)
	if err != nil {
		t.Fatal(err)
	}
	ben := w.fan(t, "ben", true)
	good := core.PayRequest{TicketID: string(r.ID), SeatID: 3, Date: showDate}
	for _, tc := range []struct {
		name   string
		caller core.Caller
		req    core.PayRequest
		want   error
	}{
		{"malformed ticket id", ann, core.PayRequest{TicketID: "42", SeatID: 3, Date: showDate}, core.ErrInvalid},
		{"malformed date", ann, core.PayRequest{TicketID: string(r.ID), SeatID: 3, Date: "soon"}, core.ErrInvalid},
		{"unknown ticket", ann, core.PayRequest{TicketID: string(core.NewID()), SeatID: 3, Date: showDate}, core.ErrUnknownTicket},
		{"another user's ticket", ben, good, core.ErrNotYourTicket},
		{"wrong seat", ann, core.PayRequest{TicketID: string(r.ID), SeatID: 4, Date: showDate}, core.ErrTicketMismatch},
		{"wrong date", ann, core.PayRequest{TicketID: string(r.ID), SeatID: 3, Date: "2030-07-02"}, core.ErrTicketMismatch},
		{"empty wallet", ann, good, core.ErrInsufficientBalance},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.app.Pay(ctx, tc.caller, tc.req, "")
			wantErr(t, err, tc.want)
		})
	}
	if got, _ := w.store.Reservation(ctx, r.ID); got.Status != core.ReservationHeld {
		t.Fatalf("refused payments changed the hold to %v", got.Status)
	}
	if _, err := w.app.Charge(ctx, ann, 60_000, ""); err != nil {
		t.Fatal(err)
	}
	rc, err := w.app.Pay(ctx, ann, good, "")
	if err != nil {
		t.Fatal(err)
	}
	if rc.Amount != 50_000 || rc.ReservationID != r.ID || rc.Date != w.date {
		t.Fatalf("receipt %+v", rc)
	}
	if bal, _ := w.store.Balance(ctx, "ann"); bal != 10_000 {
		t.Fatalf("balance %d after paying, want 10000", bal)
	}
	_, err = w.app.Balance(ctx, ann)
	wantErr(t, err, core.ErrTokenExpired) // payment expires the payer's token

	// Back through the queue, the same payment replays its receipt and charges nothing.
	again := w.fan(t, "ann", true)
	replay, err := w.app.Pay(ctx, again, good, "")
	if err != nil || replay != rc {
		t.Fatalf("replay = %+v, %v; want %+v", replay, err, rc)
	}
	if bal, _ := w.store.Balance(ctx, "ann"); bal != 10_000 {
		t.Fatalf("balance %d after replay, want 10000", bal)
	}
}

func TestPayAfterDeadline(t *testing.T) {
	w := newWorld(t, core.DefaultPolicy)
	ann := w.fan(t, "ann", true)
	r, _ := w.app.HoldSeat(ctx, ann, showDate, 3)
	_, _ = w.app.Charge(ctx, ann, 60_000, "")
	w.clock.advance(core.DefaultPolicy.HoldTTL)
	_, err := w.app.Pay(ctx, ann, core.PayRequest{TicketID: string(r.ID), SeatID: 3, Date: showDate}, "")
	wantErr(t, err, core.ErrHoldExpired)
	if bal, _ := w.store.Balance(ctx, "ann"); bal != 60_000 {
		t.Fatalf("balance %d after a refused late payment", bal)
	}
}

func TestUnpaidHoldReleasesItself(t *testing.T) {
	policy := core.DefaultPolicy
	policy.HoldTTL = 50 * time.Millisecond
	w := newWorld(t, policy)
	store := w.store
	r, err := w.app.HoldSeat(ctx, w.fan(t, "ann", true), showDate, 1)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ := store.Reservation(ctx, r.ID)
		if got.Status == core.ReservationReleased {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("hold still %v 5s after a 50ms deadline", got.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWallet(t *testing.T) {
	w := newWorld(t, core.DefaultPolicy)
	waiting := w.fan(t, "wes", false)
	for _, amount := range []int64{0, -1, 10_000_001} {
		_, err := w.app.Charge(ctx, waiting, amount, "")
		var field *core.InvalidFieldError
		if !errors.As(err, &field) || field.Field != "amount" {
			t.Fatalf("charge %d: %v, want an invalid amount", amount, err)
		}
	}
	bal, err := w.app.Balance(ctx, waiting)
	if err != nil || bal != 0 {
		t.Fatalf("balance after refused charges: %d, %v", bal, err)
	}
	if bal, err = w.app.Charge(ctx, waiting, 10_000_000, ""); err != nil || bal != 10_000_000 {
		t.Fatalf("a waiting fan charging the maximum: %d, %v", bal, err)
	}
	_, err = w.app.Charge(ctx, core.Caller{TokenID: core.NewID(), UserID: "wes"}, 1, "")
	wantErr(t, err, core.ErrTokenUnknown)
}

func TestConcurrentRetriesOfAKeyedCharge(t *testing.T) {
	w := newWorld(t, core.DefaultPolicy)
	ann := w.fan(t, "ann", false)
	var mu sync.Mutex
	answers := map[string]int{}
	var wg sync.WaitGroup
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bal, err := w.app.Charge(ctx, ann, 4_000, "retry-me")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && bal == 4_000:
				answers["first balance"]++
			case errors.Is(err, core.ErrRequestInFlight):
				answers["in flight"]++
			default:
				t.Errorf("retry answered %d, %v", bal, err)
			}
		}()
	}
	wg.Wait()
	if bal, _ := w.store.Balance(ctx, "ann"); bal != 4_000 || answers["first balance"] == 0 {
		t.Fatalf("balance %d after 30 retries (%v), want one charge of 4000", bal, answers)
	}
}

// staleReservations answers the first read of a reservation with the copy it was given: a
// request that read the hold just before a duplicate settled it.
type staleReservations struct {
	core.ReservationStore
	mu    sync.Mutex
	stale *core.Reservation
}

func (s *staleReservations) Reservation(ctx context.Context, id core.ID) (core.Reservation, error) {
	s.mu.Lock()
	stale := s.stale
	s.stale = nil
	s.mu.Unlock()
	if stale != nil && stale.ID == id {
		return *stale, nil
	}
	return s.ReservationStore.Reservation(ctx, id)
}

// finishedLifecycle answers a payment of a hold whose timing has ended as Temporal answers an
// update to a finished workflow: the hold has ended.
type finishedLifecycle struct{ core.ReservationLifecycle }

func (finishedLifecycle) Pay(context.Context, core.ID, core.UserID, core.IdempotencyKey) (core.Receipt, error) {
	return core.Receipt{}, core.ErrHoldExpired
}

func TestDuplicatePaymentThatLostTheRaceGetsTheReceipt(t *testing.T) {
	for _, tc := range []struct {
		name string
		// second is the lifecycle the duplicate meets once the first payment has settled
		second func(core.ReservationLifecycle) core.ReservationLifecycle
		// requeue gives the duplicate a live token, so it gets as far as the lifecycle
		requeue bool
	}{
		{"the token was expired by the payment meanwhile", func(l core.ReservationLifecycle) core.ReservationLifecycle { return l }, false},
		{"the hold's workflow has finished", func(l core.ReservationLifecycle) core.ReservationLifecycle { return finishedLifecycle{l} }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{now: time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)}
			store := memory.NewStore()
			reservations := &staleReservations{ReservationStore: store}
			life := &switchableLifecycle{}
			memLife := memory.NewLifecycle(clk)
			t.Cleanup(memLife.Stop)
			life.set(memLife)
			app, err := core.New(core.Ports{Tokens: store, Catalog: store, Reservations: reservations, Wallets: store, Locks: store,
				Lifecycle: life, Admission: memory.NewAdmission(core.DefaultPolicy.Admission), Clock: clk}, core.DefaultPolicy)
			if err != nil {
				t.Fatal(err)
			}
			memLife.SetSettler(app)
			d, _ := core.ParseDate(showDate)
			if err := app.AddPerformance(ctx, core.Performance{Date: d, Concert: "Test", Price: 50_000, Seats: 50}); err != nil {
				t.Fatal(err)
			}
			w := &world{app: app, store: store, clock: clk, date: d}
			ann := w.fan(t, "ann", true)
			r, err := app.HoldSeat(ctx, ann, showDate, 1)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := app.Charge(ctx, ann, 80_000, ""); err != nil {
				t.Fatal(err)
			}
			req := core.PayRequest{TicketID: string(r.ID), SeatID: 1, Date: showDate}
			first, err := app.Pay(ctx, ann, req, "")
			if err != nil {
				t.Fatal(err)
			}
			reservations.mu.Lock()
			reservations.stale = &r // the duplicate read the hold before the first payment settled
			reservations.mu.Unlock()
			life.set(tc.second(memLife))
			if tc.requeue {
				ann = w.fan(t, "ann", true)
			}
			dup, err := app.Pay(ctx, ann, req, "")
			if err != nil || dup != first {
				t.Fatalf("duplicate = %+v, %v; want the first receipt %+v", dup, err, first)
			}
			if bal, _ := store.Balance(ctx, "ann"); bal != 30_000 {
				t.Fatalf("balance %d, want one debit (30000)", bal)
			}
		})
	}
}

// switchableLifecycle delegates to the lifecycle last set.
type switchableLifecycle struct {
	mu sync.Mutex
	l  core.ReservationLifecycle
}

func (s *switchableLifecycle) set(l core.ReservationLifecycle) { s.mu.Lock(); s.l = l; s.mu.Unlock() }
func (s *switchableLifecycle) get() core.ReservationLifecycle {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.l
}
func (s *switchableLifecycle) StartHold(ctx context.Context, r core.Reservation) error {
	return s.get().StartHold(ctx, r)
}
func (s *switchableLifecycle) Pay(ctx context.Context, id core.ID, u core.UserID, k core.IdempotencyKey) (core.Receipt, error) {
	return s.get().Pay(ctx, id, u, k)
}

// admitting is the admission settings of a tick that admits up to rate fans (ticks of a
// second) under the ceiling.
func admitting(rate, ceiling int) core.AdmissionSettings {
	return core.AdmissionSettings{AdmitRate: rate, MaxActive: ceiling, Tick: time.Second}
}
