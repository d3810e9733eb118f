package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	deployed "github.com/boxoffice/boxoffice/deploy/observability" // the dashboard and the rules; observability is a type here
	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/testbed/freeport"
)

// TestMetricsCountWhatHappened scrapes the worker's and an API instance's /metrics before and
// after a scripted flow (fans admitted, a hold won, a race lost, a payment short of money and one
// made, a hold left to expire) and checks each counter moved by exactly what happened.
func TestMetricsCountWhatHappened(t *testing.T) {
	sys := startSystem(t, 2*time.Second)
	api, ctx := sys.api, context.Background()
	worker, apiMetrics := sys.metrics[0], sys.metrics[1]
	beforeAPI, beforeWorker := scrape(t, apiMetrics), scrape(t, worker)
	listenForWebhooks(t, sys) // hears the payment below: one delivery

	ann, ben, cy := fan(t, api, "metrics-ann"), fan(t, api, "metrics-ben"), fan(t, api, "metrics-cy")
	show := date(t, firstDate(t, api, ann))
	held, err := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: show, SeatId: 21}, apiclient.Bearer(ann))
	if err != nil || held.JSON200 == nil {
		t.Fatalf("hold: %v %s", err, held.Body)
	}
	if lost, _ := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: show, SeatId: 21}, apiclient.Bearer(ben)); lost.StatusCode() != http.StatusConflict {
		t.Fatalf("the race for a held seat: %d %s", lost.StatusCode(), lost.Body)
	}
	pay := apiclient.PayJSONRequestBody{TicketId: held.JSON200.TicketId, SeatId: 21, Date: show}
	if short, _ := api.PayWithResponse(ctx, nil, pay, apiclient.Bearer(ann)); short.StatusCode() != http.StatusPaymentRequired {
		t.Fatalf("a payment with no balance: %d %s", short.StatusCode(), short.Body)
	}
	if _, err := api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: held.JSON200.Price}, apiclient.Bearer(ann)); err != nil {
		t.Fatal(err)
	}
	if paid, err := api.PayWithResponse(ctx, nil, pay, apiclient.Bearer(ann)); err != nil || paid.JSON200 == nil {
		t.Fatalf("pay: %v %s", err, paid.Body)
	}
	expiring, err := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: show, SeatId: 22}, apiclient.Bearer(cy))
	if err != nil || expiring.JSON200 == nil {
		t.Fatalf("hold: %v %s", err, expiring.Body)
	}
	waitReleased(t, sys.server, expiring.JSON200.TicketId)

	afterAPI := scrape(t, apiMetrics)
	sale := `sale="boxoffice-live"`
	for series, want := range map[string]float64{
		`boxoffice_holds_total{outcome="won",` + sale + `}`:           2,
		`boxoffice_holds_total{outcome="lost",` + sale + `}`:          1,
		`boxoffice_payments_total{outcome="no_balance",` + sale + `}`: 1,
		`boxoffice_payments_total{outcome="won",` + sale + `}`:        1,
		`boxoffice_payment_duration_seconds_count{` + sale + `}`:      2,
		requests("POST", "/api/tickets", 200):                         2,
		requests("POST", "/api/tickets", 409):                         1,
		requests("POST", "/api/tickets", 500):                         0, // there from start-up
		requests("POST", "/api/payment", 402):                         1,
		requests("POST", "/api/payment", 200):                         1,
		requests("POST", "/api/payment", 503):                         0,
	} {
		if _, ok := afterAPI[series]; !ok {
			t.Errorf("the API exports no %s", series)
		} else if got := afterAPI[series] - beforeAPI[series]; got != want {
			t.Errorf("API %s moved by %v, want %v", series, got, want)
		}
	}
	if got := afterAPI[`boxoffice_queue_admitted_total{`+sale+`}`]; got < 3 {
		t.Errorf("the API's cached admitted total is %v, want at least the 3 fans it saw admitted", got)
	}
	if afterAPI[`boxoffice_db_pool_max_connections`] == 0 {
		t.Error("the API exports no database pool")
	}
	// The expired hold's release is the worker's: its workflow's, or the sweep's.
	afterWorker := scrape(t, worker)
	released := afterWorker[`boxoffice_releases_total{by="workflow"}`] + afterWorker[`boxoffice_releases_total{by="sweep"}`] -
		beforeWorker[`boxoffice_releases_total{by="workflow"}`] - beforeWorker[`boxoffice_releases_total{by="sweep"}`]
	if released != 1 {
		t.Errorf("the worker counted %v releases, want the one expired hold", released)
	}
	delivered := `boxoffice_webhook_deliveries_total{outcome="delivered"}`
	if !eventually(15*time.Second, func() bool { return scrape(t, worker)[delivered]-beforeWorker[delivered] == 1 }) {
		t.Errorf("the worker counted %v webhook deliveries, want the payment's one", scrape(t, worker)[delivered]-beforeWorker[delivered])
	}
	var reservationTasks float64
	for _, series := range seriesNamed(afterWorker, "temporal_workflow_task_schedule_to_start_latency_seconds_count{") {
		if strings.Contains(series, `workflow_type="Reservation"`) {
			reservationTasks += afterWorker[series]
		}
	}
	if reservationTasks < 2 { // the holds' first tasks at least
		t.Errorf("the worker's Temporal SDK metrics count %v reservation workflow tasks; its series are %v",
			reservationTasks, seriesNamed(afterWorker, "temporal_workflow_task_schedule_to_start"))
	}
	// The Temporal SDK metrics the committed dashboard and rules read are ones a real worker
	// exports (the boxoffice_ ones are there from start-up: TestAFreshDevExportsEverySeries…).
	temporalRead := slices.DeleteFunc(selectorsRead(t), func(s deployed.Selector) bool { return !strings.HasPrefix(s.Name, "temporal_") })
	if len(temporalRead) == 0 {
		t.Fatal("the dashboard and the rules read no Temporal SDK metric")
	}
	for _, s := range unmatched(t, worker, temporalRead) {
		t.Errorf("%s reads %s, which the worker does not export", s.Where, s)
	}
}

