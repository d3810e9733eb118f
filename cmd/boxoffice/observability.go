package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"go.temporal.io/sdk/interceptor"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/telemetry"
	"github.com/boxoffice/boxoffice/adapters/temporal"
)

// observability is what watches a process: its metrics (nil when off) and its tracing (nil
// unless OTEL_EXPORTER_OTLP_ENDPOINT is set). Off, each costs nothing: nothing is wrapped.
type observability struct {
	metrics *telemetry.Metrics
	tracing *telemetry.Tracing
}

// startObservability starts the process's metrics and tracing as role; stop ends both. url is
// where the metrics are served (empty when off).
func startObservability(ctx context.Context, c config, role string, log *slog.Logger) (o observability, url string, stop func(), err error) {
	m, url, stopMetrics, err := startMetrics(c, log)
	if err != nil {
		return observability{}, "", nil, err
	}
	tr, stopTracing, err := startTracing(ctx, role, log)
	if err != nil {
		stopMetrics()
		return observability{}, "", nil, err
	}
	return observability{metrics: m, tracing: tr}, url, func() { stopTracing(); stopMetrics() }, nil
}

// temporalObserved is how the Temporal client is watched.
func (o observability) temporalObserved(log *slog.Logger) (temporal.Observed, error) {
	var obs temporal.Observed
	if o.metrics != nil {
		obs.Metrics = o.metrics.Temporal(log)
	}
	if o.tracing != nil {
		i, err := o.tracing.Temporal()
		if err != nil {
			return obs, fmt.Errorf("tracing: %w", err)
		}
		obs.Interceptors = []interceptor.ClientInterceptor{i}
	}
	return obs, nil
}

// database are the pool's options: its queries traced, with tracing on.
func (o observability) database() []postgres.Option {
	if o.tracing == nil {
		return nil
	}
	return []postgres.Option{postgres.WithQueryTracer(o.tracing.Database())}
}

// http wraps the API's handler: counted and timed with metrics on, traced with tracing on.
func (o observability) http(h http.Handler) http.Handler {
	if o.metrics != nil {
		h = o.metrics.HTTP(h)
	}
	if o.tracing != nil {
		h = o.tracing.HTTP(h)
	}
	return h
}
