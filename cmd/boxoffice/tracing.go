package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

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

// startTracing exports the process's traces as role when the environment names an OTLP
// endpoint; stop sends what is buffered.
func startTracing(ctx context.Context, role string, log *slog.Logger) (t *telemetry.Tracing, stop func(), err error) {
	if !telemetry.TracingConfigured() {
		return nil, func() {}, nil
	}
	if t, err = telemetry.StartTracing(ctx, role); err != nil {
		return nil, nil, fmt.Errorf("tracing (OTEL_EXPORTER_OTLP_*): %w", err)
	}
	log.Info("tracing to OTLP", "role", role)
	return t, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := t.Shutdown(ctx); err != nil {
			log.Warn("send the last traces", "err", err)
		}
	}, nil
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
