package reservation

import (
	"errors"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Workflow holds a seat, or an order's seats together, until its deadline: a `pay` update
// accepted before then settles the payment; otherwise the seats are released at the deadline,
// or, when the API accepted a payment that has not reached the workflow yet, once it has come
// or its payment deadline has passed. An order's is the same workflow with the order's
// activities: a seat held on its own is an order of one.
func Workflow(ctx workflow.Context, in Input) (State, error) {
	h := &hold{in: in, status: StatusHeld}
	if err := h.setup(ctx); err != nil {
		return State{}, err
	}
	v := workflow.GetVersion(ctx, stepsAtStart, workflow.DefaultVersion, awaitsAcceptedPayments)
	h.local, h.awaitsAccepted = v >= 1, v >= awaitsAcceptedPayments
	return h.run(ctx)
}

type hold struct {
	in       Input
	status   string
	receipts []Receipt // once paid: the seat's, or each of the order's tickets', in seat order
	paying   bool      // a settlement is in flight; the deadline waits for it
	// local: the hold's steps are local activities, decided when it started (stepsAtStart).
	local bool
	// awaitsAccepted: at the deadline the hold waits for a payment the API accepted and the
	// workflow has not seen (awaitsAcceptedPayments), decided when it started.
	awaitsAccepted bool
	payments       int       // pay updates accepted here
	seenAcceptedAt time.Time // the latest store acceptance among them
}

var (
	settleOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 15 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 200 * time.Millisecond,
			MaximumInterval: 5 * time.Second,
			NonRetryableErrorTypes: []string{
				ErrTypeHoldExpired, ErrTypeInsufficientBalance, ErrTypeNotYourTicket, ErrTypeUnknownTicket, ErrTypeIdempotencyMismatch,
			},
		},
	}
	releaseOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 15 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	}
	// The same steps as local activities: run by the workflow's worker within the workflow
	// task, so a payment is one workflow task (the update's) instead of three, and a release at
	// the deadline one instead of two. Each is one short transaction, idempotent in the store,
	// so running one again after a crash (its result was not recorded yet) does nothing twice.
	settleLocalOptions = workflow.LocalActivityOptions{
		StartToCloseTimeout: settleOptions.StartToCloseTimeout, RetryPolicy: settleOptions.RetryPolicy,
	}
	releaseLocalOptions = workflow.LocalActivityOptions{
		StartToCloseTimeout: releaseOptions.StartToCloseTimeout, RetryPolicy: releaseOptions.RetryPolicy,
	}
)

// localSteps is the change that made settle and release local activities; histories recorded
// before it replay with activities, as they ran.
const localSteps = "settle-and-release-as-local-activities"

// stepsAtStart is the change that decides the steps' kind once, as the hold starts, rather than
// at its payment or its release: a version marker costs a history event and a visibility
// update (the SDK upserts TemporalChangeVersion with it), which a payment's answer no longer
// waits for. Histories from before it decide at the step, as they did. Its version 2,
// awaitsAcceptedPayments, is the later change of the deadline: histories recorded at 1
// release at the deadline whatever the store accepted, as they did.
const stepsAtStart = "steps-decided-at-start"

// awaitsAcceptedPayments is stepsAtStart's version at which the deadline asks the store whether
// the API accepted a payment that has not reached the workflow (ActivityReleaseAtDeadline) and
// waits for it until its payment deadline.
const awaitsAcceptedPayments = 2

// step runs a settle or a release: as a local activity, or as the activity it was in a history
// from before localSteps.
func (h *hold) step(ctx workflow.Context, name string, local workflow.LocalActivityOptions, remote workflow.ActivityOptions, args ...any) workflow.Future {
	if !h.local && workflow.GetVersion(ctx, localSteps, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, remote), name, args...)
	}
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, local), name, args...)
}

func (h *hold) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (State, error) { return h.state(), nil }); err != nil {
		return err
	}
	options := workflow.UpdateHandlerOptions{Validator: h.validatePay}
	if h.isOrder() {
		return workflow.SetUpdateHandlerWithOptions(ctx, UpdatePay, h.payOrder, options)
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdatePay, h.paySeat, options)
}

// isOrder reports whether the hold is an order's, whose seats are paid and released together.
func (h *hold) isOrder() bool { return h.in.OrderID != "" }

