// Package temporal is the client side of boxoffice's Temporal workflows: it implements
// booking.Lifecycle by starting a reservation workflow per hold and sending it the `pay`
// update, queue.Loop by steering the admission workflow, and starts the sweep of overdue holds.
package temporal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdktemporal "go.temporal.io/sdk/temporal"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/workflows"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// Lifecycle runs each hold as a Temporal workflow. A won hold's answer does not wait for its
// workflow to start: StartHold hands the start to a few goroutines that retry it until the
// deadline, so a fan who won a seat hears so in a database write's time however busy Temporal
// is (during a mass expiry, a start waited 400 ms). Should a start not come, the seat is still
// holdable by others from the deadline (lazy expiry), the sweep releases the hold a minute
// later, and a payment starts the workflow itself.
type Lifecycle struct {
	client client.Client
	log    *slog.Logger
	starts chan pendingStart

	mu      sync.RWMutex // held to read closed and send on starts; Close takes it to stop both
	closed  bool
	quit    chan struct{}
	running sync.WaitGroup
	pending atomic.Int64       // holds queued or being started
	abandon context.CancelFunc // ends every start in flight, when Close runs out of time
	aborted context.Context
}

var _ booking.Lifecycle = (*Lifecycle)(nil)

// pendingStart is a hold, of a seat or an order, waiting for its workflow to start, with the
// values of the request that won it (its trace, so the start shows in the hold's trace).
type pendingStart struct {
	ctx context.Context
	in  reservation.Input
}

const (
	// startQueue is how many starts may wait; past it StartHold starts the workflow itself,
	// so a Temporal far behind slows winners rather than losing their timers.
	startQueue = 4096
	// starters is how many starts run at once.
	starters = 16
)

// NewLifecycle uses c to start workflows and send updates; Close stops its starters.
func NewLifecycle(c client.Client, log *slog.Logger) *Lifecycle {
	l := &Lifecycle{client: c, log: log, starts: make(chan pendingStart, startQueue), quit: make(chan struct{})}
	l.aborted, l.abandon = context.WithCancel(context.Background())
	for range starters {
		l.running.Go(l.runStarts)
	}
	return l
}

// StartHold implements booking.Lifecycle: it queues the hold's workflow to start, and returns.
// With the queue full, or the lifecycle closing, it starts the workflow before returning.
func (l *Lifecycle) StartHold(ctx context.Context, r booking.Reservation) error {
	return l.startHold(ctx, holdInput(r))
}

// StartOrder implements booking.Lifecycle as StartHold does, for the order's one workflow.
func (l *Lifecycle) StartOrder(ctx context.Context, o booking.Order) error {
	return l.startHold(ctx, orderInput(o))
}

// startHold queues the workflow of in to start, or starts it before returning (StartHold).
func (l *Lifecycle) startHold(ctx context.Context, in reservation.Input) error {
	l.mu.RLock()
	queued := false
	if !l.closed {
		l.pending.Add(1)
		select {
		case l.starts <- pendingStart{ctx: context.WithoutCancel(ctx), in: in}:
			queued = true
		default:
			l.pending.Add(-1)
		}
	}
	l.mu.RUnlock()
	if queued {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	return l.start(ctx, in)
}

// Close starts the holds still queued, until ctx ends, and stops the starters: at ctx's end
// the starts still running or queued are abandoned.
func (l *Lifecycle) Close(ctx context.Context) error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.quit)
	}
	l.mu.Unlock()
	done := make(chan struct{})
	go func() { l.running.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		left := l.pending.Load()
		l.abandon()
		<-done
		return fmt.Errorf("%d holds' workflows not started (their seats are free again at the deadline, and the sweep releases them): %w", left, ctx.Err())
	}
}

// runStarts starts queued holds until Close, then what is left in the queue.
func (l *Lifecycle) runStarts() {
	for {
		select {
		case p := <-l.starts:
			l.startUntilDeadline(p.ctx, p.in)
		case <-l.quit:
			for {
				select {
				case p := <-l.starts:
					l.startUntilDeadline(p.ctx, p.in)
				default:
					return
				}
			}
		}
	}
}

