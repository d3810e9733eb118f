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
	"github.com/boxoffice/boxoffice/core/porttest"
	"github.com/boxoffice/boxoffice/workflows/internal/workflowtest"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// orderFixture is a real application on the memory adapter, with alice holding an order of
// seats 3, 4, 5 and 6 (50,000 each) together.
type orderFixture struct {
	env   *workflowtest.Env
	store *memory.Store
	order booking.Order
	input reservation.Input
}

func newOrderFixture(t *testing.T, funds core.Amount) *orderFixture {
	t.Helper()
	env := workflowtest.New(t, app.DefaultPolicy)
	reservation.Register(env, env.App.Booking.Settler)
	ctx := context.Background()
	if funds > 0 {
		if _, err := env.Store.Charge(ctx, "alice", funds, "", start); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := porttest.AdmitFan(ctx, env.Store, workflowtest.Sale, "alice")
	if err != nil {
		t.Fatal(err)
	}
	o := booking.Order{ID: core.NewID(), UserID: "alice", SaleID: workflowtest.Sale, Date: workflowtest.Date, HeldUntil: start.Add(holdTTL), CreatedAt: start}
	o, err = env.Store.HoldOrder(ctx, booking.OrderAttempt{
		Request: booking.OrderRequest{Seats: []int{6, 3, 5, 4}}, Order: o,
		IDs: []core.ID{core.NewID(), core.NewID(), core.NewID(), core.NewID()}, Token: tok, Now: start, Limit: noCap,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &orderFixture{env: env, store: env.Store, order: o, input: reservation.Input{
		OrderID: string(o.ID), Seats: o.Seats(), UserID: "alice", SaleID: string(o.SaleID), Section: "General", Date: o.Date.String(),
		Seat: o.Tickets[0].Seat, Price: int64(o.Total()), HeldUntil: o.HeldUntil,
	}}
}

// orderPayResult records what one `pay` update of the order did.
type orderPayResult struct {
	rejected, err error
	receipt       reservation.OrderReceipt
	done          bool
}

// send sends the `pay` update req after the given time.
func (f *orderFixture) send(after time.Duration, req reservation.PayRequest) *orderPayResult {
	res := &orderPayResult{}
	f.env.RegisterDelayedCallback(func() {
		f.env.UpdateWorkflow(reservation.UpdatePay, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { res.rejected, res.done = err, true },
			OnComplete: func(v any, err error) {
				res.done, res.err = true, err
				if rc, ok := v.(reservation.OrderReceipt); ok {
					res.receipt = rc
				}
			},
		}, req)
	}, after)
	return res
}

func (f *orderFixture) run(t *testing.T) reservation.State {
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

// statuses are the order's tickets' statuses as stored, in seat order.
func (f *orderFixture) statuses(t *testing.T) []booking.Status {
	t.Helper()
	o, err := f.store.Order(context.Background(), f.order.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]booking.Status, len(o.Tickets))
	for i, tk := range o.Tickets {
		out[i] = tk.Status
	}
	return out
}

// wantAll fails unless every ticket of the order is st.
func (f *orderFixture) wantAll(t *testing.T, st booking.Status) {
	t.Helper()
	for i, got := range f.statuses(t) {
		if got != st {
			t.Fatalf("seat %d is %v, want every seat %v", f.order.Tickets[i].Seat, got, st)
		}
	}
}

func (f *orderFixture) balance() core.Amount {
	b, _ := f.store.Balance(context.Background(), "alice")
	return b
}

func TestAnUnpaidOrderReleasesEverySeatAtItsDeadline(t *testing.T) {
	f := newOrderFixture(t, 500_000)
	var midway []booking.Status
	f.env.RegisterDelayedCallback(func() { midway = f.statuses(t) }, holdTTL-time.Second)
	st := f.run(t)
	if st.Status != reservation.StatusReleased || st.Order != nil || st.Receipt != nil {
		t.Fatalf("state %+v, want released without receipts", st)
	}
	for _, s := range midway {
		if s != booking.Held {
			t.Fatalf("a second before the deadline the order was %v, want every seat held", midway)
		}
	}
	if elapsed := f.env.Now().Sub(start); elapsed < holdTTL {
		t.Fatalf("released after %v, before the %v deadline", elapsed, holdTTL)
	}
	f.wantAll(t, booking.Released)
	seats, _ := f.store.Seats(context.Background(), workflowtest.Sale, workflowtest.Date, start)
	for _, n := range f.order.Seats() {
		if seats[n-1].Status != catalog.SeatAvailable {
			t.Fatalf("seat %d is %v after the order's release, want available", n, seats[n-1].Status)
		}
	}
	if f.balance() != 500_000 {
		t.Fatal("the release charged the wallet")
	}
}

func TestAnOrderIsPaidWholeByOneUpdate(t *testing.T) {
	f := newOrderFixture(t, 250_000)
	pay := f.send(time.Minute, reservation.PayRequest{UserID: "alice", IdempotencyKey: "family"})
	again := f.send(time.Minute, reservation.PayRequest{UserID: "alice", IdempotencyKey: "family"}) // a retry racing it
	st := f.run(t)
	if pay.err != nil || pay.rejected != nil || pay.receipt.OrderID != string(f.order.ID) || len(pay.receipt.Tickets) != 4 {
		t.Fatalf("pay: %+v, want four receipts of order %s", pay, f.order.ID)
	}
	for i, rc := range pay.receipt.Tickets {
		if rc.ReservationID != string(f.order.Tickets[i].ID) || rc.Amount != 50_000 || !rc.PaidAt.Equal(start.Add(time.Minute)) {
			t.Fatalf("receipt %d: %+v, want ticket %s's for 50000", i, rc, f.order.Tickets[i].ID)
		}
	}
	if again.err != nil || len(again.receipt.Tickets) != 4 || again.receipt.Tickets[3] != pay.receipt.Tickets[3] {
		t.Fatalf("paying again: %+v, want the first receipts", again)
	}
	if st.Status != reservation.StatusPaid || st.Order == nil || len(st.Order.Tickets) != 4 || st.Receipt != nil {
		t.Fatalf("state %+v, want paid with the order's receipts", st)
	}
	if f.env.Now().Sub(start) >= holdTTL {
		t.Fatal("a paid order waited for its deadline")
	}
	f.wantAll(t, booking.Paid)
	if f.balance() != 50_000 {
		t.Fatalf("balance %d, want 50000: one debit of the total", f.balance())
	}
}

func TestAnOrderShortOfFundsIsPaidAfterATopUp(t *testing.T) {
	f := newOrderFixture(t, 150_000)
	short := f.send(time.Minute, reservation.PayRequest{UserID: "alice"})
	mallory := f.send(time.Minute, reservation.PayRequest{UserID: "mallory"})
	f.env.RegisterDelayedCallback(func() {
		if _, err := f.store.Charge(context.Background(), "alice", 50_000, "", f.env.Now()); err != nil {
			t.Error(err)
		}
	}, 2*time.Minute)
	paid := f.send(3*time.Minute, reservation.PayRequest{UserID: "alice"})
	st := f.run(t)
	var appErr *temporal.ApplicationError
	var detail reservation.InsufficientBalance
	if !errors.As(short.err, &appErr) || appErr.Details(&detail) != nil || detail != (reservation.InsufficientBalance{Balance: 150_000, Needed: 200_000}) {
		t.Fatalf("first pay: %+v (%+v), want InsufficientBalance of the whole order, 200000", short, detail)
	}
	if errType(mallory.rejected) != reservation.ErrTypeNotYourTicket {
		t.Fatalf("mallory's pay: %+v, want rejected NotYourTicket", mallory)
	}
	if paid.err != nil || len(paid.receipt.Tickets) != 4 || st.Status != reservation.StatusPaid || f.balance() != 0 {
		t.Fatalf("pay after top-up: %+v, state %+v, balance %d", paid, st, f.balance())
	}
	f.wantAll(t, booking.Paid)
}

// A payment of the order the API accepted a second before the deadline, whose update comes ten
// seconds after it, is taken: the deadline found the store keeping every seat for it.
func TestAnOrderPaymentAcceptedBeforeTheDeadlineSettlesAfterIt(t *testing.T) {
	f := newOrderFixture(t, 200_000)
	acceptedAt := start.Add(holdTTL - time.Second)
	f.env.RegisterDelayedCallback(func() {
		if _, err := f.store.AcceptOrderPayment(context.Background(), f.order.ID, "alice", f.env.Now()); err != nil {
			t.Error(err)
		}
	}, holdTTL-time.Second)
	late := f.send(holdTTL+10*time.Second, reservation.PayRequest{UserID: "alice", AcceptedAt: acceptedAt})
	st := f.run(t)
	if late.rejected != nil || late.err != nil || len(late.receipt.Tickets) != 4 {
		t.Fatalf("accepted pay arriving late: %+v, want four receipts", late)
	}
	if st.Status != reservation.StatusPaid || f.balance() != 0 {
		t.Fatalf("state %+v, balance %d; want paid once", st, f.balance())
	}
	f.wantAll(t, booking.Paid)
}

func TestAnOrderPaidAfterItsDeadlineIsRefused(t *testing.T) {
	f := newOrderFixture(t, 200_000)
	// Keep the release in flight a while, so the workflow still runs past the deadline.
	f.env.OnActivity(reservation.ActivityReleaseOrderAtDeadline, mock.Anything, reservation.ReleaseOrderAtDeadlineInput{OrderID: string(f.order.ID)}).
		Return(time.Time{}, nil).After(time.Minute)
	late := f.send(holdTTL+10*time.Second, reservation.PayRequest{UserID: "alice"})
	st := f.run(t)
	if errType(late.rejected) != reservation.ErrTypeHoldExpired {
		t.Fatalf("a payment after the deadline: %+v, want rejected HoldExpired", late)
	}
	if st.Status != reservation.StatusReleased || st.Order != nil || f.balance() != 200_000 {
		t.Fatalf("state %+v, balance %d; want released, nothing debited", st, f.balance())
	}
}