// subject is the id of what the hold holds, for booking's rules: the reservation, or the order.
func (h *hold) subject() string {
	if h.isOrder() {
		return h.in.OrderID
	}
	return h.in.ReservationID
}

func (h *hold) run(ctx workflow.Context) (State, error) {
	paid := false
	if remaining := h.in.HeldUntil.Sub(workflow.Now(ctx)); remaining > 0 {
		var err error
		if paid, err = workflow.AwaitWithTimeout(ctx, remaining, func() bool { return h.status == StatusPaid }); err != nil {
			return State{}, err
		}
	}
	if !paid {
		// The deadline has come. A payment accepted before it may still be settling: it decides.
		if err := workflow.Await(ctx, func() bool { return !h.paying }); err != nil {
			return State{}, err
		}
		if h.status != StatusPaid {
			if err := h.release(ctx); err != nil {
				return State{}, err
			}
		}
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return State{}, err
	}
	return h.state(), nil
}

// release ends an unpaid hold at its deadline. The API may have accepted a payment that has not
// reached the workflow yet (its update is on the way): then the store keeps the hold and says
// until when, and the workflow waits for that payment until then, asking again once it has
// come and failed, or the time is up (the store releases the hold then).
func (h *hold) release(ctx workflow.Context) error {
	for h.awaitsAccepted {
		payments := h.payments // a payment that comes while the store is asked is not waited for again
		var awaitUntil time.Time
		if err := h.releaseAtDeadline(ctx).Get(ctx, &awaitUntil); err != nil {
			return err
		}
		if awaitUntil.IsZero() {
			return h.released(ctx)
		}
		// At least a second: a worker's clock behind the server's keeps the hold a moment past
		// the workflow's time, and asking again at once would only repeat the question.
		wait := max(awaitUntil.Sub(workflow.Now(ctx)), time.Second)
		if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return h.payments > payments }); err != nil {
			return err
		}
		if err := workflow.Await(ctx, func() bool { return !h.paying }); err != nil {
			return err
		}
		if h.status == StatusPaid {
			return nil
		}
	}
	var release workflow.Future
	if h.isOrder() { // never so far: an order's workflow is of a version that awaits accepted payments
		release = workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, releaseLocalOptions), ActivityReleaseOrder, h.in.OrderID)
	} else {
		release = h.step(ctx, ActivityRelease, releaseLocalOptions, releaseOptions, h.in.ReservationID)
	}
	if err := release.Get(ctx, nil); err != nil {
		return err
	}
	return h.released(ctx)
}

// releaseAtDeadline asks the store to release the hold's seats at the deadline unless a payment
// it has not seen was accepted, and to say until when to wait for that payment.
func (h *hold) releaseAtDeadline(ctx workflow.Context) workflow.Future {
	lctx := workflow.WithLocalActivityOptions(ctx, releaseLocalOptions)
	if h.isOrder() {
		return workflow.ExecuteLocalActivity(lctx, ActivityReleaseOrderAtDeadline, ReleaseOrderAtDeadlineInput{OrderID: h.in.OrderID, SeenAcceptedAt: h.seenAcceptedAt})
	}
	return workflow.ExecuteLocalActivity(lctx, ActivityReleaseAtDeadline, ReleaseAtDeadlineInput{ReservationID: h.in.ReservationID, SeenAcceptedAt: h.seenAcceptedAt})
}

// released records the release the store made, unless a payment that settled while it was
// asked (one accepted past the deadline, for a payment the API accepted before it) got there
// first: then the store released nothing, and the hold is paid.
func (h *hold) released(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return !h.paying }); err != nil {
		return err
	}
	if h.status != StatusPaid {
		h.setStatus(ctx, StatusReleased)
	}
	return nil
}

// validatePay rejects, before anything is recorded in history, a payment that cannot be
// taken: booking's one rule of who may pay a reservation when, applied to this hold.
func (h *hold) validatePay(ctx workflow.Context, req PayRequest) error {
	switch err := h.reservation(req).PayableBy(core.UserID(req.UserID), workflow.Now(ctx)); {
	case errors.Is(err, booking.ErrAlreadyPaid):
		return nil // the handler replays the receipt
	case err != nil:
		return refusal(err)
	}
	return nil
}

