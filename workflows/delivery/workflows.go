package delivery

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/core/webhook"
)

// eventsPerRun bounds the history of one run; the workflow then continues as new.
const eventsPerRun = 500

// nextOptions: a look for events heartbeats every PollEvery, so a worker that dies
// while it waits is noticed within seconds and the look runs again on another.
func nextOptions(wait time.Duration) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: wait + time.Minute,
		HeartbeatTimeout:    10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	}
}

// inOrderOptions: a batch's attempts take up to webhook.AttemptTimeout each, and it heartbeats
// after each, so a worker that dies mid-batch is noticed and another goes on from there.
var inOrderOptions = workflow.ActivityOptions{
	StartToCloseTimeout: webhook.Batch*webhook.AttemptTimeout + time.Minute,
	HeartbeatTimeout:    webhook.AttemptTimeout + 20*time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second, NonRetryableErrorTypes: []string{ErrEndpointRemoved}},
}

// retryOptions are the API's schedule for an event its batch's attempt did not deliver: the
// workflow waits webhook.FirstRetry before the second attempt, and each wait after it doubles
// (from twice that) up to webhook.LongestWait, for webhook.GiveUpAfter.
var retryOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    webhook.AttemptTimeout + 5*time.Second,
	ScheduleToCloseTimeout: webhook.GiveUpAfter,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: 2 * webhook.FirstRetry, BackoffCoefficient: 2, MaximumInterval: webhook.LongestWait,
		// The day (ScheduleToCloseTimeout) ends the retries, after about 150 attempts; a cap
		// this far above it only says so to the SDK's test environment, which caps unlimited
		// attempts at 10.
		MaximumAttempts:        1000,
		NonRetryableErrorTypes: []string{ErrEndpointRemoved},
	},
}

var recordOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
}

// Workflow delivers the endpoint's events in order until it is removed: each batch Next
// finds goes out in one activity, an attempt each, and an event the endpoint refuses is
// retried on its own, on the convention's schedule, before the ones after it.
func Workflow(ctx workflow.Context, in Input) error {
	if err := workflow.SetQueryHandler(ctx, QueryStats, func() (Input, error) { return in, nil }); err != nil {
		return err
	}
	wait := in.Wait
	if wait <= 0 {
		wait = Wait
	}
	nextCtx := workflow.WithActivityOptions(ctx, nextOptions(wait))
	for handled := 0; handled < eventsPerRun && !workflow.GetInfo(ctx).GetContinueAsNewSuggested(); {
		var events []webhook.Event
		if err := workflow.ExecuteActivity(nextCtx, ActivityNext, in.EndpointID, wait).Get(ctx, &events); err != nil {
			return endUnlessRemoved(err)
		}
		handled++ // a look counts, so an idle endpoint's runs are bounded too
		if err := deliverInOrder(ctx, &in, events); err != nil {
			return endUnlessRemoved(err)
		}
		handled += len(events)
	}
	return workflow.NewContinueAsNewError(ctx, WorkflowName, in) // by name, as every workflow here
}

// deliverInOrder delivers events in order: as many as the endpoint takes at once, then the one
// it refused by its retries (or given up on), then the rest the same way.
func deliverInOrder(ctx workflow.Context, in *Input, events []webhook.Event) error {
	inOrderCtx := workflow.WithActivityOptions(ctx, inOrderOptions)
	retryCtx := workflow.WithActivityOptions(ctx, retryOptions)
	recordCtx := workflow.WithActivityOptions(ctx, recordOptions)
	for len(events) > 0 {
		var delivered int
		if err := workflow.ExecuteActivity(inOrderCtx, ActivityDeliverInOrder, in.EndpointID, events).Get(ctx, &delivered); err != nil {
			return err
		}
		in.Delivered += int64(delivered)
		if delivered == len(events) {
			return nil
		}
		refused := events[delivered]
		events = events[delivered+1:]
		if err := workflow.Sleep(ctx, webhook.FirstRetry); err != nil {
			return err
		}
		err := workflow.ExecuteActivity(retryCtx, ActivityDeliver, in.EndpointID, refused, 1).Get(ctx, nil)
		switch {
		case err == nil:
			in.Delivered++
			continue
		case isRemoved(err):
			return err
		}
		// The retries are spent: the event is failed, for an operator to retry, and the
		// endpoint's next events follow.
		if err := workflow.ExecuteActivity(recordCtx, ActivityGiveUp, in.EndpointID, refused.ID).Get(ctx, nil); err != nil {
			return err
		}
		in.Failed++
	}
	return nil
}

// isRemoved reports an activity that found its endpoint removed.
func isRemoved(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.Type() == ErrEndpointRemoved
}

// endUnlessRemoved ends the workflow quietly once its endpoint is removed, and fails it on
// anything else.
func endUnlessRemoved(err error) error {
	if isRemoved(err) {
		return nil
	}
	return err
}