// startUntilDeadline starts the hold's workflow, trying again with backoff while Temporal is
// unavailable, until the hold's deadline (past it there is nothing left to time) or until Close
// abandons it. A refusal that no retry changes (the namespace, a search attribute or a
// permission missing) is logged as the error it is, at once.
func (l *Lifecycle) startUntilDeadline(ctx context.Context, in reservation.Input) {
	defer l.pending.Add(-1)
	if l.aborted.Err() != nil {
		return // Close ran out of time and counts it
	}
	ctx, cancel := context.WithDeadline(ctx, in.HeldUntil)
	defer cancel()
	defer context.AfterFunc(l.aborted, cancel)()
	for wait, tries := 100*time.Millisecond, 1; ; wait, tries = min(2*wait, 2*time.Second), tries+1 {
		callCtx, cancelCall := context.WithTimeout(ctx, CallTimeout)
		err := l.start(callCtx, in)
		cancelCall()
		switch {
		case err == nil:
			return
		case !retryable(err):
			l.log.Error("a hold's workflow cannot start, and no retry will change that: its seat is free again at the deadline and the sweep releases it; fix the Temporal namespace or its search attributes",
				"workflow_id", workflowID(in), "held_until", in.HeldUntil, "err", err)
			return
		case tries == 1:
			l.log.Warn("a hold's workflow did not start; trying again until its deadline", "workflow_id", workflowID(in), "err", err)
		}
		select {
		case <-ctx.Done():
			if l.aborted.Err() == nil {
				l.log.Warn("a hold's workflow did not start before its deadline; its seat is free again and the sweep releases it",
					"workflow_id", workflowID(in), "held_until", in.HeldUntil, "tries", tries, "err", err)
			}
			return
		case <-time.After(wait):
		}
	}
}

// retryable reports whether a failed start may succeed if tried again: Temporal was
// unavailable, overloaded or slow, not refusing the request itself.
func retryable(err error) bool {
	var (
		invalid    *serviceerror.InvalidArgument
		namespace  *serviceerror.NamespaceNotFound
		permission *serviceerror.PermissionDenied
		failed     *serviceerror.FailedPrecondition
	)
	return !errors.As(err, &invalid) && !errors.As(err, &namespace) && !errors.As(err, &permission) && !errors.As(err, &failed)
}

// holdStart is how a hold's workflow starts, by StartHold or StartOrder or by a payment that
// finds it not started: one workflow a reservation or an order, ever (a finished one is not
// started again).
func holdStart(in reservation.Input) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       workflowID(in),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: sdktemporal.NewSearchAttributes(
			reservation.AttrSale.ValueSet(in.SaleID),
			reservation.AttrDate.ValueSet(in.Date),
			reservation.AttrSeat.ValueSet(int64(in.Seat)),
			reservation.AttrUser.ValueSet(in.UserID),
			reservation.AttrStatus.ValueSet(reservation.StatusHeld),
		),
	}
}

// workflowID is the id of the workflow of in: its order's, or its reservation's.
func workflowID(in reservation.Input) string {
	if in.OrderID != "" {
		return reservation.OrderWorkflowID(in.OrderID)
	}
	return reservation.WorkflowID(in.ReservationID)
}

// holdInput is the workflow's input for r.
func holdInput(r booking.Reservation) reservation.Input {
	return reservation.Input{
		ReservationID: string(r.ID), UserID: string(r.UserID), SaleID: string(r.SaleID), Section: r.Section, Date: r.Date.String(),
		Seat: r.Seat, Price: int64(r.Price), HeldUntil: r.HeldUntil,
	}
}

// orderInput is the workflow's input for o: its first seat's section and number, and its total.
func orderInput(o booking.Order) reservation.Input {
	first := o.Tickets[0]
	return reservation.Input{
		OrderID: string(o.ID), Seats: o.Seats(), UserID: string(o.UserID), SaleID: string(o.SaleID), Section: first.Section,
		Date: o.Date.String(), Seat: first.Seat, Price: int64(o.Total()), HeldUntil: o.HeldUntil,
	}
}

