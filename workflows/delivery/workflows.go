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

// nextOptions: a look for events heartbeats every webhook.PollEvery, so a worker that dies
// while it waits is noticed within seconds and the look runs again on another.
func nextOptions(wait time.Duration) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: wait + time.Minute,
		HeartbeatTimeout:    10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	}
}

// deliverOptions are the convention's schedule: the first retry within webhook.FirstRetry,
// each wait doubling up to webhook.LongestWait, for webhook.GiveUpAfter.
var deliverOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    webhook.AttemptTimeout + 5*time.Second,
	ScheduleToCloseTimeout: webhook.GiveUpAfter,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: webhook.FirstRetry, BackoffCoefficient: 2, MaximumInterval: webhook.LongestWait,
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

// Workflow delivers the endpoint's events in order, one at a time, until it is removed.
func Workflow(ctx workflow.Context, in Input) error {
	if err := workflow.SetQueryHandler(ctx, QueryStats, func() (Input, error) { return in, nil }); err != nil {
		return err
	}
	wait := in.Wait
	if wait <= 0 {
		wait = Wait
	}
	nextCtx := workflow.WithActivityOptions(ctx, nextOptions(wait))
	deliverCtx := workflow.WithActivityOptions(ctx, deliverOptions)
	recordCtx := workflow.WithActivityOptions(ctx, recordOptions)
	for handled := 0; handled < eventsPerRun && !workflow.GetInfo(ctx).GetContinueAsNewSuggested(); {
		var events []webhook.Event
		if err := workflow.ExecuteActivity(nextCtx, ActivityNext, in.EndpointID, wait).Get(ctx, &events); err != nil {
			return endUnlessRemoved(err)
		}
		handled++ // a look counts, so an idle endpoint's runs are bounded too
		for _, e := range events {
			err := workflow.ExecuteActivity(deliverCtx, ActivityDeliver, in.EndpointID, e).Get(ctx, nil)
			if err == nil {
				in.Delivered++
				continue
			}
			if isRemoved(err) {
				return nil
			}
			// The retries are spent: the event is failed, for an operator to retry, and the
			// endpoint's next events follow.
			if err := workflow.ExecuteActivity(recordCtx, ActivityGiveUp, in.EndpointID, e.ID).Get(ctx, nil); err != nil {
				return endUnlessRemoved(err)
			}
			in.Failed++
		}
		handled += len(events)
	}
	return workflow.NewContinueAsNewError(ctx, WorkflowName, in) // by name, as every workflow here
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
