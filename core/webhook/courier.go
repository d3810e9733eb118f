package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Courier carries an endpoint's events to it one at a time, in order: what the delivery
// workflow's activities run. It decides nothing about time: the workflow waits between
// attempts (RetryWait) and gives up after GiveUpAfter.
type Courier struct {
	store    Store
	sender   Sender
	clock    core.Clock
	observer Observer
}

// PollEvery is how often Next looks for new events while it waits: a committed event reaches
// its courier within about this much.
const PollEvery = 200 * time.Millisecond

// Batch is how many events Next hands out at most.
const Batch = 50

// Next waits up to wait for events the endpoint is due, looking every PollEvery and calling
// alive each time (the activity's heartbeat), and returns them in order: none when the wait
// ran out. ErrUnknownEndpoint once the endpoint is removed.
func (c *Courier) Next(ctx context.Context, endpoint core.ID, wait time.Duration, alive func()) ([]Event, error) {
	deadline := time.Now().Add(wait)
	for {
		events, err := c.store.Pending(ctx, endpoint, Batch)
		if err != nil || len(events) > 0 || !time.Now().Before(deadline) {
			return events, err
		}
		alive()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(PollEvery):
		}
	}
}

// NotDeliveredError is an attempt the endpoint did not take: no answer came, or one that was not
// a 2xx.
type NotDeliveredError struct {
	Code  int
	Cause error
}

func (e *NotDeliveredError) Error() string {
	if e.Code == 0 {
		return fmt.Sprintf("no answer: %v", e.Cause)
	}
	return fmt.Sprintf("the endpoint answered %d", e.Code)
}

func (e *NotDeliveredError) Unwrap() error { return e.Cause }

// Deliver makes the attempt-th attempt (1 for the first) at delivering e to the endpoint and
// records it: delivered for a 2xx, else pending until RetryWait(attempt) from now, and then a
// *NotDeliveredError. ErrUnknownEndpoint once the endpoint is removed.
func (c *Courier) Deliver(ctx context.Context, endpoint core.ID, e Event, attempt int) error {
	if c.sender == nil {
		return errors.New("webhook: this process has no sender to deliver with")
	}
	ep, err := c.store.Endpoint(ctx, endpoint)
	if err != nil {
		return err
	}
	at := c.clock.Now()
	code, sendErr := c.sender.Send(ctx, ep, e, at)
	if DeliveredBy(code) {
		c.observer.Attempted(OutcomeDelivered)
		return c.store.Record(ctx, endpoint, Attempt{EventID: e.ID, At: at, Code: code, Status: Delivered})
	}
	c.observer.Attempted(OutcomeRetried)
	rec := Attempt{EventID: e.ID, At: at, Code: code, Status: Pending, NextAttempt: at.Add(RetryWait(attempt))}
	if err := c.store.Record(ctx, endpoint, rec); err != nil {
		return err
	}
	return &NotDeliveredError{Code: code, Cause: sendErr}
}

// GiveUp records that e's delivery to the endpoint failed for good, its retries spent; the
// endpoint's next events follow.
func (c *Courier) GiveUp(ctx context.Context, endpoint, event core.ID) error {
	if err := c.store.GiveUp(ctx, endpoint, event, c.clock.Now()); err != nil {
		return err
	}
	c.observer.Attempted(OutcomeFailed)
	return nil
}
