package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/adapters/telemetry"
	"github.com/boxoffice/boxoffice/core/booking"
)

// devMetricsAddr is where dev serves its metrics when BOXOFFICE_METRICS_ADDR is not set.
const devMetricsAddr = "127.0.0.1:9464"

// startMetrics builds the process's metrics and serves them on c.MetricsAddr at /metrics, the
// URL it returns. With no address metrics are off: it returns nil, and nothing records anything.
func startMetrics(c config, log *slog.Logger) (m *telemetry.Metrics, url string, stop func(), err error) {
	if c.MetricsAddr == "" {
		return nil, "", func() {}, nil
	}
	if m, err = telemetry.NewMetrics(); err != nil {
		return nil, "", nil, fmt.Errorf("metrics: %w", err)
	}
	ln, err := net.Listen("tcp", c.MetricsAddr)
	if err != nil {
		return nil, "", nil, fmt.Errorf("listen on %s (BOXOFFICE_METRICS_ADDR): %w", c.MetricsAddr, err)
	}
	url = "http://" + ln.Addr().String() + "/metrics"
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	log.Info("metrics listening", "url", url)
	return m, url, func() {
		_ = srv.Close()
		<-done
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = m.Shutdown(ctx)
	}, nil
}

// bookingObserver is what hears the booking path's decisions: the metrics, or nobody.
func bookingObserver(m *telemetry.Metrics) booking.Observer {
	if m == nil {
		return booking.NopObserver{}
	}
	return m.Booking()
}
