package webhook

import (
	"context"
	"errors"
	"fmt"

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

// Batch is how many events Pending hands out at most.
const Batch = 50

// Pending is the next events the endpoint is due, in order: up to Batch, none when it is up
// to date. ErrUnknownEndpoint once the endpoint is removed. The delivery workflow's activity
// asks again and again while it waits for some.
func (c *Courier) Pending(ctx context.Context, endpoint core.ID) ([]Event, error) {
	return c.store.Pending(ctx, endpoint, Batch)
}

// errNoSender is a delivery asked of a process built without a sender (an API alone).
var errNoSender = errors.New("webhook: this process has no sender to deliver with")

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
		return errNoSender
	}
	ep, err := c.store.Endpoint(ctx, endpoint)
	if err != nil {
		return err
	}
	return c.deliver(ctx, ep, e, attempt)
}

// deliver is Deliver to an endpoint read already.
func (c *Courier) deliver(ctx context.Context, ep Endpoint, e Event, attempt int) error {
	endpoint := ep.ID
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

// DeliverInOrder delivers events to the endpoint one after the other, from the from-th on
// (those before it were delivered by an earlier try), each by one attempt, calling done with
// how many are delivered after each one, and stops at the first the endpoint does not take:
// it returns how many of events are delivered, and the caller retries the one after them on
// its own schedule. ErrUnknownEndpoint once the endpoint is removed; any other error is the
// machinery's, and the same call may be tried again from where done last said.
func (c *Courier) DeliverInOrder(ctx context.Context, endpoint core.ID, events []Event, from int, done func(delivered int)) (int, error) {
	if c.sender == nil {
		return from, errNoSender
	}
	ep, err := c.store.Endpoint(ctx, endpoint) // once a batch: each attempt's record finds it removed
	if err != nil {
		return from, err
	}
	for i := from; i < len(events); i++ {
		err := c.deliver(ctx, ep, events[i], 1)
		var refused *NotDeliveredError
		if errors.As(err, &refused) {
			return i, nil
		}
		if err != nil {
			return i, err
		}
		done(i + 1)
	}
	return len(events), nil
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
