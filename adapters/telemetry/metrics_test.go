package telemetry_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/boxoffice/boxoffice/adapters/telemetry"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/waitlist"
	"github.com/boxoffice/boxoffice/core/webhook"
	"github.com/boxoffice/boxoffice/deploy/observability"
)

// recorded builds metrics and records one of everything they measure, then returns the page a
// scrape reads.
func recorded(t *testing.T) string {
	t.Helper()
	m := newMetrics(t)
	o := m.Booking()
	o.HoldDecided("s1", booking.OutcomeWon)
	o.HoldDecided("s1", booking.OutcomeLost)
	o.PaymentDecided("s1", booking.OutcomeWon, 20*time.Millisecond)
	o.HoldsReleased(booking.ReleasedByWorkflow, 1, 300*time.Millisecond)
	o.HoldsReleased(booking.ReleasedBySweep, 7, 0)
	o.Refunded("s1", booking.PerformanceCancelled, 40)
	o.CheckInDecided("s1", booking.OutcomeLost)
	moved := time.Now().Add(-4 * time.Second)
	if err := m.ObserveQueues(func(time.Duration) map[core.SaleID]queue.Queue {
		return map[core.SaleID]queue.Queue{
			"s1":     {LastSeq: 10, AdmittedThrough: 4, AdmittedTotal: 3, AbandonedTotal: 1, AdmitRate: 2.5, MovedAt: moved},
			"closed": {LastSeq: 10, AdmittedThrough: 4, Closed: true},
		}
	}); err != nil {
		t.Fatal(err)
	}
	observeIdlePool(t, m, 7)
	m.Entry().Refused("s1", entry.CauseChallenge)
	m.Entry().Refused("s1", entry.CauseChallenge)
	m.Entry().Refused("s1", entry.CauseCode)
	w := m.Webhooks()
	w.Attempted(webhook.OutcomeRetried)
	w.Attempted(webhook.OutcomeRetried)
	w.Attempted(webhook.OutcomeDelivered)
	oldest := time.Now().Add(-90 * time.Second)
	if err := m.ObserveBacklogs(telemetry.Backlogs{
		OldestPending: func(context.Context) (time.Time, error) { return oldest, nil },
		Waitlists: func(context.Context) (map[core.SaleID]map[waitlist.Status]int, error) {
			return map[core.SaleID]map[waitlist.Status]int{"s1": {waitlist.Waiting: 12, waitlist.Claimed: 3}}, nil
		},
	}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/tickets/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusConflict) })
	mux.HandleFunc("/", http.NotFound)
	mux.HandleFunc("POST /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	api := m.HTTP(mux)
	for _, path := range []string{"/api/tickets/7", "/nowhere"} {
		api.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, path, nil))
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the handler's panic did not reach the server")
			}
		}()
		api.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/boom", nil))
	}()
	_ = m.Temporal(slog.New(slog.DiscardHandler)) // builds; the SDK records through it (the end-to-end test sees it)
	return scrapeOf(m)
}

func TestMetricsRecordWhatTheyAreTold(t *testing.T) {
	page := recorded(t)
	for _, line := range []string{
		`boxoffice_holds_total{outcome="won",sale="s1"} 1`,
		`boxoffice_holds_total{outcome="lost",sale="s1"} 1`,
		`boxoffice_payments_total{outcome="won",sale="s1"} 1`,
		`boxoffice_payment_duration_seconds_count{sale="s1"} 1`,
		`boxoffice_releases_total{by="workflow"} 1`,
		`boxoffice_releases_total{by="sweep"} 7`,
		`boxoffice_release_lateness_seconds_sum 0.3`,
		`boxoffice_refunds_total{reason="performance_cancelled",sale="s1"} 40`,
		`boxoffice_check_ins_total{outcome="lost",sale="s1"} 1`,
		`boxoffice_queue_waiting{sale="s1"} 6`,
		`boxoffice_queue_admitted_total{sale="s1"} 3`,
		`boxoffice_queue_abandoned_total{sale="s1"} 1`,
		`boxoffice_queue_admission_rate{sale="s1"} 2.5`,
		`boxoffice_db_pool_max_connections 7`,
		`boxoffice_webhook_deliveries_total{outcome="retried"} 2`,
		`boxoffice_webhook_deliveries_total{outcome="delivered"} 1`,
		`boxoffice_webhook_deliveries_total{outcome="failed"} 0`,
		`boxoffice_waitlist_entries{sale="s1",status="waiting"} 12`,
		`boxoffice_waitlist_entries{sale="s1",status="claimed"} 3`,
		`boxoffice_waitlist_entries{sale="s1",status="offered"} 0`,
		`boxoffice_db_pool_connections{state="idle"} 0`,
		`boxoffice_joins_refused_total{cause="challenge",sale="s1"} 2`,
		`boxoffice_joins_refused_total{cause="code",sale="s1"} 1`,
		`boxoffice_joins_refused_total{cause="quota",sale="s1"} 0`,
		`http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="409",http_route="/api/tickets/{id}"} 1`,
		`http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="404",http_route="unrouted"} 1`,
		`http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="500",http_route="/boom"} 1`,
	} {
		if !strings.Contains(page, line+"\n") {
			t.Errorf("the page lacks %s", line)
		}
	}
	if !regexp.MustCompile(`boxoffice_webhook_oldest_pending_seconds 9\d\.\d+`).MatchString(page) {
		t.Error("the page lacks the oldest pending webhook event's age, about 90 s")
	}
	if !regexp.MustCompile(`boxoffice_queue_since_last_round_seconds\{sale="s1"\} 4\.\d+`).MatchString(page) {
		t.Error("the page lacks the time since the last admission round, about 4 s")
	}
	if strings.Contains(page, `sale="closed"`) {
		t.Error("a closed sale's queue is exported")
	}
	if strings.Contains(page, "otel_scope") {
		t.Error("the page carries OpenTelemetry scope labels")
	}
}