// start starts the workflow of in; one already started, or finished, is no error.
func (l *Lifecycle) start(ctx context.Context, in reservation.Input) error {
	_, err := l.client.ExecuteWorkflow(ctx, holdStart(in), reservation.WorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	return err
}

// Pay implements booking.Lifecycle: it sends the `pay` update and waits for its result, up to
// CallTimeout. An update that outlives the deadline still settles; a retry sends another,
// which the workflow answers once the first is done, with its receipt. A hold whose workflow
// has not started yet (its start is queued, or was lost with its API instance) is started by
// the update itself.
func (l *Lifecycle) Pay(ctx context.Context, r booking.Reservation, key core.IdempotencyKey) (booking.Receipt, error) {
	var rc reservation.Receipt
	req := reservation.PayRequest{UserID: string(r.UserID), IdempotencyKey: string(key), PaymentID: string(core.NewID()), AcceptedAt: r.PaymentAcceptedAt}
	if err := l.pay(ctx, holdInput(r), req, &rc); err != nil {
		return booking.Receipt{}, err
	}
	return receiptOf(rc)
}

// PayOrder implements booking.Lifecycle as Pay does, with the order's one workflow.
func (l *Lifecycle) PayOrder(ctx context.Context, o booking.Order, key core.IdempotencyKey) (booking.OrderReceipt, error) {
	var rc reservation.OrderReceipt
	req := reservation.PayRequest{UserID: string(o.UserID), IdempotencyKey: string(key), PaymentID: string(core.NewID()), AcceptedAt: o.PaymentAcceptedAt()}
	if err := l.pay(ctx, orderInput(o), req, &rc); err != nil {
		return booking.OrderReceipt{}, err
	}
	out := booking.OrderReceipt{OrderID: core.ID(rc.OrderID), Tickets: make([]booking.Receipt, len(rc.Tickets))}
	for i, t := range rc.Tickets {
		var err error
		if out.Tickets[i], err = receiptOf(t); err != nil {
			return booking.OrderReceipt{}, err
		}
	}
	return out, nil
}

// pay sends the `pay` update req to the workflow of in, starting it if it has not started, and
// decodes its result into result.
func (l *Lifecycle) pay(ctx context.Context, in reservation.Input, req reservation.PayRequest, result any) error {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	update := client.UpdateWorkflowOptions{
		WorkflowID:   workflowID(in),
		UpdateName:   reservation.UpdatePay,
		Args:         []any{req},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	handle, err := l.client.UpdateWorkflow(ctx, update)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		handle, err = l.client.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: l.client.NewWithStartWorkflowOperation(holdStart(in), reservation.WorkflowName, in),
			UpdateOptions:          update,
		})
	}
	if err != nil {
		return payError(err)
	}
	if err := handle.Get(ctx, result); err != nil {
		return payError(err)
	}
	return nil
}

// receiptOf is a workflow's receipt as booking's.
func receiptOf(rc reservation.Receipt) (booking.Receipt, error) {
	date, err := core.ParseDate(rc.Date)
	if err != nil {
		return booking.Receipt{}, fmt.Errorf("receipt from workflow: %w", err)
	}
	return booking.Receipt{
		PaymentID: core.ID(rc.PaymentID), ReservationID: core.ID(rc.ReservationID), Amount: core.Amount(rc.Amount),
		Date: date, PaidAt: rc.PaidAt.UTC(),
	}, nil
}

// payError maps the workflow's typed failures back to booking's errors.
func payError(err error) error {
	var appErr *sdktemporal.ApplicationError
	if errors.As(err, &appErr) {
		if refused := reservation.Refused(appErr); refused != nil {
			return refused
		}
	}
	var notFound *serviceerror.NotFound
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &notFound) || errors.As(err, &started) {
		// The workflow has finished: the hold was released or paid; the Checkout reads
		// the reservation again, and a paid one is answered with its receipt.
		return booking.ErrHoldExpired
	}
	return fmt.Errorf("pay through workflow: %w", err)
}
