package temporal

import "time"

// Deadlines of the calls that wait on Temporal. Each ends well inside the API server's write
// timeout (30 s), so a request that waits on a stalled or overloaded cluster is answered 503
// with Retry-After instead of losing its connection; what was asked (a payment, a change)
// still completes in Temporal, and a retry gets its outcome.
const (
	// CallTimeout bounds a start or an update: a hold's timer, a payment, an admission change,
	// a cancellation's start.
	CallTimeout = 10 * time.Second
	// QueryTimeout bounds a query behind an operator's read; a workflow that does not answer in
	// time is reported unavailable, sale by sale.
	QueryTimeout = 3 * time.Second
)
