package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/boxoffice/boxoffice/adapters/telemetry"
)

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
