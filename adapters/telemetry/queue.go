package telemetry

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// queueFreshness is how recent a cached view of a queue must be to be exported: an instance
// whose fans stopped asking (or a sale that closed) stops showing a frozen copy.
const queueFreshness = 30 * time.Second

// ObserveQueues exports each open sale's queue from counters, the counters this instance
// already caches for its fans' positions (and the worker after each admission round): a scrape
// reads no store. Each instance exports its own copy; aggregate across them with max. A sale
// this instance's counters show has its booking series declared.
func (m *Metrics) ObserveQueues(counters func(maxAge time.Duration) map[core.SaleID]queue.Queue) error {
	errs := make([]error, 6)
	var waiting, rate, sinceMoved metric.Float64ObservableGauge
	var admitted, abandoned metric.Int64ObservableCounter
	waiting, errs[0] = m.meter.Float64ObservableGauge("boxoffice.queue.waiting", metric.WithDescription("Fans waiting in the sale's queue (issued, not yet admitted or skipped)."))
	admitted, errs[1] = m.meter.Int64ObservableCounter("boxoffice.queue.admitted", metric.WithDescription("Fans the sale's queue has admitted."))
	abandoned, errs[2] = m.meter.Int64ObservableCounter("boxoffice.queue.abandoned", metric.WithDescription("Waiting fans admission skipped because they had stopped asking."))
	rate, errs[3] = m.meter.Float64ObservableGauge("boxoffice.queue.admission_rate", metric.WithDescription("The sale's measured admission rate, fans a second (a moving average over rounds with fans waiting)."))
	sinceMoved, errs[4] = m.meter.Float64ObservableGauge("boxoffice.queue.since_last_round", metric.WithUnit("s"),
		metric.WithDescription("Time since the sale's admission last ran a round (admitted someone, found nobody waiting or the queue not open yet)."))
	_, errs[5] = m.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		now := time.Now()
		for sale, q := range counters(queueFreshness) {
			if q.Closed {
				continue
			}
			m.booking.declareSale(sale) // a sale made since start-up: its fans book next
			at := metric.WithAttributeSet(attribute.NewSet(saleAttr(sale)))
			o.ObserveFloat64(waiting, float64(max(0, q.Waiting())), at)
			o.ObserveInt64(admitted, q.AdmittedTotal, at)
			o.ObserveInt64(abandoned, q.AbandonedTotal, at)
			o.ObserveFloat64(rate, q.AdmitRate, at)
			if !q.MovedAt.IsZero() {
				o.ObserveFloat64(sinceMoved, now.Sub(q.MovedAt).Seconds(), at)
			}
		}
		return nil
	}, waiting, admitted, abandoned, rate, sinceMoved)
	return errors.Join(errs...)
}
