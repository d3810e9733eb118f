// Package temporal is the client side of boxoffice's Temporal workflows: it implements
// booking.Lifecycle by starting a reservation workflow per hold and sending it the `pay`
// update, queue.Loop by steering the admission workflow, and starts the sweep of overdue holds.
package temporal

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdktemporal "go.temporal.io/sdk/temporal"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/workflows"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// Lifecycle runs each hold as a Temporal workflow.
type Lifecycle struct {
	client client.Client
}

var _ booking.Lifecycle = (*Lifecycle)(nil)

// NewLifecycle uses c to start workflows and send updates.
func NewLifecycle(c client.Client) *Lifecycle { return &Lifecycle{client: c} }

// StartHold implements booking.Lifecycle.
func (l *Lifecycle) StartHold(ctx context.Context, r booking.Reservation) error {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	_, err := l.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        reservation.WorkflowID(string(r.ID)),
		TaskQueue: workflows.TaskQueue,
		TypedSearchAttributes: sdktemporal.NewSearchAttributes(
			reservation.AttrSale.ValueSet(string(r.SaleID)),
			reservation.AttrDate.ValueSet(r.Date.String()),
			reservation.AttrSeat.ValueSet(int64(r.Seat)),
			reservation.AttrUser.ValueSet(string(r.UserID)),
			reservation.AttrStatus.ValueSet(reservation.StatusHeld),
		),
	}, reservation.WorkflowName, reservation.Input{
		ReservationID: string(r.ID), UserID: string(r.UserID), SaleID: string(r.SaleID), Section: r.Section, Date: r.Date.String(),
		Seat: r.Seat, Price: int64(r.Price), HeldUntil: r.HeldUntil,
	})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil // a retried start: the workflow is already timing this hold
	}
	return err
}

// Pay implements booking.Lifecycle: it sends the `pay` update and waits for its result, up to
// CallTimeout. An update that outlives the deadline still settles; a retry sends another,
// which the workflow answers once the first is done, with its receipt.
func (l *Lifecycle) Pay(ctx context.Context, id core.ID, user core.UserID, key core.IdempotencyKey) (booking.Receipt, error) {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	handle, err := l.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   reservation.WorkflowID(string(id)),
		UpdateName:   reservation.UpdatePay,
		Args:         []any{reservation.PayRequest{UserID: string(user), IdempotencyKey: string(key)}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return booking.Receipt{}, payError(err)
	}
	var rc reservation.Receipt
	if err := handle.Get(ctx, &rc); err != nil {
		return booking.Receipt{}, payError(err)
	}
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
	if errors.As(err, &notFound) {
		// The workflow has finished: the hold was released or paid; the counter reads the
		// reservation again, and a paid one is answered with its receipt.
		return booking.ErrHoldExpired
	}
	return fmt.Errorf("pay through workflow: %w", err)
}
