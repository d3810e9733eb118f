package telemetry_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHTTPRouteIsThePathTemplate checks the request histogram's attributes are OpenTelemetry's:
// the route is the matched pattern's path template, the method and the status apart.
func TestHTTPRouteIsThePathTemplate(t *testing.T) {
	m := newMetrics(t)
	ok := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }
	routed := http.NewServeMux()
	routed.HandleFunc("GET /api/tickets/{ticket_id}", ok)
	routed.HandleFunc("POST /api/tickets/{ticket_id}/cancel", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusConflict) })
	routed.HandleFunc("GET /{$}", ok)
	routed.HandleFunc("/", http.NotFound) // the edge's catch-all: what no route takes
	bare := http.NewServeMux()            // no catch-all: the mux answers 405 itself
	bare.HandleFunc("GET /api/sales", ok)
	for _, r := range []struct {
		mux          *http.ServeMux
		method, path string
	}{
		{routed, http.MethodGet, "/api/tickets/7f3a"},
		{routed, http.MethodGet, "/api/tickets/9b1c"},
		{routed, http.MethodHead, "/api/tickets/9b1c"},
		{routed, http.MethodPost, "/api/tickets/7f3a/cancel"},
		{routed, http.MethodGet, "/"},
		{routed, http.MethodGet, "/nowhere/12345"},
		{routed, "BREW", "/api/tickets/7f3a"},
		{bare, http.MethodDelete, "/api/sales"},
	} {
		m.HTTP(r.mux).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(r.method, r.path, nil))
	}
	page := scrapeOf(m)
	for _, line := range []string{
		`http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/api/tickets/{ticket_id}"} 2`,
		`http_server_request_duration_seconds_count{http_request_method="HEAD",http_response_status_code="200",http_route="/api/tickets/{ticket_id}"} 1`,
		`http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="409",http_route="/api/tickets/{ticket_id}/cancel"} 1`,
		`http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/{$}"} 1`,
		`http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="404",http_route="unrouted"} 1`,
		`http_server_request_duration_seconds_count{http_request_method="_OTHER",http_response_status_code="404",http_route="unrouted"} 1`,
		`http_server_request_duration_seconds_count{http_request_method="DELETE",http_response_status_code="405",http_route="unrouted"} 1`,
	} {
		if !strings.Contains(page, line+"\n") {
			t.Errorf("the page lacks %s", line)
		}
	}
	for _, leak := range []string{"7f3a", "9b1c", "12345", `route="GET `, "boxoffice_http_"} {
		if strings.Contains(page, leak) {
			t.Errorf("the page carries %q", leak)
		}
	}
	if n := strings.Count(page, "http_server_request_duration_seconds_count{"); n != 7 {
		t.Errorf("the page has %d request series, want the 7 above", n)
	}
}
