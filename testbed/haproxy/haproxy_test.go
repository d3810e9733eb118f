package haproxy_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/testbed/haproxy"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
)

// The proxy passes requests to a ready instance, and with none ready answers a 503 problem with
// Retry-After, not HAProxy's HTML page.
func TestTheProxyForwardsAndRefusesAsAProblem(t *testing.T) {
	if _, err := haproxy.Binary(); err != nil {
		temporaltest.Missing(t, err)
	}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "from the instance") // /readyz included
	}))
	defer api.Close()
	p, err := haproxy.Start(context.Background(), []string{strings.TrimPrefix(api.URL, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()

	get := func() (*http.Response, string) {
		t.Helper()
		res, err := http.Get("http://" + p.Addr + "/api/sales")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	if res, body := get(); res.StatusCode != 200 || body != "from the instance" {
		t.Fatalf("through the proxy: %d %q", res.StatusCode, body)
	}
	api.Close() // the instance is gone: the proxy's health checks take it out
	var res *http.Response
	var body string
	for range 100 {
		if res, body = get(); res.StatusCode == http.StatusServiceUnavailable {
			break
		}
	}
	var problem map[string]any
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Content-Type") != "application/problem+json" ||
		res.Header.Get("Retry-After") == "" || json.Unmarshal([]byte(body), &problem) != nil || problem["status"] != 503.0 {
		t.Fatalf("with no instance: %d %v %q, want a 503 problem with Retry-After", res.StatusCode, res.Header, body)
	}
}
