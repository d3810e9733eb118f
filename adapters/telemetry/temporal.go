package telemetry

import (
	"log/slog"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/opentelemetry"
)

// Temporal is the Temporal SDK's metrics handler over these metrics: workflow and activity task
// latencies, schedule-to-start, pollers, sticky cache, as the SDK names them (temporal_…).
func (m *Metrics) Temporal(log *slog.Logger) client.MetricsHandler {
	return opentelemetry.NewMetricsHandler(opentelemetry.MetricsHandlerOptions{
		Meter:   m.meter,
		OnError: func(err error) { log.Warn("a Temporal SDK metric could not be recorded", "err", err) },
	})
}