// TestDashboardAndRulesFindTheirSeriesBeforeAnythingHappens checks that metrics as start-up
// leaves them (a sale and a route declared, the queues and the pool observed, nothing recorded)
// have a series for every one the committed dashboard and rules select, with the label values
// they select. The temporal_ ones are the SDK's, recorded once a worker polls: the end-to-end
// test waits for those.
func TestDashboardAndRulesFindTheirSeriesBeforeAnythingHappens(t *testing.T) {
	m := newMetrics(t)
	m.DeclareSale("s1")
	m.DeclareRoute(http.MethodPost, "/api/payment", http.StatusInternalServerError)
	if err := m.ObserveQueues(func(time.Duration) map[core.SaleID]queue.Queue {
		return map[core.SaleID]queue.Queue{"s1": {LastSeq: 1, MovedAt: time.Now()}}
	}); err != nil {
		t.Fatal(err)
	}
	observeIdlePool(t, m, 4)
	if err := m.ObserveBacklogs(telemetry.Backlogs{ // nothing waits, and no waitlist has an entry
		OldestPending: func(context.Context) (time.Time, error) { return time.Time{}, nil },
		Waitlists: func(context.Context) (map[core.SaleID]map[waitlist.Status]int, error) {
			return map[core.SaleID]map[waitlist.Status]int{}, nil
		},
	}); err != nil {
		t.Fatal(err)
	}
	selectors, err := observability.Selectors()
	if err != nil {
		t.Fatal(err)
	}
	ours := slices.DeleteFunc(selectors, func(s observability.Selector) bool { return strings.HasPrefix(s.Name, "temporal_") })
	if len(ours) < 15 {
		t.Fatalf("found only %v in the dashboard and rules", ours)
	}
	unmatched, err := observability.Unmatched(strings.NewReader(scrapeOf(m)), ours)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range unmatched {
		t.Errorf("%s reads %s, which a freshly started process does not export", s.Where, s)
	}
}

// observeIdlePool has m observe a pool of maxConns connections that never connects.
func observeIdlePool(t *testing.T, m *telemetry.Metrics, maxConns int) {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), fmt.Sprintf("postgres://nobody@127.0.0.1:1/none?pool_max_conns=%d", maxConns)) // lazy
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := m.ObservePool(pool); err != nil {
		t.Fatal(err)
	}
}

// newMetrics are a process's metrics, shut down at the test's end.
func newMetrics(t *testing.T) *telemetry.Metrics {
	t.Helper()
	m, err := telemetry.NewMetrics()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	return m
}

// scrapeOf is the page a scrape of m reads.
func scrapeOf(m *telemetry.Metrics) string {
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// parses checks page is one Prometheus reads: in its text format, no series twice.
func parses(t *testing.T, page string) {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(page))
	if err != nil {
		t.Fatalf("parse the page: %v", err)
	}
	for name, f := range families {
		seen := map[string]bool{}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if key := fmt.Sprint(labels); seen[key] {
				t.Errorf("%s %s is on the page twice", name, key)
			} else {
				seen[key] = true
			}
		}
	}
}
