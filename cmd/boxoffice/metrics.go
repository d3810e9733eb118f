package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/boxoffice/boxoffice/adapters/telemetry"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/webhook"
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

func webhookObserver(m *telemetry.Metrics) webhook.Observer {
	if m == nil {
		return webhook.NopObserver{}
	}
	return m.Webhooks()
}

func entryObserver(m *telemetry.Metrics) entry.Observer {
	if m == nil {
		return entry.NopObserver{}
	}
	return m.Entry()
}

// declareSales makes the booking series of every sale not closed show from start-up, at zero
// until counted, so a first hold, payment, refund or scan is an increase that rate() sees.
// Closed sales are left out: their series would only pile up across restarts.
func declareSales(ctx context.Context, m *telemetry.Metrics, a *app.App) error {
	if m == nil {
		return nil
	}
	sales, err := a.Catalog.Admin.Sales(ctx)
	if err != nil {
		return fmt.Errorf("declare the sales' metrics: list sales: %w", err)
	}
	for _, s := range sales {
		if s.State != core.Closed {
			m.DeclareSale(s.ID)
		}
	}
	return nil
}

// declareOperations makes the request histogram's series of each API operation's 5xx answers
// (the statuses of 500 and up its OpenAPI operation declares) show from start-up, at zero until
// one comes: those are what the error-ratio alert reads, and a first failure must be an increase
// that rate() sees. Other statuses show from their first answer on.
func declareOperations(m *telemetry.Metrics, oapi *huma.OpenAPI) {
	if m == nil {
		return
	}
	for path, item := range oapi.Paths {
		for method, op := range map[string]*huma.Operation{
			http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put, http.MethodPatch: item.Patch, http.MethodDelete: item.Delete,
		} {
			if op == nil {
				continue
			}
			var failures []int
			for code := range op.Responses {
				if status, err := strconv.Atoi(code); err == nil && status >= 500 {
					failures = append(failures, status)
				}
			}
			m.DeclareRoute(method, path, failures...)
		}
	}
}
