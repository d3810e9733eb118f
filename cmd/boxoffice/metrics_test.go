package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/adapters/telemetry"
)

func TestMetricsAreOffWithoutAnAddressAndServedWithOne(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	if m, url, stop, err := startMetrics(config{}, log); m != nil || url != "" || err != nil {
		t.Fatalf("with no address: %v %q %v, want metrics off", m, url, err)
	} else {
		stop()
	}
	m, url, stop, err := startMetrics(config{MetricsAddr: "127.0.0.1:0"}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if m == nil || res.StatusCode != http.StatusOK || !strings.Contains(string(body), "go_goroutines") {
		t.Fatalf("GET %s: %d\n%s", url, res.StatusCode, body)
	}
}

func TestAMetricsAddressInUseSaysWhichSetting(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, _, _, err = startMetrics(config{MetricsAddr: taken.Addr().String()}, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "BOXOFFICE_METRICS_ADDR") {
		t.Fatalf("metrics on an address in use: %v, want an error naming BOXOFFICE_METRICS_ADDR", err)
	}
}

// TestEveryOperationStartsWithItsFailuresAtZero checks each API operation's declared 5xx
// answers show at zero before any request, under the route and method its requests are then
// counted by.
func TestEveryOperationStartsWithItsFailuresAtZero(t *testing.T) {
	m, err := telemetry.NewMetrics()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Shutdown(context.Background()) }()
	handler, api := httpapi.New(httpapi.Deps{})
	declareOperations(m, api.OpenAPI())
	fresh := pageOf(t, m)
	var operations []string
	for path, item := range api.OpenAPI().Paths {
		for method, op := range map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put, http.MethodPatch: item.Patch, http.MethodDelete: item.Delete} {
			if op == nil {
				continue
			}
			operations = append(operations, method+" "+path)
			series := fmt.Sprintf(`{http_request_method=%q,http_response_status_code="500",http_route=%q}`, method, path)
			if got, ok := fresh["http_server_request_duration_seconds_count"+series]; !ok || got != 0 {
				t.Errorf("%s %s: a fresh page has %s at %v (present: %t), want 0", method, path, series, got, ok)
			}
			// A request with nothing filled in is answered somehow, and counted by its route: with
			// no deps some operations panic, counted as 500 under their route all the same.
			target := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "x")
			func() {
				defer func() { _ = recover() }() // the deps are empty; a panic is counted as 500 all the same
				m.HTTP(handler).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, target, nil))
			}()
		}
	}
	if len(operations) < 20 {
		t.Fatalf("found only %d operations: %v", len(operations), operations)
	}
	after := pageOf(t, m)
	for _, op := range operations {
		method, path, _ := strings.Cut(op, " ")
		answered := 0.0
		for series, n := range after {
			if strings.Contains(series, fmt.Sprintf(`{http_request_method=%q,`, method)) && strings.HasSuffix(series, fmt.Sprintf(`http_route=%q}`, path)) &&
				strings.HasPrefix(series, "http_server_request_duration_seconds_count{") {
				answered += n
			}
		}
		if answered != 1 {
			t.Errorf("%s: %v requests counted under its route, want the 1 made", op, answered)
		}
	}
}

// pageOf is what a scrape of m reads, by series.
func pageOf(t *testing.T, m *telemetry.Metrics) map[string]float64 {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	return scrape(t, srv.URL)
}
