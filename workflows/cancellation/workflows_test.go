package cancellation_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/workflows/cancellation"
	"github.com/boxoffice/boxoffice/workflows/internal/workflowtest"
)

var (
	ctx   = context.Background()
	start = workflowtest.Start
	date  = workflowtest.Date.String()
)

const price core.Amount = 50_000

func newEnv(t *testing.T, refunder cancellation.Refunder) *workflowtest.Env {
	t.Helper()
	env := workflowtest.New(t, app.DefaultPolicy)
	if refunder == nil {
		refunder = env.App.Booking.Refunder
	}
	cancellation.Register(env, refunder)
	return env
}

// sell holds and pays seats first..last of the environment's date, one fan each.
func sell(t *testing.T, store *memory.Store, first, last int) []booking.Reservation {
	t.Helper()
	var out []booking.Reservation
	for seat := first; seat <= last; seat++ {
		user := core.UserID(fmt.Sprintf("fan-%02d", seat))
		r := hold(t, store, user, seat)
		if _, err := store.Charge(ctx, user, price, "", start); err != nil {
			t.Fatal(err)
		}
		if _, err := store.SettleAcrossAggregates(ctx, booking.Settlement{ReservationID: r.ID, UserID: user, PaymentID: core.NewID(), At: start}); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func hold(t *testing.T, store *memory.Store, user core.UserID, seat int) booking.Reservation {
	t.Helper()
	r := booking.Reservation{ID: core.NewID(), UserID: user, SaleID: workflowtest.Sale, Date: workflowtest.Date, Seat: seat, Section: "General",
		Price: price, Status: booking.Held, HeldUntil: start.Add(time.Hour), CreatedAt: start}
	return workflowtest.Hold(t, store, r, 100)
}

func input() cancellation.State {
	return cancellation.State{SaleID: workflowtest.Sale, Date: date, Batch: 10}
}

func result(t *testing.T, env *workflowtest.Env) cancellation.State {
	t.Helper()
	if !env.IsWorkflowCompleted() {
		t.Fatal("the workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st cancellation.State
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// The workflow closes the date, ends its holds and refunds 35 tickets in rounds of 10, each
// once, reporting its progress by query on the way.
func TestRefundsEveryTicketInRounds(t *testing.T) {
	env := newEnv(t, nil)
	sold := sell(t, env.Store, 1, 35)
	hold(t, env.Store, "holder", 40)
	var midway cancellation.State
	var midErr error
	env.SetOnActivityCompletedListener(func(info *activity.Info, _ converter.EncodedValue, _ error) {
		if info.ActivityType.Name == cancellation.ActivityRound && midway.Rounds == 0 {
			v, err := env.QueryWorkflow(cancellation.QueryProgress)
			if err == nil {
				err = v.Get(&midway)
			}
			midErr = err
		}
	})
	env.ExecuteWorkflow(cancellation.Workflow, input())
	st := result(t, env)
	if midErr != nil {
		t.Fatal(midErr)
	}
	if st.Status != cancellation.StatusCompleted || st.Refunded != 35 || st.Released != 1 || st.Left != (cancellation.Tally{Refunded: 35}) {
		t.Fatalf("final state %+v, want completed with 35 refunded and the hold ended", st)
	}
	// Four rounds refund 35 in tens; the fifth finds nothing, and so does the sixth, after the
	// last wait.
	if st.Rounds != 6 {
		t.Errorf("%d rounds, want 6", st.Rounds)
	}
	if midway.Status != cancellation.StatusRunning {
		t.Errorf("progress queried mid-way: %+v, want running", midway)
	}
	perf, _ := env.Store.Performance(ctx, workflowtest.Sale, workflowtest.Date)
	if !perf.Cancelled() {
		t.Error("the date is not closed")
	}
	for _, r := range sold {
		if bal, _ := env.Store.Balance(ctx, r.UserID); bal != price {
			t.Fatalf("%s's balance %d, want the price back", r.UserID, bal)
		}
	}
}

// A last look that still finds work (a hold whose statement read the date before it closed and
// committed after a round had read it, PostgreSQL's snapshot race, which no call of the memory
// store can make) goes on with rounds until one finds nothing, waits again, and completes only
// after a second look finds nothing either.
func TestALastLookThatFindsWorkLooksAgain(t *testing.T) {
	env := workflowtest.New(t, app.DefaultPolicy)
	refunder := &straggling{Refunder: env.App.Booking.Refunder, at: 3}
	cancellation.Register(env, refunder)
	sell(t, env.Store, 1, 3)
	env.ExecuteWorkflow(cancellation.Workflow, input())
	st := result(t, env)
	// Rounds: 3 refunded, empty, (wait) the straggler, empty, (wait) empty.
	if refunder.rounds != 5 || st.Rounds != 5 || st.Refunded != 4 {
		t.Fatalf("%d rounds, final state %+v; want 5 rounds and 4 refunded (the straggler too)", refunder.rounds, st)
	}
}

// straggling reports one more ticket refunded in round number at, as a round that found a
// straggler would.
type straggling struct {
	cancellation.Refunder
	at, rounds int
}

func (s *straggling) Round(ctx context.Context, sale core.SaleID, d core.Date, batch int) (booking.Round, error) {
	s.rounds++
	r, err := s.Refunder.Round(ctx, sale, d, batch)
	if s.rounds == s.at {
		r.Refunded++
	}
	return r, err
}

// flaky fails the first round after refunding part of it, as a worker killed mid-round would:
// the retry refunds the rest, and nothing twice.
type flaky struct {
	cancellation.Refunder
	failed bool
}

func (f *flaky) Round(ctx context.Context, sale core.SaleID, d core.Date, batch int) (booking.Round, error) {
	if !f.failed {
		f.failed = true
		if _, err := f.Refunder.Round(ctx, sale, d, batch/2); err != nil {
			return booking.Round{}, err
		}
		return booking.Round{}, errors.New("worker lost mid-round")
	}
	return f.Refunder.Round(ctx, sale, d, batch)
}

func TestARoundRetriedAfterACrashRefundsNothingTwice(t *testing.T) {
	env := workflowtest.New(t, app.DefaultPolicy)
	cancellation.Register(env, &flaky{Refunder: env.App.Booking.Refunder})
	sold := sell(t, env.Store, 1, 12)
	env.ExecuteWorkflow(cancellation.Workflow, input())
	st := result(t, env)
	if st.Left.Refunded != 12 || st.Left.Paid != 0 {
		t.Fatalf("final state %+v, want the 12 refunded", st)
	}
	for _, r := range sold {
		if bal, _ := env.Store.Balance(ctx, r.UserID); bal != price {
			t.Fatalf("%s's balance %d after a retried round, want the price back once", r.UserID, bal)
		}
	}
}

// A cancellation of a date that does not exist fails at once: no retry can make it exist.
func TestAnUnknownDateFailsWithoutRetries(t *testing.T) {
	env := newEnv(t, nil)
	in := input()
	in.Date = "2030-07-09"
	env.ExecuteWorkflow(cancellation.Workflow, in)
	var refused *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &refused) || refused.Type() != cancellation.ErrTypeRefused {
		t.Fatalf("workflow error %v, want a %s application error", err, cancellation.ErrTypeRefused)
	}
}

// counting counts the Close calls.
type counting struct {
	cancellation.Refunder
	closes int
}

func (c *counting) Close(ctx context.Context, sale core.SaleID, d core.Date) (catalog.Performance, error) {
	c.closes++
	return c.Refunder.Close(ctx, sale, d)
}

// A run continued as new resumes from the state it carried: the date stays closed without
// closing it again, and the counts go on.
func TestACarriedStateResumes(t *testing.T) {
	env := workflowtest.New(t, app.DefaultPolicy)
	refunder := &counting{Refunder: env.App.Booking.Refunder}
	cancellation.Register(env, refunder)
	sell(t, env.Store, 1, 5)
	if _, err := env.App.Booking.Refunder.Close(ctx, workflowtest.Sale, workflowtest.Date); err != nil {
		t.Fatal(err)
	}
	carried := input()
	carried.Closed, carried.Rounds, carried.Refunded = true, 500, 5000
	env.ExecuteWorkflow(cancellation.Workflow, carried)
	st := result(t, env)
	if refunder.closes != 0 || st.Refunded != 5005 || st.Rounds != 503 {
		t.Fatalf("closes %d, state %+v; want no close, 5005 refunded in 503 rounds", refunder.closes, st)
	}
}
