package reservation_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/workflows/internal/workflowtest"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

const holdTTL = 5 * time.Minute

// fixture is a real application on the memory adapter, with alice holding seat 1.
type fixture struct {
	env   *workflowtest.Env
	store *memory.Store
	hold  booking.Reservation
	input reservation.Input
}

var start = workflowtest.Start

func newFixture(t *testing.T, funds core.Amount) *fixture {
	t.Helper()
	env := workflowtest.New(t, app.DefaultPolicy)
	store := env.Store
	reservation.Register(env, env.App.Booking.Settler)
	ctx := context.Background()
	date := workflowtest.Date
	if funds > 0 {
		if _, err := store.Charge(ctx, "alice", funds, "", start); err != nil {
			t.Fatal(err)
		}
	}
	r := booking.Reservation{ID: core.NewID(), UserID: "alice", SaleID: workflowtest.Sale, Date: date, Seat: 1, Section: "General", Price: 50_000,
		Status: booking.Held, HeldUntil: start.Add(holdTTL), CreatedAt: start}
	r = workflowtest.Hold(t, store, r, noCap)
	return &fixture{env: env, store: store, hold: r, input: reservation.Input{
		ReservationID: string(r.ID), UserID: "alice", SaleID: string(workflowtest.Sale), Section: "General", Date: "2030-07-01", Seat: 1, Price: 50_000, HeldUntil: r.HeldUntil,
	}}
}

// payResult records what one `pay` update did.
type payResult struct {
	rejected error
	receipt  reservation.Receipt
	err      error
	done     bool
}

func (f *fixture) payAt(after time.Duration, user string) *payResult {
	return f.send(after, reservation.PayRequest{UserID: user})
}

// send sends the `pay` update req after the given time.
func (f *fixture) send(after time.Duration, req reservation.PayRequest) *payResult {
	res := &payResult{}
	f.env.RegisterDelayedCallback(func() {
		f.env.UpdateWorkflow(reservation.UpdatePay, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { res.rejected, res.done = err, true },
			OnComplete: func(v any, err error) {
				res.done, res.err = true, err
				if rc, ok := v.(reservation.Receipt); ok {
					res.receipt = rc
				}
			},
		}, req)
	}, after)
	return res
}

