package webhook

import "github.com/boxoffice/boxoffice/core"

// Webhooks' errors.
var (
	ErrUnknownEndpoint = core.Classed(core.ErrNotFound, "no such webhook endpoint")
	ErrUnknownDelivery = core.Classed(core.ErrNotFound, "no delivery of that event to this endpoint: it was never due to it, or has not been tried yet")
	ErrNotFailed       = core.Classed(core.ErrConflict, "the delivery has not failed: it is pending (the courier keeps trying) or delivered")
	// ErrNoCouriers is registering an endpoint in a process that cannot start its deliveries.
	ErrNoCouriers = core.Classed(core.ErrUnavailable, "webhook deliveries cannot start here (no workflow engine): try again, or ask the operator")
)
