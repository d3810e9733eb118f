package httpapi_test

import (
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
)

// requireRefusal fails unless problem p names location in its errors with a message saying says.
func requireRefusal(t *testing.T, p map[string]any, location, says string) {
	t.Helper()
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		e := e.(map[string]any)
		if e["location"] == location && strings.Contains(e["message"].(string), says) {
			requireAPIWords(t, p)
			return
		}
	}
	t.Fatalf("problem %s does not name %s saying %q", mustJSON(t, p), location, says)
}

// requireSales fails unless the operators see exactly n sales.
func requireSales(t *testing.T, h *harness, n int) {
	t.Helper()
	var all []httpapi.SaleBody
	h.admin(t, "GET", "/api/admin/sales", nil, 200).json(t, &all)
	if len(all) != n {
		t.Fatalf("%d sales, want %d", len(all), n)
	}
}

// Durations are read strictly: one value per designator, in order, at most 100 years in all,
// and then within what the field takes, so nothing wraps around to a short or negative one.
func TestDurationsAreReadStrictly(t *testing.T) {
	h := newHarness(t)
	const grammar, tooLong = "each at most once and in that order", "longer than 100 years"
	for _, tc := range []struct {
		field, value, location, says string
	}{
		{"until_before_show", "P36500D36500D36500D36500D36500D36500D", "body.cancellation.until_before_show", grammar},
		{"until_before_show", "PT1S1S", "body.cancellation.until_before_show", grammar},
		{"until_before_show", "P36501D", "body.cancellation.until_before_show", tooLong},
		{"session_ttl", "P36500D36500D36500D", "body.queue.session_ttl", grammar},
		{"session_ttl", "P36500D", "body.queue.session_ttl", "must be positive and at most PT24H"},
		{"session_ttl", "PT0S", "body.queue.session_ttl", "must be positive and at most PT24H"},
	} {
		b := autumn()
		if tc.field == "session_ttl" {
			b["queue"].(map[string]any)["session_ttl"] = tc.value
		} else {
			b["cancellation"].(map[string]any)["until_before_show"] = tc.value
		}
		requireRefusal(t, h.admin(t, "POST", "/api/admin/sales", b, 400).problem(t), tc.location, tc.says)
	}
	requireSales(t, h, 1)

	path := "/api/admin/sales/" + string(testSale)
	for _, tc := range []struct{ value, says string }{{"PT1S1S", grammar}, {"P2D", "at most PT24H"}, {"PT0S", "must be positive"}} {
		p := h.admin(t, "PATCH", path+"/queue", map[string]any{"session_ttl": tc.value}, 400).problem(t)
		requireRefusal(t, p, "body.session_ttl", tc.says)
	}
	p := h.admin(t, "PATCH", path, map[string]any{"cancellation": map[string]any{"until_before_show": "P1D1D", "fee_percent": 5}}, 400).problem(t)
	requireRefusal(t, p, "body.cancellation.until_before_show", grammar)
	var q httpapi.QueueReportBody
	h.admin(t, "GET", path+"/queue", nil, 200).json(t, &q)
	if q.SessionTTL != "PT10M" {
		t.Fatalf("refused changes changed the session to %s", q.SessionTTL)
	}
}
