package webhook

import (
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// DeliveryStatus is where one event's delivery to one endpoint stands.
type DeliveryStatus struct{ name string }

// Delivery statuses: pending until an attempt gets a 2xx (delivered) or the retries run out
// (failed); an operator's retry makes a failed one pending again.
var (
	Pending   = DeliveryStatus{"pending"}
	Delivered = DeliveryStatus{"delivered"}
	Failed    = DeliveryStatus{"failed"}
)

func (s DeliveryStatus) String() string { return s.name }

// ParseDeliveryStatus reads a status as the stores write it.
func ParseDeliveryStatus(s string) (DeliveryStatus, error) {
	for _, st := range []DeliveryStatus{Pending, Delivered, Failed} {
		if st.name == s {
			return st, nil
		}
	}
	return DeliveryStatus{}, core.InvalidField("status", "%q is not a delivery status", s)
}

// Delivery is one event to one endpoint, as the operator sees it.
type Delivery struct {
	EventID  core.ID
	Type     EventType
	Status   DeliveryStatus
	Attempts int
	// LastCode is the HTTP status of the last attempt's answer; 0 when none came.
	LastCode int
	// NextAttempt is when a pending delivery is tried again; zero when it is not pending or
	// has not been tried yet.
	NextAttempt time.Time
}

// Attempt is the outcome of one try at delivering an event, which the courier records.
type Attempt struct {
	EventID core.ID
	At      time.Time
	Code    int // the answer's HTTP status; 0 when none came
	// Status is Delivered for a 2xx, Failed when the retries ran out, Pending otherwise.
	Status      DeliveryStatus
	NextAttempt time.Time // of a pending attempt
}

// The retry schedule: the first retry after FirstRetry (within 5 s, as the API promises, for
// all a worker's scheduling), each wait doubling up to LongestWait, for GiveUpAfter in all,
// each attempt's request given AttemptTimeout to answer.
const (
	FirstRetry     = 4 * time.Second
	LongestWait    = 10 * time.Minute
	GiveUpAfter    = 24 * time.Hour
	AttemptTimeout = 10 * time.Second
)

// RetryWait is how long the courier waits after the attempt-th failed attempt (1 for the
// first) before the next one.
func RetryWait(attempt int) time.Duration {
	wait := FirstRetry
	for i := 1; i < attempt && wait < LongestWait; i++ {
		wait *= 2
	}
	return min(wait, LongestWait)
}

// DeliveredBy reports whether an HTTP status ends a delivery: any 2xx.
func DeliveredBy(code int) bool { return code >= 200 && code < 300 }