func (f *fixture) run(t *testing.T) reservation.State {
	t.Helper()
	f.env.ExecuteWorkflow(reservation.Workflow, f.input)
	if !f.env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := f.env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	var st reservation.State
	if err := f.env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func (f *fixture) reservationStatus(t *testing.T) booking.Status {
	t.Helper()
	r, err := f.store.Reservation(context.Background(), f.hold.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

func (f *fixture) balance(t *testing.T) core.Amount {
	t.Helper()
	b, _ := f.store.Balance(context.Background(), "alice")
	return b
}

func errType(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return ""
}

func TestUnpaidHoldReleasesAtDeadline(t *testing.T) {
	f := newFixture(t, 100_000)
	st := f.run(t)
	if st.Status != reservation.StatusReleased || st.Receipt != nil {
		t.Fatalf("state %+v, want released without receipt", st)
	}
	if got := f.reservationStatus(t); got != booking.Released {
		t.Fatalf("reservation %v, want released", got)
	}
	if elapsed := f.env.Now().Sub(start); elapsed < holdTTL {
		t.Fatalf("released after %v, before the %v deadline", elapsed, holdTTL)
	}
	seats, _ := f.store.Seats(context.Background(), workflowtest.Sale, f.hold.Date, start)
	if seats[0].Status != catalog.SeatAvailable {
		t.Fatal("seat not available after release")
	}
	if f.balance(t) != 100_000 {
		t.Fatal("release charged the wallet")
	}
}

func TestPayBeforeDeadline(t *testing.T) {
	f := newFixture(t, 80_000)
	pay := f.payAt(time.Minute, "alice")
	st := f.run(t)
	if !pay.done || pay.err != nil || pay.rejected != nil {
		t.Fatalf("pay: %+v", pay)
	}
	if pay.receipt.Amount != 50_000 || pay.receipt.ReservationID != string(f.hold.ID) || pay.receipt.Date != "2030-07-01" || pay.receipt.PaymentID == "" {
		t.Fatalf("receipt %+v", pay.receipt)
	}
	if !pay.receipt.PaidAt.Equal(start.Add(time.Minute)) {
		t.Fatalf("paid at %v, want %v", pay.receipt.PaidAt, start.Add(time.Minute))
	}
	if st.Status != reservation.StatusPaid || st.Receipt == nil || *st.Receipt != pay.receipt {
		t.Fatalf("state %+v", st)
	}
	if f.env.Now().Sub(start) >= holdTTL {
		t.Fatal("a paid hold waited for its deadline")
	}
	if got := f.reservationStatus(t); got != booking.Paid {
		t.Fatalf("reservation %v, want paid", got)
	}
	if f.balance(t) != 30_000 {
		t.Fatalf("balance %d, want 30000", f.balance(t))
	}
}

// The API names a payment as it sends the update, so a retry of the settlement (and a replay)
// names it the same; the receipt carries that name.
func TestAPaymentIsNamedByItsRequest(t *testing.T) {
	f := newFixture(t, 80_000)
	named := string(core.NewID())
	pay := f.send(time.Minute, reservation.PayRequest{UserID: "alice", PaymentID: named})
	st := f.run(t)
	if !pay.done || pay.err != nil || pay.receipt.PaymentID != named || st.Receipt == nil || st.Receipt.PaymentID != named {
		t.Fatalf("pay %+v, state %+v; want the payment named %s", pay, st, named)
	}
	rc, err := f.store.Receipt(context.Background(), f.hold.ID)
	if err != nil || string(rc.PaymentID) != named {
		t.Fatalf("stored receipt %+v, %v; want payment %s", rc, err, named)
	}
}

func TestPayAfterDeadlineRejected(t *testing.T) {
	f := newFixture(t, 80_000)
	// Keep the release in flight a while so the workflow is still running past the deadline.
	f.env.OnActivity(reservation.ActivityReleaseAtDeadline, mock.Anything, reservation.ReleaseAtDeadlineInput{ReservationID: string(f.hold.ID)}).Return(time.Time{}, nil).After(time.Minute)
	late := f.payAt(holdTTL+10*time.Second, "alice")
	st := f.run(t)
	if errType(late.rejected) != reservation.ErrTypeHoldExpired {
		t.Fatalf("late pay: %+v, want rejected HoldExpired", late)
	}
	if st.Status != reservation.StatusReleased {
		t.Fatalf("state %+v", st)
	}
	if f.balance(t) != 80_000 {
		t.Fatal("a rejected payment changed the balance")
	}
}

// A payment the API accepted a second before the deadline, whose update reaches the workflow
// ten seconds after it, is taken: the deadline found the store keeping the hold for it.
func TestAcceptedPaymentArrivingAfterTheDeadlineSettles(t *testing.T) {
	f := newFixture(t, 80_000)
	acceptedAt := start.Add(holdTTL - time.Second)
	f.env.RegisterDelayedCallback(func() {
		if r, err := f.store.AcceptPayment(context.Background(), f.hold.ID, "alice", f.env.Now()); err != nil || !r.PaymentAcceptedAt.Equal(acceptedAt) {
			t.Errorf("accept: %+v, %v; want accepted at %v", r, err, acceptedAt)
		}
	}, holdTTL-time.Second)
	late := f.send(holdTTL+10*time.Second, reservation.PayRequest{UserID: "alice", AcceptedAt: acceptedAt})
	st := f.run(t)
	if late.rejected != nil || late.err != nil || late.receipt.Amount != 50_000 {
		t.Fatalf("accepted pay arriving late: %+v, want a receipt", late)
	}
	if st.Status != reservation.StatusPaid || f.reservationStatus(t) != booking.Paid || f.balance(t) != 30_000 {
		t.Fatalf("state %+v, stored %v, balance %d; want paid once", st, f.reservationStatus(t), f.balance(t))
	}
}

// A payment the API accepted whose update never comes keeps the hold until the payment's
// deadline, and no longer.
func TestAcceptedPaymentThatNeverArrivesReleasesAtThePaymentDeadline(t *testing.T) {
	f := newFixture(t, 80_000)
	f.env.RegisterDelayedCallback(func() {
		if _, err := f.store.AcceptPayment(context.Background(), f.hold.ID, "alice", f.env.Now()); err != nil {
			t.Error(err)
		}
	}, holdTTL-time.Second)
	var midway booking.Status
	f.env.RegisterDelayedCallback(func() { midway = f.reservationStatus(t) }, holdTTL+booking.PaymentWait/2)
	st := f.run(t)
	if midway != booking.Held {
		t.Fatalf("half way through the payment's wait the hold was %v, want held", midway)
	}
	if ended := f.env.Now().Sub(start); ended < holdTTL+booking.PaymentWait {
		t.Fatalf("the hold ended %v after it began, before its payment deadline (%v)", ended, holdTTL+booking.PaymentWait)
	}
	if st.Status != reservation.StatusReleased || f.reservationStatus(t) != booking.Released || f.balance(t) != 80_000 {
		t.Fatalf("state %+v, stored %v, balance %d; want released, nothing paid", st, f.reservationStatus(t), f.balance(t))
	}
}

// A payment that reached the workflow and failed does not end the wait for one the API accepted
// after it: the fan tops up and pays again just before the deadline, and that payment, reaching
// the workflow after the deadline, is taken.
func TestAPaymentAcceptedAfterAFailedOneIsWaitedFor(t *testing.T) {
	f := newFixture(t, 10_000)
	accept := func(after time.Duration) time.Time {
		at := start.Add(after)
		f.env.RegisterDelayedCallback(func() {
			if _, err := f.store.AcceptPayment(context.Background(), f.hold.ID, "alice", f.env.Now()); err != nil {
				t.Error(err)
			}
		}, after)
		return at
	}
	short := f.send(time.Minute+time.Second, reservation.PayRequest{UserID: "alice", AcceptedAt: accept(time.Minute)})
	f.env.RegisterDelayedCallback(func() {
		if _, err := f.store.Charge(context.Background(), "alice", 40_000, "", f.env.Now()); err != nil {
			t.Error(err)
		}
	}, 2*time.Minute)
	late := f.send(holdTTL+10*time.Second, reservation.PayRequest{UserID: "alice", AcceptedAt: accept(holdTTL - time.Millisecond)})
	st := f.run(t)
	if errType(short.err) != reservation.ErrTypeInsufficientBalance {
		t.Fatalf("the first payment: %+v, want InsufficientBalance", short)
	}
	if late.rejected != nil || late.err != nil || late.receipt.Amount != 50_000 {
		t.Fatalf("the payment accepted again before the deadline, arriving after it: %+v, want a receipt", late)
	}
	if st.Status != reservation.StatusPaid || f.balance(t) != 0 {
		t.Fatalf("state %+v, balance %d; want paid once", st, f.balance(t))
	}
}

func TestPayByAnotherUserRejected(t *testing.T) {
	f := newFixture(t, 80_000)
	mallory := f.payAt(time.Minute, "mallory")
	f.run(t)
	if errType(mallory.rejected) != reservation.ErrTypeNotYourTicket {
		t.Fatalf("mallory's pay: %+v, want rejected NotYourTicket", mallory)
	}
	if f.reservationStatus(t) != booking.Released || f.balance(t) != 80_000 {
		t.Fatal("another user's payment changed the hold or the wallet")
	}
}

func TestInsufficientBalanceThenTopUpThenPay(t *testing.T) {
	f := newFixture(t, 10_000)
	short := f.payAt(time.Minute, "alice")
	f.env.RegisterDelayedCallback(func() {
		if _, err := f.store.Charge(context.Background(), "alice", 40_000, "", f.env.Now()); err != nil {
			t.Error(err)
		}
	}, 2*time.Minute)
	paid := f.payAt(3*time.Minute, "alice")
	st := f.run(t)
	if errType(short.err) != reservation.ErrTypeInsufficientBalance {
		t.Fatalf("first pay: %+v, want InsufficientBalance", short)
	}
	var detail reservation.InsufficientBalance
	var appErr *temporal.ApplicationError
	if !errors.As(short.err, &appErr) {
		t.Fatalf("first pay error %T is not an application error", short.err)
	}
	if err := appErr.Details(&detail); err != nil || detail != (reservation.InsufficientBalance{Balance: 10_000, Needed: 50_000}) {
		t.Fatalf("detail %+v, %v", detail, err)
	}
	if paid.err != nil || paid.receipt.Amount != 50_000 {
		t.Fatalf("pay after top-up: %+v", paid)
	}
	if st.Status != reservation.StatusPaid || f.balance(t) != 0 {
		t.Fatalf("state %+v, balance %d", st, f.balance(t))
	}
}

func TestConcurrentPaysSettleOnce(t *testing.T) {
	f := newFixture(t, 200_000)
	first := f.payAt(time.Minute, "alice")
	second := f.payAt(time.Minute, "alice")
	f.run(t)
	if first.err != nil || second.err != nil || first.receipt.PaymentID == "" || first.receipt != second.receipt {
		t.Fatalf("concurrent pays: %+v and %+v, want one receipt", first, second)
	}
	if f.balance(t) != 150_000 {
		t.Fatalf("balance %d, want one debit (150000)", f.balance(t))
	}
}

// noCap lets a test hold as many seats per user as it likes.
const noCap = 1 << 30
