package webhook

// Outcome is what became of one attempt at a delivery, for metrics.
type Outcome struct{ name string }

// Attempts' outcomes: delivered (a 2xx), retried (no answer or another status: it is tried
// again) and failed (its retries spent, given up).
var (
	OutcomeDelivered = Outcome{"delivered"}
	OutcomeRetried   = Outcome{"retried"}
	OutcomeFailed    = Outcome{"failed"}
)

func (o Outcome) String() string { return o.name }

// Outcomes lists every outcome, so a metric can show each from zero.
func Outcomes() []Outcome { return []Outcome{OutcomeDelivered, OutcomeRetried, OutcomeFailed} }

// Observer hears what the courier does, for metrics.
type Observer interface {
	Attempted(Outcome)
}

// NopObserver hears nothing.
type NopObserver struct{}

// Attempted implements Observer.
func (NopObserver) Attempted(Outcome) {}
