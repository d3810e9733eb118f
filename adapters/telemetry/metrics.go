// Package telemetry is what operators watch a sale with: the metrics every role exports in
// Prometheus's text format on a listener of its own, recorded through OpenTelemetry's metric
// SDK (its Prometheus exporter writes the exposition), so the Temporal SDK's own metrics join
// the service's through the SDK's OpenTelemetry handler.
//
// Names follow Prometheus's conventions: a boxoffice_ prefix, base units (seconds), _total on
// counters, and no user or ticket ids as labels: a sale, a route, a status or an outcome. The
// HTTP histogram is OpenTelemetry's own (http.server.request.duration, by http.request.method,
// http.route and http.response.status_code), so what is written for those conventions reads
// it. The series known at start-up (each sale's outcomes and reasons, the routes' failures)
// show at zero until recorded, so a first event is an increase that rate() sees.
package telemetry

import (
	"context"
	"errors"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
)

// Metrics are one process's metrics: what it records and the handler that exposes them.
type Metrics struct {
	registry *prometheus.Registry
	provider *sdkmetric.MeterProvider
	meter    metric.Meter
	zeroes   *zeroSeries
	http     *httpInstruments
	booking  *bookingInstruments
	webhooks *webhookInstruments
	entry    *entryInstruments
}

// latencyBuckets are the histograms' bounds in seconds: from a cached poll (under a
// millisecond) to a payment that waits on a starved workflow (seconds).
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// NewMetrics builds a process's metrics, with the Go runtime's and the process's own.
func NewMetrics() (*Metrics, error) {
	reg := prometheus.NewRegistry()
	if err := errors.Join(reg.Register(collectors.NewGoCollector()), reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))); err != nil {
		return nil, err
	}
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, err
	}
	// No exemplars: Prometheus's text format does not carry them, and offering each
	// measurement to a reservoir costs the hot path.
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter), sdkmetric.WithExemplarFilter(exemplar.AlwaysOffFilter), sdkmetric.WithView(sdkmetric.NewView(
		sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram, Unit: "s"},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: latencyBuckets}},
	)))
	m := &Metrics{registry: reg, provider: provider, meter: provider.Meter("github.com/boxoffice/boxoffice"), zeroes: &zeroSeries{}}
	if m.http, err = newHTTPInstruments(m.meter, m.zeroes); err != nil {
		return nil, err
	}
	if m.booking, err = newBookingInstruments(m.meter, m.zeroes); err != nil {
		return nil, err
	}
	if m.webhooks, err = newWebhookInstruments(m.meter, m.zeroes); err != nil {
		return nil, err
	}
	if m.entry, err = newEntryInstruments(m.meter, m.zeroes); err != nil {
		return nil, err
	}
	return m, nil
}

// Handler serves the metrics in Prometheus's text format, the declared series not yet recorded
// at zero.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(zeroFilled{m.registry, m.zeroes}, promhttp.HandlerOpts{})
}

// Meter is the meter the process records on.
func (m *Metrics) Meter() metric.Meter { return m.meter }

// Shutdown stops recording.
func (m *Metrics) Shutdown(ctx context.Context) error { return m.provider.Shutdown(ctx) }