// requests is the series of the request histogram's count of method on route answered status.
func requests(method, route string, status int) string {
	return fmt.Sprintf(`http_server_request_duration_seconds_count{http_request_method=%q,http_response_status_code="%d",http_route=%q}`, method, status, route)
}

// TestAFreshDevExportsEverySeriesTheDashboardAndRulesRead scrapes a `boxoffice dev` on
// PostgreSQL as soon as it answers, before any request, and finds there every series that a
// panel of the committed dashboard or an alert rule selects, with the label values it selects.
// The Temporal SDK's own (temporal_…) are recorded once the worker has polled and run a task,
// and each sale's queue once admission has run a round, so those may come a little later.
func TestAFreshDevExportsEverySeriesTheDashboardAndRulesRead(t *testing.T) {
	port, err := freeport.Port()
	if err != nil {
		t.Fatal(err)
	}
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", port)
	bin, base, env := devSetup(t, "DATABASE_URL="+pgtest.Database(t), "BOXOFFICE_TEMPORAL_STATE="+filepath.Join(t.TempDir(), "temporal.db"),
		fmt.Sprintf("BOXOFFICE_METRICS_ADDR=127.0.0.1:%d", port))
	startDevProcess(t, bin, env, base)
	// One scrape as soon as dev answers: what is not there yet must be allowed to come later.
	var later []deployed.Selector
	for _, s := range unmatched(t, metricsURL, selectorsRead(t)) {
		if strings.HasPrefix(s.Name, "temporal_") || strings.HasPrefix(s.Name, "boxoffice_queue_") {
			later = append(later, s)
		} else {
			t.Errorf("%s reads %s, which a fresh dev does not export; it exports %v", s.Where, s,
				seriesNamed(scrape(t, metricsURL), strings.TrimSuffix(s.Name, "_bucket")))
		}
	}
	for deadline := time.Now().Add(30 * time.Second); len(later) > 0 && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		later = unmatched(t, metricsURL, later)
	}
	for _, s := range later {
		t.Errorf("%s reads %s, which dev had not exported 30 s after it started", s.Where, s)
	}
}

// selectorsRead are the series the committed dashboard's panels and alert rules select.
func selectorsRead(t *testing.T) []deployed.Selector {
	t.Helper()
	selectors, err := deployed.Selectors()
	if err != nil {
		t.Fatal(err)
	}
	return selectors
}

// unmatched are the selectors no series of the /metrics page at url matches.
func unmatched(t *testing.T, url string, selectors []deployed.Selector) []deployed.Selector {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	left, err := deployed.Unmatched(res.Body, selectors)
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return left
}

// firstDate is the first date a token's sale lists.
func firstDate(t *testing.T, api *apiclient.ClientWithResponses, token string) string {
	t.Helper()
	dates, err := api.ListDatesWithResponse(context.Background(), apiclient.Bearer(token))
	if err != nil || dates.JSON200 == nil || len(*dates.JSON200) == 0 {
		t.Fatalf("dates: %v", err)
	}
	return (*dates.JSON200)[0]
}

// scrape reads a /metrics page: each series' value by its name and sorted labels.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	out := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			key := name
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			switch {
			case m.Counter != nil:
				out[key] = m.Counter.GetValue()
			case m.Gauge != nil:
				out[key] = m.Gauge.GetValue()
			case m.Histogram != nil:
				out[strings.Replace(key, name, name+"_count", 1)] = float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return out
}

// seriesNamed lists the series whose key starts with prefix, for a failure's message.
func seriesNamed(m map[string]float64, prefix string) []string {
	var out []string
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
