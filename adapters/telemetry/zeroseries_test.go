package telemetry_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/queue"
)

// zeroesOf are the zero series of a sale: every outcome and reason its counters count by, and
// its payment durations.
func zeroesOf(sale string) []string {
	s := `sale="` + sale + `"`
	return []string{
		`boxoffice_holds_total{outcome="failed",` + s + `} 0`,
		`boxoffice_holds_total{outcome="lost",` + s + `} 0`,
		`boxoffice_holds_total{outcome="refused",` + s + `} 0`,
		`boxoffice_holds_total{outcome="won",` + s + `} 0`,
		`boxoffice_payments_total{outcome="failed",` + s + `} 0`,
		`boxoffice_payments_total{outcome="lost",` + s + `} 0`,
		`boxoffice_payments_total{outcome="no_balance",` + s + `} 0`,
		`boxoffice_payments_total{outcome="refused",` + s + `} 0`,
		`boxoffice_payments_total{outcome="won",` + s + `} 0`,
		`boxoffice_check_ins_total{outcome="failed",` + s + `} 0`,
		`boxoffice_check_ins_total{outcome="lost",` + s + `} 0`,
		`boxoffice_check_ins_total{outcome="refused",` + s + `} 0`,
		`boxoffice_check_ins_total{outcome="won",` + s + `} 0`,
		`boxoffice_refunds_total{reason="fan",` + s + `} 0`,
		`boxoffice_refunds_total{reason="performance_cancelled",` + s + `} 0`,
		`boxoffice_payment_duration_seconds_bucket{` + s + `,le="0.0005"} 0`,
		`boxoffice_payment_duration_seconds_bucket{` + s + `,le="+Inf"} 0`,
		`boxoffice_payment_duration_seconds_count{` + s + `} 0`,
	}
}

// lacking are the lines of want the page does not have.
func lacking(page string, want []string) []string {
	return slices.DeleteFunc(slices.Clone(want), func(line string) bool { return strings.Contains(page, line+"\n") })
}

func TestDeclaredSeriesShowAtZeroUntilRecorded(t *testing.T) {
	m := newMetrics(t)
	m.DeclareSale("s1")
	m.DeclareRoute(http.MethodPost, "/api/payment", http.StatusInternalServerError, http.StatusServiceUnavailable)
	page := scrapeOf(m)
	parses(t, page) // a page Prometheus reads
	want := append(zeroesOf("s1"),
		`boxoffice_releases_total{by="sweep"} 0`,
		`boxoffice_releases_total{by="workflow"} 0`,
		`boxoffice_release_lateness_seconds_count 0`,
		`http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="500",http_route="/api/payment",le="0.0005"} 0`,
		`http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="500",http_route="/api/payment"} 0`,
		`http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="503",http_route="/api/payment"} 0`,
	)
	if missing := lacking(page, want); len(missing) > 0 {
		t.Errorf("a fresh page lacks\n%s", strings.Join(missing, "\n"))
	}
	for _, never := range []string{`boxoffice_holds_total{outcome="no_balance"`, `boxoffice_check_ins_total{outcome="no_balance"`} {
		if strings.Contains(page, never) {
			t.Errorf("the page declares %s, an outcome that cannot happen", never)
		}
	}
	if n := strings.Count(page, "\nboxoffice_holds_total{"); n != 4 {
		t.Errorf("a fresh page has %d hold series, want s1's 4", n)
	}

	// What is recorded replaces its zero, once; the other zeroes stay.
	o := m.Booking()
	o.HoldDecided("s1", booking.OutcomeWon)
	o.HoldsReleased(booking.ReleasedByWorkflow, 1, 2*time.Second)
	page = scrapeOf(m)
	parses(t, page)
	for _, line := range []string{
		`boxoffice_holds_total{outcome="won",sale="s1"} 1`,
		`boxoffice_holds_total{outcome="lost",sale="s1"} 0`,
		`boxoffice_releases_total{by="workflow"} 1`,
		`boxoffice_releases_total{by="sweep"} 0`,
		`boxoffice_release_lateness_seconds_count 1`,
	} {
		if !strings.Contains(page, line+"\n") {
			t.Errorf("after a hold and a release the page lacks %s", line)
		}
	}
	for _, series := range []string{`boxoffice_holds_total{outcome="won",sale="s1"} `, "boxoffice_release_lateness_seconds_count "} {
		if n := strings.Count(page, "\n"+series); n != 1 {
			t.Errorf("%s is on the page %d times", series, n)
		}
	}
}

// TestASaleFirstSeenHasItsSeriesDeclared checks a sale made after start-up gets its zero series
// from its first booking event, or from its queue showing in this instance's counters; a
// closed sale's queue declares nothing.
func TestASaleFirstSeenHasItsSeriesDeclared(t *testing.T) {
	m := newMetrics(t)
	if page := scrapeOf(m); strings.Contains(page, "sale=") {
		t.Fatalf("a page with no sale declared shows sales:\n%s", page)
	}
	m.Booking().Refunded("refunding", booking.FanCancelled, 2)
	if err := m.ObserveQueues(func(time.Duration) map[core.SaleID]queue.Queue {
		return map[core.SaleID]queue.Queue{"queueing": {LastSeq: 3}, "closed": {LastSeq: 3, Closed: true}}
	}); err != nil {
		t.Fatal(err)
	}
	page := scrapeOf(m)
	parses(t, page)
	refunding := slices.DeleteFunc(zeroesOf("refunding"), func(l string) bool { return strings.HasPrefix(l, `boxoffice_refunds_total{reason="fan"`) })
	if missing := lacking(page, append(append(refunding, `boxoffice_refunds_total{reason="fan",sale="refunding"} 2`), zeroesOf("queueing")...)); len(missing) > 0 {
		t.Errorf("the page lacks\n%s", strings.Join(missing, "\n"))
	}
	if strings.Contains(page, `sale="closed"`) {
		t.Error("a closed sale's series are declared")
	}
}
