// Package delivery is the Temporal workflow that carries one webhook endpoint's events to it:
// it takes the events due to the endpoint in the order they happened and delivers each, one at
// a time, retrying with backoff for webhook.GiveUpAfter before it gives up on that one and goes
// on; it ends when the endpoint is removed, and continues as new to bound its history.
package delivery

import (
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Names other packages use to reach this workflow.
const (
	WorkflowName    = "WebhookDelivery"
	QueryStats      = "stats"
	ActivityNext    = "WebhookNextEvents"
	ActivityDeliver = "WebhookDeliver"
	// ActivityDeliverInOrder delivers a batch, one attempt each, until one is refused.
	ActivityDeliverInOrder = "WebhookDeliverInOrder"
	ActivityGiveUp         = "WebhookGiveUp"
	// ErrEndpointRemoved is the application error type of an activity whose endpoint is gone.
	ErrEndpointRemoved = "EndpointRemoved"
)

// WorkflowID is an endpoint's delivery workflow's id.
func WorkflowID(endpoint core.ID) string { return "webhook/" + string(endpoint) }

// Wait is how long one look for new events waits before the workflow looks again.
const Wait = 30 * time.Second

// Input is the workflow's whole state, carried across continue-as-new, and the stats query's
// answer.
type Input struct {
	EndpointID core.ID
	// Wait is how long one look for new events waits; zero is the package's Wait.
	Wait      time.Duration
	Delivered int64 // events delivered, over every run
	Failed    int64 // events given up on
}