// reservation is what the workflow knows of its hold as req pays it, for booking's rules.
func (h *hold) reservation(req PayRequest) booking.Reservation {
	status := map[string]booking.Status{StatusHeld: booking.Held, StatusPaid: booking.Paid, StatusReleased: booking.Released}[h.status]
	return booking.Reservation{
		ID: core.ID(h.subject()), UserID: core.UserID(h.in.UserID), HeldUntil: h.in.HeldUntil, Status: status,
		PaymentAcceptedAt: req.AcceptedAt,
	}
}

// paySeat is the `pay` update of a seat's hold: pay, answered with the seat's receipt.
func (h *hold) paySeat(ctx workflow.Context, req PayRequest) (Receipt, error) {
	receipts, err := h.pay(ctx, req)
	if err != nil {
		return Receipt{}, err
	}
	return receipts[0], nil
}

// payOrder is the `pay` update of an order's hold: pay, answered with every ticket's receipt.
func (h *hold) payOrder(ctx workflow.Context, req PayRequest) (OrderReceipt, error) {
	receipts, err := h.pay(ctx, req)
	if err != nil {
		return OrderReceipt{}, err
	}
	return OrderReceipt{OrderID: h.in.OrderID, Tickets: receipts}, nil
}

// pay settles the payment, one settlement at a time; a retry after success gets the receipts.
func (h *hold) pay(ctx workflow.Context, req PayRequest) ([]Receipt, error) {
	if err := workflow.Await(ctx, func() bool { return !h.paying }); err != nil {
		return nil, err
	}
	if h.receipts != nil {
		return h.receipts, nil
	}
	if h.status != StatusHeld {
		return nil, temporal.NewNonRetryableApplicationError("the hold has ended", ErrTypeHoldExpired, nil)
	}
	h.paying, h.payments = true, h.payments+1 // counted as it settles: the deadline's wait sees it paying
	if req.AcceptedAt.After(h.seenAcceptedAt) {
		h.seenAcceptedAt = req.AcceptedAt
	}
	defer func() { h.paying = false }()

	receipts, err := h.settle(ctx, req)
	if err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			return nil, appErr // the caller sees the domain error type, not the activity wrapper
		}
		return nil, err
	}
	h.receipts = receipts
	h.setStatus(ctx, StatusPaid)
	return receipts, nil
}

// settle runs the payment's settlement and returns its receipts. One the API accepted must end
// by the payment's deadline (booking.PaymentWait after the hold's), after which the hold may be
// released by others: a settlement that cannot finish by then fails, moving no money, rather
// than be refused later.
func (h *hold) settle(ctx workflow.Context, req PayRequest) ([]Receipt, error) {
	local, remote := settleLocalOptions, settleOptions
	if !req.AcceptedAt.IsZero() {
		left := h.reservation(req).PaymentDeadline().Sub(workflow.Now(ctx))
		local.ScheduleToCloseTimeout, remote.ScheduleToCloseTimeout = max(left, time.Millisecond), max(left, time.Millisecond)
	}
	// The API names the payment as it sends the update (the request is in the history, so a
	// replay names it the same); an update from before it did is named here.
	paymentID := req.PaymentID
	if paymentID == "" {
		if err := workflow.SideEffect(ctx, func(workflow.Context) any { return newPaymentID() }).Get(&paymentID); err != nil {
			return nil, err
		}
	}
	if h.isOrder() {
		var rc OrderReceipt
		in := SettleOrderInput{OrderID: h.in.OrderID, UserID: req.UserID, PaymentID: paymentID, IdempotencyKey: req.IdempotencyKey}
		err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, local), ActivitySettleOrder, in).Get(ctx, &rc)
		return rc.Tickets, err
	}
	var rc Receipt
	in := SettleInput{ReservationID: h.in.ReservationID, UserID: req.UserID, PaymentID: paymentID, IdempotencyKey: req.IdempotencyKey}
	if err := h.step(ctx, ActivitySettle, local, remote, in).Get(ctx, &rc); err != nil {
		return nil, err
	}
	return []Receipt{rc}, nil
}

func (h *hold) setStatus(ctx workflow.Context, status string) {
	h.status = status
	// Only visibility depends on it; a failure must not fail the hold.
	_ = workflow.UpsertTypedSearchAttributes(ctx, AttrStatus.ValueSet(status))
}

func (h *hold) state() State {
	st := State{Status: h.status}
	switch {
	case h.receipts == nil:
	case h.isOrder():
		st.Order = &OrderReceipt{OrderID: h.in.OrderID, Tickets: h.receipts}
	default:
		st.Receipt = &h.receipts[0]
	}
	return st
}
