package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
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
