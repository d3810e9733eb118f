package telemetry

import (
	"sync"

	"go.opentelemetry.io/otel/metric"
)

// labelSets builds each key's attribute sets once. The label values on the hot paths are few
// (the API's routes and statuses, the sales, the outcomes), so a request or a hold reuses its
// sets instead of building them anew each time.
type labelSets[K comparable, V any] struct {
	build func(K) V
	sets  sync.Map // K → V
}

func (l *labelSets[K, V]) of(k K) V {
	if v, ok := l.sets.Load(k); ok {
		return v.(V)
	}
	v := l.build(k)
	l.sets.Store(k, v)
	return v
}

// measured is the measurement option of an attribute set.
type measured = metric.MeasurementOption
