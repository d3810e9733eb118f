package observability_test

import (
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/deploy/observability"
)

func TestSelectorsMatchTheSeriesTheirQueriesRead(t *testing.T) {
	selectors, err := observability.Selectors()
	if err != nil {
		t.Fatal(err)
	}
	find := func(s string) observability.Selector {
		for _, sel := range selectors {
			if sel.String() == s {
				return sel
			}
		}
		t.Fatalf("no selector %s among %v", s, selectors)
		return observability.Selector{}
	}
	failed := find(`boxoffice_payments_total{outcome="failed"}`)
	if failed.Where != "rule BoxofficePaymentsFailing" {
		t.Errorf("%s is said to be read by %q", failed, failed.Where)
	}
	errors := find(`http_server_request_duration_seconds_count{http_response_status_code=~"5.."}`)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   bool
	}{
		{"http_server_request_duration_seconds_count", map[string]string{"http_response_status_code": "503", "http_route": "/api/payment"}, true},
		{"http_server_request_duration_seconds_count", map[string]string{"http_response_status_code": "404"}, false},
		{"http_server_request_duration_seconds_count", map[string]string{"http_response_status_code": "1500"}, false}, // anchored
		{"http_server_request_duration_seconds_count", nil, false},
		{"http_server_request_duration_seconds_bucket", map[string]string{"http_response_status_code": "500"}, false},
	} {
		if got := errors.Matches(c.name, c.labels); got != c.want {
			t.Errorf("%s matches %s%v: %t, want %t", errors, c.name, c.labels, got, c.want)
		}
	}
}

func TestUnmatchedAreTheSelectorsAPageHasNoSeriesFor(t *testing.T) {
	selectors, err := observability.Selectors()
	if err != nil {
		t.Fatal(err)
	}
	page := `# TYPE http_server_request_duration_seconds histogram
http_server_request_duration_seconds_bucket{http_route="/api/payment",http_response_status_code="503",le="0.5"} 0
http_server_request_duration_seconds_bucket{http_route="/api/payment",http_response_status_code="503",le="+Inf"} 0
http_server_request_duration_seconds_sum{http_route="/api/payment",http_response_status_code="503"} 0
http_server_request_duration_seconds_count{http_route="/api/payment",http_response_status_code="503"} 0
# TYPE boxoffice_payments_total counter
boxoffice_payments_total{outcome="won",sale="s1"} 0
`
	unmatched, err := observability.Unmatched(strings.NewReader(page), selectors)
	if err != nil {
		t.Fatal(err)
	}
	left := map[string]bool{}
	for _, s := range unmatched {
		left[s.String()] = true
	}
	for _, s := range selectors {
		found := strings.HasPrefix(s.Name, "http_server_request_duration_seconds_") || s.String() == "boxoffice_payments_total"
		if left[s.String()] == found {
			t.Errorf("%s: the page has a series it selects: %t; unmatched: %t", s, found, left[s.String()])
		}
	}
	if _, err := observability.Unmatched(strings.NewReader("not a page {"), selectors); err == nil {
		t.Error("a page that is not Prometheus's text format was read")
	}
}
